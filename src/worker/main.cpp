// clusterlab-worker: one worker process of a ClusterLab cluster, an HTTP
// server with three compute paths. Runs standalone for now:
//     clusterlab-worker --port 3000
// It prints "listening on http://HOST:PORT pid PID" once it accepts.
// Exit codes: 0 after SIGINT/SIGTERM, 1 runtime failure, 2 bad usage.

#include "server/workerserver.h"
#include "serveroptions.h"
#include "util/signalwatcher.h"
#include "version.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

#if defined(Q_OS_LINUX)
#include <csignal>
#include <sys/prctl.h>
#endif

using namespace clusterlab;

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("clusterlab-worker"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ClusterLab worker: an HTTP server with /main, /worker and /child."));
    parser.addHelpOption();
    parser.addVersionOption();
    addServerOptions(&parser);
    const QCommandLineOption dieWithParent(QStringLiteral("die-with-parent"),
                                           QStringLiteral("Exit when the parent process dies (Linux)."));
    parser.addOption(dieWithParent);
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
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
#if defined(Q_OS_LINUX)
    if (parser.isSet(dieWithParent))
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    raiseFileDescriptorLimit();

    SignalWatcher signals;
    WorkerServer server(config);
    if (!server.start(&error)) {
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &app, [](int) { QCoreApplication::quit(); });
    std::printf("listening on http://%s:%u pid %lld\n", qPrintable(server.serverAddress().toString()),
                static_cast<unsigned>(server.serverPort()), static_cast<long long>(server.pid()));
    std::fflush(stdout);
    return app.exec();
}
