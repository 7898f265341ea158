// SPDX-License-Identifier: GPL-3.0-or-later
// The experiments' arithmetic and rules on synthetic results: confidence
// intervals, comparisons, Jain's index, every verdict rule's outcomes, and
// the report's charts and page.
#include "experiment/distributionstats.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "experiment/stats.h"
#include "experiment/verdict.h"

#include <QJsonDocument>
#include <QtTest>

using namespace clusterlab::experiment;

namespace {

using Metrics = QMap<QString, QList<double>>;

ExperimentResult result(const QString& name, const Metrics& metrics, const QJsonObject& data = {})
{
    ExperimentResult r;
    r.name = name;
    r.metrics = metrics;
    r.data = data;
    return r;
}

// Three rounds around a value, tight enough that 100 and 120 are decided.
QList<double> around(double v)
{
    return { v * 0.99, v, v * 1.01 };
}

// Rounds so spread that nothing is decided against a neighbour.
QList<double> noisy(double v)
{
    return { v * 0.5, v, v * 1.5 };
}

// The same spread, against the grain: paired with noisy(), the per-round
// ratios scatter too.
QList<double> unaligned(double v)
{
    return { v * 1.5, v, v * 0.5 };
}

const QJsonObject kCrossoverData { { QStringLiteral("n"), QJsonArray { 0, 30 } }, { QStringLiteral("wideConcurrency"), 2 } };

ExperimentResult crossover(double main0, double worker0, double child0, const QList<double>& main30c1,
                           const QList<double>& main30, const QList<double>& worker30c1, const QList<double>& worker30,
                           const QList<double>& child30c1, const QList<double>& child30)
{
    return result(QStringLiteral("crossover"),
                  { { QStringLiteral("rps.main.c2.n0"), around(main0) },
                    { QStringLiteral("rps.worker.c2.n0"), around(worker0) },
                    { QStringLiteral("rps.child.c2.n0"), around(child0) },
                    { QStringLiteral("rps.main.c1.n30"), main30c1 },
                    { QStringLiteral("rps.main.c2.n30"), main30 },
                    { QStringLiteral("rps.worker.c1.n30"), worker30c1 },
                    { QStringLiteral("rps.worker.c2.n30"), worker30 },
                    { QStringLiteral("rps.child.c1.n30"), child30c1 },
                    { QStringLiteral("rps.child.c2.n30"), child30 } },
                  kCrossoverData);
}

Verdict at(const QList<ExperimentResult>& results, int row, int column, int cores = 2)
{
    return VerdictTable::decide(results, cores).rows.at(row).cells.at(static_cast<std::size_t>(column)).first().verdict;
}

} // namespace

Q_DECLARE_METATYPE(Verdict)

class TestVerdict : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void estimateHasAStudentInterval();
    void compareNeedsSeparateIntervals();
    void jainIndex();
    void distributionOfConnections();
    void rules_data();
    void rules();
    void tableHasTheSeedsShape();
    void eachEngineHasItsVerdictAndTheDifferenceIsSaid();
    void distributionRowsFollowEachEnginesDefault_data();
    void distributionRowsFollowEachEnginesDefault();
    void failedOrCancelledExperimentsAreNotMeasured();
    void reportRoundTripsThroughJson();
    void niceTicksAreRound_data();
    void niceTicksAreRound();
    void chartSvgHasWholeLegendsAndUnits();
    void reportPageHasTheTableFirst();
};

void TestVerdict::estimateHasAStudentInterval()
{
    const Estimate e = estimate({ 10, 12, 14 });
    QCOMPARE(e.rounds, 3);
    QCOMPARE(e.mean, 12.0);
    QCOMPARE(e.median, 12.0);
    // sd = 2, t(2) = 4.303: half-width 4.303 * 2 / sqrt(3).
    QVERIFY(qAbs(e.high - e.low - 2 * 4.303 * 2 / std::sqrt(3.0)) < 1e-9);
    const Estimate one = estimate({ 5 });
    QCOMPARE(one.low, 5.0);
    QCOMPARE(one.high, 5.0);
    QVERIFY(!estimate({}).valid());
    QVERIFY(estimate({ 1, 2 }).text(1, QStringLiteral("ms")).contains(QStringLiteral("95%")));
}

void TestVerdict::compareNeedsSeparateIntervals()
{
    QCOMPARE(compare(estimate(around(120)), estimate(around(100))), Order::Greater);
    QCOMPARE(compare(estimate(around(100)), estimate(around(120))), Order::Less);
    QCOMPARE(compare(estimate(noisy(120)), estimate(noisy(100))), Order::Undecided);
    // One round says nothing about noise: never decided.
    QCOMPARE(compare(estimate({ 1000 }), estimate({ 1 })), Order::Undecided);
    QCOMPARE(comparePaired({ 1000 }, { 1 }), Order::Undecided);
    // A machine that drifts between rounds: apart, the intervals overlap;
    // side by side, round by round, one is twice the other every time.
    const QList<double> a { 100, 70, 130 };
    const QList<double> b { 50, 36, 64 };
    QCOMPARE(compare(estimate(a), estimate(b)), Order::Undecided);
    QCOMPARE(comparePaired(a, b), Order::Greater);
    QCOMPARE(comparePaired(b, a), Order::Less);
    const Estimate r = ratioEstimate(a, b);
    QVERIFY(r.low > 1.8 && r.high < 2.2 && r.low < 2 && r.high > 2);
    QCOMPARE(comparePaired(noisy(100), unaligned(100)), Order::Undecided);
    QVERIFY(!ratioEstimate({ 1, 2 }, { 1 }).valid()); // rounds that do not pair
}

void TestVerdict::jainIndex()
{
    QCOMPARE(clusterlab::experiment::jainIndex({ 5, 5, 5, 5 }), 1.0);
    QCOMPARE(clusterlab::experiment::jainIndex({ 10, 0 }), 0.5);
    QVERIFY(qAbs(clusterlab::experiment::jainIndex({ 2, 1 }) - 0.9) < 1e-9);
    QCOMPARE(clusterlab::experiment::jainIndex({}), 0.0);
    QCOMPARE(clusterlab::experiment::jainIndex({ 0, 0 }), 0.0);
}

void TestVerdict::rules_data()
{
    QTest::addColumn<QList<ExperimentResult>>("results");
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("cores");
    QTest::addColumn<Verdict>("expected");

    const auto scaling = [](const QList<double>& w1, const QList<double>& w2, const QList<double>& f1,
                            const QList<double>& f2, double generatorCores = 0.2) {
        return result(QStringLiteral("scaling"), { { QStringLiteral("rps.w1"), w1 }, { QStringLiteral("rps.w2"), w2 },
                                                   { QStringLiteral("rps.fib25.w1"), f1 },
                                                   { QStringLiteral("rps.fib25.w2"), f2 },
                                                   { QStringLiteral("generatorCoresAtCores"), { generatorCores } } });
    };
    // Row 0 / row 5, cluster: scaling. "Scale HTTP server" is decided on `/`
    // alone; "Multi-core parallelism" by either route.
    QTest::addRow("scale: `/` rises") << QList<ExperimentResult> { scaling(around(100), around(180), around(10), around(10)) }
                                      << 0 << 0 << 2 << Verdict::Confirmed;
    QTest::addRow("scale: `/` capped by the generator, fib rises: the HTTP row")
        << QList<ExperimentResult> { scaling(around(100), around(80), around(10), around(19), 0.65) } << 0 << 0 << 2
        << Verdict::NotDecided;
    QTest::addRow("scale: `/` capped by the generator, fib rises: multi-core")
        << QList<ExperimentResult> { scaling(around(100), around(80), around(10), around(19), 0.65) } << 5 << 0 << 2
        << Verdict::Confirmed;
    QTest::addRow("scale: `/` falls with a light generator")
        << QList<ExperimentResult> { scaling(around(100), around(80), around(10), around(19), 0.2) } << 0 << 0 << 2
        << Verdict::Contradicted;
    QTest::addRow("scale: both fall") << QList<ExperimentResult> { scaling(around(100), around(80), around(10), around(8)) }
                                      << 5 << 0 << 2 << Verdict::Contradicted;
    QTest::addRow("scale: noise") << QList<ExperimentResult> { scaling(noisy(100), noisy(110), noisy(10), noisy(11)) } << 0 << 0
                                  << 2 << Verdict::NotDecided;
    QTest::addRow("scale: one core") << QList<ExperimentResult> { scaling(around(100), around(180), around(10), around(19)) }
                                     << 0 << 0 << 1 << Verdict::NotDecided;
    QTest::addRow("scale: not run") << QList<ExperimentResult> {} << 0 << 0 << 2 << Verdict::NotMeasured;

    const QList<double> a100 = around(100);
    const QList<double> a190 = around(190);
    const QList<double> a60 = around(60);
    // Row 0, threads and child: a trivial request is slower off the loop.
    QTest::addRow("http: pool slower")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, a190) } << 0 << 1 << 2 << Verdict::Confirmed;
    QTest::addRow("http: pool faster")
        << QList<ExperimentResult> { crossover(1000, 1500, 50, a100, a100, a100, a190, a60, a190) } << 0 << 1 << 2 << Verdict::Contradicted;
    QTest::addRow("http: child slower")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, a190) } << 0 << 2 << 2 << Verdict::Confirmed;
    // Row 1: CPU work.
    QTest::addRow("cpu: loop does not gain")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, around(98), a100, a190, a60, a190) } << 1 << 0 << 2 << Verdict::Confirmed;
    QTest::addRow("cpu: loop gains a lot")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a190, a100, a190, a60, a190) } << 1 << 0 << 2 << Verdict::Contradicted;
    QTest::addRow("cpu: loop noisy gain")
        << QList<ExperimentResult> { crossover(1000, 500, 50, noisy(100), unaligned(130), a100, a190, a60, a190) } << 1 << 0 << 2
        << Verdict::NotDecided;
    QTest::addRow("cpu: pool beats loop")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, a190) } << 1 << 1 << 2 << Verdict::Confirmed;
    QTest::addRow("cpu: pool loses")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a60, a60, a190) } << 1 << 1 << 2 << Verdict::Contradicted;
    QTest::addRow("cpu: child noisy")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, noisy(110)) } << 1 << 2 << 2
        << Verdict::NotDecided;
    // Row 5, threads and child: parallel within one worker.
    QTest::addRow("parallel: pool") << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, a190) } << 5
                                    << 1 << 2 << Verdict::Confirmed;
    QTest::addRow("parallel: child falls")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a190, a60) } << 5 << 2 << 2 << Verdict::Contradicted;
    QTest::addRow("parallel: one core")
        << QList<ExperimentResult> { crossover(1000, 500, 50, a100, a100, a100, a190, a60, a190) } << 5 << 1 << 1 << Verdict::NotDecided;

    const auto blocking = [](const QList<double>& none, const QList<double>& main, const QList<double>& worker,
                             const QList<double>& child) {
        return result(QStringLiteral("blocking"),
                      { { QStringLiteral("rootMeanMs.none"), none },
                        { QStringLiteral("rootMeanMs.main"), main },
                        { QStringLiteral("rootMeanMs.worker"), worker },
                        { QStringLiteral("rootMeanMs.child"), child } },
                      { { QStringLiteral("heavyN"), 32 } });
    };
    // Row 2: background work.
    QTest::addRow("freeze: loop freezes") << QList<ExperimentResult> { blocking(around(0.3), around(6), around(1), around(2)) } << 2
                                          << 0 << 2 << Verdict::Confirmed;
    QTest::addRow("freeze: loop does not") << QList<ExperimentResult> { blocking(around(6), around(0.3), around(1), around(2)) }
                                           << 2 << 0 << 2 << Verdict::Contradicted;
    QTest::addRow("freeze: pool keeps it free") << QList<ExperimentResult> { blocking(around(0.3), around(6), around(1), around(2)) }
                                                << 2 << 1 << 2 << Verdict::Confirmed;
    QTest::addRow("freeze: child noisy") << QList<ExperimentResult> { blocking(around(0.3), noisy(6), around(1), unaligned(5)) } << 2
                                         << 2 << 2 << Verdict::NotDecided;
    QTest::addRow("freeze: child worse") << QList<ExperimentResult> { blocking(around(0.3), around(6), around(1), around(12)) } << 2
                                         << 2 << 2 << Verdict::Contradicted;

    const auto sharing = [](const QList<double>& thread, const QList<double>& child, double rssKiB) {
        return result(QStringLiteral("sharing"), { { QStringLiteral("ms.thread.s64"), thread },
                                                   { QStringLiteral("ms.child.s64"), child },
                                                   { QStringLiteral("rssKiB.child.s64"), { rssKiB, rssKiB, rssKiB } } });
    };
    // Row 3: shared memory.
    QTest::addRow("share: pool in place") << QList<ExperimentResult> { sharing(around(15), around(110), 66000) } << 3 << 1 << 2
                                          << Verdict::Confirmed;
    QTest::addRow("share: child copies") << QList<ExperimentResult> { sharing(around(15), around(110), 66000) } << 3 << 2 << 2
                                         << Verdict::Confirmed;
    QTest::addRow("share: child slower, no copy seen") << QList<ExperimentResult> { sharing(around(15), around(110), 2000) } << 3
                                                       << 2 << 2 << Verdict::NotDecided;
    QTest::addRow("share: child faster") << QList<ExperimentResult> { sharing(around(110), around(15), 66000) } << 3 << 1 << 2
                                         << Verdict::Contradicted;
    QTest::addRow("share: cluster by construction") << QList<ExperimentResult> { sharing(around(15), around(110), 66000) } << 3
                                                    << 0 << 2 << Verdict::NotMeasured;

    // Row 4: external tools.
    QTest::addRow("tools: child runs a program")
        << QList<ExperimentResult> { result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8 } } }) } << 4 << 2 << 2
        << Verdict::Confirmed;
    QTest::addRow("tools: no footprint run") << QList<ExperimentResult> {} << 4 << 2 << 2 << Verdict::NotMeasured;
    QTest::addRow("tools: threads by construction")
        << QList<ExperimentResult> { result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8 } } }) } << 4 << 1 << 2
        << Verdict::NotMeasured;

    const auto isolation = [](const QList<double>& threadDied, const QList<double>& survived, double served,
                              const QList<double>& childStatus, const QList<double>& childCollateral,
                              const QList<double>& childDied) {
        return result(QStringLiteral("isolation"), { { QStringLiteral("thread.workerDied"), threadDied },
                                                     { QStringLiteral("thread.othersSurvived"), survived },
                                                     { QStringLiteral("thread.othersServedInRun"), { served } },
                                                     { QStringLiteral("thread.collateral"), { 5, 6, 4 } },
                                                     { QStringLiteral("child.faultStatus"), childStatus },
                                                     { QStringLiteral("child.collateral"), childCollateral },
                                                     { QStringLiteral("child.workerDied"), childDied } });
    };
    const QList<double> ones { 1, 1, 1 };
    const QList<double> zeros { 0, 0, 0 };
    const QList<double> badGateway { 502, 502, 502 };
    // Row 6: isolation.
    QTest::addRow("isolation: cluster carries on")
        << QList<ExperimentResult> { isolation(ones, ones, 300, badGateway, zeros, zeros) } << 6 << 0 << 2 << Verdict::Confirmed;
    QTest::addRow("isolation: a crash took another worker")
        << QList<ExperimentResult> { isolation(ones, { 1, 0, 1 }, 300, badGateway, zeros, zeros) } << 6 << 0 << 2
        << Verdict::Contradicted;
    QTest::addRow("isolation: others served nothing")
        << QList<ExperimentResult> { isolation(ones, ones, 0, badGateway, zeros, zeros) } << 6 << 0 << 2 << Verdict::NotDecided;
    QTest::addRow("isolation: thread crash kills the worker")
        << QList<ExperimentResult> { isolation(ones, ones, 300, badGateway, zeros, zeros) } << 6 << 1 << 2 << Verdict::Confirmed;
    QTest::addRow("isolation: thread crash harmless")
        << QList<ExperimentResult> { isolation(zeros, ones, 300, badGateway, zeros, zeros) } << 6 << 1 << 2 << Verdict::Contradicted;
    QTest::addRow("isolation: thread crash sometimes")
        << QList<ExperimentResult> { isolation({ 1, 0, 1 }, ones, 300, badGateway, zeros, zeros) } << 6 << 1 << 2
        << Verdict::NotDecided;
    QTest::addRow("isolation: task crash contained")
        << QList<ExperimentResult> { isolation(ones, ones, 300, badGateway, zeros, zeros) } << 6 << 2 << 2 << Verdict::Confirmed;
    QTest::addRow("isolation: task crash spread")
        << QList<ExperimentResult> { isolation(ones, ones, 300, badGateway, { 0, 2, 0 }, zeros) } << 6 << 2 << 2
        << Verdict::Contradicted;
    QTest::addRow("isolation: task crash killed the worker")
        << QList<ExperimentResult> { isolation(ones, ones, 300, badGateway, zeros, { 0, 1, 0 }) } << 6 << 2 << 2
        << Verdict::Contradicted;
    QTest::addRow("isolation: task answer unclear")
        << QList<ExperimentResult> { isolation(ones, ones, 300, { 502, 0, 502 }, zeros, zeros) } << 6 << 2 << 2
        << Verdict::NotDecided;
}

void TestVerdict::rules()
{
    QFETCH(QList<ExperimentResult>, results);
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(int, cores);
    QFETCH(Verdict, expected);
    const VerdictTable table = VerdictTable::decide(results, cores);
    const VerdictCell& c = table.rows.at(row).cells.at(static_cast<std::size_t>(column)).first();
    QVERIFY2(c.verdict == expected, qPrintable(verdictName(c.verdict) + QStringLiteral(": ") + c.evidence));
    QVERIFY(!c.evidence.isEmpty());
    if (c.verdict != Verdict::NotMeasured)
        QVERIFY(!c.source.isEmpty() && !c.chart.isEmpty()); // one click from its chart
}

void TestVerdict::tableHasTheSeedsShape()
{
    const VerdictTable t = VerdictTable::decide({}, 2);
    QCOMPARE(t.rows.size(), 7);
    QCOMPARE(t.rows.first().useCase, QStringLiteral("Scale HTTP server"));
    QCOMPARE(t.rows.last().useCase, QStringLiteral("Process-level isolation"));
    QCOMPARE(t.rows[0].cells[0].seedClaim, QStringLiteral("✅"));
    QVERIFY(t.rows[0].cells[0].claimYes);
    QVERIFY(!t.rows[0].cells[1].claimYes);
    QCOMPARE(t.rows[5].cells[1].seedClaim, QStringLiteral("✅ (fine-grained)"));
    QCOMPARE(claimText(t.rows[5].cells[1]), QStringLiteral("yes (fine-grained)"));
    QCOMPARE(claimText(t.rows[4].cells[0]), QStringLiteral("no"));
    QCOMPARE(t.count(Verdict::NotMeasured), 21);
    const QString text = t.toText();
    QVERIFY(text.contains(QStringLiteral("Process-level isolation")));
    for (const QString& line : text.split(QLatin1Char('\n')).mid(0, 9))
        QVERIFY2(line.size() <= 36 + 3 * 26, qPrintable(line)); // the table part fits 114 columns
}

void TestVerdict::eachEngineHasItsVerdictAndTheDifferenceIsSaid()
{
    // The same claim, three engines: the pool beats the loop (native, Node
    // pooled); a new Worker per request loses to it (Node per request).
    const QList<double> a100 = around(100);
    const QList<double> a190 = around(190);
    const QList<double> a40 = around(40);
    ExperimentResult native = crossover(1000, 500, 50, a100, a100, a100, a190, a100, a190);
    native.metrics.insert(QStringLiteral("handoffMs.worker"), { 0.04, 0.04, 0.04 });
    ExperimentResult node = crossover(1000, 10, 5, a100, a100, a40, a40, a40, a40);
    node.variant = QStringLiteral("node");
    node.metrics.insert(QStringLiteral("handoffMs.worker"), { 60, 61, 59 });
    ExperimentResult pooled = crossover(1000, 500, 50, a100, a100, a100, a190, a100, a190);
    pooled.variant = QStringLiteral("node-pool");
    pooled.metrics.insert(QStringLiteral("handoffMs.worker"), { 0.05, 0.05, 0.05 });
    // Scaling ran once on Node: the pooled variant reads the per-request run.
    ExperimentResult scaling = result(QStringLiteral("scaling"), { { QStringLiteral("rps.w1"), around(100) },
                                                                   { QStringLiteral("rps.w2"), around(180) } });
    scaling.variant = QStringLiteral("node");
    const VerdictTable t = VerdictTable::decide({ native, node, pooled, scaling }, 2);
    QCOMPARE(t.variants, (QStringList { QStringLiteral("native"), QStringLiteral("node"), QStringLiteral("node-pool") }));
    const VerdictClaim& cpuThreads = t.rows[1].cells[1];
    QCOMPARE(cpuThreads.engines.size(), 3);
    QCOMPARE(cpuThreads.on(QStringLiteral("native"))->verdict, Verdict::Confirmed);
    QCOMPARE(cpuThreads.on(QStringLiteral("node"))->verdict, Verdict::Contradicted);
    QCOMPARE(cpuThreads.on(QStringLiteral("node-pool"))->verdict, Verdict::Confirmed);
    QVERIFY(cpuThreads.on(QStringLiteral("node"))->evidence.contains(QStringLiteral("a new Worker per request")));
    QVERIFY(cpuThreads.on(QStringLiteral("native"))->evidence.contains(QStringLiteral("the thread pool")));
    QVERIFY(cpuThreads.enginesDiffer());
    QVERIFY2(cpuThreads.why.contains(QStringLiteral("a new Worker per request: 60.00 ms")), qPrintable(cpuThreads.why));
    QVERIFY(cpuThreads.why.contains(QStringLiteral("Node.js, per request contradicted")));
    // Agreeing engines say nothing more.
    QVERIFY(t.rows[0].cells[2].why.isEmpty() || t.rows[0].cells[2].enginesDiffer());
    // Scaling: measured on Node only; native's cell says not measured, both
    // Node variants read the one run.
    const VerdictClaim& scale = t.rows[0].cells[0];
    QCOMPARE(scale.on(QStringLiteral("native"))->verdict, Verdict::NotMeasured);
    QCOMPARE(scale.on(QStringLiteral("node"))->verdict, Verdict::Confirmed);
    QCOMPARE(scale.on(QStringLiteral("node-pool"))->verdict, Verdict::Confirmed);
    QCOMPARE(scale.on(QStringLiteral("node-pool"))->sourceVariant, QStringLiteral("node")); // its chart is the Node run's
    QCOMPARE(cpuThreads.on(QStringLiteral("node-pool"))->sourceVariant, QStringLiteral("node-pool"));
    // Counted per engine; the text has a symbol per engine and the reasons.
    QCOMPARE(t.count(Verdict::Contradicted) >= 1, true);
    const QString text = t.toText();
    QVERIFY2(text.contains(QStringLiteral("yes: ✓ ✗ ✓")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("[Node.js, pooled]")));
    QVERIFY(text.contains(QStringLiteral("≠ Decided differently")));
    // Saved and read again: the same per-engine table.
    RunReport report;
    report.machine = MachineInfo::current();
    report.results = { native, node, pooled, scaling };
    report.verdicts = t;
    RunReport back;
    QString error;
    QVERIFY2(RunReport::fromJson(report.toJson(), &back, &error), qPrintable(error));
    QCOMPARE(back.verdicts.rows[1].cells[1].on(QStringLiteral("node"))->verdict, Verdict::Contradicted);
    QCOMPARE(back.verdicts.toText(), text);
    // An engine this program does not know is refused, not guessed.
    QJsonObject o = report.toJson();
    QJsonArray results = o.value(QStringLiteral("results")).toArray();
    QJsonObject first = results.first().toObject();
    first.insert(QStringLiteral("variant"), QStringLiteral("deno"));
    results.replace(0, first);
    o.insert(QStringLiteral("results"), results);
    QVERIFY(!RunReport::fromJson(o, &back, &error));
    QVERIFY2(error.contains(QStringLiteral("unknown engine 'deno'")), qPrintable(error));
    // Markdown, as README shows it: a symbol and the engine per verdict, the
    // legend, and why the engines differ.
    const QString md = t.toMarkdown();
    QVERIFY2(md.contains(QStringLiteral("| CPU-intensive tasks | ")), qPrintable(md));
    QVERIFY(md.contains(QStringLiteral("yes: ✓ native · ✗ node · ✓ node pool")));
    QVERIFY(md.contains(QStringLiteral("node = Node.js, per request")));
    QVERIFY(!md.contains(QStringLiteral("native = native")));
    QVERIFY(md.contains(QStringLiteral("**CPU-intensive tasks / Worker Threads.** Decided differently")));
    // The report: a line per engine in the cell, and the evidence after.
    const QString html = verdictTableHtml(t, false);
    QVERIFY(html.contains(QStringLiteral("Node.js, per request</b>: contradicted")));
    QVERIFY(html.contains(QStringLiteral("Why they differ")));
}

void TestVerdict::distributionRowsFollowEachEnginesDefault_data()
{
    QTest::addColumn<QString>("os");
    QTest::addColumn<int>("defaultClass"); // Distribution of the default policy's sequence
    QTest::addColumn<double>("pinned");
    QTest::addColumn<Verdict>("linux");
    QTest::addColumn<Verdict>("windowsMac");
    QTest::addColumn<Verdict>("requests");
    const int rr = static_cast<int>(Distribution::StrictRotation);
    const int spread = static_cast<int>(Distribution::KernelSpread);
    const int few = static_cast<int>(Distribution::TooFew);
    // Linux, Node's SCHED_RR: the primary deals in turn, not the OS.
    QTest::addRow("linux, strict rotation") << QStringLiteral("linux") << rr << 1.0 << Verdict::Contradicted
                                            << Verdict::NotDecided << Verdict::Contradicted;
    // Linux, SCHED_NONE (or NODE_CLUSTER_SCHED_POLICY=none): the OS picks.
    QTest::addRow("linux, spread by the OS") << QStringLiteral("linux") << spread << 1.0 << Verdict::Confirmed
                                             << Verdict::NotDecided << Verdict::Contradicted;
    QTest::addRow("linux, too few") << QStringLiteral("linux") << few << 0.4 << Verdict::NotDecided << Verdict::NotDecided
                                    << Verdict::Confirmed;
    // Windows: the second row is decided there, the first is not.
    QTest::addRow("windows, strict rotation") << QStringLiteral("windows") << rr << 1.0 << Verdict::NotDecided
                                              << Verdict::Confirmed << Verdict::Contradicted;
    QTest::addRow("windows, spread") << QStringLiteral("windows") << spread << 1.0 << Verdict::NotDecided
                                     << Verdict::Contradicted << Verdict::Contradicted;
}

void TestVerdict::distributionRowsFollowEachEnginesDefault()
{
    QFETCH(QString, os);
    QFETCH(int, defaultClass);
    QFETCH(double, pinned);
    QFETCH(Verdict, linux);
    QFETCH(Verdict, windowsMac);
    QFETCH(Verdict, requests);
    ExperimentResult r = result(QStringLiteral("distribution"),
                                { { QStringLiteral("class.default"), { static_cast<double>(defaultClass) } },
                                  { QStringLiteral("rotation.default"), { 1.0 } },
                                  { QStringLiteral("connections.default"), { 20 } },
                                  { QStringLiteral("pinned.default"), { pinned, pinned } } },
                                QJsonObject { { QStringLiteral("os"), os },
                                              { QStringLiteral("engine"), QStringLiteral("node") },
                                              { QStringLiteral("defaultPolicy"), QStringLiteral("default") },
                                              { QStringLiteral("nodeDefaultScheduling"), QStringLiteral("rr") },
                                              { QStringLiteral("policies"), QJsonArray { QStringLiteral("default") } } });
    r.variant = QStringLiteral("node");
    const VerdictTable t = VerdictTable::decide({ r }, 2);
    QCOMPARE(t.distribution.size(), 3);
    QCOMPARE(t.distribution[0].claim.engines.size(), 1);
    QVERIFY(t.distribution[0].claim.perEngine);
    QCOMPARE(engineLabel(t.distribution[0].claim, t.distribution[0].claim.first()), QStringLiteral("Node.js"));
    QCOMPARE(t.distribution[0].claim.first().verdict, linux);
    QCOMPARE(t.distribution[1].claim.first().verdict, windowsMac);
    QCOMPARE(t.distribution[2].claim.first().verdict, requests);
    const int decidedHere = os == QLatin1String("linux") ? 0 : 1;
    QVERIFY(t.distribution[decidedHere].claim.first().evidence.contains(QStringLiteral("Node's default policy (SCHED_RR")));
    // Without the experiment, no Q2 rows.
    QVERIFY(VerdictTable::decide({}, 2).distribution.isEmpty());
}

void TestVerdict::failedOrCancelledExperimentsAreNotMeasured()
{
    ExperimentResult failed = result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8 } } });
    failed.error = QStringLiteral("cannot start");
    QCOMPARE(at({ failed }, 4, 2), Verdict::NotMeasured);
    ExperimentResult cancelled = result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8 } } });
    cancelled.cancelled = true;
    QCOMPARE(at({ cancelled }, 4, 2), Verdict::NotMeasured);
}

void TestVerdict::reportRoundTripsThroughJson()
{
    RunReport report;
    report.machine = MachineInfo::current();
    report.settings.quick = true;
    report.settings.seed = 0xFFFFFFFFFFFFFFF1ULL; // beyond a double's exact integers
    ExperimentResult r = result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8, 0.9 } } });
    r.charts.append(Chart { QStringLiteral("footprint-start"), QStringLiteral("Start"), QString(), QStringLiteral("ms"), false,
                            true, true, { QStringLiteral("a"), QStringLiteral("b") },
                            { Line { QStringLiteral("start-up"), { QPointF(0, 1), QPointF(1, 2) }, { QPointF(0.5, 1.5), QPointF(1.5, 2.5) } } } });
    report.results.append(r);
    report.verdicts = VerdictTable::decide(report.results, report.machine.cores);
    const QByteArray bytes = QJsonDocument(report.toJson()).toJson();
    RunReport back;
    QString error;
    QVERIFY2(RunReport::fromJson(QJsonDocument::fromJson(bytes).object(), &back, &error), qPrintable(error));
    QCOMPARE(back.settings.seed, report.settings.seed);
    QCOMPARE(back.machine.cpuModel, report.machine.cpuModel);
    QCOMPARE(back.results.size(), 1);
    QCOMPARE(back.results[0].metrics, r.metrics);
    QCOMPARE(back.results[0].charts[0].xCategories, r.charts[0].xCategories);
    QCOMPARE(back.results[0].charts[0].lines[0].intervals, r.charts[0].lines[0].intervals);
    QCOMPARE(back.verdicts.rows[4].cells[2].first().verdict, Verdict::Confirmed);
    // Not ours, or from the future: refused with a reason.
    QVERIFY(!RunReport::fromJson(QJsonObject { { QStringLiteral("format"), QStringLiteral("x") } }, &back, &error));
    QVERIFY(error.contains(QStringLiteral("not a ClusterLab")));
    QJsonObject future = report.toJson();
    future.insert(QStringLiteral("formatVersion"), 99);
    QVERIFY(!RunReport::fromJson(future, &back, &error));
    QVERIFY(error.contains(QStringLiteral("newer")));
    // Issue 22: a number past 1e308 in a file is no measurement.
    QByteArray infinite = bytes;
    const qsizetype at = infinite.indexOf("2.5");
    QVERIFY(at > 0);
    infinite.replace(at, 3, "1e999");
    const QJsonDocument doc = QJsonDocument::fromJson(infinite);
    if (!doc.isObject())
        return; // this Qt refuses the number itself: just as good
    QVERIFY(!RunReport::fromJson(doc.object(), &back, &error));
    QVERIFY2(error.contains(QStringLiteral("not a finite number")), qPrintable(error));
}

void TestVerdict::niceTicksAreRound_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::addRow("0..9.8") << 0.0 << 9.8;
    QTest::addRow("0..136266") << 0.0 << 136266.0;
    QTest::addRow("0.29..5.64") << 0.29 << 5.64;
    QTest::addRow("0..1") << 0.0 << 1.0;
    QTest::addRow("flat") << 3.0 << 3.0;
    // Issue 22: the span overflowed, the list came back empty and was
    // indexed (SIGSEGV on a 400-byte experiments file).
    QTest::addRow("-1e308..1e308") << -1e308 << 1e308;
    QTest::addRow("flat at 1.7e308") << 1.7e308 << 1.7e308;
    QTest::addRow("1e-300..2e-300") << 1e-300 << 2e-300;
}

void TestVerdict::niceTicksAreRound()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    const QList<double> t = niceTicks(lo, hi);
    QVERIFY(t.size() >= 2 && t.size() <= 9);
    QVERIFY(t.first() <= lo && t.last() >= hi);
    const double step = t[1] - t[0];
    const double mag = std::pow(10.0, std::floor(std::log10(step)));
    const double m = step / mag;
    QVERIFY2(qAbs(m - 1) < 1e-9 || qAbs(m - 2) < 1e-9 || qAbs(m - 5) < 1e-9, qPrintable(QString::number(step)));
}

void TestVerdict::chartSvgHasWholeLegendsAndUnits()
{
    Chart c { QStringLiteral("x"), QStringLiteral("Median latency"), QStringLiteral("n"), QStringLiteral("p50 latency (ms)"),
              false, true, false, {}, {} };
    c.lines.append(Line { QStringLiteral("/worker"), { QPointF(0, 0.05), QPointF(30, 1.5) }, {} });
    c.lines.append(Line { QStringLiteral("/child"), { QPointF(0, 0.9), QPointF(30, 2.5) }, {} });
    const QString svg = chartSvg(c);
    QVERIFY(svg.startsWith(QStringLiteral("<svg")));
    QVERIFY(svg.contains(QStringLiteral(">/worker</text>")));
    QVERIFY(svg.contains(QStringLiteral(">/child</text>")));
    QVERIFY(svg.contains(QStringLiteral("p50 latency (ms) (log)")));
    QVERIFY(svg.contains(QStringLiteral(">0.01</text>")) && svg.contains(QStringLiteral(">10</text>"))); // decades
    Chart empty { QStringLiteral("e"), QStringLiteral("Nothing"), QString(), QStringLiteral("ms"), false, false, false, {}, {} };
    QVERIFY(chartSvg(empty).contains(QStringLiteral("no data")));
    // Any finite range draws (the file that crashed experiment --open).
    Chart wide { QStringLiteral("w"), QStringLiteral("Wide"), QStringLiteral("x"), QStringLiteral("y"), false, false, false, {}, {} };
    wide.lines.append(Line { QStringLiteral("a"), { QPointF(-1e308, -1e308), QPointF(1e308, 1e308) }, {} });
    QVERIFY(chartSvg(wide).startsWith(QStringLiteral("<svg")));
    wide.lines[0].points = { QPointF(-1.79e308, -1.7e308), QPointF(-1e308, 1.79e308) }; // no round step fits: the ends
    QVERIFY(chartSvg(wide).startsWith(QStringLiteral("<svg")));
    wide.logY = true;
    wide.lines[0].points = { QPointF(0, 1e-300), QPointF(1, 1e300) };
    QVERIFY(chartSvg(wide).startsWith(QStringLiteral("<svg")));
}

void TestVerdict::reportPageHasTheTableFirst()
{
    RunReport report;
    report.machine = MachineInfo::current();
    report.started = QDateTime::currentDateTime();
    ExperimentResult r = result(QStringLiteral("footprint"), { { QStringLiteral("taskStartMs"), { 0.8 } } });
    r.title = QStringLiteral("What each unit costs");
    r.method = QStringLiteral("Measured <carefully> & well.");
    r.findings = { QStringLiteral("A finding.") };
    r.charts.append(Chart { QStringLiteral("footprint-start"), QStringLiteral("Start-up"), QString(), QStringLiteral("ms"), false,
                            false, true, { QStringLiteral("task") }, { Line { QStringLiteral("start-up"), { QPointF(0, 0.8) }, {} } } });
    report.results.append(r);
    report.verdicts = VerdictTable::decide(report.results, 2);
    const QString html = reportHtml(report);
    const qsizetype table = html.indexOf(QStringLiteral("The seed's table, measured"));
    const qsizetype section = html.indexOf(QStringLiteral("name=\"footprint\""));
    QVERIFY(table > 0 && section > table);
    QVERIFY(html.contains(QStringLiteral("href=\"#footprint-start\"")));
    QVERIFY(html.contains(QStringLiteral("id=\"footprint-start\"")));
    QVERIFY(html.contains(QStringLiteral("Measured &lt;carefully&gt; &amp; well.")));
    QVERIFY(html.contains(report.machine.cpuModel.toHtmlEscaped()));
    QVERIFY(!html.contains(QStringLiteral("\"metrics\""))); // no raw JSON in the page
}

// Issue 24: the distribution experiment's rules on synthetic sequences:
// what Node's SCHED_RR, SCHED_NONE and a kernel's hash look like.
void TestVerdict::distributionOfConnections()
{
    const QList<qint64> two { 101, 102 };
    // SCHED_RR as measured: W2 W1 W2 W1 … over 20 new connections.
    QList<qint64> rr;
    for (int i = 0; i < 20; ++i)
        rr << (i % 2 ? 101 : 102);
    DistributionStats s = analyzeDistribution(rr, two);
    QCOMPARE(s.connections, 20);
    QCOMPARE(s.strictRotation, 1.0);
    QCOMPARE(s.longestRun, 1);
    QCOMPARE(s.repeats, 0);
    QCOMPARE(s.jain, 1.0);
    QCOMPARE(s.maxShare, 0.5);
    QCOMPARE(classifyDistribution(s), Distribution::StrictRotation);
    // 40 of them with one hiccup (a worker not free again in time): still the
    // primary's rotation (a hiccup shifts the phase: three misses).
    rr = rr + rr;
    rr[9] = rr[8]; // W2 three times in a row: two repeats
    s = analyzeDistribution(rr, two);
    QCOMPARE(s.repeats, 2);
    QVERIFY(s.strictRotation < 1.0);
    QCOMPARE(classifyDistribution(s), Distribution::StrictRotation);
    // SCHED_NONE as measured: 12/8, the same worker twice in a row 7 times of 19.
    const QList<qint64> none { 101, 101, 102, 101, 101, 101, 102, 102, 101, 102, 101, 101, 102, 101, 102, 102, 101, 101, 102, 101 };
    s = analyzeDistribution(none, two);
    QCOMPARE(s.repeats, 7);
    QCOMPARE(s.longestRun, 3);
    QCOMPARE(s.maxShare, 12.0 / 20);
    QVERIFY(s.strictRotation < kStrictRotationAtLeast);
    QVERIFY(qAbs(s.jain - 400.0 / (2 * (144 + 64))) < 1e-12);
    QCOMPARE(classifyDistribution(s), Distribution::KernelSpread);
    // Everything on one of three workers (a hash of one client's ports, or a busy sibling).
    const QList<qint64> three { 101, 102, 103 };
    s = analyzeDistribution(QList<qint64>(12, 103), three);
    QCOMPARE(s.longestRun, 12);
    QVERIFY(qAbs(s.jain - 1.0 / 3) < 1e-12);
    QCOMPARE(s.maxShare, 1.0);
    QCOMPARE(classifyDistribution(s), Distribution::OneWorker);
    // Three workers visited in a changing order: spread, not a rotation.
    s = analyzeDistribution({ 101, 102, 103, 101, 103, 102, 102, 101, 103, 103, 102, 101 }, three);
    QVERIFY(s.strictRotation < kStrictRotationAtLeast);
    QCOMPARE(classifyDistribution(s), Distribution::KernelSpread);
    // Three in strict turn; a pid that is no worker's is counted apart.
    s = analyzeDistribution({ 101, 102, 103, 101, 102, 999, 103, 101, 102, 103 }, three);
    QCOMPARE(s.unattributed, 1);
    QCOMPARE(s.connections, 9);
    QCOMPARE(s.strictRotation, 1.0);
    QCOMPARE(classifyDistribution(s), Distribution::StrictRotation);
    // Too few to tell: fewer than two connections a worker, or one worker.
    QCOMPARE(classifyDistribution(analyzeDistribution({ 101, 102, 101 }, two)), Distribution::TooFew);
    QCOMPARE(classifyDistribution(analyzeDistribution(QList<qint64>(10, 101), { 101 })), Distribution::TooFew);
    QCOMPARE(analyzeDistribution({}, two).jain, 0.0);
    QCOMPARE(distributionName(Distribution::StrictRotation), QStringLiteral("strict rotation"));
}

QTEST_GUILESS_MAIN(TestVerdict)
#include "tst_verdict.moc"
