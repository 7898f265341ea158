// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab: the desktop lab, and the command-line front ends.
//   clusterlab                 the window, with its cluster started
//   clusterlab serve ...       the cluster without a window
//   clusterlab bench URL ...   the load generator
//   clusterlab experiment ...  cluster, threads or child processes? measured
// Exit codes: 0 success, 1 runtime failure, 2 bad usage.

#include "commandline.h"
#include "experimentcommand.h"
#include "experimentpdf.h"
#include "mainwindow.h"
#include "sessionactions.h"
#include "labcontroller.h"
#include "platform/signalwatcher.h"
#include "version.h"

#include <QApplication>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QIcon>
#include <QSessionManager>

#include <cstdio>
#include <optional>

using namespace clusterlab;

namespace {

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
    // `experiment --report FILE.pdf`: typeset with Qt's text document, which
    // needs a GUI application (offscreen: no window is shown).
    setPdfReportWriter(&writeExperimentPdf);
    setExperimentApplicationFactory([](int& count, char** values) -> std::unique_ptr<QCoreApplication> {
        if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        return std::make_unique<QGuiApplication>(count, values);
    });
    // --help, --version, serve, bench, experiment and bad usage; nothing else: the window.
    if (const std::optional<int> code = runCommandLine(argc, argv, "clusterlab", true))
        return *code;
    if (!hasDisplay()) {
        std::fprintf(stderr, "clusterlab: no display found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
                             "Run the cluster without a window: clusterlab serve   (clusterlab --help)\n");
        return 1;
    }
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ClusterLab"));
    QApplication::setApplicationName(QStringLiteral("ClusterLab"));
    QApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));
    MainWindow window; // loads the icon resource
    QApplication::setWindowIcon(window.windowIcon());
    // SIGTERM or Ctrl-C ends the window without a question (a logout,
    // systemctl stop or a script cannot answer one): settings saved, the
    // cluster stopped, nothing left running, exit 0; an unsaved session
    // stays on disk and the next start offers it back. The session
    // manager's quit does the same, then closes the window itself.
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &window, [&window](int) { window.endWithoutAsking(); });
    QObject::connect(&app, &QGuiApplication::commitDataRequest, &window,
                     [&window](QSessionManager&) { window.prepareToEndWithoutAsking(); });
    // For whoever started it from a terminal: where its cluster serves, and
    // what it offers back.
    QObject::connect(window.lab(), &LabController::urlChanged, &window, [](const QString& url, const QString&) {
        if (!url.isEmpty()) {
            std::printf("ClusterLab window: its cluster serves %s\n", qPrintable(url));
            std::fflush(stdout);
        }
    });
    if (!window.sessionActions()->recoveryOffered().isEmpty()) {
        std::printf("ClusterLab window: offers an unsaved session back: %s\n", qPrintable(window.sessionActions()->recoveryOffered()));
        std::fflush(stdout);
    }
    window.show();
    window.clusterPanel()->startCluster();
    return QApplication::exec();
}
