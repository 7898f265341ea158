// SPDX-License-Identifier: GPL-3.0-or-later
// The lab's one latency histogram (HdrHistogram's layout at 1 µs .. 1 h,
// 2 significant digits): what its header promises about precision, merging
// and the edges. Its encoding and interval logs are tested in tst_hdrlog.
#include "telemetry/histogram.h"

#include <QRandomGenerator>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace clusterlab;

namespace {
// The exact value of rank ceil(p/100 * n), as HdrHistogram defines it.
std::int64_t exactPercentile(std::vector<std::int64_t> v, double p)
{
    std::sort(v.begin(), v.end());
    // (the 1e-9 undoes the double's 9990.000000000002 for p99.9 of 10,000)
    const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()) - 1e-9)));
    return v[rank - 1];
}

// What the header promises: a percentile is the highest value equivalent to
// the exact one, so never below it and at most 1/128 above (exact below
// 256 µs); min() at most 1/128 below the smallest value, max() at most
// 1/128 above the largest.
void checkPrecision(const std::vector<std::int64_t>& values, const char* what)
{
    HdrHistogram h;
    for (std::int64_t v : values)
        h.record(v);
    QCOMPARE(h.totalCount(), static_cast<std::int64_t>(values.size()));
    for (double p : { 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0 }) {
        const std::int64_t exact = exactPercentile(values, p);
        const std::int64_t got = h.valueAtPercentile(p);
        const std::int64_t slack = exact < 256 ? 0 : exact / 128;
        QVERIFY2(got >= exact && got <= exact + slack,
                 qPrintable(QStringLiteral("%1: p%2 exact %3 got %4").arg(QLatin1String(what)).arg(p).arg(exact).arg(got)));
    }
    const std::int64_t lo = *std::min_element(values.begin(), values.end());
    const std::int64_t hi = *std::max_element(values.begin(), values.end());
    QVERIFY(h.min() <= lo && h.min() >= lo - (lo < 256 ? 0 : lo / 128));
    QVERIFY(h.max() >= hi && h.max() <= hi + (hi < 256 ? 0 : hi / 128));
}
} // namespace

class TestHistogram : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void theLabsLayout();
    void uniformRandom();
    void logNormalLatencies();
    void adversarialBucketEdges();
    void bimodalWithRareOutliers();
    void addEqualsRecordingTogether();
    void addOfAnotherLayout();
    void emptyResetAndClamp();
    void nanosecondsAndMilliseconds();
    void wholeNumberRanksAreNotRoundedUp();
};

// 2 digits: 256 sub-buckets (2·10^2 rounded up to a power of two), values
// below 256 µs exact, then 128 steps per power of two; 25 buckets reach one
// hour, so (25 + 1) · 128 counts.
void TestHistogram::theLabsLayout()
{
    HdrHistogram h;
    QCOMPARE(h.lowestDiscernibleValue(), std::int64_t(1));
    QCOMPARE(h.highestTrackableValue(), std::int64_t(3'600'000'000));
    QCOMPARE(h.significantDigits(), 2);
    QCOMPARE(h.countsLength(), 3328);
    QCOMPARE(h.countsIndexFor(255), 255);
    QCOMPARE(h.countsIndexFor(256), 256);
    QCOMPARE(h.countsIndexFor(257), 256); // steps of 2 from 256
    QCOMPARE(h.lowestEquivalentValue(5001), std::int64_t(4992));
    QCOMPARE(h.highestEquivalentValue(5001), std::int64_t(5023)); // steps of 32 from 4096
    // Every step is at most 1/128 of the values it holds.
    for (std::int64_t v = 256; v < h.highestTrackableValue(); v += v / 7 + 1)
        QVERIFY2(h.sizeOfEquivalentValueRange(v) * 128 <= h.lowestEquivalentValue(v),
                 qPrintable(QStringLiteral("at %1").arg(v)));
    HdrHistogram same;
    same.record(42);
    h.record(42);
    QVERIFY(h.sameLayout(HdrHistogram(1, 3'600'000'000, 2)));
    QVERIFY(h == same);
    // Out-of-range layouts are replaced by the lab's, not trusted.
    QVERIFY(HdrHistogram(0, 10, 2).sameLayout(h));
    QVERIFY(HdrHistogram(1, 3'600'000'000, 9).sameLayout(h));
}

void TestHistogram::uniformRandom()
{
    QRandomGenerator rng(42);
    std::vector<std::int64_t> v(100000);
    for (auto& x : v)
        x = static_cast<std::int64_t>(rng.bounded(1000000)); // 0 .. 1 s in µs
    checkPrecision(v, "uniform 0..1 s");
}

void TestHistogram::logNormalLatencies()
{
    QRandomGenerator rng(7);
    std::vector<std::int64_t> v(100000);
    for (auto& x : v) {
        // Box-Muller: a log-normal around 200 µs with a long tail.
        const double u1 = std::max(1e-12, rng.generateDouble());
        const double u2 = rng.generateDouble();
        const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
        x = static_cast<std::int64_t>(200 * std::exp(1.2 * z));
    }
    checkPrecision(v, "log-normal");
}

void TestHistogram::adversarialBucketEdges()
{
    // Values on, just below and just above bucket edges, where the highest
    // equivalent value is furthest from the truth.
    HdrHistogram layout;
    std::vector<std::int64_t> v;
    for (int i = 256; i < layout.countsLength() - 200; i += 37) {
        const std::int64_t low = layout.valueFromIndex(i);
        const std::int64_t high = layout.highestEquivalentValue(low);
        v.push_back(low);
        v.push_back(high);
        v.push_back(low + (high - low) / 3);
    }
    checkPrecision(v, "bucket edges");
    std::vector<std::int64_t> same(1000, 123456);
    checkPrecision(same, "all equal");
}

void TestHistogram::bimodalWithRareOutliers()
{
    std::vector<std::int64_t> v;
    for (int i = 0; i < 9990; ++i)
        v.push_back(50 + i % 7);
    for (int i = 0; i < 10; ++i)
        v.push_back(1000000 + i * 1000); // 1 s stalls: p99.99 and the max must see them
    checkPrecision(v, "bimodal");
}

void TestHistogram::addEqualsRecordingTogether()
{
    // What makes a run and the merge of its halves agree: adding is exact.
    HdrHistogram a, b, all;
    QRandomGenerator rng(3);
    for (int i = 0; i < 5000; ++i) {
        const auto x = static_cast<std::int64_t>(rng.bounded(10000000));
        (i % 2 ? a : b).record(x);
        all.record(x);
    }
    a.add(b);
    QVERIFY(a == all);
    QCOMPARE(a.totalCount(), all.totalCount());
    QCOMPARE(a.min(), all.min());
    QCOMPARE(a.max(), all.max());
    QCOMPARE(a.mean(), all.mean());
    for (double p : { 0.0, 50.0, 90.0, 99.0, 99.9, 100.0 })
        QCOMPARE(a.valueAtPercentile(p), all.valueAtPercentile(p));
}

void TestHistogram::addOfAnotherLayout()
{
    // A finer histogram (an older file at 3 digits) added to the lab's:
    // every count lands, each within the coarser step.
    HdrHistogram fine(1, 3'600'000'000, 3);
    for (std::int64_t v : { 10, 300, 5001, 70001, 900001 })
        fine.record(v, 3);
    HdrHistogram lab;
    lab.add(fine);
    QCOMPARE(lab.totalCount(), std::int64_t(15));
    QCOMPARE(lab.valueAtPercentile(100), lab.highestEquivalentValue(900001));
    QCOMPARE(lab.valueAtPercentile(1), std::int64_t(10));
}

void TestHistogram::emptyResetAndClamp()
{
    HdrHistogram h;
    QCOMPARE(h.valueAtPercentile(50), std::int64_t(0));
    QCOMPARE(h.totalCount(), std::int64_t(0));
    QCOMPARE(h.mean(), 0.0);
    QCOMPARE(h.maxMs(), 0.0);
    h.record(-5); // clamped to 0
    QCOMPARE(h.max(), std::int64_t(0));
    h.record(std::int64_t(1) << 60); // beyond an hour: counted at the top
    QCOMPARE(h.totalCount(), std::int64_t(2));
    QCOMPARE(h.max(), h.highestEquivalentValue(h.highestTrackableValue()));
    h.record(1000, 0);  // no count: nothing
    h.record(1000, -3); // nor a negative one
    QCOMPARE(h.totalCount(), std::int64_t(2));
    h.reset();
    QCOMPARE(h.totalCount(), std::int64_t(0));
    QCOMPARE(h.max(), std::int64_t(0));
    QVERIFY(h == HdrHistogram());
}

void TestHistogram::nanosecondsAndMilliseconds()
{
    HdrHistogram h;
    h.recordNs(1'999);      // 1 µs: truncated, as --hdr-log and every reader does
    h.recordNs(150'000);    // 150 µs: exact
    h.recordNs(-1'000'000); // a clock step backwards: 0, not a negative latency
    QCOMPARE(h.totalCount(), std::int64_t(3));
    QCOMPARE(h.valueAtPercentile(0), std::int64_t(0));
    QCOMPARE(h.valueAtPercentile(50), std::int64_t(1));
    QCOMPARE(h.valueAtPercentile(100), std::int64_t(150));
    QCOMPARE(h.percentileMs(100), 0.150);
    QCOMPARE(h.maxMs(), 0.150);
    QCOMPARE(h.minMs(), 0.0);
    QCOMPARE(h.meanMs(), (0 + 1 + 150) / 3.0 / 1e3);
}

// Regression: p99.9 of 1,000 values was the maximum, not the 999th value:
// 99.9 / 100 * 1000 is 999.0000000000001 in doubles, and its ceiling 1000.
void TestHistogram::wholeNumberRanksAreNotRoundedUp()
{
    HdrHistogram h;
    for (int v = 1; v <= 1000; ++v)
        h.record(v);
    QVERIFY(h.valueAtPercentile(99.9) < h.max());
    HdrHistogram small;
    for (int v = 1; v <= 100; ++v)
        small.record(v);
    QCOMPARE(small.valueAtPercentile(10), std::int64_t(10));
    QCOMPARE(small.valueAtPercentile(99), std::int64_t(99));
    QCOMPARE(small.valueAtPercentile(100), std::int64_t(100));
}

QTEST_GUILESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
