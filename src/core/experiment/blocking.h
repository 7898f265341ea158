// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class BlockingExperiment : public Experiment
{
public:
    static constexpr const char* kName = "blocking";
    BlockingExperiment()
        : Experiment(kName, "Does heavy work freeze the event loop?")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell loopFreezes(const QList<ExperimentResult>& results);
    static VerdictCell offloadKeepsLoopFree(const QList<ExperimentResult>& results, const QString& path);
};

} // namespace clusterlab::experiment
