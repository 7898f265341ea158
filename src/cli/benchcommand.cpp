#include "benchcommand.h"

#include "compute/fib.h"
#include "util/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTcpSocket>
#include <QTextStream>

#include <cstdio>
#include <memory>

#if defined(Q_OS_UNIX)
#include <unistd.h>
#endif

namespace clusterlab {

namespace {

double ms(std::int64_t ns)
{
    return static_cast<double>(ns) / 1e6;
}

QJsonObject histogramJson(const LatencyHistogram& h)
{
    QJsonObject o;
    o.insert(QStringLiteral("count"), static_cast<qint64>(h.count()));
    o.insert(QStringLiteral("minMs"), ms(h.min()));
    o.insert(QStringLiteral("meanMs"), h.mean() / 1e6);
    for (const auto& [name, p] : { std::pair<const char*, double> { "p50Ms", 50 }, { "p90Ms", 90 }, { "p99Ms", 99 },
                                   { "p999Ms", 99.9 } })
        o.insert(QLatin1String(name), ms(h.percentile(p)));
    o.insert(QStringLiteral("maxMs"), ms(h.max()));
    return o;
}

bool isTerminal()
{
#if defined(Q_OS_UNIX)
    return ::isatty(STDOUT_FILENO) != 0;
#else
    return false;
#endif
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
    o.insert(QStringLiteral("cutAtDeadline"), static_cast<qint64>(s.cutAtDeadline));
    o.insert(QStringLiteral("generatorCpuSeconds"), s.cpuSeconds);
    o.insert(QStringLiteral("seed"), QString::number(s.seed)); // a string: 64 bits do not fit a JSON double
    o.insert(QStringLiteral("retries"), static_cast<qint64>(s.retries));
    return o;
}

QByteArray csvHeader()
{
    return "seq,route,client_connection,intended_ns,start_ns,connect_ns,first_byte_ns,end_ns,"
           "latency_ms,service_ms,status,bytes,worker_pid,server_connection_id,error\n";
}

QByteArray csvRow(const LoadConfig& config, std::int64_t seq, const LoadRecord& r)
{
    char line[512];
    const int n = std::snprintf(
        line, sizeof line, "%lld,%s,%u,%lld,%lld,%lld,%lld,%lld,%.3f,%.3f,%u,%u,%lld,%llu,%s\n",
        static_cast<long long>(seq), config.routes.value(r.route).path.constData(), r.clientConnection,
        static_cast<long long>(r.intendedNs), static_cast<long long>(r.startNs), static_cast<long long>(r.connectNs),
        static_cast<long long>(r.firstByteNs), static_cast<long long>(r.endNs), ms(r.endNs - r.intendedNs),
        ms(r.endNs - r.startNs), r.status, r.bytes, static_cast<long long>(r.workerPid),
        static_cast<unsigned long long>(r.serverConnectionId), errorKindName(r.error));
    return QByteArray(line, n);
}

// Rows go to the file as requests complete (on the generator's thread),
// through a 1 MiB buffer: a run of any length holds no record in memory.
class CsvStream
{
public:
    CsvStream(const QString& path, const LoadConfig& config)
        : m_file(path)
        , m_config(config)
    {
    }
    bool open() { return m_file.open(QIODevice::WriteOnly) && write(csvHeader()); }
    void add(const LoadRecord& r)
    {
        m_buffer += csvRow(m_config, ++m_seq, r);
        if (m_buffer.size() > (1 << 20) && write(m_buffer))
            m_buffer.clear();
    }
    bool commit() { return write(m_buffer) && m_file.commit(); }
    QString errorString() const { return m_file.errorString(); }

private:
    bool write(const QByteArray& bytes)
    {
        m_ok = m_ok && m_file.write(bytes) == bytes.size();
        return m_ok;
    }
    QSaveFile m_file;
    const LoadConfig& m_config;
    QByteArray m_buffer;
    std::int64_t m_seq = 0;
    bool m_ok = true;
};

QString summaryToText(const LoadConfig& config, const LoadSummary& s)
{
    QString t;
    QTextStream out(&t);
    out.setRealNumberNotation(QTextStream::FixedNotation);
    const double secs = static_cast<double>(s.durationNs) / 1e9;
    out << "Summary:\n";
    out.setRealNumberPrecision(2);
    out << "  Success rate:  " << (s.sent ? 100.0 * static_cast<double>(s.succeeded) / static_cast<double>(s.sent) : 0.0) << "%\n";
    out.setRealNumberPrecision(4);
    out << "  Total:         " << secs << " s" << (s.cancelled ? "  (cancelled)" : "") << "\n";
    out << "  Slowest:       " << ms(s.latency.max()) << " ms\n";
    out << "  Fastest:       " << ms(s.latency.min()) << " ms\n";
    out << "  Average:       " << s.latency.mean() / 1e6 << " ms\n";
    out.setRealNumberPrecision(2);
    out << "  Requests/sec:  " << s.requestsPerSecond << "\n\n";
    out << "  Total data:    " << static_cast<double>(s.bytes) / 1024.0 << " KiB\n";
    out << "  Data/sec:      " << s.bytesPerSecond / 1024.0 << " KiB\n\n";
    out.setRealNumberPrecision(4);
    out << (s.constantRate ? "Latency from the intended send time (coordinated omission corrected):\n"
                           : "Response time distribution:\n");
    for (double p : { 50.0, 90.0, 99.0, 99.9 })
        out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << ms(s.latency.percentile(p)) << " ms\n";
    out << "  100.00% in " << ms(s.latency.max()) << " ms\n";
    if (s.constantRate) {
        out << "\nService time (from the actual send):\n";
        for (double p : { 50.0, 99.0 })
            out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << ms(s.service.percentile(p)) << " ms\n";
        out << "\nThe generator's own lateness (actual − intended send):\n";
        for (double p : { 50.0, 99.0 })
            out << "  " << QString::number(p, 'f', 2).rightJustified(6) << "% in " << ms(s.sendLag.percentile(p)) << " ms\n";
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
    out << "\nSent " << s.sent << " = " << s.succeeded << " answered + " << s.failed << " failed; "
        << config.connections << (config.keepAlive ? " keep-alive" : " new-per-request") << " connections\n";
    if (s.cutAtDeadline > 0)
        out << "Cut by the end of the run while in flight (neither sent nor failed): " << s.cutAtDeadline << "\n";
    if (s.retries > 0)
        out << "Retried on a fresh connection (a reused one failed before any response byte): " << s.retries << "\n";
    if (config.routes.size() > 1)
        out << "Route mix drawn with --seed " << s.seed << "\n";
    out.setRealNumberPrecision(3);
    out << "Generator CPU: " << s.cpuSeconds << " s\n";
    return t;
}

int runBench(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Load-test any http:// server."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("http://host[:port]/path"));
    const QCommandLineOption nOpt(QStringLiteral("n"), QStringLiteral("Number of requests (default 200)."), QStringLiteral("N"));
    const QCommandLineOption zOpt(QStringLiteral("z"), QStringLiteral("Duration in seconds, instead of -n."), QStringLiteral("SECONDS"));
    const QCommandLineOption cOpt(QStringLiteral("c"), QStringLiteral("Connections (default 50, at most N)."), QStringLiteral("CONNECTIONS"));
    const QCommandLineOption noKa(QStringLiteral("no-keepalive"), QStringLiteral("A new connection per request."));
    const QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("Requests/s overall (latency corrected for coordinated omission)."), QStringLiteral("R"));
    const QCommandLineOption routeOpt(QStringLiteral("route"), QStringLiteral("Add PATH[:WEIGHT] to a route mix (replaces the URL's path)."), QStringLiteral("PATH[:WEIGHT]"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout"), QStringLiteral("Per-request timeout in seconds (default 30)."), QStringLiteral("S"));
    const QCommandLineOption jsonOpt(QStringLiteral("json"), QStringLiteral("Write the summary as JSON."), QStringLiteral("FILE"));
    const QCommandLineOption csvOpt(QStringLiteral("csv"), QStringLiteral("Write one row per request."), QStringLiteral("FILE"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the route draw (printed; the same seed repeats a run's sequence of routes)."), QStringLiteral("S"));
    parser.addOptions({ nOpt, zOpt, cOpt, noKa, rateOpt, routeOpt, timeoutOpt, jsonOpt, csvOpt, seedOpt });
    auto usage = [](const QString& message) {
        std::fprintf(stderr, "clusterlab bench: %s\n(see clusterlab bench --help)\n", qPrintable(message));
        return 2;
    };
    if (!parser.parse(QStringList { QStringLiteral("clusterlab bench") } + args))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
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
        const double z = parser.value(zOpt).toDouble(&ok);
        if (!ok || z <= 0 || z > 86400)
            return usage(QStringLiteral("-z: expected seconds > 0, got '%1'").arg(parser.value(zOpt)));
        config.durationMs = static_cast<std::int64_t>(z * 1000);
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
        const double t = parser.value(timeoutOpt).toDouble(&ok);
        if (!ok || t <= 0 || t > 86400)
            return usage(QStringLiteral("--timeout: expected seconds, more than 0 and at most 86400 (a day)"));
        config.timeoutMs = qMax(1, static_cast<int>(t * 1000));
    }
    if (parser.isSet(seedOpt)) {
        config.seed = parser.value(seedOpt).toULongLong(&ok);
        if (!ok || config.seed == 0)
            return usage(QStringLiteral("--seed: expected a positive integer, got '%1'").arg(parser.value(seedOpt)));
    }
    if (parser.isSet(routeOpt)) {
        config.routes.clear();
        for (const QString& spec : parser.values(routeOpt)) {
            const qsizetype colon = spec.lastIndexOf(QLatin1Char(':'));
            RouteWeight r;
            r.path = (colon > 0 ? spec.left(colon) : spec).toLatin1();
            if (colon > 0) {
                r.weight = spec.mid(colon + 1).toInt(&ok);
                if (!ok || r.weight < 1)
                    return usage(QStringLiteral("--route %1: the weight must be a positive integer").arg(spec));
            }
            config.routes.append(r);
        }
    }
    config.keepRecords = false; // --csv streams them (CsvStream)
    const QString invalid = config.validate();
    if (!invalid.isEmpty())
        return usage(invalid);

    // No probe connection: against a round-robin cluster it would take a
    // turn of the rotation. An unreachable target is found by the run itself
    // (every connection fails to connect, nothing succeeds: it stops).
    LoadGenerator generator;
    std::unique_ptr<CsvStream> csv;
    if (parser.isSet(csvOpt)) {
        csv = std::make_unique<CsvStream>(parser.value(csvOpt), config);
        if (!csv->open()) {
            std::fprintf(stderr, "clusterlab bench: cannot write %s: %s\n", qPrintable(parser.value(csvOpt)),
                         qPrintable(csv->errorString()));
            return 1;
        }
        generator.setRecordSink([stream = csv.get()](const LoadRecord& r) { stream->add(r); });
    }
    const bool tty = isTerminal();
    QObject::connect(&generator, &LoadGenerator::progress, [tty](const LoadProgress& p) {
        if (!tty)
            return;
        const double done = p.planned > 0 ? 100.0 * static_cast<double>(p.succeeded + p.failed) / static_cast<double>(p.planned)
                                          : 100.0 * static_cast<double>(p.elapsedNs) / static_cast<double>(qMax<std::int64_t>(1, p.plannedNs));
        std::printf("\r%5.1f%%  %lld done  %.0f req/s  p99 %.3f ms  %lld errors   ", qMin(done, 100.0),
                    static_cast<long long>(p.succeeded + p.failed), p.recentRps, static_cast<double>(p.p99Ns) / 1e6,
                    static_cast<long long>(p.failed));
        std::fflush(stdout);
    });
    int exitCode = 0;
    QObject::connect(&generator, &LoadGenerator::finished, [&](const LoadSummary& s) {
        if (tty)
            std::printf("\r%*s\r", 70, "");
        if (s.unreachable) {
            std::fprintf(stderr, "clusterlab bench: cannot connect to %s:%u: %s\n", qPrintable(config.host),
                         static_cast<unsigned>(config.port), qPrintable(s.unreachableReason));
            QCoreApplication::exit(1);
            return;
        }
        std::fputs(qPrintable(summaryToText(config, s)), stdout);
        std::fflush(stdout);
        if (parser.isSet(jsonOpt)) {
            QSaveFile f(parser.value(jsonOpt));
            if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(summaryToJson(config, s)).toJson()) < 0 || !f.commit()) {
                std::fprintf(stderr, "clusterlab bench: cannot write %s: %s\n", qPrintable(parser.value(jsonOpt)),
                             qPrintable(f.errorString()));
                exitCode = 1;
            }
        }
        if (csv && !csv->commit()) {
            std::fprintf(stderr, "clusterlab bench: cannot write %s: %s\n", qPrintable(parser.value(csvOpt)),
                         qPrintable(csv->errorString()));
            exitCode = 1;
        }
        if (s.succeeded == 0 && s.failed > 0 && s.errors[static_cast<int>(LoadError::Refused)] == s.failed) {
            std::fprintf(stderr, "clusterlab bench: the target refused every connection\n");
            exitCode = 1;
        }
        QCoreApplication::exit(exitCode);
    });
    if (!generator.start(config, &error)) {
        std::fprintf(stderr, "clusterlab bench: %s\n", qPrintable(error));
        return 1;
    }
    // Ctrl-C: stop sending, report what was done.
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &generator, [&generator](int) { generator.cancel(); });
    return QCoreApplication::exec();
}

} // namespace clusterlab
