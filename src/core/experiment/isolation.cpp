// SPDX-License-Identifier: GPL-3.0-or-later
#include "experiments.h"

#include "experimentsupport.h"
#include "verdictrules.h"

#include "compute/clock.h"
#include "compute/fib.h"

#include <QTimer>

namespace clusterlab::experiment {

using namespace support;
using namespace rules;

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
                              "(/worker?fault=crash aborts on a %4; /child?fault=crash aborts a %5). A thrown "
                              "exception (fault=throw) is tried once per round on each path too, without load. "
                              "Counted: background requests that failed (collateral), whether the worker died, the "
                              "time from its exit to its replacement listening, and what the other workers served "
                              "meanwhile. Restart rules are relaxed so that injected crashes are not taken for a crash "
                              "loop. %3 rounds.")
                   .arg(workers)
                   .arg(num(static_cast<double>(step) / 1000.0, 1))
                   .arg(lab.rounds())
                   .arg(lab.variant().unit(QStringLiteral("worker")), lab.variant().unit(QStringLiteral("child")));
    r.method.prepend(lab.variant().label() + QStringLiteral(": "));
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
    // Restarts over every slot: a crash that took a worker shows as one more.
    const auto restarts = [&lab]() {
        int n = 0;
        for (const Engine::WorkerInfo& w : lab.cluster()->workers())
            n += w.restarts;
        return n;
    };
    const auto allListening = [&lab, workers]() {
        const QList<Engine::WorkerInfo> infos = lab.cluster()->workers();
        int listening = 0;
        for (const Engine::WorkerInfo& w : infos)
            listening += w.state == Engine::WorkerState::Listening ? 1 : 0;
        return listening == workers;
    };
    for (int round = 0; round < lab.rounds(); ++round) {
        for (qsizetype k = 0; k < kinds.size(); ++k) {
            const auto& [kind, route] = kinds[k];
            lab.progress(QStringLiteral("crash in a %1, round %2/%3")
                             .arg(lab.variant().unit(kind))
                             .arg(round + 1)
                             .arg(lab.rounds()),
                         static_cast<double>(round * 2 + k) / (2.0 * lab.rounds()));
            if (!lab.waitUntil(allListening, 20000)) {
                if (!stopIfCancelled(lab, r))
                    failRun(r, QStringLiteral("the cluster did not recover from the previous crash within 20 s"));
                return;
            }
            const int restartsBefore = restarts();
            QList<qint64> pidsBefore;
            for (const Engine::WorkerInfo& w : lab.cluster()->workers())
                pidsBefore.append(w.pid);
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
            const bool died = lab.waitUntil([&]() { return restarts() > restartsBefore; },
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
            for (const Engine::WorkerInfo& w : lab.cluster()->workers())
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
            // A thrown exception on the same path, alone: does it stay
            // within its request (500) or take the worker with it?
            if (!lab.waitUntil(allListening, 20000))
                continue;
            const int restartsBeforeThrow = restarts();
            const Lab::Response thrown = lab.get(route + "?n=1&fault=throw", 10000);
            const bool throwKilled = lab.waitUntil([&]() { return restarts() > restartsBeforeThrow; },
                                                   kind == QLatin1String("thread") ? 300 : 0);
            r.add(kind + QStringLiteral(".throwStatus"), thrown.status);
            r.add(kind + QStringLiteral(".throwKilledWorker"), throwKilled ? 1 : 0);
        }
    }
    lab.stopCluster();
    const EngineVariant& v = lab.variant();
    const QStringList labels { QStringLiteral("crash on a ") + v.unit(QStringLiteral("worker")),
                               QStringLiteral("crash in a ") + v.unit(QStringLiteral("child")) };
    Chart chart { QStringLiteral("isolation-collateral"), QStringLiteral("Requests lost besides the one that crashed"),
                  QString(), QStringLiteral("failed background requests"), false, false, true, labels, {} };
    chart.lines = { lineOf(QStringLiteral("collateral failures"), categoryXs(2),
                           { r.metric(QStringLiteral("thread.collateral")), r.metric(QStringLiteral("child.collateral")) }) };
    r.charts = { chart };
    r.findings.append(QStringLiteral("A crash on a %8 killed its worker in %1 of %2 rounds, failing %3 "
                                     "background requests on average (of %4 sent); the supervisor had a replacement "
                                     "listening %5 ms after the exit; the other %6 worker(s) lived on and served %7 "
                                     "requests of that run.")
                          .arg(r.metrics.value(QStringLiteral("thread.workerDied")).count(1.0))
                          .arg(lab.rounds())
                          .arg(num(r.metric(QStringLiteral("thread.collateral")).mean, 1))
                          .arg(num(r.metric(QStringLiteral("thread.backgroundSent")).mean, 0))
                          .arg(num(r.value(QStringLiteral("thread.recoveryMs"), 0), 0))
                          .arg(workers - 1)
                          .arg(num(r.value(QStringLiteral("thread.othersServedInRun"), 0), 0))
                          .arg(v.unit(QStringLiteral("worker"))));
    r.findings.append(QStringLiteral("A crash in a %5 answered that one request with %1 and failed %2 others "
                                     "on average; its worker died in %3 of %4 rounds.")
                          .arg(num(r.value(QStringLiteral("child.faultStatus"), 0), 0))
                          .arg(num(r.metric(QStringLiteral("child.collateral")).mean, 1))
                          .arg(r.metrics.value(QStringLiteral("child.workerDied")).count(1.0))
                          .arg(lab.rounds())
                          .arg(v.unit(QStringLiteral("child"))));
    for (const QString& kind : { QStringLiteral("thread"), QStringLiteral("child") }) {
        const QList<double> status = r.metrics.value(kind + QStringLiteral(".throwStatus"));
        if (status.isEmpty())
            continue;
        r.findings.append(QStringLiteral("A thrown exception %1 was answered %2 in %3 of %4 rounds; its worker died in %5.")
                              .arg(v.onPath(kind), num(medianOf(status), 0))
                              .arg(status.count(medianOf(status)))
                              .arg(status.size())
                              .arg(r.metrics.value(kind + QStringLiteral(".throwKilledWorker")).count(1.0)));
    }
}

// ---- its verdicts

namespace {
// " A thrown exception on it was answered 500 and its worker lived." (the
// difference between an exception and a native crash, which Node's Worker
// threads make: the host gets an 'error' event).
QString throwText(const ExperimentResult& r, const QString& kind)
{
    const QList<double> status = r.metrics.value(kind + QStringLiteral(".throwStatus"));
    if (status.isEmpty())
        return QString();
    const int killed = static_cast<int>(r.metrics.value(kind + QStringLiteral(".throwKilledWorker")).count(1.0));
    return QStringLiteral(" A thrown exception there was answered %1 and %2.")
        .arg(QString::number(medianOf(status), 'f', 0),
             killed == 0 ? QStringLiteral("its worker lived on") : QStringLiteral("its worker died in %1 of %2 rounds").arg(killed).arg(status.size()));
}
} // namespace

VerdictCell IsolationExperiment::isolation(const Results& results, int column)
{
    const ExperimentResult* r = find(results, QLatin1String(kName));
    if (r == nullptr)
        return notMeasured(QLatin1String(kName));
    const QList<double> threadDied = r->metrics.value(QStringLiteral("thread.workerDied"));
    const QList<double> childDied = r->metrics.value(QStringLiteral("child.workerDied"));
    const QList<double> childStatus = r->metrics.value(QStringLiteral("child.faultStatus"));
    const QList<double> childCollateral = r->metrics.value(QStringLiteral("child.collateral"));
    const auto all = [](const QList<double>& v, double x) { return !v.isEmpty() && v.count(x) == v.size(); };
    const auto any = [](const QList<double>& v, const std::function<bool(double)>& p) {
        for (double x : v) {
            if (p(x))
                return true;
        }
        return false;
    };
    const QString source = QLatin1String(kName);
    const QString chart = QStringLiteral("isolation-collateral");
    if (column == 0) {
        // The cluster: one worker's crash leaves the others alive and serving.
        const QList<double> survived = r->metrics.value(QStringLiteral("thread.othersSurvived"));
        const double served = r->value(QStringLiteral("thread.othersServedInRun"), -1);
        Verdict v = Verdict::NotDecided;
        if (any(survived, [](double x) { return x == 0; }))
            v = Verdict::Contradicted;
        else if (all(threadDied, 1) && all(survived, 1) && served > 0)
            v = Verdict::Confirmed;
        return cell(source, chart, v,
                    QStringLiteral("One worker crashed; the other workers %1 and served %2 requests of that run; the "
                                   "supervisor had the crashed one replaced %3 ms after its exit.")
                        .arg(all(survived, 1) ? QStringLiteral("lived on") : QStringLiteral("did not all survive"),
                             served < 0 ? QStringLiteral("no") : n0(served),
                             n0(r->value(QStringLiteral("thread.recoveryMs"), 0))));
    }
    if (column == 1) {
        Verdict v = Verdict::NotDecided;
        if (all(threadDied, 1))
            v = Verdict::Confirmed;
        else if (all(threadDied, 0))
            v = Verdict::Contradicted;
        return cell(source, chart, v,
                    QStringLiteral("A crash on a %4 took its whole worker down in %1 of %2 rounds, failing %3 "
                                   "other requests on average.%5")
                        .arg(threadDied.count(1.0))
                        .arg(threadDied.size())
                        .arg(QString::number(r->metric(QStringLiteral("thread.collateral")).mean, 'f', 1))
                        .arg(EngineVariant::of(r->variant).unit(QStringLiteral("worker")), throwText(*r, QStringLiteral("thread"))));
    }
    Verdict v = Verdict::NotDecided;
    if (any(childDied, [](double x) { return x > 0; }) || any(childCollateral, [](double x) { return x > 0; }))
        v = Verdict::Contradicted;
    else if (all(childStatus, 502) && all(childDied, 0) && all(childCollateral, 0))
        v = Verdict::Confirmed;
    return cell(source, chart, v,
                QStringLiteral("A crash in a %4: that request got %1, %2 other requests failed, and the worker %3.")
                    .arg(n0(r->value(QStringLiteral("child.faultStatus"), 0)),
                         n0(r->metric(QStringLiteral("child.collateral")).mean),
                         any(childDied, [](double x) { return x > 0; }) ? QStringLiteral("died") : QStringLiteral("went on"),
                         EngineVariant::of(r->variant).unit(QStringLiteral("child"))));
}

} // namespace clusterlab::experiment
