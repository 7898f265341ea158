#pragma once

#include "lab.h"
#include "result.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace clusterlab::experiment {

// One experiment: a question from the seed's table, a method, and the
// measurements under stable metric names (verdict.h reads them). The
// runner gives it a Lab on its own thread; run() checks lab.cancelled()
// between steps and returns early (result.cancelled) when asked.
class Experiment
{
public:
    virtual ~Experiment() = default;
    virtual QString name() const = 0;  // "scaling": the command line's name
    virtual QString title() const = 0; // "Scaling the HTTP server with workers"
    virtual QString question() const = 0;
    // Seconds it should take with these settings (for progress and ETA).
    virtual double estimatedSeconds(const ExperimentSettings& settings, int cores) const = 0;
    virtual void run(Lab& lab, ExperimentResult& result) = 0;

    // Every experiment, in the order `all` runs them.
    static std::vector<std::unique_ptr<Experiment>> all();
    static std::unique_ptr<Experiment> byName(const QString& name);
    static QStringList names();
};

class ScalingExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("scaling"); }
    QString title() const override { return QStringLiteral("Scaling the HTTP server with workers"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

class CrossoverExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("crossover"); }
    QString title() const override { return QStringLiteral("Where offloading starts to pay"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
    static QList<int> sweep(bool quick);
};

class BlockingExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("blocking"); }
    QString title() const override { return QStringLiteral("Does heavy work freeze the event loop?"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

class IsolationExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("isolation"); }
    QString title() const override { return QStringLiteral("What a crash takes down"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

class SharingExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("sharing"); }
    QString title() const override { return QStringLiteral("Handing data to the computation"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
    static QList<int> sizesMb() { return { 1, 8, 64 }; }
};

class BalanceExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("balance"); }
    QString title() const override { return QStringLiteral("How evenly the cluster spreads work"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

class FootprintExperiment : public Experiment
{
public:
    QString name() const override { return QStringLiteral("footprint"); }
    QString title() const override { return QStringLiteral("What each unit costs"); }
    QString question() const override;
    double estimatedSeconds(const ExperimentSettings& settings, int cores) const override;
    void run(Lab& lab, ExperimentResult& result) override;
};

} // namespace clusterlab::experiment
