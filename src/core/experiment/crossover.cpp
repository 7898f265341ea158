// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/fib.h"

#include <QJsonArray>

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

QList<int> CrossoverExperiment::sweep(bool quick, EngineKind engine)
{
    // Node's JavaScript fib costs ~5x the native one (fib(32) there ~
    // fib(35) here): its sweep ends 3 lower, at about the same cost, and
    // keeps the seed's own n = 30.
    if (engine == EngineKind::Node)
        return quick ? QList<int> { 0, 30, 32 } : QList<int> { 0, 10, 20, 25, 28, 30, 32 };
    if (quick)
        return { 0, 20, 30, 35 };
    return { 0, 10, 20, 25, 28, 30, 32, 35 };
}

namespace {
// Serial computations a heavy step is long enough for.
int computationsPerStep(const ExperimentSettings& s)
{
    return s.quick ? 20 : 50;
}

// A step long enough for computationsPerStep() serial computations (heavy
// n), and for four requests in a row on the path (its hand-off: a new
// Worker or fork per request costs 50-150 ms), never shorter than the base
// step.
std::int64_t crossoverStepMs(const ExperimentSettings& s, double costMs, double handoffMs = 0)
{
    const double base = s.quick ? 0.15 : 0.3;
    const double wanted = computationsPerStep(s) * costMs / 1000.0;
    const double fourRequests = 4 * (costMs + handoffMs) / 1000.0;
    return qMax<std::int64_t>(50, static_cast<std::int64_t>(qMax(base, qMax(wanted, fourRequests)) * s.timeScale * 1000.0));
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
    for (int n : sweep(s.quick, EngineKind::Native))
        perRound += 6 * (static_cast<double>(crossoverStepMs(s, fibCostMs(n, false))) / 1000.0 + 0.02);
    return perRound * s.effectiveRounds() + 1;
}

void CrossoverExperiment::run(Lab& lab, ExperimentResult& r)
{
    const QList<int> ns = sweep(lab.settings().quick, lab.variant().engine);
    const int cores = lab.cores();
    const QList<int> concurrencies { 1, cores > 1 ? cores : 2 };
    const int wide = concurrencies.last();
    const QList<QPair<QString, QByteArray>> paths { { QStringLiteral("main"), "/main" },
                                                    { QStringLiteral("worker"), "/worker" },
                                                    { QStringLiteral("child"), "/child" } };
    if (!startClusterFor(lab, r, oneQuietWorker(cores), QStringLiteral("the worker")))
        return;
    lab.load(loadOf("/child?n=0", 1, 100)); // warm-up: the task binary in the page cache
    // What a trivial request costs on each path, over the event loop's
    // (round trips, median of three): the steps on a slow path are long
    // enough for a few requests.
    QHash<QString, double> handoff;
    for (const auto& [path, route] : paths) {
        QList<double> ms;
        for (int i = 0; i < 3 && !lab.cancelled(); ++i) {
            const Lab::Response resp = lab.get(route + "?n=0");
            if (resp.status == 200)
                ms.append(resp.ms);
        }
        handoff.insert(path, ms.isEmpty() ? 0.0 : medianOf(ms));
    }
    for (const QString& path : { QStringLiteral("worker"), QStringLiteral("child") })
        handoff[path] = qMax(0.0, handoff.value(path) - handoff.value(QStringLiteral("main")));
    handoff[QStringLiteral("main")] = 0;
    QHash<QString, std::int64_t> stepOf; // "n/path"
    std::int64_t shortest = -1;
    std::int64_t longest = 0;
    for (int n : ns) {
        const double cost = n >= 25 ? lab.fibCostMs(n) : fibCostMs(n, false);
        if (stopIfCancelled(lab, r))
            return;
        if (cost < 0)
            return void(failRun(r, QStringLiteral("/main?n=%1 got no answer").arg(n)));
        for (const auto& [path, route] : paths) {
            const std::int64_t ms = crossoverStepMs(lab.settings(), cost, handoff.value(path));
            stepOf.insert(QStringLiteral("%1/%2").arg(n).arg(path), ms);
            shortest = shortest < 0 ? ms : qMin(shortest, ms);
            longest = qMax(longest, ms);
        }
    }
    r.method = QStringLiteral("One worker (%9; round-robin, %1 pool threads, telemetry off; /worker runs on %10, /child "
                              "on %11). For each n in %2, each "
                              "concurrency (1 and %3 keep-alive connections; 1 only at the first and last n in a quick run) and each path (/main, /worker, /child), "
                              "the load generator runs for %4 s (for heavy n, long enough for %5 computations in a "
                              "row, and on a slow path for four requests: up to %6 s at n = %7); %8 rounds, paths "
                              "interleaved within a round.")
                   .arg(cores)
                   .arg([&ns]() {
                       QStringList t;
                       for (int n : ns)
                           t << QString::number(n);
                       return t.join(QStringLiteral(", "));
                   }())
                   .arg(wide)
                   .arg(num(static_cast<double>(shortest) / 1000.0, 2))
                   .arg(computationsPerStep(lab.settings()))
                   .arg(num(static_cast<double>(longest) / 1000.0, 2))
                   .arg(ns.last())
                   .arg(lab.rounds())
                   .arg(lab.variant().label(), lab.variant().pathNoun(QStringLiteral("worker")),
                        lab.variant().pathNoun(QStringLiteral("child")));
    const int total = static_cast<int>(ns.size()) * lab.rounds();
    int done = 0;
    for (int n : ns) {
        for (int round = 0; round < lab.rounds(); ++round, ++done) {
            lab.progress(QStringLiteral("fib(%1), round %2/%3").arg(n).arg(round + 1).arg(lab.rounds()),
                         static_cast<double>(done) / total);
            for (int c : concurrencies) {
                // A quick run measures one connection only where the rules
                // read it (the hand-off at n = 0, the heaviest n).
                if (c == 1 && lab.settings().quick && n != ns.first() && n != ns.last())
                    continue;
                for (const auto& [path, route] : paths) {
                    const Lab::LoadRun run = loadStep(lab, loadOf(route + "?n=" + QByteArray::number(n), c, stepOf.value(QStringLiteral("%1/%2").arg(n).arg(path))), r);
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
                    r.add(QStringLiteral("p50ms.") + key, run.summary.latency.percentileMs(50));
                    r.add(QStringLiteral("p99ms.") + key, run.summary.latency.percentileMs(99));
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
    const EngineVariant& v = lab.variant();
    r.findings.append(QStringLiteral("At %1 connections on one worker, %2 out-runs the event loop %3; %4 %5.")
                          .arg(wide)
                          .arg(v.pathNoun(QStringLiteral("worker")), fromText(threadFrom), v.pathNoun(QStringLiteral("child")),
                               fromText(childFrom)));
    const double mainP50 = r.value(QStringLiteral("p50ms.main.c1.n0"), 0);
    const double threadP50 = r.value(QStringLiteral("p50ms.worker.c1.n0"), 0);
    const double childP50 = r.value(QStringLiteral("p50ms.child.c1.n0"), 0);
    r.findings.append(QStringLiteral("For a trivial task (n = 0) the median round trip is %1 ms on the event loop, %2 ms "
                                     "through %3 and %4 ms through %5.")
                          .arg(num(mainP50, 3), num(threadP50, 3), v.pathNoun(QStringLiteral("worker")), num(childP50, 3),
                               v.pathNoun(QStringLiteral("child"))));
    // What one hand-off costs on this engine: a trivial task's round trip
    // through the path, less the event loop's (the start-up of a new Worker
    // or fork when per request).
    r.add(QStringLiteral("handoffMs.worker"), threadP50 - mainP50);
    r.add(QStringLiteral("handoffMs.child"), childP50 - mainP50);
    const int top = ns.last();
    r.findings.append(QStringLiteral("At n = %1: %2 on the event loop, %3 %5, %4 %6.")
                          .arg(top)
                          .arg(rpsText(r.metric(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(top))),
                               rpsText(r.metric(QStringLiteral("rps.worker.c%1.n%2").arg(wide).arg(top))),
                               rpsText(r.metric(QStringLiteral("rps.child.c%1.n%2").arg(wide).arg(top))),
                               v.onPath(QStringLiteral("worker")), v.onPath(QStringLiteral("child"))));
}

// ---- its verdicts

// "❌ for scaling HTTP": handing a trivial request to the pool (or a task)
// lowers throughput against answering it on the event loop.
VerdictCell CrossoverExperiment::offloadDoesNotScaleHttp(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const int wide = wideOf(*r);
    const QList<double> mainRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n0").arg(wide));
    const QList<double> otherRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n0").arg(path).arg(wide));
    const Verdict v = claimGreaterPaired(mainRounds, otherRounds);
    return cell(QLatin1String(kName), QStringLiteral("crossover-throughput"), v,
                QStringLiteral("A trivial request (n = 0) at %1 connections: %2 req/s on the event loop, %3 req/s through "
                               "%4; the loop's advantage%5.")
                    .arg(wide)
                    .arg(n0(estimate(mainRounds).mean), n0(estimate(otherRounds).mean),
                         EngineVariant::of(r->variant).pathNoun(path),
                         ratioText(mainRounds, otherRounds)));
}

// "❌ for CPU work" on the cluster: a worker computes on its one event loop,
// so more concurrent heavy requests do not raise its throughput.
VerdictCell CrossoverExperiment::clusterDoesNotOffload(const Results& results)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> oneRounds = r->metrics.value(QStringLiteral("rps.main.c1.n%1").arg(n));
    const QList<double> manyRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(n));
    // Another core would give about wide×; halfway there is the line. The
    // bounds are those of the per-round ratio (the two run side by side).
    const double line = 1.0 + (wide - 1) / 2.0;
    const Estimate ratio = ratioEstimate(manyRounds, oneRounds);
    Verdict v = Verdict::NotDecided;
    if (ratio.rounds > 1 && ratio.high < line)
        v = Verdict::Confirmed;
    else if (ratio.rounds > 1 && ratio.low > line)
        v = Verdict::Contradicted;
    return cell(QLatin1String(kName), QStringLiteral("crossover-throughput"), v,
                QStringLiteral("fib(%1) on one worker's event loop: %2 req/s at 1 connection, %3 req/s at %4%5: the work "
                               "does not leave its one thread (another core would give about %6×).")
                    .arg(n, n0(estimate(oneRounds).mean), n0(estimate(manyRounds).mean))
                    .arg(wide)
                    .arg(ratioText(manyRounds, oneRounds))
                    .arg(wide));
}

// "✅ for CPU work": at the heaviest n, the path out-runs the event loop.
VerdictCell CrossoverExperiment::offloadBeatsLoop(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> mainRounds = r->metrics.value(QStringLiteral("rps.main.c%1.n%2").arg(wide).arg(n));
    const QList<double> otherRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(n));
    const Estimate main = estimate(mainRounds);
    const Estimate other = estimate(otherRounds);
    const int from = static_cast<int>(r->value(path == QLatin1String("worker") ? QStringLiteral("threadPaysFromN")
                                                                                : QStringLiteral("childPaysFromN"),
                                               -1));
    return cell(QLatin1String(kName), QStringLiteral("crossover-throughput"), claimGreaterPaired(otherRounds, mainRounds),
                QStringLiteral("fib(%1) at %2 connections on one worker: %3 req/s %4, %5 req/s on the event loop%6; "
                               "it pays %7.")
                    .arg(n)
                    .arg(wide)
                    .arg(n0(other.mean),
                         EngineVariant::of(r->variant).onPath(path),
                         n0(main.mean), ratioText(otherRounds, mainRounds),
                         from < 0 ? QStringLiteral("nowhere in the sweep") : QStringLiteral("from n = %1 on").arg(from)));
}

VerdictCell CrossoverExperiment::parallelWithin(const Results& results, const QString& path, int cores)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    if (cores < 2)
        return cell(QLatin1String(kName), QStringLiteral("crossover-throughput"), Verdict::NotDecided,
                    QStringLiteral("One core here: no parallelism to show."));
    const int wide = wideOf(*r);
    const QString n = topN(*r);
    const QList<double> oneRounds = r->metrics.value(QStringLiteral("rps.%1.c1.n%2").arg(path).arg(n));
    const QList<double> manyRounds = r->metrics.value(QStringLiteral("rps.%1.c%2.n%3").arg(path).arg(wide).arg(n));
    return cell(QLatin1String(kName), QStringLiteral("crossover-throughput"), claimGreaterPaired(manyRounds, oneRounds),
                QStringLiteral("fib(%1) %2 in one worker: %3 req/s at 1 connection, %4 req/s at %5%6.")
                    .arg(n,
                         EngineVariant::of(r->variant).onPath(path),
                         n0(estimate(oneRounds).mean), n0(estimate(manyRounds).mean))
                    .arg(wide)
                    .arg(ratioText(manyRounds, oneRounds)));
}

} // namespace clusterlab::experiment
