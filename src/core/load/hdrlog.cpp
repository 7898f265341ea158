// SPDX-License-Identifier: GPL-3.0-or-later
#include "load/hdrlog.h"

#include <QDateTime>
#include <QIODevice>
#include <QList>
#include <QSaveFile>

#include <algorithm>
#include <cmath>
#include <limits>

namespace clusterlab {

namespace {

bool fail(QString* error, const QString& reason)
{
    if (error)
        *error = reason;
    return false;
}

} // namespace

// --- interval log ---

bool HdrIntervalLogWriter::put(const QByteArray& bytes)
{
    m_ok = m_ok && m_out->write(bytes) == bytes.size();
    return m_ok;
}

bool HdrIntervalLogWriter::writeHeader(double startTimeEpochSec, const QByteArray& comment)
{
    const QByteArray start = QByteArray::number(startTimeEpochSec, 'f', 3);
    const QString date = QDateTime::fromMSecsSinceEpoch(std::llround(startTimeEpochSec * 1000)).toUTC().toString(Qt::ISODateWithMs);
    QByteArray head;
    if (!comment.isEmpty())
        head += "#[" + comment + "]\n";
    head += "#[Histogram log format version 1.3]\n";
    head += "#[StartTime: " + start + " (seconds since epoch), " + date.toLatin1() + "]\n";
    head += "#[BaseTime: " + start + " (seconds since epoch)]\n";
    head += "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n";
    return put(head);
}

bool HdrIntervalLogWriter::writeInterval(double startSec, double lengthSec, const HdrHistogram& histogram, const QByteArray& tag)
{
    QByteArray line;
    if (!tag.isEmpty())
        line += "Tag=" + tag + ',';
    line += QByteArray::number(startSec, 'f', 3) + ',' + QByteArray::number(lengthSec, 'f', 3) + ','
        + QByteArray::number(static_cast<double>(histogram.max()) / kHdrLogMaxValueUnitRatio, 'f', 3) + ','
        + histogram.toBase64() + '\n';
    return put(line);
}

namespace {
constexpr std::int64_t kIntervalNs = 1'000'000'000;
constexpr const char* kIntervalLogComment
    = "clusterlab bench: latency = end - intended send of each success, in microseconds; "
      "Interval_Max in milliseconds; one interval per second of the run by completion time; "
      "Tag=all is the whole run";
} // namespace

HdrIntervalStream::HdrIntervalStream(QIODevice* out, std::int64_t runStartNs, double startTimeEpochSec)
    : m_writer(out)
    , m_runStartNs(runStartNs)
{
    m_ok = m_writer.writeHeader(startTimeEpochSec, kIntervalLogComment);
}

void HdrIntervalStream::writeUpTo(std::int64_t interval)
{
    // Every interval before `interval` is complete (empty ones included).
    while (m_current < interval && m_ok) {
        m_all.add(m_interval);
        m_ok = m_writer.writeInterval(static_cast<double>(m_current), 1.0, m_interval);
        m_interval.reset();
        ++m_current;
    }
}

void HdrIntervalStream::record(const LoadRecord& r)
{
    if (r.error != LoadError::None)
        return;
    m_lastEndNs = std::max(m_lastEndNs, r.endNs - m_runStartNs);
    writeUpTo(std::max<std::int64_t>(0, (r.endNs - m_runStartNs) / kIntervalNs));
    m_interval.recordNs(r.endNs - r.intendedNs);
}

bool HdrIntervalStream::finish(std::int64_t durationNs)
{
    const std::int64_t spanNs = std::max({ durationNs, m_lastEndNs, std::int64_t { 0 } });
    const std::int64_t intervals = std::max<std::int64_t>(1, (spanNs + kIntervalNs - 1) / kIntervalNs);
    writeUpTo(intervals - 1);
    m_all.add(m_interval);
    const double lastLength = static_cast<double>(std::min(kIntervalNs, spanNs - m_current * kIntervalNs)) / 1e9;
    m_ok = m_ok && m_writer.writeInterval(static_cast<double>(m_current), std::max(0.0, lastLength), m_interval);
    return m_ok && m_writer.writeInterval(0, static_cast<double>(spanNs) / 1e9, m_all, "all");
}

bool writeIntervalLog(QIODevice* out, const std::vector<LoadRecord>& records, std::int64_t runStartNs,
                      std::int64_t durationNs, double startTimeEpochSec)
{
    // The stream, fed in completion order (records usually are already).
    std::vector<const LoadRecord*> ordered;
    ordered.reserve(records.size());
    for (const LoadRecord& r : records) {
        if (r.error == LoadError::None)
            ordered.push_back(&r);
    }
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const LoadRecord* a, const LoadRecord* b) { return a->endNs < b->endNs; });
    HdrIntervalStream stream(out, runStartNs, startTimeEpochSec);
    for (const LoadRecord* r : ordered)
        stream.record(*r);
    return stream.finish(durationNs);
}

bool writeIntervalLog(const QString& path, const std::vector<LoadRecord>& records, std::int64_t runStartNs,
                      std::int64_t durationNs, double startTimeEpochSec, QString* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !writeIntervalLog(&f, records, runStartNs, durationNs, startTimeEpochSec)
        || !f.commit())
        return fail(error, f.errorString());
    return true;
}

std::optional<HdrIntervalLog> readIntervalLog(const QByteArray& text, QString* error)
{
    HdrIntervalLog log;
    const QList<QByteArray> lines = text.split('\n');
    auto numberAfter = [](const QByteArray& line, qsizetype prefix) {
        return line.mid(prefix).trimmed().split(' ').value(0).toDouble();
    };
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const QByteArray line = lines[n].trimmed();
        if (line.startsWith("#[StartTime:")) {
            log.startTimeSec = numberAfter(line, 12);
            continue;
        }
        if (line.startsWith("#[BaseTime:")) {
            log.baseTimeSec = numberAfter(line, 11);
            continue;
        }
        if (line.isEmpty() || line.startsWith('#') || line.startsWith("\"StartTimestamp\""))
            continue;
        auto bad = [&](const QString& why) {
            fail(error, QStringLiteral("line %1: %2").arg(n + 1).arg(why));
            return std::nullopt;
        };
        QList<QByteArray> fields = line.split(',');
        HdrLogEntry entry;
        if (fields.constFirst().startsWith("Tag=")) {
            entry.tag = fields.takeFirst().mid(4);
            if (entry.tag.isEmpty())
                return bad(QStringLiteral("empty tag"));
        }
        if (fields.size() != 4)
            return bad(QStringLiteral("expected start,length,max,histogram"));
        bool ok1 = false, ok2 = false, ok3 = false;
        entry.startSec = fields[0].toDouble(&ok1);
        entry.lengthSec = fields[1].toDouble(&ok2);
        entry.maxField = fields[2].toDouble(&ok3);
        if (!ok1 || !ok2 || !ok3)
            return bad(QStringLiteral("a timestamp, length or max is not a number"));
        QString why;
        std::optional<HdrHistogram> h = HdrHistogram::fromBase64(fields[3], &why);
        if (!h)
            return bad(why);
        entry.histogram = std::move(*h);
        log.entries.push_back(std::move(entry));
    }
    return log;
}

} // namespace clusterlab
