// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/fib.h"

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

QString BlockingExperiment::question() const
{
    return QStringLiteral("While heavy requests run on a worker, how long do its cheap `/` requests wait, with the heavy "
                          "work on the event loop, the thread pool, or in child processes?");
}

double BlockingExperiment::estimatedSeconds(const ExperimentSettings& s, int) const
{
    return 4 * s.effectiveRounds() * (qMax(0.05, (s.quick ? 0.4 : 1.2) * s.timeScale) + 0.05) + 1;
}

void BlockingExperiment::run(Lab& lab, ExperimentResult& r)
{
    const int cores = lab.cores();
    if (!startClusterFor(lab, r, oneQuietWorker(cores), QStringLiteral("the worker")))
        return;
    // The heavy request: the smallest n whose fib takes >= 3 ms on this
    // engine here (Node's JavaScript fib costs ~5x the native one).
    int heavyN = 24;
    double heavyMs = 0;
    for (; heavyN < 40; ++heavyN) {
        heavyMs = lab.fibCostMs(heavyN);
        if (stopIfCancelled(lab, r))
            return;
        if (heavyMs < 0)
            return void(failRun(r, QStringLiteral("/main?n=%1 got no answer").arg(heavyN)));
        if (heavyMs >= 3.0)
            break;
    }
    const double heavyRate = qMax(1.0, 0.3 * 1000.0 / heavyMs); // about 30% of one core
    // Enough probes for a p99 that is not just the few largest samples.
    const double probeRate = 500;
    const std::int64_t step = lab.stepMs(0.4, 1.2);
    r.method = QStringLiteral("One worker (%1; %2 pool threads). A probe sends `/` at %3 requests/s (latency from the "
                              "intended send time, so queueing counts) while a second stream sends fib(%4) (%5 ms of "
                              "CPU on this engine here) at %6 requests/s — about 30% of one core — to nothing "
                              "(baseline), /main, /worker (%7) or /child (%8); %9 s per scenario, %10 rounds.")
                   .arg(lab.variant().label())
                   .arg(cores)
                   .arg(probeRate)
                   .arg(heavyN)
                   .arg(num(heavyMs, 1))
                   .arg(num(heavyRate, 0))
                   .arg(lab.variant().pathNoun(QStringLiteral("worker")), lab.variant().pathNoun(QStringLiteral("child")))
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds());
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
            const std::vector<Lab::LoadRun> runs = loadTogetherStep(lab, configs, r);
            if (stopIfCancelled(lab, r))
                return;
            const LoadSummary& p = runs.front().summary;
            if (p.succeeded == 0) {
                failRun(r, QStringLiteral("the `/` probe got no answer: %1").arg(whyNothing(runs.front())));
                return;
            }
            r.add(QStringLiteral("rootMeanMs.") + scenarios[s], p.latency.meanMs());
            r.add(QStringLiteral("rootP50ms.") + scenarios[s], p.latency.percentileMs(50));
            r.add(QStringLiteral("rootP90ms.") + scenarios[s], p.latency.percentileMs(90));
            r.add(QStringLiteral("rootP99ms.") + scenarios[s], p.latency.percentileMs(99));
            r.add(QStringLiteral("rootMaxMs.") + scenarios[s], p.latency.maxMs());
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

// ---- its verdicts

// Background work: p99 of `/` beside heavy work on the loop vs elsewhere.
VerdictCell BlockingExperiment::loopFreezes(const Results& results)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    // Mean latency: how much everyone waits (the p99 is in the evidence).
    const QList<double> alone = r->metrics.value(QStringLiteral("rootMeanMs.none"));
    const QList<double> main = r->metrics.value(QStringLiteral("rootMeanMs.main"));
    return cell(QLatin1String(kName), QStringLiteral("blocking-latency"), claimGreaterPaired(main, alone),
                QStringLiteral("`/` mean latency %1 ms alone, %2 ms while fib(%3) runs on the same worker's event loop%4; "
                               "p99 %5 → %6 ms.")
                    .arg(n3(estimate(alone).mean), n3(estimate(main).mean))
                    .arg(r->data.value(QStringLiteral("heavyN")).toInt())
                    .arg(ratioText(main, alone), n2(r->value(QStringLiteral("rootP99ms.none"), 0)),
                         n2(r->value(QStringLiteral("rootP99ms.main"), 0))));
}

VerdictCell BlockingExperiment::offloadKeepsLoopFree(const Results& results, const QString& path)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const QList<double> main = r->metrics.value(QStringLiteral("rootMeanMs.main"));
    const QList<double> other = r->metrics.value(QStringLiteral("rootMeanMs.") + path);
    return cell(QLatin1String(kName), QStringLiteral("blocking-latency"), claimGreaterPaired(main, other),
                QStringLiteral("`/` mean latency %1 ms with the heavy work %2, against %3 ms with it on the event loop%4; "
                               "p99 %5 against %6 ms.")
                    .arg(n3(estimate(other).mean),
                         EngineVariant::of(r->variant).onPath(path),
                         n3(estimate(main).mean), ratioText(main, other),
                         n2(r->value(QStringLiteral("rootP99ms.") + path, 0)), n2(r->value(QStringLiteral("rootP99ms.main"), 0))));
}

} // namespace clusterlab::experiment
