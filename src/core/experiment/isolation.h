// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class IsolationExperiment : public Experiment
{
public:
    static constexpr const char* kName = "isolation";
    IsolationExperiment()
        : Experiment(kName, "What a crash takes down")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell isolation(const QList<ExperimentResult>& results, int column);
};

} // namespace clusterlab::experiment
