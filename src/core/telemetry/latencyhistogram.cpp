// SPDX-License-Identifier: GPL-3.0-or-later
#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace clusterlab {

namespace {
int highestBit(std::uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return 63 - __builtin_clzll(v);
#else
    int bit = 0;
    while (v >>= 1)
        ++bit;
    return bit;
#endif
}
} // namespace

int LatencyHistogram::bucketOf(std::int64_t value)
{
    if (value < kExactBelow)
        return value < 0 ? 0 : static_cast<int>(value);
    const int e = highestBit(static_cast<std::uint64_t>(value)); // >= 8
    const int shift = e - 7;                                       // keeps 8 significant bits
    const int sub = static_cast<int>(static_cast<std::uint64_t>(value) >> shift); // 128..255
    return kExactBelow + (e - 8) * kSubBuckets + (sub - kSubBuckets);
}

std::int64_t LatencyHistogram::bucketLow(int bucket)
{
    if (bucket < kExactBelow)
        return bucket;
    const int rel = bucket - kExactBelow;
    const int e = 8 + rel / kSubBuckets;
    const int sub = kSubBuckets + rel % kSubBuckets;
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(sub) << (e - 7));
}

std::int64_t LatencyHistogram::bucketHigh(int bucket)
{
    if (bucket < kExactBelow)
        return bucket + 1;
    const int rel = bucket - kExactBelow;
    const int e = 8 + rel / kSubBuckets;
    const int sub = kSubBuckets + rel % kSubBuckets;
    const std::uint64_t high = static_cast<std::uint64_t>(sub + 1) << (e - 7);
    return high > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(high);
}

void LatencyHistogram::record(std::int64_t value)
{
    if (value < 0)
        value = 0;
    ++m_counts[static_cast<std::size_t>(bucketOf(value))];
    if (m_count == 0 || value < m_min)
        m_min = value;
    if (m_count == 0 || value > m_max)
        m_max = value;
    ++m_count;
    // Saturates rather than overflows (values are nanoseconds: only a
    // corrupt or hostile input could get here).
    if (__builtin_add_overflow(m_sum, value, &m_sum))
        m_sum = INT64_MAX;
}

void LatencyHistogram::merge(const LatencyHistogram& other)
{
    if (other.m_count == 0)
        return;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count == 0 ? other.m_min : std::min(m_min, other.m_min);
    m_max = m_count == 0 ? other.m_max : std::max(m_max, other.m_max);
    m_count += other.m_count;
    if (__builtin_add_overflow(m_sum, other.m_sum, &m_sum))
        m_sum = INT64_MAX;
}

void LatencyHistogram::reset()
{
    *this = LatencyHistogram();
}

std::int64_t LatencyHistogram::percentile(double p) const
{
    if (m_count == 0)
        return 0;
    p = std::clamp(p, 0.0, 100.0);
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(m_count) - 1e-9)));
    // (the 1e-9: 99.9 / 100 * 1000 is 999.0000000000001 in doubles, whose
    // ceiling would skip to rank 1000)
    std::uint64_t seen = 0;
    for (int b = 0; b < kBucketCount; ++b) {
        seen += m_counts[static_cast<std::size_t>(b)];
        if (seen >= rank) {
            if (b < kExactBelow)
                return b;
            // The middle of the bucket, clamped to what was recorded.
            const std::int64_t mid = bucketLow(b) + (bucketHigh(b) - bucketLow(b)) / 2;
            return std::clamp(mid, m_min, m_max);
        }
    }
    return m_max;
}

} // namespace clusterlab
