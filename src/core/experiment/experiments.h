// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment.h"
#include "verdict.h"

#include <QList>

// Every experiment, declared here; each has a file of its own for its run
// and its verdict rules (scaling.cpp, crossover.cpp, …). The registry
// (Experiment::all, byName, names) is in experiments.cpp.
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
    bool perOffloadMode() const override { return false; }

    // The load generator's CPU use (in cores, beside the cluster) from
    // which `/` cannot show the cluster's scaling on this machine.
    static constexpr double kGeneratorBoundCores = 0.5;
    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell clusterScales(const QList<ExperimentResult>& results, int cores, bool multiCore);
};

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
    static QList<int> sweep(bool quick, EngineKind engine = EngineKind::Native);

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell offloadDoesNotScaleHttp(const QList<ExperimentResult>& results, const QString& path);
    static VerdictCell clusterDoesNotOffload(const QList<ExperimentResult>& results);
    static VerdictCell offloadBeatsLoop(const QList<ExperimentResult>& results, const QString& path);
    static VerdictCell parallelWithin(const QList<ExperimentResult>& results, const QString& path, int cores);
};

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
    // Quick runs stop at 32 MiB (a copy to a Node child takes ~1 s at 64).
    static QList<int> sizesMb(bool quick) { return quick ? QList<int> { 1, 8, 32 } : QList<int> { 1, 8, 64 }; }

    // Its cells of the seed's table (verdict.cpp lays them out).
    static VerdictCell sharing(const QList<ExperimentResult>& results, bool threads);
};

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
    bool perOffloadMode() const override { return false; }
};

class DistributionExperiment : public Experiment
{
public:
    static constexpr const char* kName = "distribution";
    DistributionExperiment()
        : Experiment(kName, "Which worker serves each new connection")
    {
    }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
    bool perOffloadMode() const override { return false; }

    // The seed's Q2 table (and its 10-request example), one verdict per
    // engine: decided from each engine's default policy.
    static QList<DistributionRow> rows(const QList<ExperimentResult>& results);
};

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
