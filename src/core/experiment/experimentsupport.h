// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "lab.h"
#include "result.h"
#include "stats.h"

#include "load/loadconfig.h"

#include <QList>
#include <QString>

#include <cstdint>

// What every experiment's run uses: load steps, failures said in words,
// lines for charts, fib's cost here. One place, seven users.
namespace clusterlab::experiment::support {

// A load of one route at `connections` for `durationMs` against the lab's cluster.
LoadConfig loadOf(const QByteArray& route, int connections, std::int64_t durationMs, bool keepAlive = true);

// ns in ms; a number for the findings.
double msOf(std::int64_t ns);
QString num(double v, int decimals = 1);

// A line of means with their 95% intervals, one point per x.
Line lineOf(const QString& name, const QList<double>& xs, const QList<Estimate>& ys);

// 0, 1, …, count - 1: the x of a categorical chart.
QList<double> categoryXs(int count);

// Why a load run gave nothing: the generator's error, or what came back.
QString whyNothing(const Lab::LoadRun& run);

// A step that got no answer at all (a stall of the shared machine, or a step
// shorter than one request on its path) is run again, four times as long,
// kRunsAgain times at most; the result counts how often that happened.
constexpr int kRunsAgain = 3;
Lab::LoadRun loadStep(Lab& lab, const LoadConfig& config, ExperimentResult& r);

// The same for loads run side by side: when the first (the probe) got no
// answer, all of them run again, four times as long, kRunsAgain times at most.
std::vector<Lab::LoadRun> loadTogetherStep(Lab& lab, std::vector<LoadConfig> configs, ExperimentResult& r);

// Marks the run failed with the reason; false, for `return failRun(…)`.
bool failRun(ExperimentResult& r, const QString& why);

// Stops the run early (cancelled) and says so; true when it did.
bool stopIfCancelled(Lab& lab, ExperimentResult& r);

// The cluster of the experiments that measure one worker's paths: one
// worker, telemetry off (its cost is not what they measure), poolThreads
// pool threads (0: the default).
ClusterConfig oneQuietWorker(int poolThreads = 0);

// Starts the experiment's cluster; false (and the result says why, or that
// it was cancelled) when it could not.
bool startClusterFor(Lab& lab, ExperimentResult& r, const ClusterConfig& config, const QString& what);

// An estimate of KiB, in MiB.
Estimate inMiB(Estimate e);

// "1234 req/s".
QString rpsText(const Estimate& e);

// fib(n)'s cost in ms: measured here (median of three), or, for estimates
// before anything runs, from its growth (×1.618 per n) and ~14 ms at 35.
double fibCostMs(int n, bool measure);

} // namespace clusterlab::experiment::support
