// SPDX-License-Identifier: GPL-3.0-or-later
// The comparison's statistics on synthetic runs whose answer is known: two
// runs of one configuration compare as "~", a 1 ms delay on one side is
// found, one request or none on a side is "n/a", and several runs a side
// switch to the variation between runs.
#include "session/sessioncompare.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace clusterlab;

namespace {

// A run of `seconds` seconds answering `/` at about `rate` requests/s,
// each taking a lognormal time around 0.3 ms plus `extraMs`.
SessionSummary syntheticRun(std::uint64_t seed, double extraMs, int seconds = 20, double rate = 250)
{
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> latency(std::log(0.3), 0.5); // ms
    std::poisson_distribution<int> perSecond(rate);
    SessionSummary s;
    s.path = QStringLiteral("run-%1.sqlite").arg(seed);
    HdrHistogram& h = s.latency[static_cast<std::size_t>(RouteId::Root)];
    for (int sec = 0; sec < seconds; ++sec) {
        const int n = perSecond(rng);
        s.routeSeconds[QStringLiteral("/")].insert(sec, static_cast<quint64>(n));
        for (int i = 0; i < n; ++i)
            h.recordNs(static_cast<std::int64_t>((latency(rng) + extraMs) * 1e6));
        s.requests += static_cast<quint64>(n);
    }
    s.firstRequestNs = 1;
    s.lastRequestNs = static_cast<std::int64_t>(seconds) * 1000000000LL;
    return s;
}

const RunComparison::Route& rootRow(const RunComparison& c)
{
    for (const RunComparison::Route& r : c.routes) {
        if (r.route == QLatin1String("/"))
            return r;
    }
    static const RunComparison::Route none;
    return none;
}

} // namespace

class TestSessionCompare : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void sameConfigurationComparesAsNoDifference();
    void aOneMillisecondDelayIsFound();
    void aThroughputDifferenceIsFound();
    void oneRequestOnASideIsNotCompared();
    void emptySidesAreNotCompared();
    void severalRunsUseTheVariationBetweenRuns();
    void theTextAndJsonSayWhatTheySaw();
};

void TestSessionCompare::sameConfigurationComparesAsNoDifference()
{
    int p50Same = 0, p99Same = 0, rpsSame = 0;
    for (std::uint64_t rep = 0; rep < 20; ++rep) {
        const SessionSummary a = syntheticRun(1000 + 2 * rep, 0);
        const SessionSummary b = syntheticRun(1001 + 2 * rep, 0);
        const RunComparison c = RunComparison::of({ &a }, { &b }, rep + 1);
        const RunComparison::Route& r = rootRow(c);
        QCOMPARE(r.route, QStringLiteral("/"));
        QVERIFY(r.p50.low <= r.p50.ratio && r.p50.ratio <= r.p50.high);
        p50Same += r.p50.verdict == RatioInterval::Verdict::NoDifference;
        p99Same += r.p99.verdict == RatioInterval::Verdict::NoDifference;
        rpsSame += r.throughput.verdict == RatioInterval::Verdict::NoDifference;
    }
    qInfo("same configuration, 20 seeded repetitions: p50 ~ %d, p99 ~ %d, throughput ~ %d", p50Same, p99Same, rpsSame);
    QVERIFY2(p50Same >= 19, qPrintable(QString::number(p50Same)));
    QVERIFY2(p99Same >= 19, qPrintable(QString::number(p99Same)));
    QVERIFY2(rpsSame >= 19, qPrintable(QString::number(rpsSame)));
}

void TestSessionCompare::aOneMillisecondDelayIsFound()
{
    for (std::uint64_t rep = 0; rep < 20; ++rep) {
        const SessionSummary a = syntheticRun(2000 + 2 * rep, 0);
        const SessionSummary b = syntheticRun(2001 + 2 * rep, 1.0);
        const RunComparison::Route r = rootRow(RunComparison::of({ &a }, { &b }, rep + 1));
        QVERIFY(r.p50.differs());
        QVERIFY(r.p99.differs());
        // About 1.3 / 0.3: the interval holds the true ratio's neighbourhood.
        QVERIFY2(r.p50.low > 3.0 && r.p50.high < 6.0, qPrintable(r.p50.text()));
    }
}

void TestSessionCompare::aThroughputDifferenceIsFound()
{
    const SessionSummary a = syntheticRun(3000, 0, 30, 250);
    const SessionSummary b = syntheticRun(3001, 0, 30, 300);
    const RunComparison::Route r = rootRow(RunComparison::of({ &a }, { &b }));
    QVERIFY2(r.throughput.differs(), qPrintable(r.throughput.text()));
    QVERIFY2(r.throughput.low > 1.1 && r.throughput.high < 1.3, qPrintable(r.throughput.text()));
    QVERIFY(r.throughput.text().startsWith(QStringLiteral("1.")));
}

void TestSessionCompare::oneRequestOnASideIsNotCompared()
{
    const SessionSummary a = syntheticRun(4000, 0);
    SessionSummary b;
    b.latency[static_cast<std::size_t>(RouteId::Root)].recordNs(300000);
    b.requests = 1;
    b.routeSeconds[QStringLiteral("/")].insert(5, 1);
    b.firstRequestNs = 1;
    b.lastRequestNs = 2;
    const RunComparison::Route r = rootRow(RunComparison::of({ &a }, { &b }));
    QCOMPARE(r.bCount, quint64(1));
    QCOMPARE(r.p50.verdict, RatioInterval::Verdict::NotComparable);
    QCOMPARE(r.p99.verdict, RatioInterval::Verdict::NotComparable);
    QCOMPARE(r.throughput.verdict, RatioInterval::Verdict::NotComparable);
    QVERIFY2(r.p50.text().contains(QStringLiteral("fewer than 20 requests")), qPrintable(r.p50.text()));
}

void TestSessionCompare::emptySidesAreNotCompared()
{
    const SessionSummary a = syntheticRun(5000, 0);
    const SessionSummary empty;
    // A side whose session served nothing: every route of the other side is n/a.
    const RunComparison c = RunComparison::of({ &a }, { &empty });
    QCOMPARE(c.routes.size(), 1);
    QCOMPARE(c.routes.constFirst().bCount, quint64(0));
    QCOMPARE(c.routes.constFirst().p50.verdict, RatioInterval::Verdict::NotComparable);
    QCOMPARE(c.routes.constFirst().throughput.verdict, RatioInterval::Verdict::NotComparable);
    QCOMPARE(c.b.requests, quint64(0));
    // No session at all on either side: nothing to compare, no crash.
    const RunComparison none = RunComparison::of({}, {});
    QVERIFY(none.routes.isEmpty());
    QCOMPARE(none.a.runs, 0);
    QVERIFY(!none.toText().isEmpty());
}

void TestSessionCompare::severalRunsUseTheVariationBetweenRuns()
{
    // Three runs a side; each run drifts a little (as runs on a shared
    // machine do), which the variation between runs holds.
    auto runs = [](std::uint64_t seed, double extraMs) {
        std::vector<SessionSummary> out;
        std::mt19937_64 rng(seed);
        std::normal_distribution<double> drift(0.0, 0.02);
        for (int i = 0; i < 3; ++i)
            out.push_back(syntheticRun(seed * 10 + static_cast<std::uint64_t>(i), extraMs + drift(rng), 20, 250 * (1 + drift(rng))));
        return out;
    };
    int same = 0;
    for (std::uint64_t rep = 0; rep < 20; ++rep) {
        const std::vector<SessionSummary> a = runs(600 + 2 * rep, 0);
        const std::vector<SessionSummary> b = runs(601 + 2 * rep, 0);
        const RunComparison c = RunComparison::of({ &a[0], &a[1], &a[2] }, { &b[0], &b[1], &b[2] });
        QVERIFY(c.method.contains(QStringLiteral("between runs")));
        QCOMPARE(c.a.runs, 3);
        const RunComparison::Route& r = rootRow(c);
        same += r.p50.verdict == RatioInterval::Verdict::NoDifference && r.throughput.verdict == RatioInterval::Verdict::NoDifference;
    }
    qInfo("three runs a side, same configuration: ~ for p50 and throughput in %d of 20", same);
    QVERIFY2(same >= 18, qPrintable(QString::number(same)));
    const std::vector<SessionSummary> a = runs(700, 0);
    const std::vector<SessionSummary> b = runs(701, 1.0);
    const RunComparison::Route r = rootRow(RunComparison::of({ &a[0], &a[1], &a[2] }, { &b[0], &b[1], &b[2] }));
    QVERIFY2(r.p50.differs() && r.p50.ratio > 3, qPrintable(r.p50.text()));
}

void TestSessionCompare::theTextAndJsonSayWhatTheySaw()
{
    const SessionSummary a = syntheticRun(8000, 0);
    const SessionSummary b = syntheticRun(8001, 1.0);
    const RunComparison c = RunComparison::of({ &a }, { &b });
    const QString text = c.toText();
    QVERIFY2(text.contains(QStringLiteral("A: 1 run, %1 requests").arg(a.requests)), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("p50 B/A")));
    QVERIFY(text.contains(QStringLiteral("× (")));
    const QJsonObject j = c.toJson();
    const QJsonObject p50 = j.value(QStringLiteral("routes")).toArray().first().toObject().value(QStringLiteral("p50")).toObject();
    QCOMPARE(p50.value(QStringLiteral("verdict")).toString(), QStringLiteral("differs"));
    QVERIFY(p50.value(QStringLiteral("low")).toDouble() > 1);
    // The same files, the same seed: the same intervals.
    QCOMPARE(RunComparison::of({ &a }, { &b }, 7).toJson(), RunComparison::of({ &a }, { &b }, 7).toJson());
}

QTEST_GUILESS_MAIN(TestSessionCompare)
#include "tst_sessioncompare.moc"
