// clusterlab: the desktop lab, and the command-line front ends.
//   clusterlab                 the window, with its cluster started
//   clusterlab serve ...       the cluster without a window
//   clusterlab bench URL ...   the load generator
// Exit codes: 0 success, 1 runtime failure, 2 bad usage.

#include "benchcommand.h"
#include "mainwindow.h"
#include "platform/signalwatcher.h"
#include "servecommand.h"
#include "version.h"

#include <QApplication>
#include <QCoreApplication>
#include <QIcon>

#include <cstdio>
#include <cstring>

using namespace clusterlab;

namespace {

const char kUsage[] =
    "Usage:\n"
    "  clusterlab                 open the lab's window; its cluster starts on 127.0.0.1:3000\n"
    "                             (or the next free port)\n"
    "  clusterlab serve [--workers N] [--port P] [--host H] [--policy round-robin|shared|reuseport]\n"
    "                   [--max-children K] [--pool-threads T] [--stats] [--record FILE.csv]\n"
    "                             run the cluster headless (clusterlab serve --help)\n"
    "  clusterlab bench URL [-n N | -z SECONDS] [-c CONNECTIONS] [--no-keepalive] [--rate R]\n"
    "                   [--route PATH[:WEIGHT]]... [--json FILE] [--csv FILE]\n"
    "                             load-test any http:// server (clusterlab bench --help)\n"
    "  clusterlab --help          this text\n"
    "  clusterlab --version       the version\n"
    "\n"
    "Routes of every worker: /  /main?n=N  /worker?n=N  /child?n=N  /healthz   (N = 0..45, default 30)\n";

bool hasDisplay()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || qEnvironmentVariableIsSet("DISPLAY")
        || qEnvironmentVariableIsSet("WAYLAND_DISPLAY");
#else
    return true;
#endif
}

} // namespace

int main(int argc, char** argv)
{
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    if (args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))) {
        if (args.isEmpty() || args.constFirst().startsWith(QLatin1Char('-'))) {
            std::fputs(kUsage, stdout);
            return 0;
        }
    }
    if (!args.isEmpty() && (args.constFirst() == QLatin1String("--version") || args.constFirst() == QLatin1String("-v"))) {
        std::printf("clusterlab %s\n", CLUSTERLAB_VERSION);
        return 0;
    }
    if (!args.isEmpty() && (args.constFirst() == QLatin1String("serve") || args.constFirst() == QLatin1String("bench"))) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("clusterlab"));
        QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));
        return args.constFirst() == QLatin1String("serve") ? runServe(args.mid(1)) : runBench(args.mid(1));
    }
    if (!args.isEmpty()) {
        std::fprintf(stderr, "clusterlab: unknown %s '%s'\n\n%s",
                     args.constFirst().startsWith(QLatin1Char('-')) ? "option" : "command",
                     qPrintable(args.constFirst()), kUsage);
        return 2;
    }
    if (!hasDisplay()) {
        std::fprintf(stderr, "clusterlab: no display found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                             "Run the cluster without a window: clusterlab serve   (clusterlab --help)\n");
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ClusterLab"));
    QApplication::setApplicationName(QStringLiteral("ClusterLab"));
    QApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/clusterlab/clusterlab.svg")));
    MainWindow window;
    // SIGTERM or Ctrl-C is a close of the window: settings saved, the
    // cluster stopped, nothing left behind, exit 0.
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &window, [&window](int) { window.close(); });
    window.show();
    window.startCluster();
    return QApplication::exec();
}
