// clusterlab-labtool: drives the real window for the docs, not a test.
//   clusterlab-labtool screenshot FILE.png [WxH] [--empty | --experiments RESULTS.json [--evidence]
//                                                  | --report REPORT.pdf|html]
//        a short load test (--empty: none), then the window (default
//        1280x800) to PNG; --experiments: the Experiments tab showing a
//        run saved by `clusterlab experiment --json`, one cell's evidence open
//   clusterlab-labtool bench [SECONDS] [REQUESTS]
//        a full-speed load test of SECONDS (default 20) with every chart
//        visible: the window's event-loop lag p99 and max, the chart refresh
//        rate; then REQUESTS more (default 1,000,000) and the process's
//        resident memory. Prints Markdown.
// Run with QT_QPA_PLATFORM=offscreen (or under Xvfb).

#include "charts.h"
#include "experimentspage.h"
#include "guilagmonitor.h"
#include "loadtestpanel.h"
#include "mainwindow.h"
#include "clusterpanel.h"
#include "labexports.h"
#include "topologyview.h"
#include "requestpanel.h"

#include "compute/fib.h"

#include <QApplication>
#include <QFile>
#include <QEventLoop>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include <cstdio>

using namespace clusterlab;

namespace {

// Runs the event loop until `signal` fires or `ms` pass.
bool waitFor(QObject* sender, const char* signal, int ms)
{
    QEventLoop loop;
    QObject::connect(sender, signal, &loop, SLOT(quit()));
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, [&loop]() { loop.exit(1); });
    timer.start(ms);
    return loop.exec() == 0;
}

double rssMiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').constFirst().toDouble() / 1024.0;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ClusterLabTool"));
    QApplication::setApplicationName(QStringLiteral("labtool"));
    const QStringList args = QApplication::arguments().mid(1);
    if (args.isEmpty() || (args[0] != QLatin1String("screenshot") && args[0] != QLatin1String("bench"))) {
        std::fprintf(stderr, "usage: clusterlab-labtool screenshot FILE.png | bench [SECONDS] [REQUESTS]\n");
        return 2;
    }
    MainWindow window;
    window.clusterPanel()->setWorkersSetting(2);
    // Screenshots at the size the README promises (or SIZE: 1920x1080, ...).
    QSize size(1280, 800);
    if (args[0] == QLatin1String("screenshot") && args.size() > 2) {
        const QStringList wh = args[2].split(QLatin1Char('x'));
        if (wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0)
            size = QSize(wh[0].toInt(), wh[1].toInt());
    } else if (args[0] == QLatin1String("bench")) {
        size = QSize(1600, 1000);
    }
    window.resize(size);
    window.show();
    if (!window.startCluster() || !waitFor(window.clusterPanel(), SIGNAL(clusterListening()), 20000)) {
        std::fprintf(stderr, "labtool: the cluster did not start\n");
        return 1;
    }
    LoadTestPanel* load = window.loadTestPanel();

    if (args[0] == QLatin1String("screenshot") && args.contains(QStringLiteral("--experiments"))) {
        ExperimentsPage* page = window.experimentsPage();
        window.centreTabs()->setCurrentWidget(page);
        const QString error = page->openJson(args.value(args.indexOf(QStringLiteral("--experiments")) + 1));
        if (!error.isEmpty()) {
            std::fprintf(stderr, "labtool: %s\n", qPrintable(error));
            return 1;
        }
        if (args.contains(QStringLiteral("--evidence")))
            page->showCell(1, 1); // CPU-intensive tasks / Worker Threads
        waitFor(&window, SIGNAL(destroyed()), 300);
        return window.grab().save(args.value(1)) ? 0 : 1;
    }
    if (args[0] == QLatin1String("screenshot") && args.contains(QStringLiteral("--empty"))) {
        // The window as a new user first sees it: a cluster, no request yet.
        waitFor(&window, SIGNAL(destroyed()), 600);
        window.refreshNow();
        return window.grab().save(args.value(1)) ? 0 : 1;
    }
    if (args[0] == QLatin1String("screenshot")) {
        // A few clicks, then a short mixed load test, so that every chart has something to show.
        for (const QString& route : { QStringLiteral("/main"), QStringLiteral("/worker"), QStringLiteral("/child") }) {
            window.requestPanel()->setN(27);
            window.requestPanel()->send(route);
            waitFor(window.requestPanel(), SIGNAL(responseReceived(int, qint64, QString)), 20000);
        }
        load->useDuration(true);
        load->setDurationSeconds(4);
        load->setConnections(4);
        load->setKeepAlive(false);
        load->setRouteMix(QStringLiteral("/:4, /main?n=24:1, /worker?n=24:1, /child?n=24:1"));
        QString error;
        if (!load->start(&error) || !waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), 60000)) {
            std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
            return 1;
        }
        waitFor(&window, SIGNAL(destroyed()), 600); // let the last telemetry batches and a refresh land
        window.refreshNow();
        const QPixmap shot = window.grab();
        if (!shot.save(args.value(1, QStringLiteral("clusterlab.png")))) {
            std::fprintf(stderr, "labtool: cannot write %s\n", qPrintable(args.value(1)));
            return 1;
        }
        std::printf("wrote %s (%dx%d)\n", qPrintable(args.value(1)), shot.width(), shot.height());
        if (args.contains(QStringLiteral("--report"))) {
            const QString path = args.value(args.indexOf(QStringLiteral("--report")) + 1);
            const QString failed = window.exports()->report(path);
            if (!failed.isEmpty()) {
                std::fprintf(stderr, "labtool: report: %s\n", qPrintable(failed));
                return 1;
            }
            std::printf("wrote %s\n", qPrintable(path));
        }
        return 0;
    }

    const double seconds = args.value(1, QStringLiteral("20")).toDouble();
    const int requests = args.value(2, QStringLiteral("1000000")).toInt();
    load->useDuration(true);
    load->setDurationSeconds(seconds);
    load->setConnections(16);
    load->setKeepAlive(true);
    load->setRouteMix(QStringLiteral("/:8, /main?n=20:1, /worker?n=20:1"));
    window.lagMonitor()->resetWhole();
    const quint64 refreshes0 = window.refreshCount();
    const std::int64_t t0 = steadyNowNs();
    QString error;
    if (!load->start(&error) || !waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), static_cast<int>(seconds * 1000) + 60000)) {
        std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
        return 1;
    }
    const double elapsed = static_cast<double>(steadyNowNs() - t0) / 1e9;
    const double refreshHz = static_cast<double>(window.refreshCount() - refreshes0) / elapsed;
    const LatencyHistogram lag = window.lagMonitor()->whole();
    const QString summary = load->summaryText();
    const QString rpsLine = summary.section(QStringLiteral("Requests/sec:"), 1).section(QLatin1Char('\n'), 0, 0).trimmed();

    load->useDuration(false);
    load->setRequests(requests);
    if (!load->start(&error) || !waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), 3600000)) {
        std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
        return 1;
    }
    waitFor(&window, SIGNAL(destroyed()), 1000);
    window.refreshNow();
    const std::size_t records = window.cluster()->telemetry()->records().size();
    std::printf("| measure | value | goal |\n|---|---|---|\n");
    std::printf("| load test | %.0f s at full speed, 16 keep-alive connections, %s req/s, all six charts visible | |\n", seconds, qPrintable(rpsLine));
    std::printf("| window event-loop lag p99 / max | %.1f ms / %.1f ms | p99 ≤ 16 ms |\n", static_cast<double>(lag.percentile(99)) / 1e6,
                static_cast<double>(lag.max()) / 1e6);
    std::printf("| chart refresh rate | %.1f Hz | ≥ 10 Hz |\n", refreshHz);
    std::printf("| window process RSS after %zu requests (records kept for export) | %.0f MiB | ≤ 200 MB |\n", records, rssMiB());
    return 0;
}
