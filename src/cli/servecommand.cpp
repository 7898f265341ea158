// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"
#include "servecommand.h"
#include "version.h"

#include "cluster/engine.h"
#include "platform/eventdispatcher.h"
#include "experiment/result.h"
#include "session/sessionrecorder.h"
#include "platform/socketplatform.h"
#include "telemetry/telemetryaggregator.h"
#include "platform/signalwatcher.h"
#include "server/hostpolicy.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QTimer>
#include <QThread>

#include <algorithm>
#include <cstdio>

namespace clusterlab {

namespace {

bool readInt(const QCommandLineParser& parser, const QString& name, int min, int max, int* out, QString* error)
{
    if (!parser.isSet(name))
        return true;
    bool ok = false;
    const QString text = parser.value(name);
    const int value = text.toInt(&ok);
    if (!ok || value < min || value > max) {
        *error = QStringLiteral("--%1: expected an integer %2..%3, got '%4'").arg(name).arg(min).arg(max).arg(text);
        return false;
    }
    *out = value;
    return true;
}

QString statsLine(const TelemetryAggregator& telemetry)
{
    const auto s = telemetry.snapshot();
    QStringList rps;
    QList<int> indices = s->recentRps.keys();
    std::sort(indices.begin(), indices.end());
    for (int i : indices)
        rps << QStringLiteral("w%1 %2").arg(i).arg(s->recentRps.value(i), 0, 'f', 0);
    QStringList routes;
    for (int r = 0; r < kRouteCount; ++r) {
        const HdrHistogram& h = s->latencyWindow[static_cast<std::size_t>(r)];
        if (h.totalCount() > 0)
            routes << QStringLiteral("%1 %2/%3").arg(QLatin1String(routeName(static_cast<RouteId>(r))))
                          .arg(h.percentileMs(50), 0, 'f', 2)
                          .arg(h.percentileMs(99), 0, 'f', 2);
    }
    QStringList lag;
    for (auto it = s->lastSample.cbegin(); it != s->lastSample.cend(); ++it) {
        std::int64_t worst = 0;
        const auto& series = telemetry.samples(it.key());
        for (auto i = series.size() > 10 ? series.size() - 10 : 0; i < series.size(); ++i)
            worst = qMax(worst, series[i].lagMaxUs);
        lag << QStringLiteral("w%1 %2").arg(it.key()).arg(static_cast<double>(worst) / 1000.0, 0, 'f', 1);
    }
    return QStringLiteral("req/s %1 | p50/p99 ms (10 s) %2 | lag max ms (1 s) %3")
        .arg(rps.isEmpty() ? QStringLiteral("-") : rps.join(QLatin1Char(' ')),
             routes.isEmpty() ? QStringLiteral("-") : routes.join(QStringLiteral(", ")),
             lag.isEmpty() ? QStringLiteral("-") : lag.join(QLatin1Char(' ')));
}

} // namespace

int runServe(const QStringList& args, bool fallbackToFreePort)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Run a ClusterLab cluster without the window."));
    parser.addHelpOption();
    const QList<QCommandLineOption> options {
        { QStringLiteral("workers"), QStringLiteral("Worker processes (default: one per core)."), QStringLiteral("N") },
        { QStringLiteral("port"), QStringLiteral("TCP port (default 3000; 0 = any free port)."), QStringLiteral("P") },
        { QStringLiteral("host"), QStringLiteral("Address to bind (default 127.0.0.1)."), QStringLiteral("H") },
        { QStringLiteral("allow-host"),
          QStringLiteral("Also answer requests whose Host names NAME, e.g. this machine's name with --host 0.0.0.0 "
                         "(repeatable; other names get 421: see docs/RELIABILITY.md)."),
          QStringLiteral("NAME") },
        { QStringLiteral("policy"), QStringLiteral("round-robin (default), shared or reuseport."), QStringLiteral("POLICY") },
        { QStringLiteral("max-children"), QStringLiteral("Concurrent /child tasks per worker (default 2 x cores)."), QStringLiteral("K") },
        { QStringLiteral("pool-threads"), QStringLiteral("Threads for /worker per worker (default: cores)."), QStringLiteral("T") },
        { QStringLiteral("engine"),
          QStringLiteral("native (default: clusterlab-worker processes) or node (Node.js's own cluster, worker_threads "
                         "and child_process; needs node 18 or newer)."),
          QStringLiteral("ENGINE") },
        { QStringLiteral("threads"),
          QStringLiteral("Node engine: /worker on a new Worker per request (per-request, the seed's code; default) or "
                         "on a reused pool (pool)."),
          QStringLiteral("MODE") },
        { QStringLiteral("children"),
          QStringLiteral("Node engine: /child in a new forked child per request (per-request, the seed's code; "
                         "default) or in a reused pool (pool)."),
          QStringLiteral("MODE") },
    };
    parser.addOptions(options);
    const QCommandLineOption statsOpt(QStringLiteral("stats"),
                                      QStringLiteral("Print one line per second: req/s per worker, p50/p99 per route, lag per worker."));
    const QCommandLineOption recordOpt(QStringLiteral("record"),
                                       QStringLiteral("Write every request record to FILE: a CSV file (.csv), or a session "
                                                      "(.sqlite: records, worker samples and events, which the window opens)."),
                                       QStringLiteral("FILE.csv|FILE.sqlite"));
    const QCommandLineOption noTelemetryOpt(QStringLiteral("no-telemetry"),
                                            QStringLiteral("Workers send no records (to measure what telemetry costs)."));
    const QCommandLineOption faultOpt(QStringLiteral("fault-injection"),
                                      QStringLiteral("Workers accept fault=crash|throw|hang and payload=MiB on /worker and "
                                                     "/child (for experiments; off by default: a 400)."));
    const QCommandLineOption dispatcherOpt(
        QStringLiteral("dispatcher"),
        QStringLiteral("Native engine: how each worker's event loop waits: %1 (default %2; qt is Qt's own, for "
                       "comparison).")
            .arg(platform::eventDispatcherNames().join(QStringLiteral(" or ")), platform::defaultEventDispatcherName()),
        QStringLiteral("NAME"));
    parser.addOptions({ statsOpt, recordOpt, noTelemetryOpt, faultOpt, dispatcherOpt });
    QCommandLineOption workerArg(QStringLiteral("worker-arg"), QStringLiteral("Extra argument for every worker."),
                                 QStringLiteral("ARG"));
    workerArg.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(workerArg);
    QCommandLineOption workerProgram(QStringLiteral("worker-program"), QStringLiteral("Worker executable."),
                                     QStringLiteral("PATH"));
    workerProgram.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(workerProgram);

    if (!parser.parse(QStringList { QStringLiteral("clusterlab serve") } + args)) {
        std::fprintf(stderr, "%s serve: %s\n", programName(), qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) { // Qt lists --help-all beside --help
        std::fputs(qPrintable(subcommandHelp(parser, QStringLiteral("serve"))), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "%s serve: unexpected argument '%s'\n", programName(),
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }
    ClusterConfig config;
    QString error;
    int port = config.port;
    if (!readInt(parser, QStringLiteral("workers"), 1, 256, &config.workers, &error)
        || !readInt(parser, QStringLiteral("port"), 0, 65535, &port, &error)
        || !readInt(parser, QStringLiteral("max-children"), 1, 4096, &config.maxChildren, &error)
        || !readInt(parser, QStringLiteral("pool-threads"), 1, 1024, &config.poolThreads, &error)) {
        std::fprintf(stderr, "%s serve: %s\n", programName(), qPrintable(error));
        return 2;
    }
    config.port = static_cast<quint16>(port);
    if (parser.isSet(QStringLiteral("host"))) {
        const QString text = parser.value(QStringLiteral("host"));
        if (text == QLatin1String("localhost"))
            config.host = QHostAddress(QHostAddress::LocalHost);
        else if (!config.host.setAddress(text)) {
            std::fprintf(stderr, "%s serve: --host: '%s' is not an IP address\n", programName(), qPrintable(text));
            return 2;
        }
    }
    for (const QString& name : parser.values(QStringLiteral("allow-host"))) {
        if (!HostPolicy::validName(name)) {
            std::fprintf(stderr, "%s serve: --allow-host: '%s' is not a host name (letters, digits, '-' and '.', "
                                 "or an IP address; no port)\n", programName(), qPrintable(name));
            return 2;
        }
        config.allowedHosts << name;
    }
    if (parser.isSet(QStringLiteral("policy"))) {
        const auto policy = policyFromName(parser.value(QStringLiteral("policy")));
        if (!policy) {
            std::fprintf(stderr, "%s serve: --policy: expected round-robin, shared or reuseport, got '%s'\n", programName(),
                         qPrintable(parser.value(QStringLiteral("policy"))));
            return 2;
        }
        config.policy = *policy;
    }
    if (parser.isSet(QStringLiteral("engine")) && !parseEngineKind(parser.value(QStringLiteral("engine")), &config.engine)) {
        std::fprintf(stderr, "%s serve: --engine: expected native or node, got '%s'\n", programName(),
                     qPrintable(parser.value(QStringLiteral("engine"))));
        return 2;
    }
    for (const auto& [name, mode] : { std::pair<const char*, OffloadMode*> { "threads", &config.threads },
                                       { "children", &config.children } }) {
        const QString option = QLatin1String(name);
        if (!parser.isSet(option))
            continue;
        if (config.engine != EngineKind::Node) {
            std::fprintf(stderr, "%s serve: --%s is for --engine node (the native engine always pools)\n", programName(), name);
            return 2;
        }
        if (!parseOffloadMode(parser.value(option), mode)) {
            std::fprintf(stderr, "%s serve: --%s: expected per-request or pool, got '%s'\n", programName(), name,
                         qPrintable(parser.value(option)));
            return 2;
        }
    }
    config.extraWorkerArgs = parser.values(workerArg);
    if (parser.isSet(dispatcherOpt)) {
        const QString name = parser.value(dispatcherOpt);
        if (config.engine != EngineKind::Native) {
            std::fprintf(stderr, "%s serve: --dispatcher is for the native engine\n", programName());
            return 2;
        }
        if (!platform::eventDispatcherNames().contains(name)) {
            std::fprintf(stderr, "%s serve: --dispatcher: expected %s, got '%s'\n", programName(),
                         qPrintable(platform::eventDispatcherNames().join(QStringLiteral(" or "))), qPrintable(name));
            return 2;
        }
        config.extraWorkerArgs << QStringLiteral("--dispatcher") << name;
    }
    config.faultInjection = parser.isSet(faultOpt);
    config.telemetry = !parser.isSet(noTelemetryOpt);
    if (!config.telemetry && (parser.isSet(statsOpt) || parser.isSet(recordOpt))) {
        std::fprintf(stderr, "%s serve: --stats and --record need telemetry (drop --no-telemetry)\n", programName());
        return 2;
    }
    if (parser.isSet(workerProgram))
        config.workerProgram = parser.value(workerProgram);

    // The app's default port may be taken: the cluster tries the next few
    // itself, and says so in an event.
    if (fallbackToFreePort && !parser.isSet(QStringLiteral("port")))
        config.portAttempts = 20;
    const std::unique_ptr<Engine> engine = createEngine(config);
    Engine& cluster = *engine;
    // A server runs for days: no raw record stays in memory (--record streams
    // each one to its file as it arrives).
    if (cluster.telemetry() != nullptr)
        cluster.telemetry()->setKeepRecords(false);
    SignalWatcher signals;
    QElapsedTimer clock;
    clock.start();
    QObject::connect(&cluster, &Engine::clusterEvent, [&clock](const ClusterEvent& e) {
        std::printf("[%8.3f] %s\n", clock.nsecsElapsed() / 1e9, qPrintable(e.toLine()));
        std::fflush(stdout);
    });
    QObject::connect(&cluster, &Engine::allListening, [&cluster, &clock]() {
        std::printf("[%8.3f] all %d workers listening on %s\n", clock.nsecsElapsed() / 1e9, cluster.workerCount(),
                    qPrintable(cluster.url()));
        std::fflush(stdout);
    });
    int exitCode = 0;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, [&cluster](int sig) {
        std::printf("signal %d: stopping gracefully\n", sig);
        std::fflush(stdout);
        cluster.stop();
    });
    QObject::connect(&cluster, &Engine::stopped, []() { QCoreApplication::exit(0); });
    QFile record;
    SessionRecorder session;
    const bool toSession = parser.isSet(recordOpt) && parser.value(recordOpt).endsWith(QLatin1String(".sqlite"), Qt::CaseInsensitive);
    if (toSession) {
        SessionRecorder::Options sessionOptions;
        sessionOptions.source = QStringLiteral("serve");
        sessionOptions.machine = experiment::MachineInfo::current().toJson();
        sessionOptions.settings = clusterSettingsJson(config, config.port);
        if (!session.start(parser.value(recordOpt), sessionOptions, &error)) {
            std::fprintf(stderr, "%s serve: %s\n", programName(), qPrintable(error));
            return 1;
        }
        QObject::connect(&session, &SessionRecorder::stopped, [](const QString& reason) {
            std::fprintf(stderr, "%s serve: %s\n", programName(), qPrintable(reason));
        });
        recordCluster(&session, &cluster);
    } else if (parser.isSet(recordOpt)) {
        record.setFileName(parser.value(recordOpt));
        if (!record.open(QIODevice::WriteOnly | QIODevice::Truncate)
            || record.write(TelemetryAggregator::csvHeader()) < 0) {
            std::fprintf(stderr, "%s serve: cannot write %s: %s\n", programName(), qPrintable(record.fileName()),
                         qPrintable(record.errorString()));
            return 1;
        }
        // The recording's version and wall-clock start, in every row.
        const QByteArray runColumns = TelemetryAggregator::csvRunColumns(
            QStringLiteral(CLUSTERLAB_VERSION), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        cluster.telemetry()->setRecordSink(
            [&record, runColumns](const StoredRecord& r) { record.write(TelemetryAggregator::csvRow(r, runColumns)); });
    }
    QTimer statsTimer;
    if (parser.isSet(statsOpt)) {
        statsTimer.setInterval(1000);
        QObject::connect(&statsTimer, &QTimer::timeout, [&cluster, &clock]() {
            std::printf("[%8.3f] %s\n", clock.nsecsElapsed() / 1e9, qPrintable(statsLine(*cluster.telemetry())));
            std::fflush(stdout);
        });
        statsTimer.start();
    }
    if (!cluster.start(&error)) {
        std::fprintf(stderr, "%s serve: %s\n", programName(), qPrintable(error));
        return 1;
    }
    std::printf("ClusterLab serving %s (policy %s, %d workers)\n", qPrintable(cluster.url()),
                qPrintable(policyName(config.policy)), cluster.workerCount());
    if (config.policy == DistributionPolicy::ReusePort && !platform::reusePortMigratesRequests())
        std::printf("note: with reuseport, a worker that stops or restarts resets the connections still queued on "
                    "its socket; `sysctl net.ipv4.tcp_migrate_req=1` lets the kernel move them to another worker\n");
    std::fflush(stdout);
    exitCode = QCoreApplication::exec();
    if (toSession) {
        session.finish();
        std::printf("recorded %llu request%s into %s%s\n", static_cast<unsigned long long>(session.requestsWritten()),
                    session.requestsWritten() == 1 ? "" : "s", qPrintable(session.path()),
                    session.dropped() > 0 ? qPrintable(QStringLiteral(" (%1 items not recorded)").arg(session.dropped())) : "");
    }
    return exitCode;
}

} // namespace clusterlab
