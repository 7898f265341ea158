// clusterlab: the entry point. Today it serves one in-process worker on
// 127.0.0.1:3000 (or the next free port); the desktop window, `serve` and
// `bench` arrive with their issues and keep this command line.
// Exit codes: 0 success, 1 runtime failure, 2 bad usage.

#include "benchcommand.h"
#include "servecommand.h"
#include "version.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace clusterlab;

namespace {

const char kUsage[] =
    "Usage:\n"
    "  clusterlab                 start the lab (for now: the cluster in this terminal, as\n"
    "                             `serve`, on 127.0.0.1:3000 or the next free port)\n"
    "  clusterlab serve [--workers N] [--port P] [--host H] [--policy round-robin|shared|reuseport]\n"
    "                   [--max-children K] [--pool-threads T]\n"
    "                             run the cluster headless (clusterlab serve --help)\n"
    "  clusterlab --help          this text\n"
    "  clusterlab --version       the version\n"
    "\n"
    "Routes of the worker: /  /main?n=N  /worker?n=N  /child?n=N  /healthz   (N = 0..45, default 30)\n"
    "  clusterlab bench URL [-n N | -z SECONDS] [-c CONNECTIONS] [--no-keepalive] [--rate R]\n"
    "                   [--route PATH[:WEIGHT]]... [--json FILE] [--csv FILE]\n"
    "                             load-test any http:// server (clusterlab bench --help)\n"
    "Coming with a later issue: the desktop window.\n";

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("clusterlab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));

    const QStringList args = QCoreApplication::arguments().mid(1);
    if (!args.isEmpty() && args.constFirst() == QLatin1String("serve"))
        return runServe(args.mid(1));
    if (!args.isEmpty() && args.constFirst() == QLatin1String("bench"))
        return runBench(args.mid(1));
    if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (args.contains(QStringLiteral("--version")) || args.contains(QStringLiteral("-v"))) {
        std::printf("clusterlab %s\n", CLUSTERLAB_VERSION);
        return 0;
    }
    if (!args.isEmpty() && !args.constFirst().startsWith(QLatin1Char('-'))) {
        std::fprintf(stderr, "clusterlab: unknown command '%s' (not available yet in this version)\n\n%s",
                     qPrintable(args.constFirst()), kUsage);
        return 2;
    }

    // Until the desktop window exists: the cluster, with the app's default
    // of 127.0.0.1:3000 or the next free port.
    return runServe(args, /*fallbackToFreePort=*/true);
}
