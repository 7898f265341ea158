// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/clock.h"
#include "telemetry/telemetryaggregator.h"

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

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
    const EngineVariant& v = lab.variant();
    r.method = v.label() + QStringLiteral(". Worker start: a one-worker cluster started %1 times, from fork to listening. Memory from "
                              "the worker's own 100 ms health samples: idle after one request, then after %2 concurrent "
                              "/worker jobs made the pool start %2 threads (the difference per thread). A task's memory "
                              "is its own peak resident size; its start-up is the spawn time of /child?n=0, and a "
                              "thread's is the queue and start time of /worker?n=0 (medians of %3).")
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
        if (w.status == 200) // a new Worker's start-up is its spawnMs; the pool's is 0
            queue.append(w.json.value(QStringLiteral("queueMs")).toDouble() + w.json.value(QStringLiteral("spawnMs")).toDouble());
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
    const QStringList memLabels { QStringLiteral("idle worker"), QStringLiteral("per ") + v.unit(QStringLiteral("worker")),
                                  QStringLiteral("per ") + v.unit(QStringLiteral("child")) };
    Chart memory { QStringLiteral("footprint-memory"), QStringLiteral("Resident memory of each unit"), QString(),
                   QStringLiteral("MiB"), false, true, true, memLabels, {} };
    const auto mib = [&r](const QString& key) { return inMiB(r.metric(key)); };
    memory.lines = { lineOf(QStringLiteral("resident memory"), categoryXs(3),
                            { mib(QStringLiteral("workerIdleKiB")), mib(QStringLiteral("threadKiB")), mib(QStringLiteral("taskKiB")) }) };
    const QStringList startLabels { QStringLiteral("worker process"),
                                    v.engine == EngineKind::Node && v.offload == OffloadMode::PerRequest
                                        ? QStringLiteral("new Worker thread")
                                        : QStringLiteral("hand-off to a ") + v.unit(QStringLiteral("worker")),
                                    v.unit(QStringLiteral("child")) };
    Chart start { QStringLiteral("footprint-start"), QStringLiteral("Start-up time of each unit"), QString(),
                  QStringLiteral("ms"), false, true, true, startLabels, {} };
    start.lines = { lineOf(QStringLiteral("start-up"), categoryXs(3),
                           { r.metric(QStringLiteral("workerStartMs")), r.metric(QStringLiteral("threadStartMs")),
                             r.metric(QStringLiteral("taskStartMs")) }) };
    r.charts = { memory, start };
    r.findings.append(QStringLiteral("An idle worker holds %1 MiB; each %4 adds about %2 MiB; each %5 "
                                     "peaks at %3 MiB of its own.")
                          .arg(num(r.value(QStringLiteral("workerIdleKiB"), 0) / 1024, 1),
                               num(r.value(QStringLiteral("threadKiB"), 0) / 1024, 2),
                               num(r.value(QStringLiteral("taskKiB"), 0) / 1024, 1), v.unit(QStringLiteral("worker")),
                               v.unit(QStringLiteral("child"))));
    r.findings.append(QStringLiteral("Start-up: a worker process %1 ms (fork to listening), /worker (%4) %2 ms to "
                                     "start computing, /child (%5) %3 ms (spawn and reap).")
                          .arg(num(r.value(QStringLiteral("workerStartMs"), 0), 0),
                               num(r.value(QStringLiteral("threadStartMs"), 0), 3),
                               num(r.value(QStringLiteral("taskStartMs"), 0), 2), v.onPath(QStringLiteral("worker")),
                               v.onPath(QStringLiteral("child"))));
}

// ---- its verdicts

VerdictCell FootprintExperiment::clusterSharesNothing(const Results& results)
{
    VerdictCell c = notMeasured(QString(), QStringLiteral("By construction: workers are separate processes; nothing but "
                                                          "the listening socket is shared between them."));
    if (const ExperimentResult* r = find(results, QLatin1String(kName))) {
        c.source = QLatin1String(kName);
        c.chart = QStringLiteral("footprint-memory");
        c.evidence += QStringLiteral(" Each idle worker holds %1 MiB of its own.")
                          .arg(n2(r->value(QStringLiteral("workerIdleKiB"), 0) / 1024));
    }
    return c;
}

VerdictCell FootprintExperiment::externalTools(const Results& results, bool child)
{
    if (!child)
        return notMeasured(QString(), QStringLiteral("By construction: a worker or a thread runs this program's own "
                                                     "code; running another program takes a process."));
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr || !r->has(QStringLiteral("taskStartMs")))
        return notMeasured(QLatin1String(kName));
    return cell(QLatin1String(kName), QStringLiteral("footprint-start"), Verdict::Confirmed,
                QStringLiteral("Every /child request ran %3: %1 ms to start and reap, "
                               "%2 MiB at its peak.")
                    .arg(n2(r->value(QStringLiteral("taskStartMs"), 0)),
                         n2(r->value(QStringLiteral("taskKiB"), 0) / 1024), EngineVariant::of(r->variant).childProgram()));
}

} // namespace clusterlab::experiment
