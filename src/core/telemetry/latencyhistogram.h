// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>
#include <cstdint>

namespace clusterlab {

// A log-bucketed histogram of non-negative integer values (we use
// nanoseconds), in the spirit of HdrHistogram: values below 256 are exact;
// above, each power of two is split into 128 buckets, so a percentile is
// reported within 1/256 (0.4%) of a value actually recorded, over the
// whole int64 range, in a fixed 58 KiB. Recording is O(1) and allocation
// free. Not thread-safe: one per thread, then merge().
class LatencyHistogram
{
public:
    void record(std::int64_t value);
    void merge(const LatencyHistogram& other);
    void reset();

    std::uint64_t count() const { return m_count; }
    std::int64_t min() const { return m_count ? m_min : 0; }
    std::int64_t max() const { return m_count ? m_max : 0; }
    double mean() const { return m_count ? static_cast<double>(m_sum) / static_cast<double>(m_count) : 0.0; }
    // The value at percentile p (0..100): the recorded value of rank
    // ceil(p/100 * count), within 0.4%. 0 when empty.
    std::int64_t percentile(double p) const;

    static constexpr int kExactBelow = 256;
    static constexpr int kSubBuckets = 128;
    static constexpr int kBucketCount = kExactBelow + (63 - 8) * kSubBuckets;

    // Bucket arithmetic, public for tests.
    static int bucketOf(std::int64_t value);
    static std::int64_t bucketLow(int bucket);
    static std::int64_t bucketHigh(int bucket); // exclusive

private:
    std::array<std::uint64_t, kBucketCount> m_counts {};
    std::uint64_t m_count = 0;
    std::int64_t m_min = 0;
    std::int64_t m_max = 0;
    // Sum in ns: 2^63 ns is 292 years of latency, enough for any run.
    std::int64_t m_sum = 0;
};

} // namespace clusterlab
