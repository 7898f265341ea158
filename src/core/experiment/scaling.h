// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class ScalingExperiment : public Experiment
{
public:
    static constexpr const char* kName = "scaling";
    ScalingExperiment()
        : Experiment(kName, "Scaling the HTTP server with workers")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell clusterScales(const QList<ExperimentResult>& results, int cores, bool multiCore);
};

} // namespace clusterlab::experiment
