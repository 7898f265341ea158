// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadresult.h"
#include "telemetry/histogram.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

class QIODevice;

namespace clusterlab {

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
