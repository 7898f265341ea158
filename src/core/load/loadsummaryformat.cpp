// SPDX-License-Identifier: GPL-3.0-or-later
#include "loadsummaryformat.h"

#include "csv.h"
#include "version.h"

#include <QJsonArray>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

namespace clusterlab {

namespace {

double ms(std::int64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

QJsonObject histogramJson(const HdrHistogram& h)
{
    QJsonObject o;
    o.insert(QStringLiteral("count"), static_cast<qint64>(h.totalCount()));
    o.insert(QStringLiteral("minMs"), h.minMs());
    o.insert(QStringLiteral("meanMs"), h.meanMs());
    for (const auto& [name, p] : { std::pair<const char*, double> { "p50Ms", 50 }, { "p90Ms", 90 }, { "p99Ms", 99 },
                                   { "p999Ms", 99.9 } })
        o.insert(QLatin1String(name), h.percentileMs(p));
    o.insert(QStringLiteral("maxMs"), h.maxMs());
    return o;
}

// Jain's fairness index of the counts, (Σx)² / (n·Σx²): 1 when even, 1/n
// when one takes all (0 for none).
double jain(const QMap<qint64, std::int64_t>& counts)
{
    double sum = 0;
    double squares = 0;
    for (std::int64_t n : counts) {
        sum += static_cast<double>(n);
        squares += static_cast<double>(n) * static_cast<double>(n);
    }
    return squares > 0 ? sum * sum / (static_cast<double>(counts.size()) * squares) : 0.0;
}

std::int64_t total(const QMap<qint64, std::int64_t>& counts)
{
    std::int64_t t = 0;
    for (std::int64_t n : counts)
        t += n;
    return t;
}

QJsonObject attributionJson(const AttributionSummary& a)
{
    QJsonObject o;
    o.insert(QStringLiteral("method"), QStringLiteral("os"));
    QJsonArray processes;
    const std::int64_t requests = total(a.requests) + a.furtherRequests;
    QList<qint64> pids = a.connections.keys();
    for (qint64 pid : a.requests.keys()) {
        if (!pids.contains(pid))
            pids.append(pid);
    }
    for (qint64 pid : pids) {
        const std::int64_t n = a.requests.value(pid, 0);
        processes.append(QJsonObject { { QStringLiteral("pid"), pid },
                                       { QStringLiteral("name"), a.names.value(pid) },
                                       { QStringLiteral("requests"), static_cast<qint64>(n) },
                                       { QStringLiteral("connections"), static_cast<qint64>(a.connections.value(pid, 0)) },
                                       { QStringLiteral("share"), requests > 0 ? static_cast<double>(n) / static_cast<double>(requests) : 0.0 } });
    }
    o.insert(QStringLiteral("processes"), processes);
    o.insert(QStringLiteral("jainRequests"), jain(a.requests));
    o.insert(QStringLiteral("jainConnections"), jain(a.connections));
    o.insert(QStringLiteral("unattributedConnections"), static_cast<qint64>(a.unattributedConnections));
    o.insert(QStringLiteral("unattributedRequests"), static_cast<qint64>(a.unattributedRequests));
    if (a.furtherConnections > 0) {
        o.insert(QStringLiteral("furtherConnections"), static_cast<qint64>(a.furtherConnections));
        o.insert(QStringLiteral("furtherRequests"), static_cast<qint64>(a.furtherRequests));
    }
    o.insert(QStringLiteral("agreedWithHeader"), static_cast<qint64>(a.agreed));
    o.insert(QStringLiteral("disagreedWithHeader"), static_cast<qint64>(a.disagreed));
    o.insert(QStringLiteral("lookups"), static_cast<qint64>(a.lookups));
    o.insert(QStringLiteral("lag"), histogramJson(a.lag));
    o.insert(QStringLiteral("lagFromAnswer"), histogramJson(a.lagFromAnswer));
    if (!a.note.isEmpty())
        o.insert(QStringLiteral("note"), a.note);
    return o;
}

} // namespace

QJsonObject summaryToJson(const LoadConfig& config, const LoadSummary& s)
{
    QJsonObject target;
    target.insert(QStringLiteral("host"), config.host);
    target.insert(QStringLiteral("port"), config.port);
    QJsonArray routes;
    for (const RouteWeight& r : config.routes)
        routes.append(QJsonObject { { QStringLiteral("path"), QString::fromLatin1(r.path) },
                                    { QStringLiteral("weight"), r.weight } });
    target.insert(QStringLiteral("routes"), routes);
    target.insert(QStringLiteral("connections"), config.connections);
    target.insert(QStringLiteral("keepAlive"), config.keepAlive);
    target.insert(QStringLiteral("method"), QString::fromLatin1(config.method));
    QJsonArray headers;
    for (const auto& h : config.headers)
        headers.append(QString::fromLatin1(h.first + ": " + h.second));
    target.insert(QStringLiteral("headers"), headers);
    target.insert(QStringLiteral("bodyBytes"), static_cast<qint64>(config.body.size()));
    target.insert(QStringLiteral("rate"), config.rate);
    target.insert(QStringLiteral("requests"), static_cast<qint64>(config.requests));
    target.insert(QStringLiteral("durationMs"), static_cast<qint64>(config.durationMs));

    QJsonObject o;
    o.insert(QStringLiteral("config"), target);
    o.insert(QStringLiteral("sent"), static_cast<qint64>(s.sent));
    o.insert(QStringLiteral("succeeded"), static_cast<qint64>(s.succeeded));
    o.insert(QStringLiteral("failed"), static_cast<qint64>(s.failed));
    QJsonObject errors;
    for (int k = 1; k < kLoadErrorKinds; ++k)
        errors.insert(QLatin1String(errorKindName(static_cast<LoadError>(k))), static_cast<qint64>(s.errors[static_cast<std::size_t>(k)]));
    o.insert(QStringLiteral("errors"), errors);
    QJsonObject statuses;
    for (auto it = s.statuses.cbegin(); it != s.statuses.cend(); ++it)
        statuses.insert(QString::number(it.key()), static_cast<qint64>(it.value()));
    o.insert(QStringLiteral("statuses"), statuses);
    QJsonObject perWorker;
    for (auto it = s.perWorker.cbegin(); it != s.perWorker.cend(); ++it)
        perWorker.insert(QString::number(it.key()), static_cast<qint64>(it.value()));
    o.insert(QStringLiteral("perWorkerPid"), perWorker);
    o.insert(QStringLiteral("serverConnections"), static_cast<qint64>(s.serverConnections));
    o.insert(QStringLiteral("clientConnectionsOpened"), static_cast<qint64>(s.clientConnectionsOpened));
    o.insert(QStringLiteral("durationMs"), ms(s.durationNs));
    o.insert(QStringLiteral("requestsPerSecond"), s.requestsPerSecond);
    o.insert(QStringLiteral("bytes"), static_cast<qint64>(s.bytes));
    o.insert(QStringLiteral("bytesPerSecond"), s.bytesPerSecond);
    o.insert(QStringLiteral("constantRate"), s.constantRate);
    o.insert(QStringLiteral("cancelled"), s.cancelled);
    o.insert(QStringLiteral("latency"), histogramJson(s.latency));
    o.insert(QStringLiteral("serviceTime"), histogramJson(s.service));
    if (s.constantRate)
        o.insert(QStringLiteral("sendLag"), histogramJson(s.sendLag));
    // The same histograms whole (base64 HdrHistogram V2, µs): what --merge adds up.
    QJsonObject h;
    h.insert(QStringLiteral("unit"), QLatin1String(HdrHistogram::kUnit));
    h.insert(QStringLiteral("latency"), QString::fromLatin1(s.latency.toBase64()));
    h.insert(QStringLiteral("serviceTime"), QString::fromLatin1(s.service.toBase64()));
    if (s.constantRate)
        h.insert(QStringLiteral("sendLag"), QString::fromLatin1(s.sendLag.toBase64()));
    o.insert(QStringLiteral("hdr"), h);
    o.insert(QStringLiteral("cutAtDeadline"), static_cast<qint64>(s.cutAtDeadline));
    o.insert(QStringLiteral("generatorCpuSeconds"), s.cpuSeconds);
    o.insert(QStringLiteral("seed"), QString::number(s.seed)); // a string: 64 bits do not fit a JSON double
    o.insert(QStringLiteral("retries"), static_cast<qint64>(s.retries));
    if (s.attribution.enabled)
        o.insert(QStringLiteral("attribution"), attributionJson(s.attribution));
    return o;
}

QByteArray csvHeader()
{
    return "seq,route,client_connection,intended_ns,start_ns,connect_ns,first_byte_ns,end_ns,"
           "latency_ms,service_ms,status,bytes,worker_pid,server_connection_id,error,version,started_utc,seed\n";
}

QByteArray csvRunColumns(const QString& startedUtc, std::uint64_t seed)
{
    return csvField(QByteArrayLiteral(CLUSTERLAB_VERSION)) + ',' + csvField(startedUtc.toLatin1()) + ','
        + QByteArray::number(static_cast<qulonglong>(seed));
}

QByteArray csvRow(const LoadConfig& config, std::int64_t seq, const LoadRecord& r, const QByteArray& runColumns)
{
    char line[768];
    const QByteArray route = csvField(config.routes.value(r.route).path.left(256));
    const int n = std::snprintf(
        line, sizeof line, "%lld,%s,%u,%lld,%lld,%lld,%lld,%lld,%.3f,%.3f,%u,%u,%lld,%llu,%s,%.*s\n",
        static_cast<long long>(seq), route.constData(), r.clientConnection,
        static_cast<long long>(r.intendedNs), static_cast<long long>(r.startNs), static_cast<long long>(r.connectNs),
        static_cast<long long>(r.firstByteNs), static_cast<long long>(r.endNs), ms(r.endNs - r.intendedNs),
        ms(r.endNs - r.startNs), r.status, r.bytes, static_cast<long long>(r.workerPid),
        static_cast<unsigned long long>(r.serverConnectionId), errorKindName(r.error),
        static_cast<int>(std::min<qsizetype>(runColumns.size(), 200)), runColumns.constData());
    return QByteArray(line, std::min(n, static_cast<int>(sizeof line) - 1));
}

std::int64_t nonSuccessResponses(const LoadSummary& s)
{
    std::int64_t n = 0;
    for (auto it = s.statuses.cbegin(); it != s.statuses.cend(); ++it) {
        if (it.key() < 200 || it.key() >= 400)
            n += it.value();
    }
    return n;
}

QString summaryToText(const LoadConfig& config, const LoadSummary& s)
{
    const HdrHistogram& latency = s.latency;
    QString t;
    QTextStream out(&t);
    out.setRealNumberNotation(QTextStream::FixedNotation);
    const double secs = static_cast<double>(s.durationNs) / 1e9;
    out << "Summary:\n";
    out.setRealNumberPrecision(2);
    // A success is an answer in the 2xx or 3xx range; a 4xx or 5xx answer
    // arrived, but did not succeed (ab's "Non-2xx responses", hey's codes).
    const std::int64_t httpErrors = nonSuccessResponses(s);
    out << "  Success rate:  "
        << (s.sent ? 100.0 * static_cast<double>(s.succeeded - httpErrors) / static_cast<double>(s.sent) : 0.0) << "%"
        << (httpErrors > 0 ? QStringLiteral("  (%1 answers of 4xx or 5xx)").arg(httpErrors) : QString()) << "\n";
    out.setRealNumberPrecision(4);
    out << "  Total:         " << secs << " s" << (s.cancelled ? "  (cancelled)" : "") << "\n";
    out << "  Slowest:       " << latency.maxMs() << " ms\n";
    out << "  Fastest:       " << latency.minMs() << " ms\n";
    out << "  Average:       " << latency.meanMs() << " ms\n";
    out.setRealNumberPrecision(2);
    out << "  Requests/sec:  " << s.requestsPerSecond << "\n\n";
    out << "  Total data:    " << static_cast<double>(s.bytes) / 1024.0 << " KiB\n";
    out << "  Data/sec:      " << s.bytesPerSecond / 1024.0 << " KiB\n\n";
    out.setRealNumberPrecision(4);
    out << (s.constantRate ? "Latency from the intended send time (coordinated omission corrected):\n"
                           : "Response time distribution:\n");
    for (double p : { 50.0, 90.0, 99.0, 99.9 })
        out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << latency.percentileMs(p) << " ms\n";
    out << "  100.00% in " << latency.maxMs() << " ms\n";
    if (s.constantRate) {
        out << "\nService time (from the actual send):\n";
        for (double p : { 50.0, 99.0 })
            out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << s.service.percentileMs(p) << " ms\n";
        out << "\nThe generator's own lateness (actual − intended send):\n";
        for (double p : { 50.0, 99.0 })
            out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << s.sendLag.percentileMs(p) << " ms\n";
    }
    out << "\nStatus code distribution:\n";
    for (auto it = s.statuses.cbegin(); it != s.statuses.cend(); ++it)
        out << "  [" << it.key() << "] " << it.value() << " responses\n";
    if (s.failed > 0) {
        out << "\nError distribution:\n";
        for (int k = 1; k < kLoadErrorKinds; ++k) {
            if (s.errors[static_cast<std::size_t>(k)] > 0)
                out << "  [" << s.errors[static_cast<std::size_t>(k)] << "] " << errorKindName(static_cast<LoadError>(k)) << "\n";
        }
    }
    if (!s.perWorker.isEmpty()) {
        out << "\nServed by (X-Worker-Pid), " << s.serverConnections << " server connections, "
            << s.clientConnectionsOpened << " opened by us:\n";
        for (auto it = s.perWorker.cbegin(); it != s.perWorker.cend(); ++it)
            out << "  pid " << it.key() << ": " << it.value() << "\n";
    }
    if (s.attribution.enabled) {
        const AttributionSummary& a = s.attribution;
        const std::int64_t requests = total(a.requests) + a.furtherRequests;
        const std::int64_t connections = total(a.connections);
        out.setRealNumberPrecision(3);
        out << "\nServed by, through the OS (the process holding each connection's server side): "
            << a.connections.size() << (a.connections.size() == 1 ? " process" : " processes");
        if (a.connections.size() > 1)
            out << ", Jain's index " << jain(a.requests) << " by requests, " << jain(a.connections) << " by connections";
        out << "\n";
        out.setRealNumberPrecision(1);
        for (auto it = a.connections.cbegin(); it != a.connections.cend(); ++it) {
            const std::int64_t n = a.requests.value(it.key(), 0);
            out << "  pid " << it.key() << (a.names.value(it.key()).isEmpty() ? QString() : QLatin1Char(' ') + a.names.value(it.key()))
                << ": " << n << " requests ("
                << (requests > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(requests) : 0.0) << "%), "
                << it.value() << (it.value() == 1 ? " connection\n" : " connections\n");
        }
        if (a.furtherConnections > 0)
            out << "  Further processes (past the first " << a.connections.size() << "): " << a.furtherConnections
                << " connections, " << a.furtherRequests << " requests, not itemised\n";
        out << "  Attributed " << connections + a.furtherConnections << " of "
            << connections + a.furtherConnections + a.unattributedConnections
            << " connections answered on";
        if (a.unattributedConnections > 0)
            out << "; unattributed: " << a.unattributedConnections << " connections, " << a.unattributedRequests
                << " requests (the server side closed, or was not readable, before its owner was found)";
        out << "\n";
        if (a.agreed + a.disagreed > 0)
            out << "  X-Worker-Pid agrees on " << a.agreed << " of " << a.agreed + a.disagreed << " requests\n";
        if (a.lag.totalCount() > 0) {
            out.setRealNumberPrecision(3);
            out << "  Owner known, from the connect: p50 " << a.lag.percentileMs(50) << " ms, p99 " << a.lag.percentileMs(99)
                << " ms; from the first answer: p50 " << a.lagFromAnswer.percentileMs(50) << " ms, p99 "
                << a.lagFromAnswer.percentileMs(99) << " ms\n";
        }
        if (!a.note.isEmpty())
            out << "  Note: " << a.note << "\n";
    }
    out << "\nSent " << s.sent << " = " << s.succeeded << " answered + " << s.failed << " failed; "
        << config.connections << (config.keepAlive ? " keep-alive" : " new-per-request") << " connections\n";
    if (s.cutAtDeadline > 0)
        out << "Cut by the end of the run while in flight (neither sent nor failed): " << s.cutAtDeadline << "\n";
    if (s.retries > 0)
        out << "Retried on a fresh connection (a reused one failed before any response byte): " << s.retries << "\n";
    if (config.routes.size() > 1 && s.seed != 0) // 0: merged runs drawn with different seeds
        out << "Route mix drawn with --seed " << s.seed << "\n";
    out.setRealNumberPrecision(3);
    out << "Generator CPU: " << s.cpuSeconds << " s\n";
    return t;
}

} // namespace clusterlab
