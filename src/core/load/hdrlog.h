// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadresult.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

class QIODevice;

namespace clusterlab {

// A histogram with HdrHistogram's exact layout (lowest discernible value,
// highest trackable value, significant digits; buckets of sub-buckets as in
// the Java, C and JS implementations), so that what it encodes any
// HdrHistogram tool decodes, and the other way round. Integer values; we
// record microseconds (kUnit). Counts are 64-bit. Not thread-safe.
//
// Value semantics follow HdrHistogram: valueAtPercentile() and max() report
// the highest value equivalent to the recorded ones (within 1 part in
// 2^(sub-bucket bits), 0.1% for 3 digits), min() the lowest, mean() uses
// each bucket's median value. A value outside 0..highestTrackableValue is
// counted at the nearest end of that range.
class HdrHistogram
{
public:
    static constexpr const char* kUnit = "us";
    static constexpr std::int64_t kDefaultHighest = 3'600'000'000; // one hour, in microseconds
    static constexpr int kDefaultDigits = 3;

    // 1 ≤ lowest, 2·lowest ≤ highest, 0 ≤ digits ≤ 5; out-of-range
    // parameters are replaced by the defaults (1, one hour, 3).
    explicit HdrHistogram(std::int64_t lowestDiscernibleValue = 1, std::int64_t highestTrackableValue = kDefaultHighest,
                          int significantDigits = kDefaultDigits);

    void record(std::int64_t value, std::int64_t count = 1);
    // Adds other's counts; when the layouts differ, each of other's buckets
    // is recorded again at its lowest equivalent value (as Java's add()).
    void add(const HdrHistogram& other);
    void reset();

    std::int64_t totalCount() const { return m_total; }
    std::int64_t min() const;  // lowest equivalent of the smallest recorded value, 0 when empty
    std::int64_t max() const;  // highest equivalent of the largest recorded value, 0 when empty
    double mean() const;       // 0 when empty
    // p in 0..100; the value at or below which p% of the counts lie (Java's
    // getValueAtPercentile). 0 when empty.
    std::int64_t valueAtPercentile(double p) const;

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

// A bench run's whole-run histograms, in microseconds (successes only):
// what `clusterlab bench --json` carries in "hdr" and --merge adds up.
struct HdrRunHistograms
{
    HdrHistogram latency;  // end − intended send
    HdrHistogram service;  // end − actual send
    HdrHistogram sendLag;  // actual − intended send (paced runs)
    void record(const LoadRecord& r, bool paced);
};

// Nanoseconds to the histograms' unit (µs, truncated).
inline std::int64_t hdrUnitsFromNs(std::int64_t ns)
{
    return ns / 1000;
}

// --- HdrHistogram's interval log ("histogram log format version 1.3") ---
//
//   #[...comment...]
//   #[Histogram log format version 1.3]
//   #[StartTime: 1700000000.123 (seconds since epoch), 2023-11-14T22:13:20.123Z]
//   #[BaseTime: 1700000000.123 (seconds since epoch)]
//   "StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//   [Tag=T,]start,length,max,base64
//
// start is seconds after BaseTime, length seconds, max the histogram's
// max() divided by the max value unit ratio (1000 here: µs -> ms).

constexpr double kHdrLogMaxValueUnitRatio = 1000.0;

class HdrIntervalLogWriter
{
public:
    explicit HdrIntervalLogWriter(QIODevice* out) : m_out(out) {}
    // BaseTime = StartTime: timestamps in the lines are seconds from it.
    bool writeHeader(double startTimeEpochSec, const QByteArray& comment);
    // A tag must not contain commas, spaces or line breaks (Java's rule).
    bool writeInterval(double startSec, double lengthSec, const HdrHistogram& histogram, const QByteArray& tag = {});

private:
    bool put(const QByteArray& bytes);
    QIODevice* m_out;
    bool m_ok = true;
};

// A run's latency (end − intended send, successes only, µs) as an interval
// log: one untagged line per second of the run, [k, k+1) s after
// runStartNs by each request's completion time (empty seconds included;
// the last one as long as what remains of durationNs), then the whole run
// as one line tagged "all". Written through QSaveFile: all or nothing.
bool writeIntervalLog(const QString& path, const std::vector<LoadRecord>& records, std::int64_t runStartNs,
                      std::int64_t durationNs, double startTimeEpochSec, QString* error);
// The same, into a device.
bool writeIntervalLog(QIODevice* out, const std::vector<LoadRecord>& records, std::int64_t runStartNs,
                      std::int64_t durationNs, double startTimeEpochSec);

// The same interval log, written while the run goes on: records arrive in
// completion order (one thread stamps them), and each second's histogram is
// written as soon as a record of a later second arrives. Two histograms in
// memory however long the run (keeping the records instead would cost 72
// bytes a request). Use from one thread; finish() once, at the end.
class HdrIntervalStream
{
public:
    HdrIntervalStream(QIODevice* out, std::int64_t runStartNs, double startTimeEpochSec);
    void record(const LoadRecord& record); // successes are counted, the rest ignored
    // The last interval (as long as what remains of the run) and "all".
    bool finish(std::int64_t durationNs);

private:
    void writeUpTo(std::int64_t interval);

    HdrIntervalLogWriter m_writer;
    std::int64_t m_runStartNs;
    std::int64_t m_current = 0; // the interval being filled
    std::int64_t m_lastEndNs = 0;
    HdrHistogram m_interval;
    HdrHistogram m_all;
    bool m_ok = true;
};

struct HdrLogEntry
{
    QByteArray tag; // empty when untagged
    double startSec = 0;
    double lengthSec = 0;
    double maxField = 0; // Interval_Max as written
    HdrHistogram histogram;
};

struct HdrIntervalLog
{
    double startTimeSec = 0; // #[StartTime: ...], 0 when absent
    double baseTimeSec = 0;  // #[BaseTime: ...], 0 when absent
    std::vector<HdrLogEntry> entries;
};

// Reads an interval log (ours or any other V2 one). nullopt with the
// line number and reason at the first malformed line.
std::optional<HdrIntervalLog> readIntervalLog(const QByteArray& text, QString* error = nullptr);

} // namespace clusterlab
