#pragma once

#include "load/hdrlog.h"
#include "load/loadgenerator.h"

#include <QJsonObject>
#include <QStringList>

#include <vector>

class QIODevice;

namespace clusterlab {

// `clusterlab bench URL [-n N | -z SECONDS] [-c CONNECTIONS] [--no-keepalive]
//  [--rate R] [--route PATH[:WEIGHT]]... [--timeout S] [--json FILE] [--csv FILE]
//  [--hdr-log FILE]`, or `clusterlab bench --merge A.json B.json... [--json FILE]`
// (runs from several load machines summed into one summary).
// Exit codes: 0 done, 1 target unreachable or a file cannot be read or
// written, 2 bad usage (or, with --merge, a file that is not a bench JSON
// summary with "hdr" histograms). `args` excludes the program name and "bench". Needs a
// QCoreApplication.
int runBench(const QStringList& args);

// The summary as JSON (what --json writes). Durations in milliseconds.
// With `hdr`, an "hdr" object carries its histograms (base64 HdrHistogram
// V2, µs) so that files can be merged; with `figuresFromHdr` (a merged run,
// whose LatencyHistograms are empty) the latency figures come from them too.
QJsonObject summaryToJson(const LoadConfig& config, const LoadSummary& summary, const HdrRunHistograms* hdr = nullptr,
                          bool figuresFromHdr = false);
// One row per request (what --csv writes); columns in docs/DATA-FORMATS.md.
// One CSV row per request (docs/DATA-FORMATS.md), streamed as they complete.
QByteArray csvHeader();
QByteArray csvRow(const LoadConfig& config, std::int64_t seq, const LoadRecord& record);
// The oha-style text summary. With `figuresFromHdr` (a merged run), the
// latency figures come from those histograms instead of the summary's.
QString summaryToText(const LoadConfig& config, const LoadSummary& summary,
                      const HdrRunHistograms* figuresFromHdr = nullptr);

} // namespace clusterlab
