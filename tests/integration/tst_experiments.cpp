// SPDX-License-Identifier: GPL-3.0-or-later
// Every experiment end to end against real clusters, with tiny parameters
// (two rounds, steps scaled down): it runs, measures what its verdict rules
// read, draws its charts, leaves no process behind; and a run cancels
// promptly, keeping what it measured.
#include "experiment/distributionstats.h"
#include "experiment/experiments.h"
#include "experiment/runner.h"
#include "workerprocess.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QtTest>

using namespace clusterlab::experiment;
using clusterlab::test::canListChildren;
using clusterlab::test::childPids;

namespace {
ExperimentSettings tiny()
{
    ExperimentSettings s;
    s.quick = true;
    s.rounds = 2;
    s.timeScale = 0.25;
    return s;
}
} // namespace

class TestExperiments : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanup();
    void eachExperimentRuns_data();
    void eachExperimentRuns();
    void cancelStopsPromptlyAndKeepsWhatWasMeasured();
    void unknownNamesAreRefused();
};

void TestExperiments::cleanup()
{
    // Every cluster, worker and task of the run is gone.
    if (canListChildren())
        QTRY_VERIFY_WITH_TIMEOUT(childPids(QCoreApplication::applicationPid()).isEmpty(), 15000);
}

void TestExperiments::eachExperimentRuns_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("variant");     // the engine it runs on (EngineVariant::id)
    QTest::addColumn<QStringList>("metrics"); // what the verdict rules read
    const int cores = qMax(1, QThread::idealThreadCount());
    const int wide = qMax(2, cores);
    // Each experiment on the native engine, and on the Node engine (per
    // request; pooled too where /worker or /child matter), as the cluster
    // suite runs once per policy.
    for (const QString& variant : { QStringLiteral("native"), QStringLiteral("node"), QStringLiteral("node-pool") }) {
        const EngineVariant v = EngineVariant::of(variant);
        const QString top = QString::number(CrossoverExperiment::sweep(true, v.engine).last());
        const QByteArray tag = variant.toLatin1();
        const bool pooled = variant == QLatin1String("node-pool");
        if (!pooled) {
            QTest::addRow("scaling %s", tag.constData())
                << QStringLiteral("scaling") << variant
                << QStringList { QStringLiteral("rps.w1"), QStringLiteral("rps.w%1").arg(cores), QStringLiteral("rps.fib25.w1"),
                                 QStringLiteral("generatorCoresAtCores") };
            QTest::addRow("balance %s", tag.constData())
                << QStringLiteral("balance") << variant
                << QStringList { QStringLiteral("jain.round-robin.new"), QStringLiteral("jain.round-robin.keepalive"),
                                 QStringLiteral("jain.shared.new") };
            QTest::addRow("distribution %s", tag.constData())
                << QStringLiteral("distribution") << variant
                << QStringList { QStringLiteral("rotation.round-robin"), QStringLiteral("pinned.round-robin"),
                                 QStringLiteral("rotation.shared"), QStringLiteral("maxShare.shared") };
        }
        QTest::addRow("crossover %s", tag.constData())
            << QStringLiteral("crossover") << variant
            << QStringList { QStringLiteral("rps.main.c%1.n0").arg(wide), QStringLiteral("rps.worker.c%1.n0").arg(wide),
                             QStringLiteral("rps.child.c1.n%1").arg(top), QStringLiteral("p50ms.worker.c1.n0"),
                             QStringLiteral("threadPaysFromN"), QStringLiteral("handoffMs.worker") };
        QTest::addRow("blocking %s", tag.constData())
            << QStringLiteral("blocking") << variant
            << QStringList { QStringLiteral("rootMeanMs.none"), QStringLiteral("rootMeanMs.main"), QStringLiteral("rootMeanMs.worker"),
                             QStringLiteral("rootMeanMs.child") };
        QTest::addRow("isolation %s", tag.constData())
            << QStringLiteral("isolation") << variant
            << QStringList { QStringLiteral("thread.workerDied"), QStringLiteral("thread.collateral"),
                             QStringLiteral("thread.othersSurvived"), QStringLiteral("child.faultStatus"),
                             QStringLiteral("child.collateral"), QStringLiteral("child.workerDied"),
                             QStringLiteral("thread.throwStatus") };
        QTest::addRow("sharing %s", tag.constData())
            << QStringLiteral("sharing") << variant
            << QStringList { QStringLiteral("ms.thread.s32"), QStringLiteral("ms.child.s32"), QStringLiteral("rssKiB.child.s8") };
        QTest::addRow("footprint %s", tag.constData())
            << QStringLiteral("footprint") << variant
            << QStringList { QStringLiteral("workerStartMs"), QStringLiteral("workerIdleKiB"), QStringLiteral("taskKiB"),
                             QStringLiteral("taskStartMs"), QStringLiteral("threadStartMs") };
    }
}

void TestExperiments::eachExperimentRuns()
{
    QFETCH(QString, name);
    QFETCH(QString, variant);
    QFETCH(QStringList, metrics);
    const EngineVariant engine = EngineVariant::of(variant);
    if (engine.engine == clusterlab::EngineKind::Node && !EngineVariant::nodeUnavailableReason().isEmpty())
        QSKIP("the Node.js engine's runs need node (not installed here)");
    ExperimentSettings settings = tiny();
    settings.variants = { engine };
    ExperimentRunner runner;
    QSignalSpy progress(&runner, &ExperimentRunner::progress);
    QSignalSpy finished(&runner, &ExperimentRunner::finished);
    QString error;
    QVERIFY2(runner.start({ name }, settings, &error), qPrintable(error));
    QVERIFY(runner.isRunning());
    QVERIFY(finished.wait(120000));
    QVERIFY(!runner.isRunning());
    const RunReport report = finished.first().first().value<RunReport>();
    QCOMPARE(report.results.size(), 1);
    const ExperimentResult& r = report.results.first();
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QVERIFY(!r.cancelled);
    QCOMPARE(r.name, name);
    QCOMPARE(r.variant, variant);
    if (engine.engine == clusterlab::EngineKind::Node)
        QVERIFY2(report.machine.nodeVersion.startsWith(QStringLiteral("Node.js v")), qPrintable(report.machine.nodeVersion));
    for (const QString& m : metrics)
        QVERIFY2(r.has(m), qPrintable(m + QStringLiteral(" missing; have: ") + QStringList(r.metrics.keys()).join(QLatin1Char(' '))));
    // Two rounds each, where it measures in rounds.
    if (name != QLatin1String("footprint") && name != QLatin1String("crossover") && name != QLatin1String("distribution"))
        QCOMPARE(r.metrics.value(metrics.first()).size(), 2);
    QVERIFY(!r.method.isEmpty());
    QVERIFY(!r.findings.isEmpty());
    QVERIFY(!r.charts.isEmpty());
    for (const Chart& c : r.charts) {
        QVERIFY(!c.lines.isEmpty());
        QVERIFY2(!c.lines.first().points.isEmpty(), qPrintable(c.id));
    }
    QVERIFY(progress.size() >= 1);
    const RunProgress last = progress.last().first().value<RunProgress>();
    QCOMPARE(last.experiment, name); // one engine: the name alone
    QVERIFY(last.fraction >= 0 && last.fraction <= 1);
    QCOMPARE(report.machine.cores, QThread::idealThreadCount());
    QVERIFY(!report.machine.qtVersion.isEmpty());

    // What the run says about the seed's claims where it is decisive by
    // construction (not by timing): a crash on a pool thread kills its
    // worker and the supervisor replaces it; a crash in a task fails only
    // that request with 502, and the worker lives.
    if (name == QLatin1String("isolation")) {
        QCOMPARE(r.metrics.value(QStringLiteral("thread.workerDied")), (QList<double> { 1, 1 }));
        QCOMPARE(r.metrics.value(QStringLiteral("thread.othersSurvived")), (QList<double> { 1, 1 }));
        QVERIFY(r.has(QStringLiteral("thread.recoveryMs")));
        QCOMPARE(r.metrics.value(QStringLiteral("child.faultStatus")), (QList<double> { 502, 502 }));
        QCOMPARE(r.metrics.value(QStringLiteral("child.workerDied")), (QList<double> { 0, 0 }));
        QCOMPARE(r.metrics.value(QStringLiteral("child.collateral")), (QList<double> { 0, 0 }));
        QCOMPARE(report.verdicts.rows[6].cells[1].first().verdict, Verdict::Confirmed);
        QCOMPARE(report.verdicts.rows[6].cells[2].first().verdict, Verdict::Confirmed);
        // A thrown exception, unlike a crash, stays within its request on
        // both engines: 500, and the worker lives.
        QCOMPARE(r.metrics.value(QStringLiteral("thread.throwStatus")), (QList<double> { 500, 500 }));
        QCOMPARE(r.metrics.value(QStringLiteral("thread.throwKilledWorker")), (QList<double> { 0, 0 }));
        QCOMPARE(report.verdicts.rows[6].cells[1].first().variant, variant);
    }
    if (name == QLatin1String("distribution")) {
        // Sequential new connections under round-robin: the primary deals
        // them out in turn (native and Node's SCHED_RR alike); keep-alive
        // connections keep their requests on one worker.
        QVERIFY2(r.value(QStringLiteral("rotation.round-robin")) >= kStrictRotationAtLeast,
                 qPrintable(QString::number(r.value(QStringLiteral("rotation.round-robin")))));
        QCOMPARE(r.value(QStringLiteral("pinned.round-robin")), 1.0);
        QCOMPARE(report.verdicts.distribution.size(), 3);
        QCOMPARE(report.verdicts.distribution[0].claim.first().variant, variant);
        if (engine.engine == clusterlab::EngineKind::Node) {
            // Node's own default, measured: SCHED_RR on Linux.
            QVERIFY(r.has(QStringLiteral("rotation.default")));
#if defined(Q_OS_LINUX)
            if (qEnvironmentVariableIsEmpty("NODE_CLUSTER_SCHED_POLICY"))
                QCOMPARE(r.data.value(QStringLiteral("nodeDefaultScheduling")).toString(), QStringLiteral("rr"));
            QCOMPARE(report.verdicts.distribution[0].claim.first().verdict, Verdict::Contradicted);
#endif
        }
    }
    if (name == QLatin1String("sharing")) {
        // The child held its own copy of the 32 MiB; a thread none.
        QVERIFY(r.value(QStringLiteral("rssKiB.child.s32")) >= 32 * 1024);
    }
    if (name == QLatin1String("balance")) {
        // Round-robin with a new connection per request hands each to the
        // next free worker: no worker is left out (2:1 would be 0.9).
        // Node's SCHED_RR hands a connection to the next *free* worker: a
        // worker slowed by the machine is skipped for a while, so only "no
        // worker left out" holds there (all on one would be 0.5).
        const double floor = engine.engine == clusterlab::EngineKind::Node ? 0.75 : 0.9;
        QVERIFY2(r.value(QStringLiteral("jain.round-robin.new")) > floor,
                 qPrintable(QString::number(r.value(QStringLiteral("jain.round-robin.new")))));
    }
}

void TestExperiments::cancelStopsPromptlyAndKeepsWhatWasMeasured()
{
    ExperimentRunner runner;
    QSignalSpy experimentFinished(&runner, &ExperimentRunner::experimentFinished);
    QSignalSpy progress(&runner, &ExperimentRunner::progress);
    QSignalSpy finished(&runner, &ExperimentRunner::finished);
    QString error;
    // Run in the canonical order: crossover (long), then balance; cancel
    // crossover in its middle.
    QVERIFY(runner.start({ QStringLiteral("balance"), QStringLiteral("crossover") }, tiny(), &error));
    QVERIFY(!runner.start({ QStringLiteral("footprint") }, tiny(), &error)); // one run at a time
    QVERIFY(error.contains(QStringLiteral("already")));
    // Past n = 0: the sweep's second value is under way.
    const auto pastFirstN = [&progress]() {
        if (progress.isEmpty())
            return false;
        const QString step = progress.last().first().value<RunProgress>().step;
        return step.startsWith(QStringLiteral("fib(")) && !step.startsWith(QStringLiteral("fib(0)"));
    };
    QTRY_VERIFY_WITH_TIMEOUT(pastFirstN(), 60000);
    runner.cancel();
    QVERIFY(finished.wait(30000));
    const RunReport report = finished.first().first().value<RunReport>();
    QVERIFY(report.cancelled);
    QCOMPARE(report.results.size(), 1); // balance never started
    QCOMPARE(experimentFinished.size(), 1);
    const ExperimentResult& crossover = report.results.first();
    QCOMPARE(crossover.name, QStringLiteral("crossover"));
    QVERIFY(crossover.cancelled);
    // What it measured before the cancel is kept (n = 0 was done)...
    QVERIFY(crossover.has(QStringLiteral("rps.main.c1.n0")));
    QVERIFY(!crossover.has(QStringLiteral("rps.main.c1.n%1").arg(CrossoverExperiment::sweep(true).last())));
    // ...but a cancelled experiment decides nothing.
    QCOMPARE(report.verdicts.rows[1].cells[1].first().verdict, Verdict::NotMeasured);
}

void TestExperiments::unknownNamesAreRefused()
{
    ExperimentRunner runner;
    QString error;
    QVERIFY(!runner.start({ QStringLiteral("scaling"), QStringLiteral("bogus") }, tiny(), &error));
    QVERIFY(error.contains(QStringLiteral("unknown experiment 'bogus'")));
    QVERIFY(!runner.isRunning());
    QCOMPARE(ExperimentRunner::resolve({ QStringLiteral("all") }, &error), Experiment::names());
    QCOMPARE(ExperimentRunner::resolve({ QStringLiteral("footprint"), QStringLiteral("scaling") }, &error),
             (QStringList { QStringLiteral("scaling"), QStringLiteral("footprint") }));
}

QTEST_GUILESS_MAIN(TestExperiments)
#include "tst_experiments.moc"
