// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class SharingExperiment : public Experiment
{
public:
    static constexpr const char* kName = "sharing";
    SharingExperiment()
        : Experiment(kName, "Handing data to the computation")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
    static QList<int> sizesMb() { return { 1, 8, 64 }; }

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell sharing(const QList<ExperimentResult>& results, bool threads);
};

} // namespace clusterlab::experiment
