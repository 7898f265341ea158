// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "stats.h"
#include "variant.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QPointF>
#include <QString>
#include <QStringList>

namespace clusterlab::experiment {

// Where the results were measured: recorded with every run.
struct MachineInfo
{
    QString cpuModel;
    int cores = 0;
    QString os;
    QString kernel;
    QString qtVersion;
    QString buildType;
    QString clusterlabVersion;
    QString nodeVersion; // "Node.js v20.19.2" when the Node engine ran; else empty

    static MachineInfo current();
    QJsonObject toJson() const;
    static MachineInfo fromJson(const QJsonObject& o);
    // "AMD EPYC, 2 cores, Debian GNU/Linux 12 (bookworm), Qt 6.4.2, Release build"
    QString oneLine() const;
};

// How a run is set up. Durations are per measured step; quick runs use the
// short ones. timeScale shrinks every duration (tests use tiny runs).
struct ExperimentSettings
{
    bool quick = false;
    int workers = 0;           // for the experiments that take a cluster size; 0 -> one per core
    int rounds = 0;            // repeated rounds (the confidence intervals come from these); 0: 3 quick, 5 full
    int effectiveRounds() const { return rounds > 0 ? rounds : (quick ? 3 : 5); }
    double timeScale = 1.0;
    quint64 seed = 1;          // of the load generator's route draws
    QString workerProgram;     // empty -> clusterlab-worker beside this executable
    // The engines every experiment runs on, in the table's order; empty:
    // the native engine only.
    QList<EngineVariant> variants;
    QList<EngineVariant> effectiveVariants() const { return variants.isEmpty() ? QList<EngineVariant> { EngineVariant {} } : variants; }

    QJsonObject toJson() const;
};

// One line of a chart: its points (x, mean) and, when measured in rounds,
// the 95% interval at each point.
struct Line
{
    QString name;
    QList<QPointF> points;
    QList<QPointF> intervals; // (low, high) per point; may be empty
};

struct Chart
{
    QString id;       // "crossover-throughput": a cell's evidence names it
    QString title;
    QString xTitle;
    QString yTitle;
    bool logX = false;
    bool logY = false;
    bool categoricalX = false; // x values index xCategories
    QStringList xCategories;
    QList<Line> lines;

    QJsonObject toJson() const;
    static Chart fromJson(const QJsonObject& o);
};

// What one experiment measured: raw per-round values under stable metric
// names (the verdict rules read these), sentences for people, charts, and
// whatever else it wants to keep (data).
struct ExperimentResult
{
    QString name;
    QString title;
    QString variant = QStringLiteral("native"); // the engine it ran on (EngineVariant::id)
    QString method;             // how it was measured, one paragraph
    QMap<QString, QList<double>> metrics;
    QStringList findings;
    QList<Chart> charts;
    QJsonObject data;
    double seconds = 0;
    bool cancelled = false;
    QString error;              // non-empty: it could not run (the reason)

    bool has(const QString& metric) const { return metrics.contains(metric) && !metrics.value(metric).isEmpty(); }
    Estimate metric(const QString& key) const { return estimate(metrics.value(key)); }
    double value(const QString& key, double fallback = -1) const
    {
        const QList<double> v = metrics.value(key);
        return v.isEmpty() ? fallback : medianOf(v);
    }
    void add(const QString& key, double value) { metrics[key].append(value); }

    QJsonObject toJson() const;
    static ExperimentResult fromJson(const QJsonObject& o);
};

} // namespace clusterlab::experiment
