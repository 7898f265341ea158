// SPDX-License-Identifier: GPL-3.0-or-later
#include "telemetry/histogram.h"

#include <QtEndian>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <zlib.h> // decoding inflates no further than the encoding declares (qUncompress has no bound)

namespace clusterlab {

namespace {

// HdrHistogram's V2 cookies. Writers OR in 0x10 (the "word size" nibble that
// marks the ZigZag LEB128 counts); readers compare with that nibble masked.
constexpr quint32 kV2EncodingCookie = 0x1c849303;
constexpr quint32 kV2CompressedCookie = 0x1c849304;
constexpr quint32 kWordSizeNibble = 0x10;
constexpr quint32 kCookieBaseMask = ~quint32 { 0xf0 };
constexpr int kV2HeaderBytes = 40;
constexpr int kMaxCountsLength = 1 << 23; // 64 MiB of counts: refuse larger layouts from files

// A zlib stream inflated piece by piece, each piece to an exact size: the
// caller decides how far it goes, not the stream.
class Inflater
{
public:
    Inflater(const char* data, qsizetype size)
    {
        m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
        m_z.avail_in = static_cast<uInt>(size);
        m_ok = inflateInit(&m_z) == Z_OK;
    }
    ~Inflater() { inflateEnd(&m_z); }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Appends exactly n more inflated bytes to *out; false when the stream
    // ends first or is not zlib.
    bool take(qsizetype n, QByteArray* out)
    {
        if (!m_ok)
            return false;
        const qsizetype start = out->size();
        out->resize(start + n);
        m_z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
        m_z.avail_out = static_cast<uInt>(n);
        while (m_z.avail_out > 0) {
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (rc == Z_STREAM_END && m_z.avail_out > 0) {
                out->resize(out->size() - static_cast<qsizetype>(m_z.avail_out));
                return false;
            }
            if (rc != Z_OK && rc != Z_STREAM_END) {
                out->resize(out->size() - static_cast<qsizetype>(m_z.avail_out));
                m_ok = false;
                return false;
            }
            if (rc == Z_STREAM_END)
                break;
        }
        return true;
    }

private:
    z_stream m_z {};
    bool m_ok = false;
};

int leadingZeros(std::uint64_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return v == 0 ? 64 : __builtin_clzll(v);
#else
    int n = 0;
    for (std::uint64_t bit = std::uint64_t { 1 } << 63; bit != 0 && (v & bit) == 0; bit >>= 1)
        ++n;
    return n;
#endif
}

void putBigEndian32(QByteArray* out, quint32 v)
{
    char b[4];
    qToBigEndian(v, b);
    out->append(b, 4);
}

void putBigEndian64(QByteArray* out, quint64 v)
{
    char b[8];
    qToBigEndian(v, b);
    out->append(b, 8);
}

// ZigZag, then LEB128 with at most 9 bytes: 8 groups of 7 bits, and a 9th
// byte that carries the remaining 8 bits whole (HdrHistogram's variant).
void putZigZag(QByteArray* out, std::int64_t value)
{
    std::uint64_t v = (static_cast<std::uint64_t>(value) << 1) ^ (value < 0 ? ~std::uint64_t { 0 } : std::uint64_t { 0 });
    for (int i = 0; i < 8; ++i) {
        if (v < 0x80) {
            out->append(static_cast<char>(v));
            return;
        }
        out->append(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out->append(static_cast<char>(v));
}

bool getZigZag(const uchar* data, qsizetype end, qsizetype* pos, std::int64_t* value)
{
    std::uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
        if (*pos >= end)
            return false;
        const std::uint64_t b = data[(*pos)++];
        if (i == 8) {
            v |= b << 56;
            break;
        }
        v |= (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0)
            break;
    }
    *value = static_cast<std::int64_t>((v >> 1) ^ (std::uint64_t { 0 } - (v & 1)));
    return true;
}

bool fail(QString* error, const QString& reason)
{
    if (error)
        *error = reason;
    return false;
}

} // namespace

// --- layout ---

namespace {
// log2 of the sub-bucket count: the smallest power of two at least
// 2 × 10^digits (HdrHistogram's layout for `digits` significant digits).
int subBucketMagnitude(int digits)
{
    std::int64_t largestSingleUnit = 2;
    for (int i = 0; i < digits; ++i)
        largestSingleUnit *= 10;
    int magnitude = 0;
    while ((std::int64_t { 1 } << magnitude) < largestSingleUnit)
        ++magnitude;
    return magnitude;
}
} // namespace

bool HdrHistogram::validLayout(std::int64_t lowest, std::int64_t highest, int digits, int* countsLength)
{
    if (lowest < 1 || digits < 0 || digits > 5 || highest < 2 || highest / 2 < lowest)
        return false;
    const int subBucketCountMagnitude = subBucketMagnitude(digits);
    const int unitMagnitude = 63 - leadingZeros(static_cast<std::uint64_t>(lowest));
    if (subBucketCountMagnitude + unitMagnitude > 62)
        return false;
    const std::int64_t subBucketCount = std::int64_t { 1 } << subBucketCountMagnitude;
    std::int64_t smallestUntrackable = subBucketCount << unitMagnitude;
    std::int64_t buckets = 1;
    while (smallestUntrackable <= highest) {
        if (smallestUntrackable > std::numeric_limits<std::int64_t>::max() / 2) {
            ++buckets;
            break;
        }
        smallestUntrackable <<= 1;
        ++buckets;
    }
    const std::int64_t length = (buckets + 1) * (subBucketCount / 2);
    if (length > kMaxCountsLength)
        return false;
    if (countsLength)
        *countsLength = static_cast<int>(length);
    return true;
}

HdrHistogram::HdrHistogram(std::int64_t lowestDiscernibleValue, std::int64_t highestTrackableValue, int significantDigits)
{
    if (!validLayout(lowestDiscernibleValue, highestTrackableValue, significantDigits, nullptr)) {
        lowestDiscernibleValue = 1;
        highestTrackableValue = kDefaultHighest;
        significantDigits = kDefaultDigits;
    }
    initLayout(lowestDiscernibleValue, highestTrackableValue, significantDigits);
}

void HdrHistogram::initLayout(std::int64_t lowest, std::int64_t highest, int digits)
{
    m_lowest = lowest;
    m_highest = highest;
    m_digits = digits;
    const int subBucketCountMagnitude = subBucketMagnitude(digits);
    m_unitMagnitude = 63 - leadingZeros(static_cast<std::uint64_t>(lowest));
    m_subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
    m_subBucketCount = 1 << subBucketCountMagnitude;
    m_subBucketHalfCount = m_subBucketCount / 2;
    m_subBucketMask = static_cast<std::int64_t>(m_subBucketCount - 1) << m_unitMagnitude;
    m_leadingZeroCountBase = 64 - m_unitMagnitude - subBucketCountMagnitude;
    validLayout(lowest, highest, digits, &m_countsLength);
    m_counts.assign(static_cast<std::size_t>(m_countsLength), 0);
    m_total = 0;
    m_minRaw = 0;
    m_maxRaw = 0;
}

int HdrHistogram::bucketIndex(std::int64_t value) const
{
    return m_leadingZeroCountBase - leadingZeros(static_cast<std::uint64_t>(value | m_subBucketMask));
}

int HdrHistogram::countsIndexFor(std::int64_t value) const
{
    const int bucket = bucketIndex(value);
    const int subBucket = subBucketIndex(value, bucket);
    return ((bucket + 1) << m_subBucketHalfCountMagnitude) + (subBucket - m_subBucketHalfCount);
}

std::int64_t HdrHistogram::valueFromIndex(int index) const
{
    int bucket = (index >> m_subBucketHalfCountMagnitude) - 1;
    int subBucket = (index & (m_subBucketHalfCount - 1)) + m_subBucketHalfCount;
    if (bucket < 0) {
        subBucket -= m_subBucketHalfCount;
        bucket = 0;
    }
    return valueFromIndex(bucket, subBucket);
}

std::int64_t HdrHistogram::sizeOfEquivalentValueRange(std::int64_t value) const
{
    const int bucket = bucketIndex(value);
    const int subBucket = subBucketIndex(value, bucket);
    return std::int64_t { 1 } << (m_unitMagnitude + (subBucket >= m_subBucketCount ? bucket + 1 : bucket));
}

std::int64_t HdrHistogram::lowestEquivalentValue(std::int64_t value) const
{
    const int bucket = bucketIndex(value);
    return valueFromIndex(bucket, subBucketIndex(value, bucket));
}

std::int64_t HdrHistogram::highestEquivalentValue(std::int64_t value) const
{
    return lowestEquivalentValue(value) + sizeOfEquivalentValueRange(value) - 1;
}

std::int64_t HdrHistogram::medianEquivalentValue(std::int64_t value) const
{
    return lowestEquivalentValue(value) + (sizeOfEquivalentValueRange(value) >> 1);
}

bool HdrHistogram::sameLayout(const HdrHistogram& other) const
{
    return m_lowest == other.m_lowest && m_highest == other.m_highest && m_digits == other.m_digits;
}

bool HdrHistogram::operator==(const HdrHistogram& other) const
{
    return sameLayout(other) && m_total == other.m_total && m_counts == other.m_counts;
}

// --- recording and queries ---

void HdrHistogram::record(std::int64_t value, std::int64_t count)
{
    if (count <= 0)
        return;
    value = std::clamp<std::int64_t>(value, 0, m_highest);
    m_counts[static_cast<std::size_t>(countsIndexFor(value))] += count;
    if (m_total == 0) {
        m_minRaw = value;
        m_maxRaw = value;
    } else {
        m_minRaw = std::min(m_minRaw, value);
        m_maxRaw = std::max(m_maxRaw, value);
    }
    m_total += count;
}

void HdrHistogram::add(const HdrHistogram& other)
{
    if (other.m_total == 0)
        return;
    if (!sameLayout(other)) {
        for (int i = 0; i < other.m_countsLength; ++i) {
            if (other.m_counts[static_cast<std::size_t>(i)] > 0)
                record(other.valueFromIndex(i), other.m_counts[static_cast<std::size_t>(i)]);
        }
        return;
    }
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    if (m_total == 0) {
        m_minRaw = other.m_minRaw;
        m_maxRaw = other.m_maxRaw;
    } else {
        m_minRaw = std::min(m_minRaw, other.m_minRaw);
        m_maxRaw = std::max(m_maxRaw, other.m_maxRaw);
    }
    m_total += other.m_total;
}

void HdrHistogram::reset()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_total = 0;
    m_minRaw = 0;
    m_maxRaw = 0;
}

void HdrHistogram::recountFromCounts()
{
    m_total = 0;
    int first = -1;
    int last = -1;
    for (int i = 0; i < m_countsLength; ++i) {
        const std::int64_t c = m_counts[static_cast<std::size_t>(i)];
        if (c > 0) {
            m_total += c;
            if (first < 0)
                first = i;
            last = i;
        }
    }
    m_minRaw = first >= 0 ? valueFromIndex(first) : 0;
    m_maxRaw = last >= 0 ? valueFromIndex(last) : 0;
}

std::int64_t HdrHistogram::min() const
{
    return m_total > 0 ? lowestEquivalentValue(m_minRaw) : 0;
}

std::int64_t HdrHistogram::max() const
{
    return m_total > 0 ? highestEquivalentValue(m_maxRaw) : 0;
}

double HdrHistogram::mean() const
{
    if (m_total == 0)
        return 0;
    double sum = 0;
    for (int i = 0; i < m_countsLength; ++i) {
        const std::int64_t c = m_counts[static_cast<std::size_t>(i)];
        if (c > 0)
            sum += static_cast<double>(medianEquivalentValue(valueFromIndex(i))) * static_cast<double>(c);
    }
    return sum / static_cast<double>(m_total);
}

std::int64_t HdrHistogram::valueAtPercentile(double p) const
{
    if (m_total == 0)
        return 0;
    // As Java's getValueAtPercentile: one ulp below the requested
    // percentile, then the count rounded up, so that floating-point
    // round-off never skips into the next bucket.
    const double requested = std::clamp(std::nextafter(p, -std::numeric_limits<double>::infinity()), 0.0, 100.0);
    const double fpCount = requested * static_cast<double>(m_total) / 100.0;
    const std::int64_t countAtPercentile = std::max<std::int64_t>(static_cast<std::int64_t>(std::ceil(fpCount)), 1);
    std::int64_t running = 0;
    for (int i = 0; i < m_countsLength; ++i) {
        running += m_counts[static_cast<std::size_t>(i)];
        if (running >= countAtPercentile) {
            const std::int64_t v = valueFromIndex(i);
            return p == 0.0 ? lowestEquivalentValue(v) : highestEquivalentValue(v);
        }
    }
    return 0;
}

// --- V2 encoding ---

QByteArray HdrHistogram::encodeCompressed() const
{
    const int limit = m_total > 0 ? countsIndexFor(m_maxRaw) + 1 : 1;
    QByteArray payload;
    payload.reserve(limit);
    for (int i = 0; i < limit;) {
        const std::int64_t c = m_counts[static_cast<std::size_t>(i++)];
        if (c != 0) {
            putZigZag(&payload, c);
            continue;
        }
        std::int64_t zeros = 1;
        while (i < limit && m_counts[static_cast<std::size_t>(i)] == 0) {
            ++zeros;
            ++i;
        }
        putZigZag(&payload, zeros > 1 ? -zeros : 0);
    }
    QByteArray encoded;
    encoded.reserve(kV2HeaderBytes + payload.size());
    putBigEndian32(&encoded, kV2EncodingCookie | kWordSizeNibble);
    putBigEndian32(&encoded, static_cast<quint32>(payload.size()));
    putBigEndian32(&encoded, 0); // normalizing index offset
    putBigEndian32(&encoded, static_cast<quint32>(m_digits));
    putBigEndian64(&encoded, static_cast<quint64>(m_lowest));
    putBigEndian64(&encoded, static_cast<quint64>(m_highest));
    const double conversionRatio = 1.0;
    quint64 ratioBits = 0;
    std::memcpy(&ratioBits, &conversionRatio, sizeof ratioBits);
    putBigEndian64(&encoded, ratioBits);
    encoded += payload;

    // qCompress: a 4-byte big-endian length, then a zlib stream (what
    // Java's Deflater writes): keep the stream.
    const QByteArray zlib = qCompress(encoded, 9).mid(4);
    QByteArray out;
    out.reserve(8 + zlib.size());
    putBigEndian32(&out, kV2CompressedCookie | kWordSizeNibble);
    putBigEndian32(&out, static_cast<quint32>(zlib.size()));
    out += zlib;
    return out;
}

std::optional<HdrHistogram> HdrHistogram::decodeCompressed(const QByteArray& bytes, QString* error)
{
    if (bytes.size() < 8) {
        fail(error, QStringLiteral("too short for a compressed HdrHistogram (%1 bytes)").arg(bytes.size()));
        return std::nullopt;
    }
    const quint32 cookie = qFromBigEndian<quint32>(bytes.constData());
    if ((cookie & kCookieBaseMask) != kV2CompressedCookie) {
        fail(error, QStringLiteral("not a V2 compressed HdrHistogram (cookie 0x%1)").arg(cookie, 8, 16, QLatin1Char('0')));
        return std::nullopt;
    }
    const qint32 zlibLength = qFromBigEndian<qint32>(bytes.constData() + 4);
    if (zlibLength <= 0 || zlibLength > bytes.size() - 8) {
        fail(error, QStringLiteral("compressed length %1 does not fit the %2 bytes given").arg(zlibLength).arg(bytes.size()));
        return std::nullopt;
    }
    // Inflated in two bounded steps, never further than the encoding
    // declares: its 40-byte header, then the payload it announces, which
    // its layout bounds (9 bytes a count at most). A compression bomb (1.4
    // MB inflating to 1 GiB) is refused after a few bytes.
    Inflater inflater(bytes.constData() + 8, zlibLength);
    QByteArray raw;
    if (!inflater.take(kV2HeaderBytes, &raw)) {
        fail(error, QStringLiteral("the zlib stream does not inflate to a V2 HdrHistogram encoding"));
        return std::nullopt;
    }
    const char* d = raw.constData();
    const quint32 encodingCookie = qFromBigEndian<quint32>(d);
    if ((encodingCookie & kCookieBaseMask) != kV2EncodingCookie) {
        fail(error, QStringLiteral("not a V2 HdrHistogram encoding (cookie 0x%1)").arg(encodingCookie, 8, 16, QLatin1Char('0')));
        return std::nullopt;
    }
    const qint32 payloadLength = qFromBigEndian<qint32>(d + 4);
    // d + 8: normalizing index offset, unused (writers put 0; some put 1)
    const qint32 digits = qFromBigEndian<qint32>(d + 12);
    const qint64 lowest = qFromBigEndian<qint64>(d + 16);
    const qint64 highest = qFromBigEndian<qint64>(d + 24);
    // d + 32: integer to double conversion ratio, unused for integer values
    int countsLength = 0;
    if (!validLayout(lowest, highest, digits, &countsLength)) {
        fail(error, QStringLiteral("unsupported layout (lowest %1, highest %2, %3 digits)").arg(lowest).arg(highest).arg(digits));
        return std::nullopt;
    }
    if (payloadLength < 0 || qint64 { payloadLength } > qint64 { countsLength } * 9) {
        fail(error, QStringLiteral("payload length %1 is more than %2 counts can take").arg(payloadLength).arg(countsLength));
        return std::nullopt;
    }
    if (!inflater.take(payloadLength, &raw)) {
        fail(error, QStringLiteral("payload length %1 exceeds the %2 bytes inflated").arg(payloadLength).arg(raw.size() - kV2HeaderBytes));
        return std::nullopt;
    }
    d = raw.constData();
    HdrHistogram h(lowest, highest, digits);
    const auto* counts = reinterpret_cast<const uchar*>(d);
    const qsizetype end = kV2HeaderBytes + payloadLength;
    qsizetype pos = kV2HeaderBytes;
    std::int64_t index = 0;
    std::int64_t total = 0;
    while (pos < end) {
        std::int64_t value = 0;
        if (!getZigZag(counts, end, &pos, &value)) {
            fail(error, QStringLiteral("a count is cut off at the end of the payload"));
            return std::nullopt;
        }
        if (value < 0) {
            if (value == std::numeric_limits<std::int64_t>::min() || -value > h.m_countsLength - index) {
                fail(error, QStringLiteral("a run of zeros runs past the %1 counts").arg(h.m_countsLength));
                return std::nullopt;
            }
            index += -value;
        } else {
            if (index >= h.m_countsLength) {
                fail(error, QStringLiteral("more counts than the layout's %1").arg(h.m_countsLength));
                return std::nullopt;
            }
            if (value > std::numeric_limits<std::int64_t>::max() - total) {
                fail(error, QStringLiteral("its counts add up past 2^63"));
                return std::nullopt;
            }
            total += value;
            h.m_counts[static_cast<std::size_t>(index++)] = value;
        }
    }
    h.recountFromCounts();
    return h;
}

std::optional<HdrHistogram> HdrHistogram::fromBase64(const QByteArray& base64, QString* error)
{
    const auto decoded = QByteArray::fromBase64Encoding(base64.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        fail(error, QStringLiteral("not base64"));
        return std::nullopt;
    }
    return decodeCompressed(*decoded, error);
}

} // namespace clusterlab
