// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-labtool: drives the real window for the docs, not a test.
//   clusterlab-labtool screenshot FILE.png [WxH] [--empty | --experiments RESULTS.json [--evidence]
//                                                  | --report REPORT.pdf|html] [--external PORT] [--folded]
//        (--external: the window pointed at a server already running on PORT;
//        --folded: the controls folded to their strip)
//        a short load test (--empty: none), then the window (default
//        1280x800) to PNG; --experiments: the Experiments tab showing a
//        run saved by `clusterlab experiment --json`, one cell's evidence open;
//        --compare A[,A2...] B[,B2...]: sessions compared, one or more a side
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
#include "sidepanel.h"
#include "viewrefresher.h"
#include "clusterpanel.h"
#include "labcontroller.h"
#include "labexports.h"
#include "topologyview.h"
#include "requestpanel.h"
#include "sessioncontroller.h"

#include "session/sessionrecorder.h"

#include "compute/clock.h"

#include <QApplication>
#include <QFile>
#include <QFileInfo>
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

// How fast a session takes request records: RECORDS synthetic records (the
// shapes a mixed load makes) handed to a SessionRecorder as fast as this
// thread can, timed until the last is in the file.
int sessionWrite(qint64 records, const QString& path)
{
    if (records <= 0 || path.isEmpty()) {
        std::fprintf(stderr, "usage: clusterlab-labtool session-write RECORDS FILE.sqlite\n");
        return 2;
    }
    SessionRecorder recorder;
    SessionRecorder::Options options;
    options.maxQueued = static_cast<qsizetype>(records); // measure the writer, drop nothing
    QString error;
    if (!recorder.start(path, options, &error)) {
        std::fprintf(stderr, "labtool: %s\n", qPrintable(error));
        return 1;
    }
    const std::int64_t t0 = steadyNowNs();
    for (qint64 i = 0; i < records; ++i) {
        StoredRecord r;
        r.headersNs = t0 + i * 10000;
        r.workerIndex = static_cast<std::uint16_t>(i % 2);
        r.pid = 4000 + static_cast<std::int32_t>(i % 2);
        r.connectionId = static_cast<std::uint32_t>(i % 16);
        r.requestSeq = static_cast<std::uint32_t>(i / 2);
        r.route = static_cast<RouteId>(i % 4);
        r.path = static_cast<PathId>(i % 4);
        r.n = r.route == RouteId::Root ? std::int8_t(-1) : std::int8_t(20);
        r.status = 200;
        r.bytes = 180;
        r.computeStart = r.queued = static_cast<std::uint32_t>(i % 7);
        r.computeEnd = r.computeStart + static_cast<std::uint32_t>(i % 500);
        r.written = r.computeEnd + 20;
        recorder.addRecord(r);
    }
    const std::int64_t queued = steadyNowNs();
    recorder.finish();
    const double seconds = static_cast<double>(steadyNowNs() - t0) / 1e9;
    const double size = static_cast<double>(QFileInfo(path).size());
    std::printf("| records | %lld (queued in %.2f s) |\n| written | %llu, dropped %llu |\n| time to the file | %.2f s |\n"
                "| records written per second | %.0f |\n| file size | %.1f MiB (%.1f MiB per million records) |\n",
                static_cast<long long>(records), static_cast<double>(queued - t0) / 1e9,
                static_cast<unsigned long long>(recorder.requestsWritten()), static_cast<unsigned long long>(recorder.dropped()),
                seconds, static_cast<double>(recorder.requestsWritten()) / seconds, size / 1048576.0,
                size / 1048576.0 / (static_cast<double>(records) / 1e6));
    return recorder.failure().isEmpty() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("ClusterLabTool"));
    QApplication::setApplicationName(QStringLiteral("labtool"));
    const QStringList args = QApplication::arguments().mid(1);
    if (args.isEmpty()
        || (args[0] != QLatin1String("screenshot") && args[0] != QLatin1String("bench") && args[0] != QLatin1String("session-write"))) {
        std::fprintf(stderr, "usage: clusterlab-labtool screenshot FILE.png | bench [SECONDS] [REQUESTS] | session-write RECORDS FILE.sqlite\n");
        return 2;
    }
    if (args[0] == QLatin1String("session-write"))
        return sessionWrite(args.value(1).toLongLong(), args.value(2));
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
    const bool external = args.contains(QStringLiteral("--external"));
    if (external) {
        // A server the lab did not start (the seed's demo, run by hand): its port.
        window.clusterPanel()->setEngineSetting(QStringLiteral("external"));
        window.clusterPanel()->setPortSetting(args.value(args.indexOf(QStringLiteral("--external")) + 1).toInt());
    }
    if (!window.clusterPanel()->startCluster() || !waitFor(window.lab(), SIGNAL(clusterListening()), 20000)) {
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
    if (args[0] == QLatin1String("screenshot") && args.contains(QStringLiteral("--compare"))) {
        // Two saved sessions side by side: the Compare tab.
        const qsizetype at = args.indexOf(QStringLiteral("--compare"));
        window.showGuide(false);
        // Several runs a side: A1,A2,A3 B1,B2,B3.
        window.lab()->sessions()->compareRuns(args.value(at + 1).split(QLatin1Char(',')), args.value(at + 2).split(QLatin1Char(',')));
        if (!waitFor(window.lab()->sessions(), SIGNAL(compared(std::shared_ptr<const clusterlab::SessionSummary>,
                                                        std::shared_ptr<const clusterlab::SessionSummary>)),
                     60000)) {
            std::fprintf(stderr, "labtool: cannot compare %s with %s\n", qPrintable(args.value(at + 1)),
                         qPrintable(args.value(at + 2)));
            return 1;
        }
        waitFor(&window, SIGNAL(destroyed()), 400);
        return window.grab().save(args.value(1)) ? 0 : 1;
    }
    if (args[0] == QLatin1String("screenshot") && args.contains(QStringLiteral("--open"))) {
        // A saved session, replayed read-only into the views.
        window.showGuide(false);
        window.lab()->sessions()->open(args.value(args.indexOf(QStringLiteral("--open")) + 1));
        if (!waitFor(window.lab()->sessions(), SIGNAL(opened(std::shared_ptr<const clusterlab::SessionSummary>)), 60000)) {
            std::fprintf(stderr, "labtool: cannot open the session\n");
            return 1;
        }
        waitFor(&window, SIGNAL(destroyed()), 400);
        return window.grab().save(args.value(1)) ? 0 : 1;
    }
    if (args[0] == QLatin1String("screenshot") && args.contains(QStringLiteral("--empty"))) {
        // The window as a new user first sees it: a cluster, no request yet.
        waitFor(&window, SIGNAL(destroyed()), 600);
        window.lab()->feed()->publish();
        return window.grab().save(args.value(1)) ? 0 : 1;
    }
    if (args[0] == QLatin1String("screenshot")) {
        // A few clicks, then a mixed load test: the window is taken while it
        // runs (charts, and the topology with --topology FILE), the report
        // (--report FILE) after it.
        if (external) {
            // One click on /: the OS says which process served it.
            window.requestPanel()->send(QStringLiteral("/"));
            waitFor(window.requestPanel(), SIGNAL(responseReceived(int, qint64, QString)), 20000);
        }
        for (const QString& route : { QStringLiteral("/main"), QStringLiteral("/worker"), QStringLiteral("/child") }) {
            if (external)
                break; // the seed's demo knows no ?n=: its / only, below
            window.requestPanel()->setN(27);
            window.requestPanel()->send(route);
            waitFor(window.requestPanel(), SIGNAL(responseReceived(int, qint64, QString)), 20000);
        }
        window.showLoadTest(); // the load test's progress in view
        if (args.contains(QStringLiteral("--folded")))
            window.sidePanel()->setFolded(true); // the controls as a strip: the charts take the width
        window.showGuide(false);          // a user at work has dismissed it
        load->useDuration(true);
        load->setDurationSeconds(8);
        load->setConnections(4);
        load->setKeepAlive(false);
        load->setRouteMix(QStringLiteral("/:4, /main?n=24:1, /worker?n=24:1, /child?n=24:1"));
        if (external) {
            // Keep-alive connections, each pinned to the process that
            // accepted it: what the seed's demo shows for a browser.
            load->setConnections(16);
            load->setKeepAlive(true);
            load->setRouteMix(QStringLiteral("/"));
        }
        QString error;
        if (!load->start(&error)) {
            std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
            return 1;
        }
        auto save = [&window](const QString& path) {
            const QPixmap shot = window.grab();
            if (!shot.save(path)) {
                std::fprintf(stderr, "labtool: cannot write %s\n", qPrintable(path));
                return false;
            }
            std::printf("wrote %s (%dx%d)\n", qPrintable(path), shot.width(), shot.height());
            return true;
        };
        waitFor(&window, SIGNAL(destroyed()), 4000); // mid-run
        if (!save(args.value(1, QStringLiteral("clusterlab.png"))))
            return 1;
        if (args.contains(QStringLiteral("--topology"))) {
            window.centreTabs()->setCurrentIndex(1);
            waitFor(&window, SIGNAL(destroyed()), 700); // a few animation frames
            if (!save(args.value(args.indexOf(QStringLiteral("--topology")) + 1)))
                return 1;
            window.centreTabs()->setCurrentIndex(0);
        }
        if (!waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), 60000)) {
            std::fprintf(stderr, "labtool: the load test did not finish\n");
            return 1;
        }
        waitFor(&window, SIGNAL(destroyed()), 600); // let the last telemetry batches land
        window.lab()->feed()->publish();
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
    // The same full-speed load twice: with the six charts in front, then
    // with the topology in front (animating while requests flow).
    struct Phase
    {
        QString rps;
        double lagP99 = 0, lagMax = 0, refreshHz = 0;
        bool animated = false;
    };
    QList<Phase> phases;
    QString error;
    for (int tab : { 0, 1 }) {
        window.centreTabs()->setCurrentIndex(tab);
        window.lagMonitor()->resetWhole();
        const quint64 rounds0 = window.viewRefresher()->rounds();
        const std::int64_t t0 = steadyNowNs();
        if (!load->start(&error)) {
            std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
            return 1;
        }
        Phase phase;
        QTimer probe; // is the topology animating while the load runs?
        QObject::connect(&probe, &QTimer::timeout, &window, [&]() { phase.animated = phase.animated || window.topology()->animating(); });
        probe.start(500);
        if (!waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), static_cast<int>(seconds * 1000) + 60000)) {
            std::fprintf(stderr, "labtool: the load test did not finish\n");
            return 1;
        }
        const double elapsed = static_cast<double>(steadyNowNs() - t0) / 1e9;
        // Rounds: feeds that every view in sight had drawn.
        phase.refreshHz = static_cast<double>(window.viewRefresher()->rounds() - rounds0) / elapsed;
        const HdrHistogram lag = window.lagMonitor()->whole();
        phase.lagP99 = lag.percentileMs(99);
        phase.lagMax = lag.maxMs();
        phase.rps = load->summaryText().section(QStringLiteral("Requests/sec:"), 1).section(QLatin1Char('\n'), 0, 0).trimmed();
        phases.append(phase);
    }
    window.centreTabs()->setCurrentIndex(0);

    load->useDuration(false);
    load->setRequests(requests);
    if (!load->start(&error) || !waitFor(load, SIGNAL(finished(clusterlab::LoadSummary)), 3600000)) {
        std::fprintf(stderr, "labtool: load test: %s\n", qPrintable(error));
        return 1;
    }
    waitFor(&window, SIGNAL(destroyed()), 1000);
    window.lab()->feed()->publish();
    const quint64 served = window.lab()->feed()->latest()->snapshot ? window.lab()->feed()->latest()->snapshot->totalRecords : 0;
    std::printf("| measure | value | goal |\n|---|---|---|\n");
    const char* const views[] = { "the six charts", "the topology" };
    for (int i = 0; i < phases.size(); ++i) {
        const Phase& p = phases[i];
        std::printf("| load test, %s in front | %.0f s at full speed, 16 keep-alive connections, %s req/s%s | |\n", views[i],
                    seconds, qPrintable(p.rps), i == 1 ? (p.animated ? ", topology animating" : ", topology NOT animating") : "");
        std::printf("| window event-loop lag p99 / max | %.1f ms / %.1f ms | p99 ≤ 16 ms |\n", p.lagP99, p.lagMax);
        std::printf("| view refresh rate | %.1f Hz | ≥ 10 Hz |\n", p.refreshHz);
    }
    std::printf("| window process RSS after %llu requests (records in the session file, %llu written) | %.0f MiB | ≤ 250 MB |\n",
                static_cast<unsigned long long>(served), static_cast<unsigned long long>(window.lab()->sessions()->recorder()->requestsWritten()), rssMiB());
    return 0;
}
