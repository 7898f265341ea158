#include "experiments.h"

#include "server/distributionpolicy.h"
#include "compute/clock.h"
#include "compute/fib.h"
#include "telemetry/telemetryaggregator.h"

#include <QJsonArray>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace clusterlab::experiment {

namespace {

LoadConfig loadOf(const QByteArray& route, int connections, std::int64_t durationMs, bool keepAlive = true)
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

QString num(double v, int decimals = 1)
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

// A step that got no answer at all (a stall of the shared machine, say) is
// run once more; the result counts how often that happened.
Lab::LoadRun loadStep(Lab& lab, const LoadConfig& config, ExperimentResult& r)
{
    Lab::LoadRun run = lab.load(config);
    if (!lab.cancelled() && run.error.isEmpty() && run.summary.succeeded == 0) {
        r.data.insert(QStringLiteral("stepsRunAgain"), r.data.value(QStringLiteral("stepsRunAgain")).toInt() + 1);
        run = lab.load(config);
    }
    return run;
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

} // namespace

// ---------------------------------------------------------------- scaling

QString ScalingExperiment::question() const
{
    return QStringLiteral("Does adding worker processes raise the throughput of cheap HTTP requests, and where does it "
                          "stop helping?");
}

double ScalingExperiment::estimatedSeconds(const ExperimentSettings& s, int cores) const
{
    const double step = qMax(0.05, (s.quick ? 0.3 : 1.0) * s.timeScale);
    return 2 * cores * (s.effectiveRounds() * 2 * (step + 0.02) + 0.4);
}

void ScalingExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int maxWorkers = 2 * lab.cores();
    const std::int64_t step = lab.stepMs(0.3, 1.0);
    const int connections = 32;
    // `/` is what the seed's row is about; on a small machine the load
    // generator shares the cores and caps it. fib(25) (~0.1 ms of CPU a
    // request) shows the same cluster when the server's own work dominates.
    const QList<QPair<QString, QByteArray>> routes { { QStringLiteral("root"), "/" },
                                                     { QStringLiteral("fib25"), "/main?n=25" } };
    r.method = QStringLiteral("A cluster of 1 to %1 workers (round-robin, telemetry off) serves `/`, then /main?n=25 "
                              "(about 0.1 ms of CPU per request, so that the server's work dominates), to %2 "
                              "keep-alive connections of the built-in load generator for %3 s per round, %4 rounds per "
                              "size. The generator runs on this machine too: its own CPU use is recorded.")
                   .arg(maxWorkers)
                   .arg(connections)
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
    QList<double> xs;
    for (int w = 1; w <= maxWorkers; ++w) {
        ClusterConfig config;
        config.workers = w;
        config.telemetry = false;
        if (!startClusterFor(lab, r, config, QStringLiteral("%1 workers").arg(w)))
            return;
        lab.load(loadOf("/", connections, qMax<std::int64_t>(50, step / 4))); // warm-up, not kept
        const QString key = QString::number(w);
        for (int round = 0; round < lab.rounds(); ++round) {
            lab.progress(QStringLiteral("%1 worker(s), round %2/%3").arg(w).arg(round + 1).arg(lab.rounds()),
                         (static_cast<double>(w - 1) + static_cast<double>(round) / lab.rounds()) / maxWorkers);
            for (const auto& [name, route] : routes) {
                const Lab::LoadRun run = loadStep(lab, loadOf(route, connections, step), r);
                if (stopIfCancelled(lab, r))
                    return;
                if (!run.error.isEmpty() || run.summary.succeeded == 0) {
                    failRun(r, QStringLiteral("the load test against %1 workers got no answer: %2").arg(w).arg(whyNothing(run)));
                    return;
                }
                const QString suffix = (name == QLatin1String("root") ? QString() : QLatin1Char('.') + name) + QStringLiteral(".w") + key;
                r.add(QStringLiteral("rps") + suffix, run.summary.requestsPerSecond);
                r.add(QStringLiteral("p99ms") + suffix, msOf(run.summary.latency.percentile(99)));
                r.add(QStringLiteral("generatorCores") + suffix,
                      run.summary.cpuSeconds / qMax(1e-9, static_cast<double>(run.summary.durationNs) / 1e9));
            }
        }
        xs.append(w);
    }
    lab.stopCluster();

    Chart throughput { QStringLiteral("scaling-throughput"), QStringLiteral("Throughput by number of workers"),
                       QStringLiteral("workers"), QStringLiteral("requests/s"), false, false, false, {}, {} };
    Chart tail { QStringLiteral("scaling-p99"), QStringLiteral("p99 latency by number of workers"),
                 QStringLiteral("workers"), QStringLiteral("p99 latency (ms)"), false, false, false, {}, {} };
    QList<Estimate> rps;
    QList<Estimate> rpsFib;
    for (int w = 1; w <= maxWorkers; ++w) {
        rps.append(r.metric(QStringLiteral("rps.w%1").arg(w)));
        rpsFib.append(r.metric(QStringLiteral("rps.fib25.w%1").arg(w)));
    }
    for (const auto& [name, route] : routes) {
        QList<Estimate> a;
        QList<Estimate> b;
        for (int w = 1; w <= maxWorkers; ++w) {
            const QString suffix = (name == QLatin1String("root") ? QString() : QLatin1Char('.') + name) + QStringLiteral(".w%1").arg(w);
            a.append(r.metric(QStringLiteral("rps") + suffix));
            b.append(r.metric(QStringLiteral("p99ms") + suffix));
        }
        throughput.lines.append(lineOf(QString::fromLatin1(route), xs, a));
        tail.lines.append(lineOf(QString::fromLatin1(route), xs, b));
    }
    r.charts = { throughput, tail };

    const int cores = lab.cores();
    const auto speedup = [](const Estimate& many, const Estimate& one) { return one.mean > 0 ? many.mean / one.mean : 0; };
    r.add(QStringLiteral("speedupAtCores"), speedup(rps.value(cores - 1), rps.value(0)));
    r.add(QStringLiteral("speedupAtCores.fib25"), speedup(rpsFib.value(cores - 1), rpsFib.value(0)));
    // Flattens: the first size whose successor is not decidedly faster.
    const auto flattens = [maxWorkers](const QList<Estimate>& series) {
        for (int i = 0; i + 1 < series.size(); ++i) {
            if (compare(series[i + 1], series[i]) != Order::Greater)
                return i + 1;
        }
        return maxWorkers;
    };
    r.add(QStringLiteral("flattensAtWorkers"), flattens(rps));
    r.add(QStringLiteral("flattensAtWorkers.fib25"), flattens(rpsFib));
    const double genAtCores = r.value(QStringLiteral("generatorCores.w%1").arg(cores), 0);
    r.add(QStringLiteral("generatorCoresAtCores"), genAtCores);
    r.data.insert(QStringLiteral("cores"), cores);
    r.data.insert(QStringLiteral("connections"), connections);
    r.findings.append(QStringLiteral("`/`: 1 worker %1, %2 workers (one per core) %3: %4×; it stops rising decidedly "
                                     "after %5 worker(s).")
                          .arg(rpsText(rps.value(0)))
                          .arg(cores)
                          .arg(rpsText(rps.value(cores - 1)))
                          .arg(num(r.value(QStringLiteral("speedupAtCores")), 2))
                          .arg(r.value(QStringLiteral("flattensAtWorkers"))));
    r.findings.append(QStringLiteral("/main?n=25: 1 worker %1, %2 workers %3: %4×; it stops rising decidedly after %5 "
                                     "worker(s).")
                          .arg(rpsText(rpsFib.value(0)))
                          .arg(cores)
                          .arg(rpsText(rpsFib.value(cores - 1)))
                          .arg(num(r.value(QStringLiteral("speedupAtCores.fib25")), 2))
                          .arg(r.value(QStringLiteral("flattensAtWorkers.fib25"))));
    r.findings.append(QStringLiteral("The load generator itself used %1 of the %2 cores while `/` ran on %2 workers: it "
                                     "shares the machine with the cluster, so the cluster cannot get %2 whole cores and "
                                     "the speedup here is capped well below %2×.")
                          .arg(num(genAtCores, 2))
                          .arg(cores));
}

// ---------------------------------------------------------------- crossover

QList<int> CrossoverExperiment::sweep(bool quick)
{
    if (quick)
        return { 0, 20, 30, 35 };
    return { 0, 10, 15, 20, 25, 28, 30, 32, 35 };
}

namespace {
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

// A step long enough for `requests` serial computations (heavy n), and
// never shorter than the base step.
std::int64_t crossoverStepMs(const ExperimentSettings& s, double costMs)
{
    const double base = s.quick ? 0.15 : 0.3;
    const double wanted = (s.quick ? 30 : 100) * costMs / 1000.0;
    return qMax<std::int64_t>(50, static_cast<std::int64_t>(qMax(base, wanted) * s.timeScale * 1000.0));
}
} // namespace

QString CrossoverExperiment::question() const
{
    return QStringLiteral("From which fib(n) does the thread pool, and a child process, beat computing on the event "
                          "loop, and what does each hand-off cost for small tasks?");
}

double CrossoverExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    double perRound = 0;
    for (int n : sweep(s.quick))
        perRound += 6 * (static_cast<double>(crossoverStepMs(s, fibCostMs(n, false))) / 1000.0 + 0.02);
    return perRound * s.effectiveRounds() + 1;
}

void CrossoverExperiment::run(Lab& lab, ExperimentResult& r)
{
    const QList<int> ns = sweep(lab.settings().quick);
    const int cores = lab.cores();
    const QList<int> concurrencies { 1, cores > 1 ? cores : 2 };
    const int wide = concurrencies.last();
    QHash<int, std::int64_t> stepOf;
    for (int n : ns)
        stepOf.insert(n, crossoverStepMs(lab.settings(), fibCostMs(n, n >= 25)));
    const QList<QPair<QString, QByteArray>> paths { { QStringLiteral("main"), "/main" },
                                                    { QStringLiteral("worker"), "/worker" },
                                                    { QStringLiteral("child"), "/child" } };
    r.method = QStringLiteral("One worker (round-robin, %1 pool threads, telemetry off). For each n in %2, each "
                              "concurrency (1 and %3 keep-alive connections) and each path (/main, /worker, /child), "
                              "the load generator runs for %4 s (for heavy n, long enough for %5 computations in a "
                              "row: %6 s at n = %7); %8 rounds, paths interleaved within a round.")
                   .arg(cores)
                   .arg([&ns]() {
                       QStringList t;
                       for (int n : ns)
                           t << QString::number(n);
                       return t.join(QStringLiteral(", "));
                   }())
                   .arg(wide)
                   .arg(num(static_cast<double>(stepOf.value(ns.first())) / 1000.0, 2))
                   .arg(lab.settings().quick ? 30 : 100)
                   .arg(num(static_cast<double>(stepOf.value(ns.last())) / 1000.0, 2))
                   .arg(ns.last())
                   .arg(lab.rounds());
    ClusterConfig config;
    config.workers = 1;
    config.poolThreads = cores;
    config.telemetry = false;
    if (!startClusterFor(lab, r, config, QStringLiteral("the worker")))
        return;
    lab.load(loadOf("/child?n=0", 1, 100)); // warm-up: the task binary in the page cache
    const int total = static_cast<int>(ns.size()) * lab.rounds();
    int done = 0;
    for (int n : ns) {
        for (int round = 0; round < lab.rounds(); ++round, ++done) {
            lab.progress(QStringLiteral("fib(%1), round %2/%3").arg(n).arg(round + 1).arg(lab.rounds()),
                         static_cast<double>(done) / total);
            for (int c : concurrencies) {
                for (const auto& [path, route] : paths) {
                    const Lab::LoadRun run = loadStep(lab, loadOf(route + "?n=" + QByteArray::number(n), c, stepOf.value(n)), r);
                    if (stopIfCancelled(lab, r))
                        return;
                    if (!run.error.isEmpty() || run.summary.succeeded == 0) {
                        failRun(r, QStringLiteral("%1?n=%2 at %3 connection(s) got no answer: %4")
                                       .arg(QString::fromLatin1(route))
                                       .arg(n)
                                       .arg(c)
                                       .arg(whyNothing(run)));
                        return;
                    }
                    const QString key = QStringLiteral("%1.c%2.n%3").arg(path).arg(c).arg(n);
                    r.add(QStringLiteral("rps.") + key, run.summary.requestsPerSecond);
                    r.add(QStringLiteral("p50ms.") + key, msOf(run.summary.latency.percentile(50)));
                    r.add(QStringLiteral("p99ms.") + key, msOf(run.summary.latency.percentile(99)));
                }
            }
        }
    }
    lab.stopCluster();

    QList<double> xs;
    for (int n : ns)
        xs.append(n);
    Chart latency { QStringLiteral("crossover-latency"), QStringLiteral("Median latency at concurrency 1, by fib(n)"),
                    QStringLiteral("n"), QStringLiteral("p50 latency (ms)"), false, true, false, {}, {} };
    Chart throughput { QStringLiteral("crossover-throughput"),
                       QStringLiteral("Throughput at concurrency %1 (one worker), by fib(n)").arg(wide),
                       QStringLiteral("n"), QStringLiteral("requests/s"), false, true, false, {}, {} };
    for (const auto& [path, route] : paths) {
        QList<Estimate> p50;
        QList<Estimate> rps;
        for (int n : ns) {
            p50.append(r.metric(QStringLiteral("p50ms.%1.c1.n%2").arg(path).arg(n)));
            rps.append(r.metric(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(n)));
        }
        latency.lines.append(lineOf(QString::fromLatin1(route), xs, p50));
        throughput.lines.append(lineOf(QString::fromLatin1(route), xs, rps));
    }
    r.charts = { latency, throughput };
    r.data.insert(QStringLiteral("wideConcurrency"), wide);
    QJsonArray nArray;
    for (int n : ns)
        nArray.append(n);
    r.data.insert(QStringLiteral("n"), nArray);

    // The smallest n from which the path is decidedly faster than the event
    // loop at every larger n of the sweep (-1: nowhere in the sweep).
    const auto paysFrom = [&](const QString& path) {
        int from = -1;
        for (qsizetype i = ns.size() - 1; i >= 0; --i) {
            const QList<double> other = r.metrics.value(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(ns[i]));
            const QList<double> main = r.metrics.value(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(ns[i]));
            if (comparePaired(other, main) != Order::Greater)
                break;
            from = ns[i];
        }
        return from;
    };
    const int threadFrom = paysFrom(QStringLiteral("worker"));
    const int childFrom = paysFrom(QStringLiteral("child"));
    r.add(QStringLiteral("threadPaysFromN"), threadFrom);
    r.add(QStringLiteral("childPaysFromN"), childFrom);
    const auto fromText = [](int n) {
        return n < 0 ? QStringLiteral("nowhere in the sweep") : QStringLiteral("from n = %1 on").arg(n);
    };
    r.findings.append(QStringLiteral("At %1 connections on one worker, the thread pool out-runs the event loop %2; a "
                                     "child process %3.")
                          .arg(wide)
                          .arg(fromText(threadFrom), fromText(childFrom)));
    const double mainP50 = r.value(QStringLiteral("p50ms.main.c1.n0"), 0);
    const double threadP50 = r.value(QStringLiteral("p50ms.worker.c1.n0"), 0);
    const double childP50 = r.value(QStringLiteral("p50ms.child.c1.n0"), 0);
    r.findings.append(QStringLiteral("For a trivial task (n = 0) the median round trip is %1 ms on the event loop, %2 ms "
                                     "through the thread pool and %3 ms through a child process.")
                          .arg(num(mainP50, 3), num(threadP50, 3), num(childP50, 3)));
    const int top = ns.last();
    r.findings.append(QStringLiteral("At n = %1: %2 on the event loop, %3 on the pool, %4 in child processes.")
                          .arg(top)
                          .arg(rpsText(r.metric(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(top))),
                               rpsText(r.metric(QStringLiteral("rps.worker.c%1.n%2").arg(wide).arg(top))),
                               rpsText(r.metric(QStringLiteral("rps.child.c%1.n%2").arg(wide).arg(top)))));
}

// ---------------------------------------------------------------- blocking

QString BlockingExperiment::question() const
{
    return QStringLiteral("While heavy requests run on a worker, how long do its cheap `/` requests wait, with the heavy "
                          "work on the event loop, the thread pool, or in child processes?");
}

double BlockingExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return 4 * s.effectiveRounds() * (qMax(0.05, (s.quick ? 0.5 : 1.2) * s.timeScale) + 0.05) + 1;
}

void BlockingExperiment::run(Lab& lab, ExperimentResult& r)
{
    // The heavy request: the smallest n whose fib takes >= 3 ms here.
    int heavyN = 28;
    double heavyMs = 0;
    for (; heavyN < 40; ++heavyN) {
        heavyMs = fibCostMs(heavyN, true);
        if (heavyMs >= 3.0)
            break;
    }
    const double heavyRate = qMax(1.0, 0.3 * 1000.0 / heavyMs); // about 30% of one core
    // Enough probes for a p99 that is not just the few largest samples.
    const double probeRate = 500;
    const std::int64_t step = lab.stepMs(0.5, 1.2);
    const int cores = lab.cores();
    r.method = QStringLiteral("One worker (%1 pool threads). A probe sends `/` at %2 requests/s (latency from the "
                              "intended send time, so queueing counts) while a second stream sends fib(%3) (%4 ms of "
                              "CPU here) at %5 requests/s — about 30% of one core — to nothing (baseline), /main, "
                              "/worker or /child; %6 s per scenario, %7 rounds.")
                   .arg(cores)
                   .arg(probeRate)
                   .arg(heavyN)
                   .arg(num(heavyMs, 1))
                   .arg(num(heavyRate, 0))
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
    ClusterConfig config;
    config.workers = 1;
    config.poolThreads = cores;
    config.telemetry = false;
    if (!startClusterFor(lab, r, config, QStringLiteral("the worker")))
        return;
    const QStringList scenarios { QStringLiteral("none"), QStringLiteral("main"), QStringLiteral("worker"),
                                  QStringLiteral("child") };
    lab.load(loadOf("/", 2, 100)); // warm-up
    for (int round = 0; round < lab.rounds(); ++round) {
        for (qsizetype s = 0; s < scenarios.size(); ++s) {
            lab.progress(QStringLiteral("heavy work on %1, round %2/%3")
                             .arg(scenarios[s] == QLatin1String("none") ? QStringLiteral("nothing") : QLatin1Char('/') + scenarios[s])
                             .arg(round + 1)
                             .arg(lab.rounds()),
                         static_cast<double>(round * scenarios.size() + s) / static_cast<double>(lab.rounds() * scenarios.size()));
            LoadConfig probe = loadOf("/", 2, step);
            probe.rate = probeRate;
            std::vector<LoadConfig> configs { probe };
            if (scenarios[s] != QLatin1String("none")) {
                LoadConfig heavy = loadOf('/' + scenarios[s].toLatin1() + "?n=" + QByteArray::number(heavyN), 4, step);
                heavy.rate = heavyRate;
                configs.push_back(heavy);
            }
            const std::vector<Lab::LoadRun> runs = lab.loadTogether(configs);
            if (stopIfCancelled(lab, r))
                return;
            const LoadSummary& p = runs.front().summary;
            if (p.succeeded == 0) {
                failRun(r, QStringLiteral("the `/` probe got no answer: %1").arg(whyNothing(runs.front())));
                return;
            }
            r.add(QStringLiteral("rootMeanMs.") + scenarios[s], p.latency.mean() / 1e6);
            r.add(QStringLiteral("rootP50ms.") + scenarios[s], msOf(p.latency.percentile(50)));
            r.add(QStringLiteral("rootP90ms.") + scenarios[s], msOf(p.latency.percentile(90)));
            r.add(QStringLiteral("rootP99ms.") + scenarios[s], msOf(p.latency.percentile(99)));
            r.add(QStringLiteral("rootMaxMs.") + scenarios[s], msOf(p.latency.max()));
            if (runs.size() > 1)
                r.add(QStringLiteral("heavyRps.") + scenarios[s], runs[1].summary.requestsPerSecond);
        }
    }
    lab.stopCluster();
    r.data.insert(QStringLiteral("heavyN"), heavyN);
    r.data.insert(QStringLiteral("heavyMs"), heavyMs);
    r.data.insert(QStringLiteral("heavyRate"), heavyRate);
    const QStringList labels { QStringLiteral("no heavy work"), QStringLiteral("heavy on /main"),
                               QStringLiteral("heavy on /worker"), QStringLiteral("heavy on /child") };
    Chart chart { QStringLiteral("blocking-latency"), QStringLiteral("`/` latency while fib(%1) runs beside it").arg(heavyN),
                  QString(), QStringLiteral("latency (ms)"), false, true, true, labels, {} };
    QList<Estimate> mean;
    QList<Estimate> p90;
    QList<Estimate> p99;
    for (const QString& s : scenarios) {
        mean.append(r.metric(QStringLiteral("rootMeanMs.") + s));
        p90.append(r.metric(QStringLiteral("rootP90ms.") + s));
        p99.append(r.metric(QStringLiteral("rootP99ms.") + s));
    }
    chart.lines = { lineOf(QStringLiteral("mean"), categoryXs(4), mean), lineOf(QStringLiteral("p90"), categoryXs(4), p90),
                    lineOf(QStringLiteral("p99"), categoryXs(4), p99) };
    r.charts = { chart };
    r.findings.append(QStringLiteral("`/` mean latency: %1 ms alone, %2 ms beside heavy /main, %3 ms beside heavy /worker, "
                                     "%4 ms beside heavy /child (p99: %5, %6, %7, %8 ms).")
                          .arg(num(mean[0].mean, 3), num(mean[1].mean, 3), num(mean[2].mean, 3), num(mean[3].mean, 3),
                               num(p99[0].mean, 2), num(p99[1].mean, 2), num(p99[2].mean, 2), num(p99[3].mean, 2)));
    r.findings.append(QStringLiteral("On the event loop each fib(%1) holds every other request of that worker for about "
                                     "%2 ms (head-of-line blocking); off the loop the cheap requests are answered in "
                                     "between, but on a small machine the heavy work still takes a core the event loop "
                                     "and the load generator share, which shows in the tail.")
                          .arg(heavyN)
                          .arg(num(heavyMs, 1)));
}

// ---------------------------------------------------------------- isolation

QString IsolationExperiment::question() const
{
    return QStringLiteral("When the code doing the work crashes, what else fails: a crash on a pool thread, in a child "
                          "process, and how the cluster carries on?");
}

double IsolationExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return 2 * s.effectiveRounds() * (qMax(0.05, (s.quick ? 0.6 : 1.5) * s.timeScale) + 0.4) + 1;
}

void IsolationExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int workers = qMax(2, lab.workers());
    const std::int64_t step = lab.stepMs(0.6, 1.5);
    r.method = QStringLiteral("A cluster of %1 workers started with --fault-injection. Background load (8 connections, a "
                              "new connection per request, so no request is silently retried) sends fib(27) to the "
                              "same path for %2 s; a third of the way in, one request asks that path to crash "
                              "(/worker?fault=crash aborts on a pool thread; /child?fault=crash aborts the task). "
                              "Counted: background requests that failed (collateral), whether the worker died, the "
                              "time from its exit to its replacement listening, and what the other workers served "
                              "meanwhile. Restart rules are relaxed so that injected crashes are not taken for a crash "
                              "loop. %3 rounds.")
                   .arg(workers)
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
    ClusterConfig config;
    config.workers = workers;
    config.telemetry = false;
    config.faultInjection = true;
    config.quickFailureMs = 0;
    config.crashLoopLimit = 1000;
    if (!startClusterFor(lab, r, config, QStringLiteral("the cluster")))
        return;
    const QList<QPair<QString, QByteArray>> kinds { { QStringLiteral("thread"), "/worker" },
                                                    { QStringLiteral("child"), "/child" } };
    const auto allListening = [&lab, workers]() {
        const QList<Cluster::WorkerInfo> infos = lab.cluster()->workers();
        int listening = 0;
        for (const Cluster::WorkerInfo& w : infos)
            listening += w.state == Cluster::WorkerState::Listening ? 1 : 0;
        return listening == workers;
    };
    for (int round = 0; round < lab.rounds(); ++round) {
        for (qsizetype k = 0; k < kinds.size(); ++k) {
            const auto& [kind, route] = kinds[k];
            lab.progress(QStringLiteral("crash in a %1, round %2/%3")
                             .arg(kind == QLatin1String("thread") ? QStringLiteral("pool thread") : QStringLiteral("child task"))
                             .arg(round + 1)
                             .arg(lab.rounds()),
                         static_cast<double>(round * 2 + k) / (2.0 * lab.rounds()));
            if (!lab.waitUntil(allListening, 20000)) {
                if (!stopIfCancelled(lab, r))
                    failRun(r, QStringLiteral("the cluster did not recover from the previous crash within 20 s"));
                return;
            }
            int restartsBefore = 0;
            QList<qint64> pidsBefore;
            for (const Cluster::WorkerInfo& w : lab.cluster()->workers()) {
                restartsBefore += w.restarts;
                pidsBefore.append(w.pid);
            }
            const qsizetype eventsBefore = lab.events().size();
            LoadConfig background = loadOf(route + "?n=27", 8, step, false);
            background.keepRecords = true;
            // A timer of this iteration: it cannot fire after the locals it
            // refers to are gone (a load that ends early leaves it unfired).
            QTimer faultTimer;
            faultTimer.setSingleShot(true);
            const QByteArray faultTarget = route + "?n=1&fault=crash";
            QObject::connect(&faultTimer, &QTimer::timeout, &faultTimer, [&lab, faultTarget]() { lab.startGet(faultTarget); });
            faultTimer.start(static_cast<int>(step / 3));
            const Lab::LoadRun run = lab.load(background);
            const Lab::Response fault = lab.waitForGet(10000);
            if (stopIfCancelled(lab, r))
                return;
            // The crashed worker's replacement, when there is one.
            const bool died = lab.waitUntil(
                [&]() {
                    int restarts = 0;
                    for (const Cluster::WorkerInfo& w : lab.cluster()->workers())
                        restarts += w.restarts;
                    return restarts > restartsBefore;
                },
                kind == QLatin1String("thread") ? 10000 : 0);
            if (died)
                lab.waitUntil(allListening, 20000);
            std::int64_t exitNs = 0;
            std::int64_t backNs = 0;
            qint64 crashedPid = 0;
            int crashedIndex = -1;
            for (qsizetype i = eventsBefore; i < lab.events().size(); ++i) {
                const ClusterEvent& e = lab.events()[i];
                if (e.kind == ClusterEvent::Kind::Exited && e.crash && exitNs == 0) {
                    exitNs = e.steadyNs;
                    crashedPid = e.pid;
                    crashedIndex = e.index;
                } else if (e.kind == ClusterEvent::Kind::Listening && exitNs != 0 && e.index == crashedIndex && backNs == 0) {
                    backNs = e.steadyNs;
                }
            }
            // The workers that did not crash: still the same processes, and
            // serving all along.
            int survivors = 0;
            for (const Cluster::WorkerInfo& w : lab.cluster()->workers())
                survivors += pidsBefore.contains(w.pid) ? 1 : 0;
            std::int64_t othersServedInRun = 0;
            for (const LoadRecord& rec : run.records) {
                if (rec.status == 200 && rec.workerPid != crashedPid)
                    ++othersServedInRun;
            }
            std::int64_t othersServed = 0;
            if (exitNs != 0) {
                const std::int64_t until = backNs != 0 ? backNs : steadyNowNs();
                for (const LoadRecord& rec : run.records) {
                    if (rec.status == 200 && rec.workerPid != crashedPid && rec.endNs >= exitNs && rec.endNs <= until)
                        ++othersServed;
                }
            }
            r.add(kind + QStringLiteral(".collateral"), static_cast<double>(run.summary.failed));
            r.add(kind + QStringLiteral(".backgroundSent"), static_cast<double>(run.summary.sent));
            r.add(kind + QStringLiteral(".workerDied"), died ? 1 : 0);
            r.add(kind + QStringLiteral(".faultStatus"), fault.status);
            if (died) {
                r.add(kind + QStringLiteral(".othersSurvived"), survivors == workers - 1 ? 1 : 0);
                r.add(kind + QStringLiteral(".othersServedInRun"), static_cast<double>(othersServedInRun));
            }
            if (died && exitNs != 0 && backNs != 0) {
                r.add(kind + QStringLiteral(".recoveryMs"), msOf(backNs - exitNs));
                r.add(kind + QStringLiteral(".othersServed"), static_cast<double>(othersServed));
            }
        }
    }
    lab.stopCluster();
    const QStringList labels { QStringLiteral("crash on a pool thread"), QStringLiteral("crash in a child task") };
    Chart chart { QStringLiteral("isolation-collateral"), QStringLiteral("Requests lost besides the one that crashed"),
                  QString(), QStringLiteral("failed background requests"), false, false, true, labels, {} };
    chart.lines = { lineOf(QStringLiteral("collateral failures"), categoryXs(2),
                           { r.metric(QStringLiteral("thread.collateral")), r.metric(QStringLiteral("child.collateral")) }) };
    r.charts = { chart };
    r.findings.append(QStringLiteral("A crash on a pool thread killed its worker in %1 of %2 rounds, failing %3 "
                                     "background requests on average (of %4 sent); the supervisor had a replacement "
                                     "listening %5 ms after the exit; the other %6 worker(s) lived on and served %7 "
                                     "requests of that run.")
                          .arg(r.metrics.value(QStringLiteral("thread.workerDied")).count(1.0))
                          .arg(lab.rounds())
                          .arg(num(r.metric(QStringLiteral("thread.collateral")).mean, 1))
                          .arg(num(r.metric(QStringLiteral("thread.backgroundSent")).mean, 0))
                          .arg(num(r.value(QStringLiteral("thread.recoveryMs"), 0), 0))
                          .arg(workers - 1)
                          .arg(num(r.value(QStringLiteral("thread.othersServedInRun"), 0), 0)));
    r.findings.append(QStringLiteral("A crash in a child task answered that one request with %1 and failed %2 others "
                                     "on average; its worker died in %3 of %4 rounds.")
                          .arg(num(r.value(QStringLiteral("child.faultStatus"), 0), 0))
                          .arg(num(r.metric(QStringLiteral("child.collateral")).mean, 1))
                          .arg(r.metrics.value(QStringLiteral("child.workerDied")).count(1.0))
                          .arg(lab.rounds()));
}

// ---------------------------------------------------------------- sharing

QString SharingExperiment::question() const
{
    return QStringLiteral("What does it cost to give the computation S MiB of data: read in place by a pool thread, or "
                          "sent through a pipe to a child process?");
}

double SharingExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return s.effectiveRounds() * (s.quick ? 2 : 5) * 0.15 * 3 + 1.5;
}

void SharingExperiment::run(Lab& lab, ExperimentResult& r)
{
    const QList<int> sizes = sizesMb();
    const int k = lab.repeats(2, 5);
    r.method = QStringLiteral("One worker started with --fault-injection, which enables payload=S: the worker holds S "
                              "MiB; /worker?payload=S checksums them in place on a pool thread, /child?payload=S writes "
                              "them to a task's standard input and the task checksums its own copy. Then both compute "
                              "fib(20). Round trips from the client, median of %1 sequential requests per size and "
                              "path, %2 rounds; the task reports its own peak resident memory.")
                   .arg(k)
                   .arg(lab.rounds());
    ClusterConfig config;
    config.workers = 1;
    config.telemetry = false;
    config.faultInjection = true;
    if (!startClusterFor(lab, r, config, QStringLiteral("the worker")))
        return;
    // The worker builds its buffer once, at the largest size: not timed.
    lab.get("/worker?n=0&payload=" + QByteArray::number(sizes.last()));
    for (int round = 0; round < lab.rounds(); ++round) {
        for (qsizetype i = 0; i < sizes.size(); ++i) {
            const int s = sizes[i];
            lab.progress(QStringLiteral("%1 MiB, round %2/%3").arg(s).arg(round + 1).arg(lab.rounds()),
                         static_cast<double>(round * sizes.size() + i) / static_cast<double>(lab.rounds() * sizes.size()));
            for (const QString& path : { QStringLiteral("thread"), QStringLiteral("child") }) {
                const QByteArray target = (path == QLatin1String("thread") ? QByteArray("/worker") : QByteArray("/child"))
                    + "?n=20&payload=" + QByteArray::number(s);
                QList<double> times;
                QList<double> rss;
                for (int j = 0; j < k; ++j) {
                    const Lab::Response resp = lab.get(target);
                    if (stopIfCancelled(lab, r))
                        return;
                    if (resp.status != 200) {
                        failRun(r, QStringLiteral("%1 answered %2 %3").arg(QString::fromLatin1(target)).arg(resp.status).arg(resp.error));
                        return;
                    }
                    times.append(resp.ms);
                    if (resp.json.contains(QStringLiteral("taskPeakRssKiB")))
                        rss.append(resp.json.value(QStringLiteral("taskPeakRssKiB")).toDouble());
                }
                r.add(QStringLiteral("ms.%1.s%2").arg(path).arg(s), medianOf(times));
                if (!rss.isEmpty())
                    r.add(QStringLiteral("rssKiB.%1.s%2").arg(path).arg(s), medianOf(rss));
            }
        }
    }
    lab.stopCluster();
    QList<double> xs;
    QList<Estimate> thread;
    QList<Estimate> child;
    QList<Estimate> childRss;
    for (int s : sizes) {
        xs.append(s);
        thread.append(r.metric(QStringLiteral("ms.thread.s%1").arg(s)));
        child.append(r.metric(QStringLiteral("ms.child.s%1").arg(s)));
        childRss.append(inMiB(r.metric(QStringLiteral("rssKiB.child.s%1").arg(s))));
    }
    Chart time { QStringLiteral("sharing-time"), QStringLiteral("Round trip by payload size"), QStringLiteral("payload (MiB)"),
                 QStringLiteral("round trip (ms)"), true, true, false, {}, {} };
    time.lines = { lineOf(QStringLiteral("pool thread (in place)"), xs, thread),
                   lineOf(QStringLiteral("child process (through a pipe)"), xs, child) };
    Chart memory { QStringLiteral("sharing-memory"), QStringLiteral("A child task's peak memory by payload size"),
                   QStringLiteral("payload (MiB)"), QStringLiteral("task peak resident memory (MiB)"), true, true, false, {}, {} };
    memory.lines = { lineOf(QStringLiteral("child task"), xs, childRss) };
    r.charts = { time, memory };
    const int big = sizes.last();
    r.findings.append(QStringLiteral("With %1 MiB: %2 ms on a pool thread reading in place, %3 ms through a child "
                                     "process (%4×); the task needed %5 MiB of its own memory for it.")
                          .arg(big)
                          .arg(num(thread.last().mean, 1), num(child.last().mean, 1),
                               num(thread.last().mean > 0 ? child.last().mean / thread.last().mean : 0, 1),
                               num(childRss.last().mean, 1)));
}

// ---------------------------------------------------------------- balance

QString BalanceExperiment::question() const
{
    return QStringLiteral("How evenly do round-robin, a shared socket and SO_REUSEPORT spread requests over workers, with "
                          "a new connection per request and with keep-alive?");
}

double BalanceExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return 3 * (2 * s.effectiveRounds() * (qMax(0.05, (s.quick ? 0.3 : 0.6) * s.timeScale) + 0.02) + 0.4);
}

void BalanceExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int workers = qMax(2, lab.workers());
    const std::int64_t step = lab.stepMs(0.3, 0.6);
    r.method = QStringLiteral("%1 workers serve `/` under each distribution policy available here. \"New connection\": "
                              "8 connections, each request on a fresh one. \"Keep-alive\": %2 connections kept open "
                              "(one more than the workers). Each worker's share of the requests from the X-Worker-Pid "
                              "header; Jain's fairness index (1 = even, 1/%1 = all on one worker). %3 s per run, %4 "
                              "rounds.")
                   .arg(workers)
                   .arg(workers + 1)
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
    QList<DistributionPolicy> policies;
    QStringList names;
    QStringList skipped;
    for (DistributionPolicy p : { DistributionPolicy::RoundRobin, DistributionPolicy::Shared, DistributionPolicy::ReusePort }) {
        if (policyUnsupportedReason(p).isEmpty()) {
            policies.append(p);
            names.append(policyName(p));
        } else {
            skipped.append(policyName(p) + QStringLiteral(" (") + policyUnsupportedReason(p) + QLatin1Char(')'));
        }
    }
    QJsonObject shares;
    for (qsizetype i = 0; i < policies.size(); ++i) {
        ClusterConfig config;
        config.workers = workers;
        config.policy = policies[i];
        config.telemetry = false;
        if (!startClusterFor(lab, r, config, QStringLiteral("the %1 cluster").arg(names[i])))
            return;
        for (int round = 0; round < lab.rounds(); ++round) {
            lab.progress(QStringLiteral("%1, round %2/%3").arg(names[i]).arg(round + 1).arg(lab.rounds()),
                         static_cast<double>(i * lab.rounds() + round) / static_cast<double>(policies.size() * lab.rounds()));
            for (const bool keepAlive : { false, true }) {
                const Lab::LoadRun run = loadStep(lab, loadOf("/", keepAlive ? workers + 1 : 8, step, keepAlive), r);
                if (stopIfCancelled(lab, r))
                    return;
                QList<double> counts;
                QJsonArray countArray;
                for (const Cluster::WorkerInfo& w : lab.cluster()->workers()) {
                    const double c = static_cast<double>(run.summary.perWorker.value(w.pid, 0));
                    counts.append(c);
                    countArray.append(c);
                }
                const QString mode = keepAlive ? QStringLiteral("keepalive") : QStringLiteral("new");
                r.add(QStringLiteral("jain.%1.%2").arg(names[i], mode), jainIndex(counts));
                shares.insert(QStringLiteral("%1.%2").arg(names[i], mode), countArray);
            }
        }
    }
    lab.stopCluster();
    r.data.insert(QStringLiteral("lastRoundRequestsPerWorker"), shares);
    if (!skipped.isEmpty())
        r.data.insert(QStringLiteral("skipped"), skipped.join(QStringLiteral("; ")));
    Chart chart { QStringLiteral("balance-fairness"), QStringLiteral("Fairness of the spread over %1 workers").arg(workers),
                  QString(), QStringLiteral("Jain's index (1 = even)"), false, false, true, names, {} };
    QList<Estimate> fresh;
    QList<Estimate> kept;
    for (const QString& n : names) {
        fresh.append(r.metric(QStringLiteral("jain.%1.new").arg(n)));
        kept.append(r.metric(QStringLiteral("jain.%1.keepalive").arg(n)));
    }
    chart.lines = { lineOf(QStringLiteral("new connection per request"), categoryXs(static_cast<int>(names.size())), fresh),
                    lineOf(QStringLiteral("keep-alive, %1 connections").arg(workers + 1),
                           categoryXs(static_cast<int>(names.size())), kept) };
    r.charts = { chart };
    QStringList parts;
    for (qsizetype i = 0; i < names.size(); ++i)
        parts << QStringLiteral("%1 %2 / %3").arg(names[i], num(fresh[i].mean, 3), num(kept[i].mean, 3));
    r.findings.append(QStringLiteral("Jain's index, new connection per request / keep-alive: %1.").arg(parts.join(QStringLiteral("; "))));
    r.findings.append(QStringLiteral("With keep-alive the unit of balancing is the connection: %1 connections over %2 "
                                     "workers cannot split evenly, whatever the policy.")
                          .arg(workers + 1)
                          .arg(workers));
    if (!skipped.isEmpty())
        r.findings.append(QStringLiteral("Not available here: %1.").arg(skipped.join(QStringLiteral(", "))));
}

// ---------------------------------------------------------------- footprint

QString FootprintExperiment::question() const
{
    return QStringLiteral("What does an idle worker process, a pool thread and a child task cost in memory, and how long "
                          "does each take to start?");
}

double FootprintExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return s.effectiveRounds() * 0.5 + 2.5;
}

void FootprintExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int threads = 8;
    const int k = lab.repeats(5, 20);
    r.method = QStringLiteral("Worker start: a one-worker cluster started %1 times, from fork to listening. Memory from "
                              "the worker's own 100 ms health samples: idle after one request, then after %2 concurrent "
                              "/worker jobs made the pool start %2 threads (the difference per thread). A task's memory "
                              "is its own peak resident size; its start-up is the spawn time of /child?n=0, and a pool "
                              "hand-off is the queue time of /worker?n=0 (medians of %3).")
                   .arg(lab.rounds())
                   .arg(threads)
                   .arg(k);
    ClusterConfig config;
    config.workers = 1;
    config.poolThreads = threads;
    config.telemetry = true;
    for (int round = 0; round < lab.rounds(); ++round) {
        lab.progress(QStringLiteral("worker start %1/%2").arg(round + 1).arg(lab.rounds()), 0.5 * round / lab.rounds());
        const std::int64_t t0 = steadyNowNs();
        if (!startClusterFor(lab, r, config, QStringLiteral("the worker")))
            return;
        r.add(QStringLiteral("workerStartMs"), msOf(steadyNowNs() - t0));
    }
    lab.cluster()->telemetry()->setKeepRecords(false);
    TelemetryAggregator* telemetry = lab.cluster()->telemetry();
    const auto rssAfter = [&](std::int64_t mark) -> double {
        double rss = -1;
        lab.waitUntil(
            [&]() {
                const std::deque<WorkerSample>& s = telemetry->samples(0);
                if (s.empty() || s.back().t <= mark)
                    return false;
                rss = static_cast<double>(s.back().rssKiB);
                return true;
            },
            5000);
        return rss;
    };
    lab.progress(QStringLiteral("memory of an idle worker"), 0.5);
    lab.get("/");
    const double idle = rssAfter(steadyNowNs());
    lab.progress(QStringLiteral("memory of %1 pool threads").arg(threads), 0.6);
    lab.load(loadOf("/worker?n=27", threads, lab.stepMs(0.3, 0.5)));
    const double busy = rssAfter(steadyNowNs());
    if (idle > 0)
        r.add(QStringLiteral("workerIdleKiB"), idle);
    if (idle > 0 && busy > 0)
        r.add(QStringLiteral("threadKiB"), (busy - idle) / threads);
    lab.progress(QStringLiteral("child tasks"), 0.75);
    QList<double> taskRss;
    QList<double> spawn;
    QList<double> queue;
    for (int i = 0; i < k && !lab.cancelled(); ++i) {
        const Lab::Response c = lab.get("/child?n=0");
        if (c.status == 200) {
            taskRss.append(c.json.value(QStringLiteral("taskPeakRssKiB")).toDouble());
            spawn.append(c.json.value(QStringLiteral("spawnMs")).toDouble());
        }
        const Lab::Response w = lab.get("/worker?n=0");
        if (w.status == 200)
            queue.append(w.json.value(QStringLiteral("queueMs")).toDouble());
    }
    if (stopIfCancelled(lab, r))
        return;
    lab.stopCluster();
    if (taskRss.isEmpty() || queue.isEmpty()) {
        failRun(r, QStringLiteral("no /child or /worker request succeeded"));
        return;
    }
    r.add(QStringLiteral("taskKiB"), medianOf(taskRss));
    r.add(QStringLiteral("taskStartMs"), medianOf(spawn));
    r.add(QStringLiteral("threadStartMs"), medianOf(queue));
    const QStringList memLabels { QStringLiteral("idle worker"), QStringLiteral("per pool thread"), QStringLiteral("per child task") };
    Chart memory { QStringLiteral("footprint-memory"), QStringLiteral("Resident memory of each unit"), QString(),
                   QStringLiteral("MiB"), false, true, true, memLabels, {} };
    const auto mib = [&r](const QString& key) { return inMiB(r.metric(key)); };
    memory.lines = { lineOf(QStringLiteral("resident memory"), categoryXs(3),
                            { mib(QStringLiteral("workerIdleKiB")), mib(QStringLiteral("threadKiB")), mib(QStringLiteral("taskKiB")) }) };
    const QStringList startLabels { QStringLiteral("worker process"), QStringLiteral("pool hand-off"), QStringLiteral("child task") };
    Chart start { QStringLiteral("footprint-start"), QStringLiteral("Start-up time of each unit"), QString(),
                  QStringLiteral("ms"), false, true, true, startLabels, {} };
    start.lines = { lineOf(QStringLiteral("start-up"), categoryXs(3),
                           { r.metric(QStringLiteral("workerStartMs")), r.metric(QStringLiteral("threadStartMs")),
                             r.metric(QStringLiteral("taskStartMs")) }) };
    r.charts = { memory, start };
    r.findings.append(QStringLiteral("An idle worker holds %1 MiB; each pool thread adds about %2 MiB; each child task "
                                     "peaks at %3 MiB of its own.")
                          .arg(num(r.value(QStringLiteral("workerIdleKiB"), 0) / 1024, 1),
                               num(r.value(QStringLiteral("threadKiB"), 0) / 1024, 2),
                               num(r.value(QStringLiteral("taskKiB"), 0) / 1024, 1)));
    r.findings.append(QStringLiteral("Start-up: a worker process %1 ms (fork to listening), a pool hand-off %2 ms, a child "
                                     "task %3 ms (spawn and reap).")
                          .arg(num(r.value(QStringLiteral("workerStartMs"), 0), 0),
                               num(r.value(QStringLiteral("threadStartMs"), 0), 3),
                               num(r.value(QStringLiteral("taskStartMs"), 0), 2)));
}

// ---------------------------------------------------------------- registry

std::vector<std::unique_ptr<Experiment>> Experiment::all()
{
    std::vector<std::unique_ptr<Experiment>> list;
    list.push_back(std::make_unique<ScalingExperiment>());
    list.push_back(std::make_unique<CrossoverExperiment>());
    list.push_back(std::make_unique<BlockingExperiment>());
    list.push_back(std::make_unique<IsolationExperiment>());
    list.push_back(std::make_unique<SharingExperiment>());
    list.push_back(std::make_unique<BalanceExperiment>());
    list.push_back(std::make_unique<FootprintExperiment>());
    return list;
}

std::unique_ptr<Experiment> Experiment::byName(const QString& name)
{
    for (auto& e : all()) {
        if (e->name() == name)
            return std::move(e);
    }
    return nullptr;
}

QStringList Experiment::names()
{
    QStringList n;
    for (const auto& e : all())
        n.append(e->name());
    return n;
}

} // namespace clusterlab::experiment
