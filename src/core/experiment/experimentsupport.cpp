// SPDX-License-Identifier: GPL-3.0-or-later
#include "experimentsupport.h"

#include "compute/clock.h"
#include "compute/fib.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace clusterlab::experiment::support {

LoadConfig loadOf(const QByteArray& route, int connections, std::int64_t durationMs, bool keepAlive)
{
    LoadConfig c;
    c.routes = { RouteWeight { route, 1 } };
    c.connections = connections;
    c.durationMs = durationMs;
    c.keepAlive = keepAlive;
    c.keepRecords = false;
    c.timeoutMs = 30000;
    return c;
}

double msOf(std::int64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

QString num(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

// A line of means with their 95% intervals, one point per x.
Line lineOf(const QString& name, const QList<double>& xs, const QList<Estimate>& ys)
{
    Line l;
    l.name = name;
    for (qsizetype i = 0; i < xs.size() && i < ys.size(); ++i) {
        if (!ys[i].valid())
            continue;
        l.points.append(QPointF(xs[i], ys[i].mean));
        // Every quantity here is a count, a time or a size: never below 0.
        l.intervals.append(QPointF(qMax(0.0, ys[i].low), ys[i].high));
    }
    return l;
}

QList<double> categoryXs(int count)
{
    QList<double> xs;
    for (int i = 0; i < count; ++i)
        xs.append(i);
    return xs;
}

// Why a load run gave nothing: the generator's error, or what came back.
QString whyNothing(const Lab::LoadRun& run)
{
    if (!run.error.isEmpty())
        return run.error;
    if (run.summary.unreachable)
        return run.summary.unreachableReason;
    QStringList parts;
    parts << QStringLiteral("%1 sent, %2 failed").arg(run.summary.sent).arg(run.summary.failed);
    for (int k = 1; k < kLoadErrorKinds; ++k) {
        if (run.summary.errors[static_cast<std::size_t>(k)] > 0)
            parts << QStringLiteral("%1 %2").arg(run.summary.errors[static_cast<std::size_t>(k)]).arg(QLatin1String(errorKindName(static_cast<LoadError>(k))));
    }
    if (run.summary.cutAtDeadline > 0)
        parts << QStringLiteral("%1 still in flight at the end").arg(run.summary.cutAtDeadline);
    return parts.join(QStringLiteral(", "));
}

// A step that got no answer at all is run again, longer (see the header).
Lab::LoadRun loadStep(Lab& lab, const LoadConfig& config, ExperimentResult& r)
{
    Lab::LoadRun run = lab.load(config);
    // No answer at all: a stall of the shared machine, or a step shorter
    // than one request on this path (a child process under a sanitizer
    // takes ~75 ms to spawn; a scaled-down quick step can be 50 ms). Run
    // again, four times as long each time (5 s at most), three times at
    // most (a new Node fork per request on a machine busy with other work
    // once answered nothing within 140, 560 and 2240 ms).
    LoadConfig longer = config;
    for (int again = 0; again < kRunsAgain && !lab.cancelled() && run.error.isEmpty() && run.summary.succeeded == 0; ++again) {
        r.data.insert(QStringLiteral("stepsRunAgain"), r.data.value(QStringLiteral("stepsRunAgain")).toInt() + 1);
        if (longer.durationMs > 0)
            longer.durationMs = std::min<std::int64_t>(longer.durationMs * 4, 5000);
        run = lab.load(longer);
    }
    return run;
}

std::vector<Lab::LoadRun> loadTogetherStep(Lab& lab, std::vector<LoadConfig> configs, ExperimentResult& r)
{
    std::vector<Lab::LoadRun> runs = lab.loadTogether(configs);
    const auto answered = [&runs]() { return !runs.empty() && runs.front().summary.succeeded > 0; };
    for (int again = 0; again < kRunsAgain && !lab.cancelled() && !runs.empty() && runs.front().error.isEmpty() && !answered(); ++again) {
        r.data.insert(QStringLiteral("stepsRunAgain"), r.data.value(QStringLiteral("stepsRunAgain")).toInt() + 1);
        for (LoadConfig& c : configs) {
            if (c.durationMs > 0)
                c.durationMs = std::min<std::int64_t>(c.durationMs * 4, 5000);
        }
        runs = lab.loadTogether(configs);
    }
    return runs;
}

bool failRun(ExperimentResult& r, const QString& why)
{
    r.error = why;
    return false;
}

// Stops the run early (cancelled) and says so; true when it did.
bool stopIfCancelled(Lab& lab, ExperimentResult& r)
{
    if (!lab.cancelled())
        return false;
    r.cancelled = true;
    return true;
}

// Starts the experiment's cluster; false (and the result says why, or that
// it was cancelled) when it could not.
ClusterConfig oneQuietWorker(int poolThreads)
{
    ClusterConfig config;
    config.workers = 1;
    config.poolThreads = poolThreads;
    config.telemetry = false;
    return config;
}

bool startClusterFor(Lab& lab, ExperimentResult& r, const ClusterConfig& config, const QString& what)
{
    QString error;
    if (lab.startCluster(config, &error))
        return true;
    if (!stopIfCancelled(lab, r))
        failRun(r, QStringLiteral("cannot start %1: %2").arg(what, error));
    return false;
}

// An estimate of KiB, in MiB.
Estimate inMiB(Estimate e)
{
    e.mean /= 1024;
    e.low /= 1024;
    e.high /= 1024;
    e.median /= 1024;
    return e;
}

QString rpsText(const Estimate& e)
{
    return QStringLiteral("%1 req/s").arg(QString::number(e.mean, 'f', 0));
}

// fib(n)'s cost in ms: measured here (median of three), or, for estimates
// before anything runs, from its growth (×1.618 per n) and ~14 ms at 35.
double fibCostMs(int n, bool measure)
{
    if (!measure)
        return 14.0 * std::pow(1.618, n - 35);
    QList<double> t;
    for (int i = 0; i < 3; ++i) {
        const std::int64_t t0 = steadyNowNs();
        volatile std::uint64_t sink = fib(n);
        (void)sink;
        t.append(msOf(steadyNowNs() - t0));
    }
    return medianOf(t);
}

} // namespace clusterlab::experiment::support
