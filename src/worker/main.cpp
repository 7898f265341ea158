// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-worker: one worker process of a ClusterLab cluster, an HTTP
// server with three compute paths. Runs standalone for now:
//     clusterlab-worker --port 3000
// It prints "listening on http://HOST:PORT pid PID" once it accepts.
// Exit codes: 0 after SIGINT/SIGTERM (SIGINT is ignored under a primary:
// the primary stops its workers), 1 runtime failure, 2 bad usage.

#include "platform/eventdispatcher.h"
#include "platform/processplatform.h"
#include "platform/signalwatcher.h"
#include "platform/socketplatform.h"
#include "server/serveroptions.h"
#include "server/workeragent.h"
#include "server/workerserver.h"
#include "version.h"

#include <QAbstractEventDispatcher>
#include <csignal>
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>


using namespace clusterlab;

namespace {
// --dispatcher NAME, read before the application exists (its dispatcher is
// chosen then); the parser below checks the rest.
QString dispatcherArgument(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--dispatcher" || a == "-dispatcher")
            return i + 1 < argc ? QString::fromLocal8Bit(argv[i + 1]) : QString();
        if (a.startsWith("--dispatcher="))
            return QString::fromLocal8Bit(a.mid(13));
        if (a == "--")
            break;
    }
    return platform::defaultEventDispatcherName();
}
} // namespace

int main(int argc, char** argv)
{
    // How the event loop waits: epoll on Linux (platform/eventdispatcher.h),
    // else Qt's own Unix dispatcher, which does less work per wake-up than
    // glib's (a worker wakes up for every request).
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    const QString dispatcherName = dispatcherArgument(argc, argv);
    QString dispatcherError;
    QAbstractEventDispatcher* dispatcher = platform::createEventDispatcher(dispatcherName, &dispatcherError);
    if (!dispatcherError.isEmpty()) {
        std::fprintf(stderr, "clusterlab-worker: --dispatcher: %s\n", qPrintable(dispatcherError));
        return 2;
    }
    if (dispatcher != nullptr)
        QCoreApplication::setEventDispatcher(dispatcher); // the application owns it
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("clusterlab-worker"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ClusterLab worker: an HTTP server with /main, /worker and /child."));
    parser.addHelpOption();
    parser.addVersionOption();
    addServerOptions(&parser);
    const QCommandLineOption dieWithParent(QStringLiteral("die-with-parent"),
                                           QStringLiteral("Exit when the parent process dies (Linux, macOS; on Windows a Job Object does it)."));
    parser.addOption(dieWithParent);
    // Set by the primary when it forks a worker of its cluster.
    const QCommandLineOption controlOption(QStringLiteral("control"),
                                           QStringLiteral("The primary's control channel (cluster mode)."),
                                           QStringLiteral("NAME"));
    const QCommandLineOption policyOption(QStringLiteral("policy"),
                                          QStringLiteral("round-robin, shared or reuseport (cluster mode)."),
                                          QStringLiteral("POLICY"));
    const QCommandLineOption inheritedOption(QStringLiteral("inherited-fd"),
                                             QStringLiteral("Descriptor handed over by the primary."),
                                             QStringLiteral("FD"));
    const QCommandLineOption socketFromPrimaryOption(
        QStringLiteral("socket-from-primary"),
        QStringLiteral("The policy's socket comes over the control channel (Windows)."));
    const QCommandLineOption servedOption(QStringLiteral("served-fd"),
                                          QStringLiteral("The primary's shared served-requests counter."),
                                          QStringLiteral("FD"));
    const QCommandLineOption noTelemetryOption(QStringLiteral("no-telemetry"),
                                               QStringLiteral("Send no per-request records (cluster mode)."));
    const QCommandLineOption dispatcherOption(
        QStringLiteral("dispatcher"),
        QStringLiteral("How the event loop waits: %1 (default %2).")
            .arg(platform::eventDispatcherNames().join(QStringLiteral(", ")), platform::defaultEventDispatcherName()),
        QStringLiteral("NAME"));
    parser.addOption(dispatcherOption);
    parser.addOption(servedOption);
    parser.addOption(noTelemetryOption);
    parser.addOption(controlOption);
    parser.addOption(policyOption);
    parser.addOption(inheritedOption);
    parser.addOption(socketFromPrimaryOption);
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) { // Qt lists --help-all beside --help
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("clusterlab-worker %s\n", CLUSTERLAB_VERSION);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "clusterlab-worker: unexpected argument '%s'\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        return 2;
    }
    ServerConfig config;
    QString error;
    if (!readServerOptions(parser, &config, &error)) {
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(error));
        return 2;
    }
    if (parser.isSet(dieWithParent))
        platform::dieWithParent();
    raiseFileDescriptorLimit();
    // The handed-over socket (3), the shared counter (4) and anything a shell
    // leaked to us stay ours: none of it reaches a task process.
    platform::keepInheritedDescriptorsFromChildren();

    SignalWatcher signals;
    // Under a primary, Ctrl-C is the primary's to act on: a terminal sends
    // SIGINT to the whole process group, and workers that ended on it by
    // themselves were logged as unexpected exits (and replaced) while the
    // primary was stopping them. SIGTERM still ends a worker.
    const bool managed = parser.isSet(controlOption);
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &app, [managed](int sig) {
        if (managed && sig == SIGINT)
            return;
        QCoreApplication::quit();
    });
    WorkerServer server(config);

    if (parser.isSet(controlOption)) {
        // Cluster mode: connections come the policy's way, and we live as
        // long as the primary's control channel.
        WorkerAgent::Options options;
        options.controlName = parser.value(controlOption);
        const auto policy = policyFromName(parser.value(policyOption));
        if (!policy) {
            std::fprintf(stderr, "clusterlab-worker: --policy: expected round-robin, shared or reuseport\n");
            return 2;
        }
        options.policy = *policy;
        if (parser.isSet(inheritedOption))
            options.inheritedFd = parser.value(inheritedOption).toInt();
        options.socketFromPrimary = parser.isSet(socketFromPrimaryOption);
        if (parser.isSet(servedOption))
            options.servedFd = parser.value(servedOption).toInt();
        options.telemetry = !parser.isSet(noTelemetryOption);
        WorkerAgent agent(&server, options);
        QObject::connect(&agent, &WorkerAgent::finished, &app, [](int code) { QCoreApplication::exit(code); });
        if (!agent.start(&error)) {
            std::fprintf(stderr, "clusterlab-worker %d: %s\n", config.workerIndex, qPrintable(error));
            return 1;
        }
        return app.exec();
    }

    if (!server.start(&error)) {
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("listening on http://%s:%u pid %lld\n", qPrintable(server.serverAddress().toString()),
                static_cast<unsigned>(server.serverPort()), static_cast<long long>(server.pid()));
    std::fflush(stdout);
    return app.exec();
}
