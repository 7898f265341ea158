// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/fib.h"

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

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
    const QList<int> sizes = sizesMb(lab.settings().quick);
    const int k = lab.repeats(2, 3);
    const EngineVariant& v = lab.variant();
    r.method = QStringLiteral("One worker (%3) started with --fault-injection, which enables payload=S: the worker holds S "
                              "MiB; /worker?payload=S checksums them in place %4, /child?payload=S sends "
                              "them to a %5 (%6) and the child checksums its own copy. Then both compute "
                              "fib(20). Round trips from the client, median of %1 sequential requests per size and "
                              "path, %2 rounds; the child reports its own peak resident memory.")
                   .arg(k)
                   .arg(lab.rounds())
                   .arg(v.label(), v.onPath(QStringLiteral("worker")), v.unit(QStringLiteral("child")),
                        v.engine == EngineKind::Native ? QStringLiteral("through its standard input")
                                                       : QStringLiteral("through its IPC channel, serialized"));
    ClusterConfig config = oneQuietWorker();
    config.faultInjection = true; // payload= is an experiment parameter
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
    time.lines = { lineOf(v.unit(QStringLiteral("worker")) + QStringLiteral(" (in place)"), xs, thread),
                   lineOf(v.unit(QStringLiteral("child")) + QStringLiteral(" (a copy)"), xs, child) };
    Chart memory { QStringLiteral("sharing-memory"), QStringLiteral("A child's peak memory by payload size"),
                   QStringLiteral("payload (MiB)"), QStringLiteral("child's peak resident memory (MiB)"), true, true, false, {}, {} };
    memory.lines = { lineOf(v.unit(QStringLiteral("child")), xs, childRss) };
    r.charts = { time, memory };
    const int big = sizes.last();
    r.findings.append(QStringLiteral("With %1 MiB: %2 ms on a %6 reading in place, %3 ms through a %7 "
                                     "(%4×); the child needed %5 MiB of its own memory for it.")
                          .arg(big)
                          .arg(num(thread.last().mean, 1), num(child.last().mean, 1),
                               num(thread.last().mean > 0 ? child.last().mean / thread.last().mean : 0, 1),
                               num(childRss.last().mean, 1), v.unit(QStringLiteral("worker")), v.unit(QStringLiteral("child"))));
}

// ---- its verdicts

VerdictCell SharingExperiment::sharing(const Results& results, bool threads)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    int s = 0;
    for (const QString& key : r->metrics.keys()) {
        if (key.startsWith(QLatin1String("ms.child.s")))
            s = qMax(s, key.mid(10).toInt());
    }
    const QList<double> threadRounds = r->metrics.value(QStringLiteral("ms.thread.s%1").arg(s));
    const QList<double> childRounds = r->metrics.value(QStringLiteral("ms.child.s%1").arg(s));
    const Estimate thread = estimate(threadRounds);
    const Estimate child = estimate(childRounds);
    const double rssMiB = r->value(QStringLiteral("rssKiB.child.s%1").arg(s), 0) / 1024;
    Verdict v = claimGreaterPaired(childRounds, threadRounds);
    if (!threads && v == Verdict::Confirmed && rssMiB < 0.9 * s)
        v = Verdict::NotDecided; // slower, but the copy is not visible in the task's memory
    const EngineVariant ev = EngineVariant::of(r->variant);
    const QString threadUnit = ev.unit(QStringLiteral("worker"));
    const QString childUnit = ev.unit(QStringLiteral("child"));
    return cell(QLatin1String(kName), QStringLiteral("sharing-time"), v,
                threads ? QStringLiteral("%1 MiB read in place by a %4: %2 ms; the same copied to a %5: "
                                         "%3 ms.")
                              .arg(s)
                              .arg(n2(thread.mean), n2(child.mean), threadUnit, childUnit)
                        : QStringLiteral("%1 MiB copied to a %5: %2 ms and %3 MiB of the child's own memory; read "
                                         "in place by a %6: %4 ms, no copy.")
                              .arg(s)
                              .arg(n2(child.mean), n2(rssMiB), n2(thread.mean), childUnit, threadUnit));
}

} // namespace clusterlab::experiment
