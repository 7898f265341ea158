#pragma once

#include "load/loadgenerator.h"

#include <QJsonObject>
#include <QStringList>

#include <vector>

class QIODevice;

namespace clusterlab {

// `clusterlab bench URL [-n N | -z SECONDS] [-c CONNECTIONS] [--no-keepalive]
//  [--rate R] [--route PATH[:WEIGHT]]... [--timeout S] [--json FILE] [--csv FILE]`
// Exit codes: 0 done, 1 target unreachable or a file cannot be written,
// 2 bad usage. `args` excludes the program name and "bench". Needs a
// QCoreApplication.
int runBench(const QStringList& args);

// The summary as JSON (what --json writes). Durations in milliseconds.
QJsonObject summaryToJson(const LoadConfig& config, const LoadSummary& summary);
// One row per request (what --csv writes); columns in docs/DATA-FORMATS.md.
// One CSV row per request (docs/DATA-FORMATS.md), streamed as they complete.
QByteArray csvHeader();
QByteArray csvRow(const LoadConfig& config, std::int64_t seq, const LoadRecord& record);
// The oha-style text summary.
QString summaryToText(const LoadConfig& config, const LoadSummary& summary);

} // namespace clusterlab
