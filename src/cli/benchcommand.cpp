// SPDX-License-Identifier: GPL-3.0-or-later
#include "benchcommand.h"
#include "commandline.h"
#include "version.h"

#include "load/loadsummaryformat.h"

#include "compute/clock.h"
#include "load/hdrlog.h"
#include "experiment/result.h"
#include "load/loadgenerator.h"
#include "load/threshold.h"
#include "session/sessionrecorder.h"
#include "platform/processplatform.h"
#include "platform/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QHostAddress>
#include <QJsonDocument>
#include <QNetworkInterface>
#include <QJsonParseError>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QTcpSocket>
#include <QTextStream>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>


namespace clusterlab {

namespace {

// "-", and the names of standard output itself (a file it was redirected
// to must be appended to as the shell opened it, not replaced).
bool isStandardOutput(const QString& path)
{
    return path == QLatin1String("-") || path == QLatin1String("/dev/stdout") || path == QLatin1String("/dev/fd/1")
        || path == QLatin1String("/proc/self/fd/1");
}

// Rows go to the file as requests complete (on the generator's thread),
// through a 1 MiB buffer: a run of any length holds no record in memory.
// "-" is standard output; a file that exists and is not a regular one
// (/dev/stdout, a pipe) is written in place; anything else through a
// temporary file that takes the name when the run is complete.
class CsvStream
{
public:
    CsvStream(const QString& path, const LoadConfig& config, QByteArray runColumns)
        : m_path(path)
        , m_config(config)
        , m_runColumns(std::move(runColumns))
    {
    }
    bool open()
    {
        const QFileInfo info(m_path);
        if (isStandardOutput(m_path)) {
            auto out = std::make_unique<QFile>();
            if (!out->open(stdout, QIODevice::WriteOnly))
                return fail(out->errorString());
            m_file = std::move(out);
        } else if (info.exists() && !info.isFile() && !info.isDir()) {
            auto out = std::make_unique<QFile>(m_path);
            if (!out->open(QIODevice::WriteOnly))
                return fail(out->errorString());
            m_file = std::move(out);
        } else {
            auto out = std::make_unique<QSaveFile>(m_path);
            if (!out->open(QIODevice::WriteOnly))
                return fail(out->errorString());
            m_save = out.get();
            m_file = std::move(out);
        }
        return write(csvHeader());
    }
    void add(const LoadRecord& r)
    {
        m_buffer += csvRow(m_config, ++m_seq, r, m_runColumns);
        if (m_buffer.size() > (1 << 20) && write(m_buffer))
            m_buffer.clear();
    }
    bool commit()
    {
        if (!write(m_buffer))
            return false;
        m_buffer.clear();
        if (m_save)
            return m_save->commit() || fail(m_save->errorString());
        return m_file->flush() || fail(m_file->errorString());
    }
    QString errorString() const { return m_error; }

private:
    bool fail(const QString& why)
    {
        m_ok = false;
        if (m_error.isEmpty())
            m_error = why;
        return false;
    }
    bool write(const QByteArray& bytes)
    {
        if (m_ok && m_file->write(bytes) != bytes.size())
            fail(m_file->errorString());
        if (!m_ok)
            m_buffer.clear(); // nothing more is written: hold nothing (a closed pipe)
        return m_ok;
    }
    QString m_path;
    std::unique_ptr<QFileDevice> m_file;
    QSaveFile* m_save = nullptr; // m_file, when it is a QSaveFile
    const LoadConfig& m_config;
    QByteArray m_runColumns;
    QByteArray m_buffer;
    std::int64_t m_seq = 0;
    bool m_ok = true;
    QString m_error;
};

} // namespace

namespace {

// *into += x, unless that would pass 2^63 (then false and *into unchanged).
bool addChecked(std::int64_t* into, std::int64_t x)
{
    if ((x > 0 && *into > std::numeric_limits<std::int64_t>::max() - x)
        || (x < 0 && *into < std::numeric_limits<std::int64_t>::min() - x))
        return false;
    *into += x;
    return true;
}

// One bench JSON file, read back for --merge.
struct BenchFile
{
    QString path;
    LoadConfig config;
    LoadSummary summary; // its histograms decoded from the file's "hdr"
    bool hasSendLag = false;
};

// 0; 1 when the file cannot be read; 2 when it is not a bench JSON summary
// with an "hdr" object (e.g. one written before --merge existed).
int readBenchFile(const QString& path, BenchFile* run, QString* error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
        return 1;
    }
    auto notBench = [&](const QString& why) {
        *error = QStringLiteral("%1 is not a clusterlab bench JSON summary: %2").arg(path, why);
        return 2;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return notBench(parseError.errorString());
    if (!doc.isObject())
        return notBench(QStringLiteral("not a JSON object"));
    const QJsonObject o = doc.object();
    for (const char* key : { "config", "errors", "statuses", "perWorkerPid", "latency", "serviceTime" }) {
        if (!o.value(QLatin1String(key)).isObject())
            return notBench(QStringLiteral("no \"%1\" object").arg(QLatin1String(key)));
    }
    for (const char* key : { "sent", "succeeded", "failed", "durationMs", "requestsPerSecond" }) {
        if (!o.value(QLatin1String(key)).isDouble())
            return notBench(QStringLiteral("no \"%1\" number").arg(QLatin1String(key)));
    }
    if (!o.value(QStringLiteral("hdr")).isObject()) {
        *error = QStringLiteral("%1 has no \"hdr\" histograms to merge (written by a clusterlab bench without them? run it "
                                "again with this version)")
                     .arg(path);
        return 2;
    }
    // Counts are integers 0..2^63-1 and times finite and within a century:
    // a file saying otherwise is refused, not wrapped (a 1e300 ms duration
    // became negative; totals overflowed to "Sent -46744073709551616").
    QString badNumber;
    auto integer = [&badNumber](const QJsonObject& obj, const char* key) {
        const QJsonValue v = obj.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return std::int64_t { 0 };
        const qint64 x = v.toInteger(-1);
        if (x < 0 && badNumber.isEmpty())
            badNumber = QLatin1String(key);
        return static_cast<std::int64_t>(std::max<qint64>(x, 0));
    };
    auto finite = [&badNumber](const QJsonObject& obj, const char* key, double max) {
        const double x = obj.value(QLatin1String(key)).toDouble();
        if (!(x >= 0 && x <= max) && badNumber.isEmpty())
            badNumber = QLatin1String(key);
        return std::isfinite(x) ? std::clamp(x, 0.0, max) : 0.0;
    };
    constexpr double kCenturyMs = 100.0 * 365.25 * 86400e3;
    const QJsonObject c = o.value(QStringLiteral("config")).toObject();
    LoadConfig& config = run->config;
    config.host = c.value(QStringLiteral("host")).toString();
    config.port = static_cast<quint16>(c.value(QStringLiteral("port")).toInt());
    config.routes.clear();
    for (const QJsonValue& r : c.value(QStringLiteral("routes")).toArray())
        config.routes.append({ r.toObject().value(QStringLiteral("path")).toString().toLatin1(),
                               r.toObject().value(QStringLiteral("weight")).toInt(1) });
    config.connections = c.value(QStringLiteral("connections")).toInt();
    config.keepAlive = c.value(QStringLiteral("keepAlive")).toBool(true);
    config.rate = finite(c, "rate", 1e12);
    config.requests = integer(c, "requests");
    config.durationMs = integer(c, "durationMs");

    LoadSummary& s = run->summary;
    s.sent = integer(o, "sent");
    s.succeeded = integer(o, "succeeded");
    s.failed = integer(o, "failed");
    const QJsonObject errors = o.value(QStringLiteral("errors")).toObject();
    for (int k = 1; k < kLoadErrorKinds; ++k)
        s.errors[static_cast<std::size_t>(k)] = integer(errors, errorKindName(static_cast<LoadError>(k)));
    const QJsonObject statuses = o.value(QStringLiteral("statuses")).toObject();
    bool overflow = false;
    for (auto it = statuses.constBegin(); it != statuses.constEnd(); ++it)
        overflow |= !addChecked(&s.statuses[it.key().toInt()], static_cast<std::int64_t>(std::max<qint64>(0, it.value().toInteger())));
    const QJsonObject perWorker = o.value(QStringLiteral("perWorkerPid")).toObject();
    for (auto it = perWorker.constBegin(); it != perWorker.constEnd(); ++it)
        overflow |= !addChecked(&s.perWorker[it.key().toLongLong()], static_cast<std::int64_t>(std::max<qint64>(0, it.value().toInteger())));
    if (overflow)
        return notBench(QStringLiteral("its status or per-worker counts add up past 2^63"));
    s.serverConnections = integer(o, "serverConnections");
    s.clientConnectionsOpened = integer(o, "clientConnectionsOpened");
    s.durationNs = std::llround(finite(o, "durationMs", kCenturyMs) * 1e6);
    s.requestsPerSecond = finite(o, "requestsPerSecond", 1e15);
    s.bytes = integer(o, "bytes");
    s.bytesPerSecond = finite(o, "bytesPerSecond", 1e18);
    s.constantRate = o.value(QStringLiteral("constantRate")).toBool();
    s.cancelled = o.value(QStringLiteral("cancelled")).toBool();
    s.cutAtDeadline = integer(o, "cutAtDeadline");
    s.cpuSeconds = finite(o, "generatorCpuSeconds", kCenturyMs / 1e3);
    s.seed = o.value(QStringLiteral("seed")).toString().toULongLong();
    s.retries = integer(o, "retries");

    if (!badNumber.isEmpty())
        return notBench(QStringLiteral("\"%1\" is not a count or time this program writes (negative, fractional, "
                                       "not finite or beyond its range)").arg(badNumber));
    const QJsonObject h = o.value(QStringLiteral("hdr")).toObject();
    if (h.value(QStringLiteral("unit")).toString() != QLatin1String(HdrHistogram::kUnit))
        return notBench(QStringLiteral("hdr.unit is not \"%1\"").arg(QLatin1String(HdrHistogram::kUnit)));
    auto decode = [&](const char* key, HdrHistogram* into) {
        const QJsonValue v = h.value(QLatin1String(key));
        QString why = QStringLiteral("missing");
        std::optional<HdrHistogram> decoded;
        if (v.isString())
            decoded = HdrHistogram::fromBase64(v.toString().toLatin1(), &why);
        if (!decoded) {
            notBench(QStringLiteral("hdr.%1: %2").arg(QLatin1String(key), why));
            return false;
        }
        *into = std::move(*decoded);
        return true;
    };
    if (!decode("latency", &s.latency) || !decode("serviceTime", &s.service))
        return 2;
    run->hasSendLag = h.contains(QStringLiteral("sendLag"));
    if (run->hasSendLag && !decode("sendLag", &s.sendLag))
        return 2;
    if (s.latency.totalCount() != s.succeeded || s.service.totalCount() != s.succeeded)
        return notBench(QStringLiteral("its histograms count %1 requests, its summary %2 succeeded")
                            .arg(s.latency.totalCount())
                            .arg(s.succeeded));
    run->path = path;
    return 0;
}

// --merge: several runs (e.g. one per load machine) as one. Counters and
// per-worker tables are summed, histograms added; the duration is the
// longest run's, requests/s (and bytes/s) the sum of each run's.
// `bytes` into `path`: "-" is standard output; a file that exists and is
// not a regular one (/dev/stdout, a pipe) is written in place; anything
// else through a temporary file that takes the name when complete.
bool writeWhole(const QString& path, const QByteArray& bytes, QString* why)
{
    if (isStandardOutput(path)) {
        const bool ok = std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stdout) == static_cast<std::size_t>(bytes.size());
        std::fflush(stdout);
        *why = QStringLiteral("standard output is closed");
        return ok;
    }
    const QFileInfo info(path);
    if (info.exists() && !info.isFile() && !info.isDir()) {
        QFile f(path);
        const bool ok = f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
        *why = f.errorString();
        return ok;
    }
    QSaveFile f(path);
    const bool ok = f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size() && f.commit();
    *why = f.errorString();
    return ok;
}

int mergeBenchFiles(const QStringList& paths, const QString& jsonPath)
{
    std::vector<BenchFile> runs(static_cast<std::size_t>(paths.size()));
    for (qsizetype i = 0; i < paths.size(); ++i) {
        QString error;
        if (const int code = readBenchFile(paths[i], &runs[static_cast<std::size_t>(i)], &error); code != 0) {
            std::fprintf(stderr, "%s bench: %s\n", programName(), qPrintable(error));
            return code;
        }
    }
    LoadConfig config = runs.front().config;
    config.connections = 0;
    config.rate = 0;
    config.requests = 0;
    config.durationMs = 0;
    LoadSummary s;
    // The merge keeps the first run's layout (the lab's, or a finer one from
    // an older file); runs at another layout are added bucket by bucket.
    auto emptyLike = [](const HdrHistogram& h) {
        return HdrHistogram(h.lowestDiscernibleValue(), h.highestTrackableValue(), h.significantDigits());
    };
    s.latency = emptyLike(runs.front().summary.latency);
    s.service = emptyLike(runs.front().summary.service);
    s.sendLag = emptyLike(runs.front().summary.sendLag);
    bool allPaced = true;
    bool anyPaced = false;
    bool sameSeed = true;
    QStringList perRun;
    QJsonArray files;
    // Every total in checked arithmetic: a sum that would pass 2^63 (or a
    // histogram's count) refuses the merge rather than wrapping.
    bool overflow = false;
    auto add = [&overflow](std::int64_t* into, std::int64_t x) { overflow |= !addChecked(into, x); };
    for (const BenchFile& r : runs) {
        if (r.config.connections > std::numeric_limits<int>::max() - config.connections)
            overflow = true;
        else
            config.connections += r.config.connections;
        config.rate += r.config.rate;
        add(&config.requests, r.config.requests);
        config.durationMs = std::max(config.durationMs, r.config.durationMs);
        const LoadSummary& x = r.summary;
        add(&s.sent, x.sent);
        add(&s.succeeded, x.succeeded);
        add(&s.failed, x.failed);
        for (std::size_t k = 0; k < s.errors.size(); ++k)
            add(&s.errors[k], x.errors[k]);
        for (auto it = x.statuses.cbegin(); it != x.statuses.cend(); ++it)
            add(&s.statuses[it.key()], it.value());
        for (auto it = x.perWorker.cbegin(); it != x.perWorker.cend(); ++it)
            add(&s.perWorker[it.key()], it.value());
        add(&s.serverConnections, x.serverConnections);
        add(&s.clientConnectionsOpened, x.clientConnectionsOpened);
        add(&s.bytes, x.bytes);
        s.durationNs = std::max(s.durationNs, x.durationNs);
        s.requestsPerSecond += x.requestsPerSecond;
        s.bytesPerSecond += x.bytesPerSecond;
        s.cancelled = s.cancelled || x.cancelled;
        s.cpuSeconds += x.cpuSeconds;
        add(&s.retries, x.retries);
        add(&s.cutAtDeadline, x.cutAtDeadline);
        std::int64_t histogramTotal = s.latency.totalCount();
        add(&histogramTotal, x.latency.totalCount());
        histogramTotal = s.service.totalCount();
        add(&histogramTotal, x.service.totalCount());
        histogramTotal = s.sendLag.totalCount();
        add(&histogramTotal, x.sendLag.totalCount());
        if (overflow) {
            std::fprintf(stderr, "%s bench: --merge: the totals of these runs pass 2^63 (at %s); nothing merged\n", programName(),
                         qPrintable(r.path));
            return 2;
        }
        sameSeed = sameSeed && x.seed == runs.front().summary.seed;
        allPaced = allPaced && x.constantRate && r.hasSendLag;
        anyPaced = anyPaced || x.constantRate;
        s.latency.add(x.latency);
        s.service.add(x.service);
        s.sendLag.add(x.sendLag);
        perRun << QStringLiteral("  %1: %2 sent in %3 s, %4 req/s, seed %5\n")
                      .arg(r.path)
                      .arg(x.sent)
                      .arg(static_cast<double>(x.durationNs) / 1e9, 0, 'f', 3)
                      .arg(x.requestsPerSecond, 0, 'f', 2)
                      .arg(x.seed);
        files.append(r.path);
    }
    s.constantRate = allPaced;
    s.seed = sameSeed ? runs.front().summary.seed : 0;

    QString head = QStringLiteral("Merged %1 runs:\n").arg(runs.size()) + perRun.join(QString());
    head += QStringLiteral("Total is the longest run; Requests/sec and Data/sec are the sums of the runs'; the latency figures "
                           "come from the runs' histograms added together, as each run's came from its own.\n");
    if (anyPaced && !allPaced)
        head += QStringLiteral("Note: only some runs were paced (--rate): latency is measured from the intended send time in "
                               "those, from the actual send in the others.\n");
    std::FILE* text = isStandardOutput(jsonPath) ? stderr : stdout; // the JSON takes standard output
    std::fputs(qPrintable(head + QLatin1Char('\n') + summaryToText(config, s)), text);
    std::fflush(text);
    if (!jsonPath.isEmpty()) {
        QJsonObject o = summaryToJson(config, s);
        o.insert(QStringLiteral("merged"), QJsonObject { { QStringLiteral("runs"), static_cast<qint64>(runs.size()) },
                                                         { QStringLiteral("files"), files } });
        QString why;
        if (!writeWhole(jsonPath, QJsonDocument(o).toJson(), &why)) {
            std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(jsonPath), qPrintable(why));
            return 1;
        }
    }
    return 0;
}

// True for localhost, a loopback address or an address of one of this
// machine's interfaces: where attribution through the OS can look.
bool isAddressOfThisMachine(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    QHostAddress a;
    if (!a.setAddress(host))
        return false;
    if (a.isLoopback() || a == QHostAddress::AnyIPv4 || a == QHostAddress::AnyIPv6)
        return true;
    const QList<QHostAddress> mine = QNetworkInterface::allAddresses();
    return std::any_of(mine.cbegin(), mine.cend(), [&](const QHostAddress& m) { return m.isEqual(a, QHostAddress::TolerantConversion); });
}

// The wall-clock time (seconds since the epoch) of a steady-clock instant.
double epochSecondsOf(std::int64_t steadyNs)
{
    const std::int64_t nowSteady = steadyNowNs();
    const qint64 nowEpochMs = QDateTime::currentMSecsSinceEpoch();
    return static_cast<double>(nowEpochMs) / 1e3 - static_cast<double>(nowSteady - steadyNs) / 1e9;
}

} // namespace

int runBench(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Load-test any http:// server."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("http://host[:port]/path"));
    const QCommandLineOption nOpt(QStringLiteral("n"), QStringLiteral("Number of requests (default 200)."), QStringLiteral("N"));
    const QCommandLineOption zOpt(QStringLiteral("z"), QStringLiteral("Duration instead of -n: 10 or 10s, 500ms, 2m, 1h."), QStringLiteral("DURATION"));
    const QCommandLineOption headerOpt(QStringList { QStringLiteral("H"), QStringLiteral("header") },
                                       QStringLiteral("Add a request header, 'Name: value' (repeatable)."), QStringLiteral("HEADER"));
    const QCommandLineOption methodOpt(QStringList { QStringLiteral("m"), QStringLiteral("method") },
                                       QStringLiteral("Method: GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS."), QStringLiteral("METHOD"));
    const QCommandLineOption dataOpt(QStringList { QStringLiteral("d"), QStringLiteral("body") },
                                     QStringLiteral("Request body, sent with every request (with Content-Length; at most 16 MiB)."), QStringLiteral("DATA"));
    const QCommandLineOption bodyFileOpt(QStringLiteral("body-file"), QStringLiteral("Request body read from FILE (instead of -d; at most 16 MiB)."),
                                         QStringLiteral("FILE"));
    const QCommandLineOption failOnOpt(QStringLiteral("fail-on"),
                                       QStringLiteral("Exit 1 when EXPR holds for the run, naming it (repeatable): p50 p90 p99 p99.9 min "
                                                      "mean max against a time (p99>50ms), errors against a share or count (errors>0.1%), "
                                                      "rps against requests/s (rps<1000), status!=2xx or status==5xx."),
                                       QStringLiteral("EXPR"));
    const QCommandLineOption quietOpt(QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
                                      QStringLiteral("No summary and no progress: only errors and crossed thresholds (on standard error)."));
    const QCommandLineOption noProgressOpt(QStringLiteral("no-progress"), QStringLiteral("No progress line (shown only on a terminal)."));
    const QCommandLineOption cOpt(QStringLiteral("c"), QStringLiteral("Connections (default 50, at most N)."), QStringLiteral("CONNECTIONS"));
    const QCommandLineOption noKa(QStringLiteral("no-keepalive"), QStringLiteral("A new connection per request."));
    const QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("Requests/s overall (latency corrected for coordinated omission)."), QStringLiteral("R"));
    const QCommandLineOption routeOpt(QStringLiteral("route"), QStringLiteral("Add PATH[:WEIGHT] to a route mix (replaces the URL's path)."), QStringLiteral("PATH[:WEIGHT]"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"), QStringLiteral("Per-request timeout: 30 or 30s (default), 500ms, 2m."), QStringLiteral("DURATION"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Write the summary as JSON (- : to standard output, the text summary then to standard error)."), QStringLiteral("FILE"));
    const QCommandLineOption csvOpt(QStringLiteral("csv"), QStringLiteral("Write one row per request, RFC 4180 with a header row (- : to standard output, the text summary then to standard error)."), QStringLiteral("FILE"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the route draw (printed; the same seed repeats a run's sequence of routes)."), QStringLiteral("S"));
    const QCommandLineOption hdrLogOpt(QStringLiteral("hdr-log"), QStringLiteral("Write the latency as an HdrHistogram interval log (one interval per second, µs)."), QStringLiteral("FILE"));
    const QCommandLineOption sessionOpt(QStringLiteral("session"),
                                        QStringLiteral("Record the run (settings, summary, every request as this client saw it) into a "
                                                       "session file, which the window opens and compares."),
                                        QStringLiteral("FILE.sqlite"));
    const QCommandLineOption mergeOpt(QStringLiteral("merge"), QStringLiteral("Merge the bench JSON files given instead of a URL (runs of several load machines)."));
    const QCommandLineOption attributeOpt(QStringLiteral("attribute"),
                                          QStringLiteral("Find which process on this machine served each connection, through the operating "
                                                         "system (any local server, unchanged): a per-process table in the summary, "
                                                         "--json and --session."));
    parser.addOptions({ nOpt, zOpt, cOpt, noKa, rateOpt, routeOpt, timeoutOpt, headerOpt, methodOpt, dataOpt, bodyFileOpt, jsonOpt,
                        csvOpt, seedOpt, hdrLogOpt, sessionOpt, mergeOpt, attributeOpt, failOnOpt, quietOpt, noProgressOpt });
    auto usage = [](const QString& message) {
        const QByteArray program = QCoreApplication::applicationName().toLocal8Bit();
        std::fprintf(stderr, "%s bench: %s\n(see %s bench --help)\n", program.constData(), qPrintable(message), program.constData());
        return 2;
    };
    if (!parser.parse(QStringList { QStringLiteral("clusterlab bench") } + args))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) { // Qt lists --help-all beside --help
        std::fputs(qPrintable(subcommandHelp(parser, QStringLiteral("bench"))), stdout);
        return 0;
    }
    if (parser.isSet(mergeOpt)) {
        for (const QCommandLineOption* o : { &nOpt, &zOpt, &cOpt, &noKa, &rateOpt, &routeOpt, &timeoutOpt, &headerOpt, &methodOpt, &dataOpt,
                                             &bodyFileOpt, &csvOpt, &seedOpt, &hdrLogOpt, &sessionOpt, &attributeOpt, &failOnOpt }) {
            if (parser.isSet(*o))
                return usage(QStringLiteral("--merge takes bench JSON files (and --json FILE), not %1%2")
                                 .arg(o->names().constFirst().size() == 1 ? QStringLiteral("-") : QStringLiteral("--"), o->names().constFirst()));
        }
        if (parser.positionalArguments().isEmpty())
            return usage(QStringLiteral("--merge: expected bench JSON files"));
        return mergeBenchFiles(parser.positionalArguments(), parser.isSet(jsonOpt) ? parser.value(jsonOpt) : QString());
    }
    if (parser.positionalArguments().size() != 1)
        return usage(QStringLiteral("expected exactly one URL"));
    LoadConfig config;
    QString error;
    if (!LoadConfig::fromUrl(parser.positionalArguments().constFirst(), &config, &error))
        return usage(error);
    if (parser.isSet(nOpt) && parser.isSet(zOpt))
        return usage(QStringLiteral("-n and -z exclude each other"));
    bool ok = true;
    if (parser.isSet(zOpt)) {
        if (!parseDurationSpec(parser.value(zOpt), &config.durationMs, &error))
            return usage(QStringLiteral("-z: ") + error);
    } else {
        config.requests = parser.isSet(nOpt) ? parser.value(nOpt).toLongLong(&ok) : 200;
        if (!ok || config.requests < 1)
            return usage(QStringLiteral("-n: expected a positive integer, got '%1'").arg(parser.value(nOpt)));
    }
    config.connections = parser.isSet(cOpt) ? parser.value(cOpt).toInt(&ok) : 50;
    if (!ok || config.connections < 1 || config.connections > 10000)
        return usage(QStringLiteral("-c: expected 1..10000, got '%1'").arg(parser.value(cOpt)));
    if (config.requests > 0 && config.connections > config.requests)
        config.connections = static_cast<int>(config.requests);
    config.keepAlive = !parser.isSet(noKa);
    if (parser.isSet(rateOpt)) {
        config.rate = parser.value(rateOpt).toDouble(&ok);
        if (!ok || config.rate <= 0)
            return usage(QStringLiteral("--rate: expected requests/s > 0, got '%1'").arg(parser.value(rateOpt)));
    }
    if (parser.isSet(timeoutOpt)) {
        std::int64_t ms = 0;
        if (!parseDurationSpec(parser.value(timeoutOpt), &ms, &error))
            return usage(QStringLiteral("--timeout: ") + error);
        config.timeoutMs = static_cast<int>(ms);
    }
    if (parser.isSet(seedOpt)) {
        config.seed = parser.value(seedOpt).toULongLong(&ok);
        if (!ok || config.seed == 0)
            return usage(QStringLiteral("--seed: expected a positive integer, got '%1'").arg(parser.value(seedOpt)));
    }
    if (parser.isSet(routeOpt)) {
        config.routes.clear();
        for (const QString& spec : parser.values(routeOpt)) {
            RouteWeight r;
            QString why;
            if (!parseRouteSpec(spec, &r, &why))
                return usage(QStringLiteral("--route ") + why);
            config.routes.append(r);
        }
    }
    for (const QString& spec : parser.values(headerOpt)) {
        QPair<QByteArray, QByteArray> h;
        if (!parseHeaderSpec(spec, &h, &error))
            return usage(error);
        config.headers.append(h);
    }
    if (parser.isSet(methodOpt))
        config.method = parser.value(methodOpt).toUpper().toLatin1();
    if (parser.isSet(dataOpt) && parser.isSet(bodyFileOpt))
        return usage(QStringLiteral("-d and --body-file exclude each other"));
    if (parser.isSet(dataOpt))
        config.body = parser.value(dataOpt).toUtf8();
    if (parser.isSet(bodyFileOpt)) {
        QFile body(parser.value(bodyFileOpt));
        if (!body.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "%s bench: --body-file: cannot read %s: %s\n", programName(), qPrintable(body.fileName()),
                         qPrintable(body.errorString()));
            return 1;
        }
        config.body = body.read(LoadConfig::kMaxBody + 1); // validate() refuses more than kMaxBody
    }
    std::vector<Threshold> thresholds;
    for (const QString& spec : parser.values(failOnOpt)) {
        Threshold t;
        if (!Threshold::parse(spec, &t, &error))
            return usage(error);
        thresholds.push_back(t);
    }
    const bool jsonToStdout = parser.isSet(jsonOpt) && isStandardOutput(parser.value(jsonOpt));
    const bool csvToStdout = parser.isSet(csvOpt) && isStandardOutput(parser.value(csvOpt));
    if (jsonToStdout && csvToStdout)
        return usage(QStringLiteral("--json - and --csv - both want standard output: give one of them a file"));
    const bool quiet = parser.isSet(quietOpt);
    // A JSON or CSV on standard output takes it: the text goes to standard error.
    std::FILE* const text = jsonToStdout || csvToStdout ? stderr : stdout;
    if (parser.isSet(attributeOpt)) {
        if (!isAddressOfThisMachine(config.host))
            return usage(QStringLiteral("--attribute finds the serving process on this machine: '%1' is not one of its addresses")
                             .arg(config.host));
        config.attribute = true;
    }
    config.keepRecords = false; // --csv and --hdr-log stream them (CsvStream, HdrIntervalStream)
    const QString invalid = config.validate();
    if (!invalid.isEmpty())
        return usage(invalid);

    // No probe connection: against a round-robin cluster it would take a
    // turn of the rotation. An unreachable target is found by the run itself
    // (every connection fails to connect, nothing succeeds: it stops).
    // The seed is chosen here when none was given, so that every CSV row can
    // carry it from the first; the wall-clock start likewise.
    if (config.seed == 0)
        config.seed = QRandomGenerator::system()->generate64() | 1;
    const QString startedUtc = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    LoadGenerator generator;
    std::unique_ptr<CsvStream> csv;
    if (parser.isSet(csvOpt)) {
        csv = std::make_unique<CsvStream>(parser.value(csvOpt), config, csvRunColumns(startedUtc, config.seed));
        if (!csv->open()) {
            std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(parser.value(csvOpt)),
                         qPrintable(csv->errorString()));
            return 1;
        }
    }
    // --session: the same file format as the window's sessions and
    // `serve --record FILE.sqlite`, with the requests as this client saw them.
    SessionRecorder session;
    int sessionTest = 0;
    if (parser.isSet(sessionOpt)) {
        SessionRecorder::Options sessionOptions;
        sessionOptions.source = QStringLiteral("bench");
        sessionOptions.machine = experiment::MachineInfo::current().toJson();
        const QString target = QStringLiteral("http://%1:%2").arg(config.host).arg(config.port);
        sessionOptions.settings = QJsonObject { { QStringLiteral("target"), target } };
        if (!session.start(parser.value(sessionOpt), sessionOptions, &error)) {
            std::fprintf(stderr, "%s bench: %s\n", programName(), qPrintable(error));
            return 1;
        }
        QObject::connect(&session, &SessionRecorder::stopped, [](const QString& reason) {
            std::fprintf(stderr, "%s bench: %s\n", programName(), qPrintable(reason));
        });
        QStringList routes;
        for (const RouteWeight& r : std::as_const(config.routes))
            routes << QString::fromLatin1(r.path);
        sessionTest = session.beginLoadTest(target, summaryToJson(config, LoadSummary()).value(QStringLiteral("config")).toObject(), routes);
    }
    std::unique_ptr<QSaveFile> hdrLog;
    if (parser.isSet(hdrLogOpt)) {
        hdrLog = std::make_unique<QSaveFile>(parser.value(hdrLogOpt));
        if (!hdrLog->open(QIODevice::WriteOnly)) {
            std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(parser.value(hdrLogOpt)),
                         qPrintable(hdrLog->errorString()));
            return 1;
        }
    }
    // --hdr-log intervals count from here (a few µs before the engine's own
    // start): each second is written as soon as it is over.
    const std::int64_t hdrStartNs = steadyNowNs();
    std::unique_ptr<HdrIntervalStream> intervals;
    if (hdrLog)
        intervals = std::make_unique<HdrIntervalStream>(hdrLog.get(), hdrStartNs, epochSecondsOf(hdrStartNs));
    generator.setRecordSink([stream = csv.get(), log = intervals.get(),
                             recorder = sessionTest > 0 ? &session : nullptr, sessionTest](const LoadRecord& r) {
        if (stream)
            stream->add(r);
        if (recorder)
            recorder->addLoadRecord(sessionTest, r);
        if (log)
            log->record(r);
    });
    // The progress line goes where the text summary goes, on a terminal only.
    const bool tty = !quiet && !parser.isSet(noProgressOpt)
        && (text == stdout ? platform::stdoutIsTerminal() : platform::stderrIsTerminal());
    QObject::connect(&generator, &LoadGenerator::progress, [tty, text](const LoadProgress& p) {
        if (!tty)
            return;
        const double done = p.planned > 0 ? 100.0 * static_cast<double>(p.succeeded + p.failed) / static_cast<double>(p.planned)
                                          : 100.0 * static_cast<double>(p.elapsedNs) / static_cast<double>(qMax<std::int64_t>(1, p.plannedNs));
        std::fprintf(text, "\r%5.1f%%  %lld done  %.0f req/s  p99 %.3f ms  %lld errors   ", qMin(done, 100.0),
                     static_cast<long long>(p.succeeded + p.failed), p.recentRps, p.p99Ms,
                     static_cast<long long>(p.failed));
        std::fflush(text);
    });
    int exitCode = 0;
    QObject::connect(&generator, &LoadGenerator::finished, [&](const LoadSummary& s) {
        if (tty)
            std::fprintf(text, "\r%*s\r", 70, "");
        if (s.unreachable) {
            std::fprintf(stderr, "%s bench: cannot connect to %s:%u: %s\n", programName(), qPrintable(config.host),
                         static_cast<unsigned>(config.port), qPrintable(s.unreachableReason));
            QCoreApplication::exit(1);
            return;
        }
        // --fail-on: each threshold judged; a crossed one is named.
        QJsonArray thresholdJson;
        QString thresholdText;
        QStringList crossed; // "p99>50ms (p99 was 73.210 ms)"
        for (const Threshold& t : thresholds) {
            const ThresholdVerdict v = evaluate(t, s);
            if (v.crossed)
                crossed << QStringLiteral("%1 (%2)").arg(t.text, v.observed);
            thresholdText += QStringLiteral("  %1  %2: %3\n").arg(v.crossed ? QStringLiteral("CROSSED") : QStringLiteral("ok     "), t.text, v.observed);
            thresholdJson.append(QJsonObject { { QStringLiteral("expression"), t.text },
                                               { QStringLiteral("crossed"), v.crossed },
                                               { QStringLiteral("observed"), v.observed } });
        }
        if (!quiet) {
            QString summary = summaryToText(config, s);
            if (!thresholds.empty())
                summary += QStringLiteral("\nThresholds (--fail-on):\n") + thresholdText;
            std::fputs(qPrintable(summary), text);
            std::fflush(text);
        }
        for (const QString& line : std::as_const(crossed)) {
            std::fprintf(stderr, "%s bench: threshold crossed: %s\n", programName(), qPrintable(line));
            exitCode = 1;
        }
        if (parser.isSet(jsonOpt)) {
            QJsonObject json = summaryToJson(config, s);
            // Which program wrote it, and when the run began (wall clock, UTC).
            json.insert(QStringLiteral("program"), QCoreApplication::applicationName());
            json.insert(QStringLiteral("version"), QStringLiteral(CLUSTERLAB_VERSION));
            json.insert(QStringLiteral("startedUtc"), startedUtc);
            if (!thresholds.empty())
                json.insert(QStringLiteral("thresholds"), thresholdJson);
            QString why;
            if (!writeWhole(parser.value(jsonOpt), QJsonDocument(json).toJson(), &why)) {
                std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(parser.value(jsonOpt)), qPrintable(why));
                exitCode = 1;
            }
        }
        if (hdrLog && (!intervals->finish(s.startNs + s.durationNs - hdrStartNs) || !hdrLog->commit())) {
            std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(parser.value(hdrLogOpt)),
                         qPrintable(hdrLog->errorString()));
            exitCode = 1;
        }
        if (sessionTest > 0) {
            session.endLoadTest(sessionTest, summaryToJson(config, s));
            session.finish();
            if (!session.failure().isEmpty())
                exitCode = 1; // already said why
        }
        if (csv && !csv->commit()) {
            std::fprintf(stderr, "%s bench: cannot write %s: %s\n", programName(), qPrintable(parser.value(csvOpt)),
                         qPrintable(csv->errorString()));
            exitCode = 1;
        }
        if (s.succeeded == 0 && s.failed > 0 && s.errors[static_cast<int>(LoadError::Refused)] == s.failed) {
            std::fprintf(stderr, "%s bench: the target refused every connection\n", programName());
            exitCode = 1;
        } else if ((s.sent > 0 || s.cutAtDeadline > 0) && !s.cancelled && s.succeeded - nonSuccessResponses(s) == 0) {
            // Nothing succeeded: every request failed or was answered 4xx or 5xx.
            std::fprintf(stderr, "%s bench: no request succeeded (%lld answered 4xx or 5xx, %lld failed)\n", programName(),
                         static_cast<long long>(nonSuccessResponses(s)), static_cast<long long>(s.failed));
            exitCode = 1;
        }
        QCoreApplication::exit(exitCode);
    });
    if (!generator.start(config, &error)) {
        std::fprintf(stderr, "%s bench: %s\n", programName(), qPrintable(error));
        return 1;
    }
    // Ctrl-C: stop sending, report what was done.
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &generator, [&generator](int) { generator.cancel(); });
    return QCoreApplication::exec();
}

} // namespace clusterlab
