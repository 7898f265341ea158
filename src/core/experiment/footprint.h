// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class FootprintExperiment : public Experiment
{
public:
    static constexpr const char* kName = "footprint";
    FootprintExperiment()
        : Experiment(kName, "What each unit costs")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell clusterSharesNothing(const QList<ExperimentResult>& results);
    static VerdictCell externalTools(const QList<ExperimentResult>& results, bool child);
};

} // namespace clusterlab::experiment
