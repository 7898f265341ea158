// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/fib.h"

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

QString ScalingExperiment::question() const
{
    return QStringLiteral("Does adding worker processes raise the throughput of cheap HTTP requests, and where does it "
                          "stop helping?");
}

double ScalingExperiment::estimatedSeconds(const ExperimentSettings& s, int cores) const
{
    const double step = qMax(0.05, (s.quick ? 0.3 : 1.0) * s.timeScale);
    return (s.quick ? cores + 1 : 2 * cores) * (s.effectiveRounds() * 2 * (step + 0.02) + 0.4);
}

void ScalingExperiment::run(Lab& lab, ExperimentResult& r)
{
    // Past the cores, to see it flatten: twice the cores, or one more in a
    // quick run.
    const int maxWorkers = lab.settings().quick ? lab.cores() + 1 : 2 * lab.cores();
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
                r.add(QStringLiteral("p99ms") + suffix, run.summary.latency.percentileMs(99));
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

// ---- its verdicts

VerdictCell ScalingExperiment::clusterScales(const Results& results, int cores, bool multiCore)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const Estimate one = r->metric(QStringLiteral("rps.w1"));
    const Estimate many = r->metric(QStringLiteral("rps.w%1").arg(cores));
    const Estimate fibOne = r->metric(QStringLiteral("rps.fib25.w1"));
    const Estimate fibMany = r->metric(QStringLiteral("rps.fib25.w%1").arg(cores));
    if (cores < 2 || !many.valid())
        return cell(QLatin1String(kName), QStringLiteral("scaling-throughput"), Verdict::NotDecided,
                    QStringLiteral("One core here: there is nothing to scale onto."));
    // "Scale HTTP server" is decided on `/`, the I/O-bound server the seed
    // means, and nothing else: when `/` does not rise and the load generator
    // (on the same cores) took a large share of them, the machine cannot
    // tell, and the cell says so. "Multi-core parallelism (same code)" may
    // also be shown by the server-bound route.
    const Verdict root = claimGreater(many, one);
    const Verdict fib = claimGreater(fibMany, fibOne);
    const double generatorCores = r->value(QStringLiteral("generatorCoresAtCores"), 0);
    const bool generatorBound = generatorCores >= kGeneratorBoundCores;
    Verdict v = Verdict::NotDecided;
    if (root == Verdict::Confirmed)
        v = Verdict::Confirmed;
    else if (multiCore && fib == Verdict::Confirmed)
        v = Verdict::Confirmed;
    else if (!generatorBound && root == Verdict::Contradicted && (!multiCore || fib != Verdict::Confirmed))
        v = Verdict::Contradicted;
    const auto ratio = [](const Estimate& a, const Estimate& b) { return n2(b.mean > 0 ? a.mean / b.mean : 0); };
    const QString what = multiCore ? QStringLiteral("The same server code in %1 processes. ").arg(cores) : QString();
    QString evidence = what
        + QStringLiteral("`/`: %1 req/s with 1 worker, %2 with %3 (%4×); the load generator used %5 of the %3 cores.")
              .arg(n0(one.mean), n0(many.mean))
              .arg(cores)
              .arg(ratio(many, one), n2(r->value(QStringLiteral("generatorCoresAtCores"), 0)));
    if (fibOne.valid())
        evidence += QStringLiteral(" /main?n=25: %1 req/s with 1 worker, %2 with %3 (%4×).")
                        .arg(n0(fibOne.mean), n0(fibMany.mean))
                        .arg(cores)
                        .arg(ratio(fibMany, fibOne));
    if (!multiCore && v == Verdict::NotDecided && generatorBound)
        evidence += QStringLiteral(" Not decided here: `/` did not rise, and the load generator, on the same %1 cores, "
                                   "used %2 of them (%3 or more caps what the workers can get), so this machine cannot "
                                   "show whether more workers serve `/` faster; run the load from another machine.")
                        .arg(cores)
                        .arg(n2(generatorCores), n2(kGeneratorBoundCores));
    return cell(QLatin1String(kName), QStringLiteral("scaling-throughput"), v, evidence);
}

} // namespace clusterlab::experiment
