// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "csv.h" // csvField, for the formats' users

#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <cstdint>

namespace clusterlab {

// A load test's summary in the forms people read and tools parse: the
// `bench --json` object, the oha-style text, and one CSV row per request
// (docs/DATA-FORMATS.md). Shared by `clusterlab bench`, the window's load
// test and sessions. Pure functions; any thread.

// The summary as JSON (what --json writes). Durations in milliseconds; an
// "hdr" object carries the histograms the figures come from (base64
// HdrHistogram V2, µs), so that files can be merged.
QJsonObject summaryToJson(const LoadConfig& config, const LoadSummary& summary);
// One CSV row per request, streamed as they complete.
// bench --csv: a header row, then one row per request (RFC 4180). The last
// three columns are the run's: version, started_utc (ISO 8601, UTC) and
// seed, the same in every row, so that a row read alone says where it came
// from; csvRunColumns makes them once per run.
QByteArray csvHeader();
QByteArray csvRunColumns(const QString& startedUtc, std::uint64_t seed);
QByteArray csvRow(const LoadConfig& config, std::int64_t seq, const LoadRecord& record, const QByteArray& runColumns);
// The oha-style text summary.
QString summaryToText(const LoadConfig& config, const LoadSummary& summary);
// Answers outside 2xx and 3xx (4xx, 5xx): they arrived, but did not succeed.
std::int64_t nonSuccessResponses(const LoadSummary& summary);

} // namespace clusterlab
