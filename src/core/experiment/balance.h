// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class BalanceExperiment : public Experiment
{
public:
    static constexpr const char* kName = "balance";
    BalanceExperiment()
        : Experiment(kName, "How evenly the cluster spreads work")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

} // namespace clusterlab::experiment
