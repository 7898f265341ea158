// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

namespace clusterlab::experiment {

class CrossoverExperiment : public Experiment
{
public:
    static constexpr const char* kName = "crossover";
    CrossoverExperiment()
        : Experiment(kName, "Where offloading starts to pay")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
    static QList<int> sweep(bool quick);

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell offloadDoesNotScaleHttp(const QList<ExperimentResult>& results, const QString& path);
    static VerdictCell clusterDoesNotOffload(const QList<ExperimentResult>& results);
    static VerdictCell offloadBeatsLoop(const QList<ExperimentResult>& results, const QString& path);
    static VerdictCell parallelWithin(const QList<ExperimentResult>& results, const QString& path, int cores);
};

} // namespace clusterlab::experiment
