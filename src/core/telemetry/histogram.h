// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace clusterlab {

// The lab's one latency histogram: a single run's figures (the load
// generator, the workers' telemetry, sessions, the window's own event-loop
// lag), a merge of runs (`bench --merge`), interval logs and the JSON "hdr"
// object are all this one type at one layout, so a run and the merge of its
// halves give the same percentiles, to the bit.
//
// It has HdrHistogram's exact layout (lowest discernible value, highest
// trackable value, significant digits; buckets of sub-buckets as in the
// Java, C and JS implementations), so that what it encodes any HdrHistogram
// tool decodes, and the other way round. Integer values in microseconds
// (kUnit); recordNs() truncates nanoseconds to them. Counts are 64-bit. Not
// thread-safe: one per thread, then add().
//
// The lab's layout (the default): 1 µs to one hour, 2 significant digits —
// values below 256 µs exact, above within 1/128 (0.8%); 3,328 counts, 26 KiB.
// That is the precision the charts and reports show (two or three figures of
// a millisecond), at a seventh of the memory of HdrHistogram's usual 3 digits
// (the aggregator keeps 66 of them and copies 12 per published snapshot).
// Histograms read from files keep whatever layout they were written with.
//
// Value semantics follow HdrHistogram: valueAtPercentile() and max() report
// the highest value equivalent to the recorded ones, min() the lowest,
// mean() uses each bucket's median value. A value outside
// 0..highestTrackableValue is counted at the nearest end of that range.
class HdrHistogram
{
public:
    static constexpr const char* kUnit = "us";
    static constexpr std::int64_t kDefaultHighest = 3'600'000'000; // one hour, in microseconds
    static constexpr int kDefaultDigits = 2;

    // The lab's layout.
    HdrHistogram() : HdrHistogram(1, kDefaultHighest, kDefaultDigits) {}
    // 1 ≤ lowest, 2·lowest ≤ highest, 0 ≤ digits ≤ 5; out-of-range
    // parameters are replaced by the lab's layout.
    HdrHistogram(std::int64_t lowestDiscernibleValue, std::int64_t highestTrackableValue, int significantDigits);

    void record(std::int64_t value, std::int64_t count = 1);
    // Adds other's counts; when the layouts differ, each of other's buckets
    // is recorded again at its lowest equivalent value (as Java's add()).
    void add(const HdrHistogram& other);
    void reset();
    // A duration in nanoseconds (negative counts as 0).
    void recordNs(std::int64_t ns) { record(ns / 1000); }

    std::int64_t totalCount() const { return m_total; }
    std::int64_t min() const;  // lowest equivalent of the smallest recorded value, 0 when empty
    std::int64_t max() const;  // highest equivalent of the largest recorded value, 0 when empty
    double mean() const;       // 0 when empty
    // p in 0..100; the value at or below which p% of the counts lie (Java's
    // getValueAtPercentile). 0 when empty.
    std::int64_t valueAtPercentile(double p) const;
    // The same figures in milliseconds, the unit every chart and report shows.
    double minMs() const { return static_cast<double>(min()) / 1e3; }
    double maxMs() const { return static_cast<double>(max()) / 1e3; }
    double meanMs() const { return mean() / 1e3; }
    double percentileMs(double p) const { return static_cast<double>(valueAtPercentile(p)) / 1e3; }

    // The layout, as HdrHistogram defines it.
    std::int64_t lowestDiscernibleValue() const { return m_lowest; }
    std::int64_t highestTrackableValue() const { return m_highest; }
    int significantDigits() const { return m_digits; }
    int countsLength() const { return m_countsLength; }
    std::int64_t countAtIndex(int index) const { return m_counts[static_cast<std::size_t>(index)]; }
    int countsIndexFor(std::int64_t value) const;
    std::int64_t valueFromIndex(int index) const;
    std::int64_t lowestEquivalentValue(std::int64_t value) const;
    std::int64_t highestEquivalentValue(std::int64_t value) const;
    std::int64_t medianEquivalentValue(std::int64_t value) const;
    std::int64_t sizeOfEquivalentValueRange(std::int64_t value) const;
    bool sameLayout(const HdrHistogram& other) const;

    // Same layout and the same counts.
    bool operator==(const HdrHistogram& other) const;
    bool operator!=(const HdrHistogram& other) const { return !(*this == other); }

    // HdrHistogram's V2 compressed encoding: a big-endian envelope (cookie
    // 0x1c849304|0x10, length) around a zlib stream of the V2 encoding
    // (cookie 0x1c849303|0x10, 40-byte header, counts as ZigZag LEB128 with
    // runs of zeros as negative lengths).
    QByteArray encodeCompressed() const;
    QByteArray toBase64() const { return encodeCompressed().toBase64(); }
    // The reverse; nullopt with a one-line reason for anything else
    // (including layouts of more than 2^23 counts).
    static std::optional<HdrHistogram> decodeCompressed(const QByteArray& bytes, QString* error = nullptr);
    static std::optional<HdrHistogram> fromBase64(const QByteArray& base64, QString* error = nullptr);

private:
    void initLayout(std::int64_t lowest, std::int64_t highest, int digits);
    int bucketIndex(std::int64_t value) const;
    int subBucketIndex(std::int64_t value, int bucket) const
    {
        return static_cast<int>(value >> (bucket + m_unitMagnitude));
    }
    std::int64_t valueFromIndex(int bucket, int subBucket) const
    {
        return static_cast<std::int64_t>(subBucket) << (bucket + m_unitMagnitude);
    }
    void recountFromCounts();
    static bool validLayout(std::int64_t lowest, std::int64_t highest, int digits, int* countsLength);

    std::int64_t m_lowest = 1;
    std::int64_t m_highest = kDefaultHighest;
    int m_digits = kDefaultDigits;
    int m_unitMagnitude = 0;
    int m_subBucketHalfCountMagnitude = 0;
    int m_subBucketCount = 0;
    int m_subBucketHalfCount = 0;
    std::int64_t m_subBucketMask = 0;
    int m_leadingZeroCountBase = 0;
    int m_countsLength = 0;
    std::vector<std::int64_t> m_counts;
    std::int64_t m_total = 0;
    std::int64_t m_minRaw = 0; // a value in the smallest non-empty bucket
    std::int64_t m_maxRaw = 0; // a value in the largest non-empty bucket
};

} // namespace clusterlab
