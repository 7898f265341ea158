// SPDX-License-Identifier: GPL-3.0-or-later
// The real window, offscreen, with its real cluster: it opens and the
// cluster runs; route buttons get answers from live workers; a load test's
// requests all show up in the routing chart; every export writes a valid
// file; killing a worker from the table shows the event and the
// replacement; settings survive a restart of the window.
#include "chartgrid.h"
#include "experiment/runner.h"
#include "experimentpdf.h"
#include "experimentspage.h"
#include "charts.h"
#include "loadtestpanel.h"
#include "mainwindow.h"
#include "clusterpanel.h"
#include "labcontroller.h"
#include "labexports.h"
#include "topologyview.h"
#include "requestpanel.h"
#include "routemixeditor.h"
#include "load/loadconfig.h"
#include "sessionactions.h"
#include "sessioncontroller.h"
#include "sidepanel.h"
#include "viewrefresher.h"
#include "comparisonview.h"
#include "session/sessionfile.h"
#include "session/sessionrecorder.h"
#include "workertablemodel.h"

#include "cluster/cluster.h"
#include "workerprocess.h"
#include "http/httprequestparser.h"
#include "version.h"

#include <QChartView>
#include <QDir>
#include <QLabel>
#include <QProcess>
#include <QStatusBar>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QThreadPool>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTableView>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QAbstractButton>
#include <QDockWidget>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QScrollArea>
#include <QScrollBar>
#include <QTabBar>
#include <QValueAxis>
#include <cmath>
#include <optional>
#include <tuple>
#include <QtTest>


using namespace clusterlab;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void opensWithARunningCluster();
    void routeButtonsNameALiveWorker();
    void loadTestTotalsMatchTheRoutingChart();
    void everyExportWritesAValidFile();
    void exportToAnUnwritableFolderSaysSo();
    void killingAWorkerShowsTheEventAndTheReplacement();
    void settingsSurviveARestart();
    void fitsTheScreen_data();
    void fitsTheScreen();
    void axesTickAtRoundNumbers();
    void theWindowHasItsIcon();
    void emptyChartsSayWhatFillsThem();
    void requestsInFlightAreBounded();
    void doubleClickOpensAChartLarge();
    void startHereGuideUntilDismissed();
    void aboutNamesVersionsAndLicences();
    void experimentsRunAndPutTheClusterBack();
    void experimentsReportIsTypesetNotBlank();
    void experimentsOpenRefusesWhatIsNotARun();
    void reportIsTypesetWithTablesAndCharts();
    void feedIsACompleteImmutableSnapshot();
    void timeSeriesChartsFollowTheWorkers();
    void topologyShowsSlotsAndSharesTheSelection();
    void topologyFollowsTheFlow();
    void aSessionRoundTripShowsTheSameNumbers();
    void twoSessionsCompareWithRatios();
    void openingWhatIsNotASessionChangesNothing();
    void theWindowEndsWhileAHostileSessionOpens();
    void theNodeEngineRunsInTheWindow();
    void aServerTheLabDidNotStartIsAttributed();
    void anUnsavedSessionLeftBehindIsOfferedBack();
    void theRouteMixEditorRoundTripsTheTextForm();
    void theFourChartsAreInViewDuringALoadTest_data();
    void theFourChartsAreInViewDuringALoadTest();
    void theControlsFoldToAStripAndTheLayoutIsRemembered();
    void viewsTakeFeedsATurnAtATime();
    void severalRunsASideCompareBetweenRuns();

private:
    bool openWindow();
    // A feed published now and drawn by every view (they take feeds one a
    // turn of the event loop, those out of sight once a second).
    void drawNow()
    {
        m_window->lab()->feed()->publish();
        m_window->viewRefresher()->flush();
    }
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_temp;
};

void TestMainWindow::initTestCase()
{
    // The windows' temporary sessions (and the leftovers each start prunes)
    // in a folder of the test's own, never the user's.
    QVERIFY(m_temp.isValid());
    qputenv("TMPDIR", QFile::encodeName(m_temp.path()));
    QStandardPaths::setTestModeEnabled(true); // settings go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("ClusterLabTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
    QSettings().clear();
}

void TestMainWindow::init()
{
    QSettings s;
    s.clear();
    s.setValue(QStringLiteral("cluster/workers"), 2);
    s.setValue(QStringLiteral("cluster/port"), 0); // 3000 or the next free
}

void TestMainWindow::cleanup()
{
    QList<qint64> pids;
    if (m_window && m_window->lab()->cluster()) {
        for (const Engine::WorkerInfo& w : m_window->lab()->cluster()->workers())
            pids.append(w.pid);
    }
    m_window.reset();
    for (qint64 pid : pids)
        QVERIFY2(!clusterlab::test::processAlive(pid), "a worker outlived the window");
}

void TestMainWindow::fitsTheScreen_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addColumn<int>("columns");
    QTest::addRow("the minimum size") << QSize(0, 0) << 1; // what a first start had under Xvfb
    QTest::addRow("1280x800") << QSize(1280, 800) << 2;
    QTest::addRow("1920x1080") << QSize(1920, 1080) << 3;
}

// Regression: at the default size the three columns did not fit (the chart
// grid scrolled sideways and clipped its right-hand charts; the side panels
// clipped their buttons).
void TestMainWindow::fitsTheScreen()
{
    QFETCH(QSize, size);
    QFETCH(int, columns);
    QVERIFY(openWindow());
    size = size.expandedTo(m_window->minimumSize()); // (0, 0): the window's own minimum
    m_window->resize(size);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), size, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workerModel()->rowCount() == 2, 5000);
    QCoreApplication::processEvents();
    // The charts reflow; the grid is never wider than what shows it.
    QScrollArea* scroll = m_window->chartScrollArea();
    QCOMPARE(m_window->chartGrid()->columns(), columns);
    QVERIFY(!scroll->horizontalScrollBar()->isVisible());
    QVERIFY2(m_window->chartGrid()->width() <= scroll->viewport()->width(),
             qPrintable(QStringLiteral("grid %1 px in a %2 px view").arg(m_window->chartGrid()->width()).arg(scroll->viewport()->width())));
    // Every panel lies inside the window (a dock wider than its share was cut by the window's edge).
    for (QDockWidget* dock : m_window->findChildren<QDockWidget*>()) {
        if (dock->isVisibleTo(m_window.get()))
            QVERIFY2(m_window->rect().contains(dock->geometry()), qPrintable(QStringLiteral("%1 at x %2 w %3 (min hint %4) in a %5 px window").arg(dock->windowTitle()).arg(dock->x()).arg(dock->width()).arg(dock->minimumSizeHint().width()).arg(m_window->width())));
        if (dock->widget() != nullptr && dock->isVisibleTo(m_window.get()))
            QVERIFY2(dock->widget()->width() <= dock->width(), qPrintable(dock->windowTitle()));
    }
    // No visible control is cut by its parent, and no list or table scrolls sideways.
    const auto buttons = m_window->findChildren<QAbstractButton*>();
    QVERIFY(!buttons.isEmpty());
    for (QAbstractButton* b : buttons) {
        if (!b->isVisibleTo(m_window.get()) || b->parentWidget() == nullptr || qobject_cast<QTabBar*>(b->parentWidget()))
            continue;
        QVERIFY2(b->parentWidget()->rect().contains(b->geometry()),
                 qPrintable(QStringLiteral("'%1' at %2,%3 %4x%5 in a %6x%7 parent").arg(b->text()).arg(b->x()).arg(b->y())
                                .arg(b->width()).arg(b->height()).arg(b->parentWidget()->width()).arg(b->parentWidget()->height())));
    }
    for (QAbstractScrollArea* area : m_window->findChildren<QAbstractScrollArea*>()) {
        if (area->isVisibleTo(m_window.get()))
            QVERIFY2(!area->horizontalScrollBar()->isVisible(), area->metaObject()->className());
    }
}

// Integer quantities get integer ticks, everything ticks at 1, 2 or 5 x 10^k
// (they printed "0 0 1 1 2" and 3.3, 6.5, 9.8 s).
void TestMainWindow::axesTickAtRoundNumbers()
{
    QCOMPARE(niceStep(10, 5), 2.0);
    QCOMPARE(niceStep(120, 5), 50.0); // 24 -> 50
    QCOMPARE(niceStep(3.3, 4), 1.0);
    QCOMPARE(niceStep(0.37, 4), 0.1);
    QCOMPARE(labelFormatFor(2), QStringLiteral("%.0f"));
    QCOMPARE(labelFormatFor(0.05), QStringLiteral("%.2f"));
    QValueAxis counts;
    setNiceAxis(&counts, 3, true); // 3 requests: ticks 0, 1, 2, 3 — never 0.5
    QCOMPARE(counts.tickInterval(), 1.0);
    QCOMPARE(counts.max(), 3.0);
    QCOMPARE(counts.labelFormat(), QStringLiteral("%.0f"));
    QValueAxis ms;
    setNiceAxis(&ms, 0.37, false);
    QCOMPARE(ms.tickInterval(), 0.1);
    QCOMPARE(ms.max(), 0.4);
    QCOMPARE(ms.labelFormat(), QStringLiteral("%.1f"));
    // The live charts after a refresh: every value axis ticks at a round step.
    QVERIFY(openWindow());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->refreshCount() > 2, 5000);
    drawNow();
    int axes = 0;
    for (ChartPanel* panel : m_window->charts()) {
        for (QAbstractAxis* any : panel->chart()->axes()) {
            auto* axis = qobject_cast<QValueAxis*>(any);
            if (axis == nullptr)
                continue; // category and log axes
            ++axes;
            QCOMPARE(axis->tickType(), QValueAxis::TicksDynamic);
            const double step = axis->tickInterval();
            const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
            QVERIFY2(qFuzzyCompare(mantissa, 1.0) || qFuzzyCompare(mantissa, 2.0) || qFuzzyCompare(mantissa, 5.0),
                     qPrintable(QString::number(step)));
        }
    }
    QVERIFY(axes >= 5);
}

// Regression: the icon's resource lived in a static library nothing pulled
// in ("qt.svg: Cannot open file ':/clusterlab/clusterlab.svg'").
void TestMainWindow::theWindowHasItsIcon()
{
    MainWindow window;
    QVERIFY(!window.windowIcon().isNull());
    QVERIFY(!window.windowIcon().pixmap(64, 64).isNull());
    QVERIFY(QFile::exists(QStringLiteral(":/clusterlab/clusterlab.svg")));
}

void TestMainWindow::emptyChartsSayWhatFillsThem()
{
    QVERIFY(openWindow());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->refreshCount() > 2, 5000);
    drawNow(); // every chart has drawn a feed with nothing in it
    RoutingChart* routing = m_window->routingChart();
    QVERIFY(routing->showsEmptyHint()); // nothing sent yet
    // An empty time series draws no line at zero under its notice.
    auto* throughput = qobject_cast<TimeSeriesChart*>(m_window->charts().at(2));
    QVERIFY(throughput != nullptr);
    QVERIFY(throughput->showsEmptyHint());
    QCOMPARE(throughput->pointCount(), 0);
    QSignalSpy answered(m_window->requestPanel(), &RequestPanel::responseReceived);
    m_window->requestPanel()->send(QStringLiteral("/"));
    QVERIFY(answered.wait(20000));
    QTRY_VERIFY_WITH_TIMEOUT(!routing->showsEmptyHint(), 5000);
}

// The window's own requests go through the lab, at most
// kMaxRequestsInFlight at once: one more is answered at once with why,
// and every one sent is answered.
void TestMainWindow::requestsInFlightAreBounded()
{
    QVERIFY(openWindow());
    LabController* lab = m_window->lab();
    QTRY_VERIFY_WITH_TIMEOUT(lab->isRunning(), 20000);
    QList<RequestOutcome> outcomes;
    connect(lab, &LabController::requestAnswered, this, [&outcomes](const RequestOutcome& o) { outcomes.append(o); });
    for (int i = 0; i <= LabController::kMaxRequestsInFlight; ++i)
        lab->sendRequest(QStringLiteral("/?i=%1").arg(i), true);
    // The one past the bound, refused before any other answered.
    QCOMPARE(outcomes.size(), 1);
    QCOMPARE(outcomes.constFirst().status, 0);
    QVERIFY2(outcomes.constFirst().error.contains(QStringLiteral("32 requests are still waiting")), qPrintable(outcomes.constFirst().error));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.size(), LabController::kMaxRequestsInFlight + 1, 30000);
    for (qsizetype i = 1; i < outcomes.size(); ++i) {
        QCOMPARE(outcomes[i].status, 200);
        QVERIFY(outcomes[i].workerPid > 0);
    }
    // And the bound is free again.
    lab->sendRequest(QStringLiteral("/"), false);
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.size(), LabController::kMaxRequestsInFlight + 2, 20000);
    QCOMPARE(outcomes.constLast().status, 200);
    disconnect(lab, &LabController::requestAnswered, this, nullptr);
}

// Double-clicking a chart opens it, live, in a window of its own; closing
// that window puts it back. Charts keep refreshing meanwhile.
void TestMainWindow::doubleClickOpensAChartLarge()
{
    QVERIFY(openWindow());
    ChartPanel* panel = m_window->charts().at(2);
    QChart* chart = panel->chart();
    QTest::mouseDClick(panel->view()->viewport(), Qt::LeftButton, {}, panel->view()->viewport()->rect().center());
    QTRY_VERIFY_WITH_TIMEOUT(panel->largeWindow() != nullptr && panel->largeWindow()->isVisible(), 5000);
    auto* large = panel->largeWindow()->findChild<QChartView*>();
    QVERIFY(large != nullptr);
    QCOMPARE(large->chart(), chart);
    QVERIFY(panel->view()->chart() != chart); // a stand-in meanwhile
    QVERIFY(large->width() > panel->view()->width());
    const quint64 before = m_window->refreshCount();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->refreshCount() > before + 2, 5000); // refreshes go on
    panel->largeWindow()->close();
    QTRY_VERIFY_WITH_TIMEOUT(panel->largeWindow() == nullptr, 5000);
    QCOMPARE(panel->view()->chart(), chart);
    // Open again and let the window go with it open: nothing is deleted twice.
    panel->openLarge();
    QVERIFY(panel->largeWindow() != nullptr);
}

void TestMainWindow::startHereGuideUntilDismissed()
{
    {
        MainWindow first;
        first.show();
        QVERIFY(first.guideShown()); // a first start
        auto* gotIt = first.findChild<QPushButton*>(QStringLiteral("dismissGuide"));
        QVERIFY(gotIt != nullptr);
        QTest::mouseClick(gotIt, Qt::LeftButton);
        QVERIFY(!first.guideShown());
    }
    MainWindow second;
    second.show();
    QVERIFY(!second.guideShown()); // dismissed stays dismissed
    QAction* startHere = nullptr;
    for (QAction* a : second.findChildren<QAction*>()) {
        if (a->text() == QLatin1String("Start here"))
            startHere = a;
    }
    QVERIFY(startHere != nullptr); // Help → Start here brings it back
    bool pointsToExperiments = false;
    for (QLabel* l : second.findChildren<QLabel*>())
        pointsToExperiments = pointsToExperiments || l->text().contains(QStringLiteral("<b>Experiments</b> tab"));
    QVERIFY(pointsToExperiments); // where the experiments are
    startHere->trigger();
    QVERIFY(second.guideShown());
}

void TestMainWindow::aboutNamesVersionsAndLicences()
{
    MainWindow window;
    const QString about = window.aboutText();
    QVERIFY(about.contains(QStringLiteral(CLUSTERLAB_VERSION)));
    QVERIFY(about.contains(QString::fromLatin1(qVersion())));
    QVERIFY(about.contains(QStringLiteral("llhttp ") + httpParserVersion()));
    QVERIFY(about.contains(QStringLiteral("MIT")));
    QVERIFY(about.contains(QStringLiteral("LGPL")));
    // ClusterLab's own licence (issue 27): GPL-3.0-or-later, as LICENSE and the metainfo say.
    QVERIFY(about.contains(QStringLiteral("GNU General Public License, version 3 or (at your option) any later version")));
}

namespace {
// A run of one cheap experiment, for the report tests.
experiment::RunReport footprintRun()
{
    experiment::ExperimentRunner runner;
    QSignalSpy finished(&runner, &experiment::ExperimentRunner::finished);
    experiment::ExperimentSettings s;
    s.quick = true;
    s.rounds = 2;
    s.timeScale = 0.25;
    QString error;
    if (!runner.start({ QStringLiteral("footprint"), QStringLiteral("sharing") }, s, &error) || !finished.wait(120000))
        return {};
    return finished.first().first().value<experiment::RunReport>();
}

// True when poppler's tools are here. install-deps.sh installs them on
// Linux, so there their absence is a failure; the workflow's Windows job has
// no package for them, and skips those checks.
bool havePoppler()
{
#if defined(Q_OS_LINUX)
    return true;
#else
    return !QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty();
#endif
}

// Runs a poppler tool; its standard output, or nothing when it is missing
// or fails.
std::optional<QByteArray> poppler(const QString& tool, const QStringList& args)
{
    QProcess p;
    p.start(tool, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return std::nullopt;
    return p.readAllStandardOutput();
}
} // namespace

void TestMainWindow::experimentsRunAndPutTheClusterBack()
{
    QVERIFY(openWindow());
    QList<qint64> before;
    for (const Engine::WorkerInfo& w : m_window->lab()->cluster()->workers())
        before.append(w.pid);
    ExperimentsPage* page = m_window->experimentsPage();
    m_window->centreTabs()->setCurrentWidget(page);
    page->setSelectedExperiments({ QStringLiteral("footprint") });
    page->setQuick(true);
    page->setEngines(true, false);
    page->setTestScale(0.25, 2);
    QCOMPARE(page->selectedExperiments(), QStringList { QStringLiteral("footprint") });
    QCOMPARE(page->settings().effectiveVariants().size(), 1);
    QSignalSpy started(page, &ExperimentsPage::runStarted);
    QSignalSpy finished(page, &ExperimentsPage::runFinished);
    QSignalSpy listening(m_window->lab(), &LabController::clusterListening);
    page->run();
    QVERIFY(page->isRunning());
    QVERIFY(started.wait(30000));
    // The lab's cluster gave the machine to the experiment...
    QVERIFY(!m_window->lab()->cluster()->isRunning());
    for (qint64 pid : before)
        QTRY_VERIFY_WITH_TIMEOUT(!clusterlab::test::processAlive(pid), 10000);
    QVERIFY(finished.wait(120000));
    QVERIFY(!page->isRunning());
    // ...and has it back, as it was: running, with as many workers.
    QVERIFY(listening.wait(30000));
    QVERIFY(m_window->lab()->cluster()->isRunning());
    QCOMPARE(m_window->lab()->cluster()->workerCount(), before.size());
    // The table: footprint decides "Run external scripts/tools" for child
    // processes; the running step's chart was drawn while it ran.
    QVERIFY(page->hasReport());
    QTableWidget* table = page->verdictTable();
    QCOMPARE(table->rowCount(), 7);
    QCOMPARE(table->item(4, 0)->text(), QStringLiteral("Run external scripts/tools"));
    QVERIFY2(table->item(4, 3)->text().contains(QStringLiteral("confirmed")), qPrintable(table->item(4, 3)->text()));
    QVERIFY(table->item(1, 2)->text().contains(QStringLiteral("not measured")));
    QVERIFY(!table->item(4, 3)->toolTip().isEmpty()); // the evidence, on hover
    // One click from a cell to its evidence and chart.
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(table->model()->index(4, 3)).center());
    QCOMPARE(page->views()->currentIndex(), 2);
    QVERIFY(page->evidenceText()->text().contains(QStringLiteral("clusterlab-task")));
    QVERIFY(page->evidenceChart()->hasChart());
    QCOMPARE(page->evidenceChart()->chart().id, QStringLiteral("footprint-start"));
    // Nothing in the table is clipped sideways.
    QVERIFY(!table->horizontalScrollBar()->isVisible());
    // Exports.
    QTemporaryDir dir;
    QCOMPARE(page->saveJson(dir.filePath(QStringLiteral("run.json"))), QString());
    QCOMPARE(page->saveReport(dir.filePath(QStringLiteral("run.html"))), QString());
    QCOMPARE(page->saveReport(dir.filePath(QStringLiteral("run.pdf"))), QString());
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("run.pdf"))).size() > 1000);
    QVERIFY(!page->saveJson(QStringLiteral("/nonexistent/dir/run.json")).isEmpty());
    // And back from JSON: the same table.
    const QString cellText = table->item(4, 3)->text();
    QCOMPARE(page->openJson(dir.filePath(QStringLiteral("run.json"))), QString());
    QCOMPARE(table->item(4, 3)->text(), cellText);
}

void TestMainWindow::experimentsReportIsTypesetNotBlank()
{
    if (!havePoppler())
        QSKIP("pdftotext and pdftoppm (poppler) are not installed here");
    const experiment::RunReport report = footprintRun();
    QCOMPARE(report.results.size(), 2);
    QTemporaryDir dir;
    const QString pdf = dir.filePath(QStringLiteral("report.pdf"));
    QString error;
    QVERIFY2(writeExperimentPdf(report, pdf, &error), qPrintable(error));
    const std::optional<QByteArray> raw = poppler(QStringLiteral("pdftotext"), { pdf, QStringLiteral("-") });
    QVERIFY2(raw.has_value(), "pdftotext (poppler-utils, installed by scripts/install-deps.sh) failed");
    const QByteArray text = raw->simplified(); // table cells wrap lines
    // The table first, in words; the machine; the charts as vector text.
    QVERIFY(text.contains("The seed's table, measured"));
    QVERIFY(text.contains("Process-level isolation"));
    QVERIFY(text.contains("seed says: yes"));
    QVERIFY2(text.contains("confirmed"), text.constData());
    QVERIFY(text.contains(report.machine.cpuModel.toUtf8()));
    QVERIFY(text.contains("Handing data to the computation")); // each experiment's section
    QVERIFY(text.contains("Method."));
    QVERIFY(!text.contains("{\"") && !text.contains("\"metrics\""));  // no raw JSON
    QVERIFY(text.indexOf("The seed's table") < text.indexOf("Machine and settings"));
    // Every page, rasterised, has ink on it: the table, the text, and the
    // charts (drawn from their SVG as vector paths).
    const QString prefix = dir.filePath(QStringLiteral("page"));
    QVERIFY(poppler(QStringLiteral("pdftoppm"), { QStringLiteral("-r"), QStringLiteral("30"), QStringLiteral("-png"), pdf, prefix })
                .has_value());
    const QStringList pages = QDir(dir.path()).entryList({ QStringLiteral("page*.png") }, QDir::Files, QDir::Name);
    QVERIFY2(pages.size() >= 3, qPrintable(pages.join(QLatin1Char(' ')))); // table, sections, charts
    for (const QString& page : pages) {
        const QImage image(dir.filePath(page));
        QVERIFY(!image.isNull());
        qint64 ink = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x)
                ink += qGray(image.pixel(x, y)) < 200 ? 1 : 0;
        }
        QVERIFY2(ink > image.width() * image.height() / 200, qPrintable(page + QStringLiteral(": ") + QString::number(ink)));
    }
}

void TestMainWindow::experimentsOpenRefusesWhatIsNotARun()
{
    m_window = std::make_unique<MainWindow>();
    ExperimentsPage* page = m_window->experimentsPage();
    QTemporaryDir dir;
    const QString notJson = dir.filePath(QStringLiteral("a.json"));
    QFile f(notJson);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not json at all");
    f.close();
    QVERIFY(page->openJson(notJson).contains(QStringLiteral("not JSON")));
    QFile g(dir.filePath(QStringLiteral("b.json")));
    QVERIFY(g.open(QIODevice::WriteOnly));
    g.write(R"({"format":"something else"})");
    g.close();
    QVERIFY(page->openJson(g.fileName()).contains(QStringLiteral("not a ClusterLab experiments file")));
    QVERIFY(page->openJson(dir.filePath(QStringLiteral("missing.json"))).contains(QStringLiteral("Cannot open")));
    QVERIFY(!page->hasReport()); // nothing replaced the (empty) table
    QVERIFY(!page->saveReport(dir.filePath(QStringLiteral("x.pdf"))).isEmpty()); // nothing to save yet
}

void TestMainWindow::reportIsTypesetWithTablesAndCharts()
{
    if (!havePoppler())
        QSKIP("pdftotext and pdftoppm (poppler) are not installed here");
    QVERIFY(openWindow());
    // Some requests on every compute route, and a short load test with a seed.
    QSignalSpy answered(m_window->requestPanel(), &RequestPanel::responseReceived);
    for (const QString& route : { QStringLiteral("/main"), QStringLiteral("/worker"), QStringLiteral("/child") }) {
        m_window->requestPanel()->send(route);
        QVERIFY(answered.wait(20000));
    }
    LoadTestPanel* load = m_window->loadTestPanel();
    load->useDuration(false);
    load->setRequests(200);
    load->setConnections(2);
    QSignalSpy loaded(load, &LoadTestPanel::finished);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    QVERIFY(loaded.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->lab()->feed()->latest()->snapshot && m_window->lab()->feed()->latest()->snapshot->totalRecords >= 203, 10000);
    QTemporaryDir dir;
    const QString pdf = dir.filePath(QStringLiteral("lab.pdf"));
    QCOMPARE(m_window->exports()->report(pdf), QString());
    const std::optional<QByteArray> raw = poppler(QStringLiteral("pdftotext"), { pdf, QStringLiteral("-") });
    QVERIFY2(raw.has_value(), "pdftotext failed");
    const QByteArray text = raw->simplified();
    // Typeset: the title, the machine, the settings with the seed, the two
    // tables with units, and no raw JSON.
    QVERIFY(text.contains("ClusterLab report"));
    QVERIFY(text.contains(experiment::MachineInfo::current().cpuModel.toUtf8()));
    QVERIFY(text.contains("Last load test") && text.contains("Its seed"));
    QVERIFY(text.contains("Per route") && text.contains("p99") && text.contains("/worker") && text.contains("/child"));
    QVERIFY(text.contains(" ms"));
    QVERIFY2(text.contains("Per worker") && text.contains("Restarts"), text.constData());
    QVERIFY2(!text.contains("{\"") && !text.contains("\"routes\""), text.constData());
    QVERIFY(text.indexOf("Per route") < text.indexOf("Per worker"));
    // The charts are drawn as vectors: their titles and axis units are text
    // in the PDF.
    QVERIFY(text.contains("requests/s") || text.contains("req/s"));
    // Every page has ink on it.
    QVERIFY(poppler(QStringLiteral("pdftoppm"), { QStringLiteral("-r"), QStringLiteral("30"), QStringLiteral("-png"), pdf,
                                                  dir.filePath(QStringLiteral("lab")) })
                .has_value());
    const QStringList pages = QDir(dir.path()).entryList({ QStringLiteral("lab*.png") }, QDir::Files, QDir::Name);
    QVERIFY2(pages.size() >= 3, qPrintable(pages.join(QLatin1Char(' '))));
    for (const QString& page : pages) {
        const QImage image(dir.filePath(page));
        qint64 ink = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x)
                ink += qGray(image.pixel(x, y)) < 200 ? 1 : 0;
        }
        QVERIFY2(ink > image.width() * image.height() / 200, qPrintable(page));
    }
    // The same report as HTML: the tables, and the charts as inline SVG.
    const QString html = dir.filePath(QStringLiteral("lab.html"));
    QCOMPARE(m_window->exports()->report(html), QString());
    QFile h(html);
    QVERIFY(h.open(QIODevice::ReadOnly));
    const QByteArray page = h.readAll();
    QVERIFY(page.contains("<h2>Per route</h2>") && page.contains("<h2>Per worker</h2>"));
    QCOMPARE(page.count("<svg"), 6);
    QVERIFY(!page.contains("<?xml"));
    // An unwritable place says so.
    QVERIFY(!m_window->exports()->report(QStringLiteral("/nonexistent/dir/r.pdf")).isEmpty());
}

// Issue 24: the window runs the Node.js engine as it runs the native one;
// the status line says which, and its charts and table fill the same way.
void TestMainWindow::theNodeEngineRunsInTheWindow()
{
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        QSKIP("node is not on the PATH: the Node.js engine's tests need Node.js 18 or newer (the native engine's do not)");
    QSettings().setValue(QStringLiteral("cluster/engine"), QStringLiteral("node"));
    QSettings().setValue(QStringLiteral("cluster/threads"), QStringLiteral("pool"));
    QVERIFY(openWindow());
    const Engine* engine = m_window->lab()->cluster();
    QCOMPARE(engine->engineName(), QStringLiteral("node"));
    QCOMPARE(engine->config().threads, OffloadMode::Pool);
    QCOMPARE(engine->config().children, OffloadMode::PerRequest);
    bool named = false;
    for (const QLabel* label : m_window->statusBar()->findChildren<QLabel*>())
        named = named || (label->text().contains(QStringLiteral("Node.js v")) && label->text().contains(QStringLiteral("/worker pool")));
    QVERIFY2(named, "the status line names the engine and Node's version");
    QTRY_COMPARE_WITH_TIMEOUT(m_window->workerModel()->rowCount(), 2, 10000);
    QSignalSpy answered(m_window->requestPanel(), &RequestPanel::responseReceived);
    for (const char* route : { "/", "/main", "/worker", "/child" }) {
        m_window->requestPanel()->setN(12);
        m_window->requestPanel()->send(QLatin1String(route));
        QVERIFY(answered.wait(20000));
        QCOMPARE(answered.constLast().at(0).toInt(), 200);
    }
    bool ours = false;
    for (const Engine::WorkerInfo& w : engine->workers())
        ours = ours || w.pid == answered.constLast().at(1).toLongLong();
    QVERIFY2(ours, "a Node worker answered");
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->routingChart()->showsEmptyHint(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->lab()->feed()->latest() && m_window->lab()->feed()->latest()->snapshot
                                 && m_window->lab()->feed()->latest()->snapshot->totalRecords >= 4, 10000);
}

void TestMainWindow::aServerTheLabDidNotStartIsAttributed()
{
#if defined(Q_OS_UNIX)
    // A plain forking server of the test tree (no ClusterLab code): the
    // window pointed at its port shows its processes and, after a load
    // test, which of them took each connection.
    QProcess server;
    server.start(QCoreApplication::applicationDirPath() + QStringLiteral("/clusterlab-fork-server"), { QStringLiteral("prefork") });
    QVERIFY(server.waitForStarted(10000));
    QVERIFY(server.waitForReadyRead(10000));
    const QList<QByteArray> first = server.readLine().trimmed().split(' ');
    QCOMPARE(first.value(0), QByteArray("port"));
    const int port = first.value(1).toInt();
    auto stopServer = qScopeGuard([&server]() {
        server.closeWriteChannel(); // it ends with its children
        if (!server.waitForFinished(10000))
            server.kill();
    });
    QVERIFY(openWindow());
    QSignalSpy stopped(m_window->lab(), &LabController::clusterStopped);
    m_window->clusterPanel()->stopCluster();
    QVERIFY(stopped.wait(20000));
    m_window->clusterPanel()->setEngineSetting(QStringLiteral("external"));
    m_window->clusterPanel()->setPortSetting(port);
    QSignalSpy listening(m_window->lab(), &LabController::clusterListening);
    QVERIFY(m_window->clusterPanel()->startCluster());
    QVERIFY(!listening.isEmpty() || listening.wait(20000));
    QCOMPARE(m_window->lab()->cluster()->engineName(), QStringLiteral("external"));
    // The parent and its two children, with what can be sampled; the event
    // loop's lag cannot be: "n/a", not 0.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->workerModel()->rowCount(), 3, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->workerModel()->index(1, WorkerTableModel::LagP99).data().toString(), QStringLiteral("n/a"), 10000);
    QCOMPARE(m_window->workerModel()->index(1, WorkerTableModel::InFlight).data().toString(), QStringLiteral("n/a"));
    QVERIFY(m_window->workerModel()->index(0, WorkerTableModel::State).data().toString().contains(QStringLiteral("clusterlab-fork")));
    LoadTestPanel* load = m_window->loadTestPanel();
    load->useDuration(false);
    load->setRequests(600);
    load->setConnections(6);
    load->setKeepAlive(true);
    load->setRouteMix(QStringLiteral("/"));
    QSignalSpy finished(load, &LoadTestPanel::finished);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    QVERIFY(finished.wait(60000));
    const LoadSummary s = finished.constFirst().constFirst().value<LoadSummary>();
    QCOMPARE(s.succeeded, 600);
    QCOMPARE(s.attribution.unattributedConnections, 0);
    QCOMPARE(s.attribution.agreed, 600); // the fork server says X-Worker-Pid too
    QVERIFY(load->summaryText().contains(QStringLiteral("Served by, through the OS")));
    // The routing chart's per-process counts: what the attribution found.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->lab()->feed()->latest() && m_window->lab()->feed()->latest()->snapshot
                                 && m_window->lab()->feed()->latest()->snapshot->totalRecords == 600,
                             10000);
    drawNow();
    QVERIFY(!m_window->routingChart()->showsEmptyHint());
    // By connection: every connection under the process that held it, all
    // 600 requests (the server's own X-Connection-Id is not needed).
    const auto feed = m_window->lab()->feed()->latest();
    QCOMPARE(feed->loadTestConnections.size(), 6);
    qint64 onConnections = 0;
    for (auto it = feed->loadTestConnections.cbegin(); it != feed->loadTestConnections.cend(); ++it) {
        QVERIFY(s.attribution.connections.contains(it.key().first));
        onConnections += it.value();
    }
    QCOMPARE(onConnections, 600);
    // The topology draws the real tree: the parent on top, its two
    // children under it.
    QList<TopologyView::Node> nodes = m_window->topology()->nodes();
    QCOMPARE(nodes.size(), 3);
    std::sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.depth < b.depth; });
    QCOMPARE(nodes[0].depth, 0);
    QVERIFY(nodes[0].listens);
    for (int i : { 1, 2 }) {
        QCOMPARE(nodes[i].depth, 1);
        QCOMPARE(nodes[i].parentPid, nodes[0].pid);
        QVERIFY(nodes[i].rect.top() > nodes[0].rect.bottom());
    }
    // The server's own times cannot be seen from outside: said, not drawn as transport.
    BreakdownChart* breakdown = nullptr;
    for (ChartPanel* c : m_window->charts())
        breakdown = breakdown != nullptr ? breakdown : qobject_cast<BreakdownChart*>(c);
    QVERIFY(breakdown != nullptr);
    QVERIFY(breakdown->showsEmptyHint());
    QVERIFY(breakdown->emptyHintText().contains(QStringLiteral("cannot be seen from outside")));
    // Click to send: the OS says which process served, and agrees with the
    // server's own X-Worker-Pid; with keep-alive the next click goes on the
    // same connection to the same process, without it on a new one.
    RequestPanel* panel = m_window->requestPanel();
    QSignalSpy answered(m_window->lab(), &LabController::requestAnswered);
    panel->setKeepAlive(true);
    panel->sendTarget(QStringLiteral("/"));
    QVERIFY(answered.wait(20000));
    const RequestOutcome one = answered.takeFirst().constFirst().value<RequestOutcome>();
    QCOMPARE(one.status, 200);
    QVERIFY2(one.osPid != 0, qPrintable(one.attributionNote));
    QCOMPARE(one.osPid, one.header("X-Worker-Pid").toLongLong());
    QVERIFY(s.attribution.connections.contains(one.osPid) || nodes[1].pid == one.osPid || nodes[2].pid == one.osPid);
    QVERIFY(!one.reusedConnection);
    panel->sendTarget(QStringLiteral("/"));
    QVERIFY(answered.wait(20000));
    const RequestOutcome two = answered.takeFirst().constFirst().value<RequestOutcome>();
    QCOMPARE(two.status, 200);
    QVERIFY(two.reusedConnection);
    QCOMPARE(two.connection, one.connection);
    QCOMPARE(two.osPid, one.osPid);
    QCOMPARE(two.header("X-Worker-Pid").toLongLong(), one.osPid);
    QVERIFY(panel->lastResponseText().contains(QStringLiteral("200")));
    panel->setKeepAlive(false);
    panel->sendTarget(QStringLiteral("/"));
    QVERIFY(answered.wait(20000));
    const RequestOutcome three = answered.takeFirst().constFirst().value<RequestOutcome>();
    QCOMPARE(three.status, 200);
    QVERIFY(!three.reusedConnection);
    QVERIFY(three.connection > one.connection);
    QVERIFY2(three.osPid != 0, qPrintable(three.attributionNote));
    QCOMPARE(three.osPid, three.header("X-Worker-Pid").toLongLong());
    // The next start begins with the lab's own cluster, not this server's port.
    m_window->clusterPanel()->saveSettings();
    QCOMPARE(QSettings().value(QStringLiteral("cluster/engine"), QStringLiteral("native")).toString(), QStringLiteral("native"));
    QCOMPARE(QSettings().value(QStringLiteral("cluster/port"), 0).toInt(), 0);
    stopServer.dismiss();
    server.closeWriteChannel();
    QVERIFY(server.waitForFinished(10000));
#else
    QSKIP("the test's forking server is POSIX only");
#endif
}

bool TestMainWindow::openWindow()
{
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1400, 900);
    m_window->show();
    QSignalSpy listening(m_window->lab(), &LabController::clusterListening);
    if (!m_window->clusterPanel()->startCluster())
        return false;
    return listening.wait(20000);
}

void TestMainWindow::opensWithARunningCluster()
{
    QVERIFY(openWindow());
    QAbstractItemModelTester tester(m_window->workerModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(m_window->lab()->cluster()->isRunning());
    QCOMPARE(m_window->lab()->cluster()->workerCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->workerModel()->rowCount(), 2, 5000);
    QVERIFY(m_window->lab()->eventLog().join(QLatin1Char('\n')).contains(QStringLiteral("listening")));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->refreshCount() > 3, 5000);
}

void TestMainWindow::routeButtonsNameALiveWorker()
{
    QVERIFY(openWindow());
    QSet<qint64> live;
    for (const Engine::WorkerInfo& w : m_window->lab()->cluster()->workers())
        live.insert(w.pid);
    m_window->requestPanel()->setN(12);
    for (const QString& route : { QStringLiteral("/"), QStringLiteral("/main"), QStringLiteral("/worker"),
                                  QStringLiteral("/child"), QStringLiteral("/healthz") }) {
        QSignalSpy answered(m_window->requestPanel(), &RequestPanel::responseReceived);
        auto* button = m_window->requestPanel()->findChild<QPushButton*>(QStringLiteral("send") + route);
        QVERIFY2(button != nullptr, qPrintable(route));
        button->click();
        QVERIFY(answered.wait(20000));
        QCOMPARE(answered.constFirst().at(0).toInt(), 200);
        const qint64 pid = answered.constFirst().at(1).toLongLong();
        QVERIFY2(live.contains(pid), qPrintable(QStringLiteral("%1 answered by %2").arg(route).arg(pid)));
        if (route != QLatin1String("/") && route != QLatin1String("/healthz"))
            QVERIFY(m_window->requestPanel()->lastResponseText().contains(QStringLiteral("fib(12) = 144")));
        // The serving worker is highlighted in the table.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->workerModel()->rowOfPid(pid) >= 0, 5000);
        const int row = m_window->workerModel()->rowOfPid(pid);
        QVERIFY(m_window->workerModel()->data(m_window->workerModel()->index(row, 0), Qt::BackgroundRole).isValid());
    }
}

void TestMainWindow::loadTestTotalsMatchTheRoutingChart()
{
    QVERIFY(openWindow());
    LoadTestPanel* load = m_window->loadTestPanel();
    load->setRequests(400);
    load->setConnections(4);
    load->setKeepAlive(false);
    load->setRouteMix(QStringLiteral("/:2, /main?n=10:1, /worker?n=10:1"));
    QSignalSpy done(load, &LoadTestPanel::finished);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    QVERIFY(done.wait(60000));
    const LoadSummary s = done.constFirst().constFirst().value<LoadSummary>();
    QCOMPARE(s.sent, 400);
    QCOMPARE(s.succeeded, 400);
    // Every request reaches the routing chart (telemetry arrives within 50 ms batches).
    QTRY_COMPARE_WITH_TIMEOUT(m_window->routingChart()->total(), 400.0, 10000);
    QVERIFY(load->summaryText().contains(QStringLiteral("Sent 400 = 400 answered")));
}

void TestMainWindow::everyExportWritesAValidFile()
{
    QVERIFY(openWindow());
    QSignalSpy answered(m_window->requestPanel(), &RequestPanel::responseReceived);
    m_window->requestPanel()->send(QStringLiteral("/main"));
    QVERIFY(answered.wait(20000));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lab()->feed()->latest()->snapshot ? m_window->lab()->feed()->latest()->snapshot->totalRecords : 0, quint64(1), 10000);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QCOMPARE(m_window->exports()->charts(dir.path()), QString());
    const QList<ChartPanel*> charts = m_window->charts();
    QCOMPARE(charts.size(), 6);
    for (int i = 0; i < charts.size(); ++i) {
        const QString base = dir.filePath(QStringLiteral("chart-%1").arg(i + 1));
        QImage png(base + QStringLiteral(".png"));
        QVERIFY2(!png.isNull(), qPrintable(base));
        QCOMPARE(png.size(), charts[i]->view()->size() * 2); // HiDPI: twice the pixels
        QFile svg(base + QStringLiteral(".svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&svg);
        bool sawSvg = false;
        while (!xml.atEnd()) {
            xml.readNext();
            sawSvg = sawSvg || (xml.isStartElement() && xml.name() == QLatin1String("svg"));
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QVERIFY(sawSvg);
        QVERIFY(QSvgRenderer(base + QStringLiteral(".svg")).isValid());
        QFile pdf(base + QStringLiteral(".pdf"));
        QVERIFY(pdf.open(QIODevice::ReadOnly));
        const QByteArray bytes = pdf.readAll();
        QVERIFY(bytes.startsWith("%PDF"));
        QVERIFY(bytes.contains("/Type /Page"));
    }
    const QString report = dir.filePath(QStringLiteral("report.pdf"));
    QCOMPARE(m_window->exports()->report(report), QString());
    QFile r(report);
    QVERIFY(r.open(QIODevice::ReadOnly));
    const QByteArray bytes = r.readAll();
    QVERIFY(bytes.startsWith("%PDF"));
    QVERIFY(bytes.count("/Type /Page") >= 4); // the tables, then the six charts two to a page
    const QString csv = dir.filePath(QStringLiteral("records.csv"));
    // The raw records come from the window's session, on a worker thread.
    QSignalSpy exported(m_window->lab()->sessions(), &SessionController::exported);
    m_window->exports()->recordsCsv(csv);
    QVERIFY(exported.wait(20000));
    QFile c(csv);
    QVERIFY(c.open(QIODevice::ReadOnly));
    QVERIFY(c.readLine().startsWith("worker_index,pid,"));
    QVERIFY(c.readLine().contains("/main"));
    const QString json = dir.filePath(QStringLiteral("summary.json"));
    QCOMPARE(m_window->exports()->summaryJson(json), QString());
    QFile j(json);
    QVERIFY(j.open(QIODevice::ReadOnly));
    QVERIFY(QJsonDocument::fromJson(j.readAll()).object().contains(QStringLiteral("routes")));
    const QString rawJson = dir.filePath(QStringLiteral("records.json"));
    m_window->exports()->recordsJson(rawJson);
    QVERIFY(exported.wait(20000));
    QFile rj(rawJson);
    QVERIFY(rj.open(QIODevice::ReadOnly));
    QJsonParseError parseError;
    const QJsonArray records = QJsonDocument::fromJson(rj.readAll(), &parseError).array();
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
    // The same records as the CSV, field by field, numbers as numbers.
    QFile c2(csv);
    QVERIFY(c2.open(QIODevice::ReadOnly));
    // The CSV's last two columns are the recording's (version, started_utc),
    // which the JSON export keeps once, in the session's meta, not per row.
    QList<QByteArray> names = c2.readLine().trimmed().split(',');
    QCOMPARE(names.mid(names.size() - 2), (QList<QByteArray> { "version", "started_utc" }));
    names.resize(names.size() - 2);
    QList<QList<QByteArray>> rows;
    while (!c2.atEnd()) {
        const QByteArray line = c2.readLine().trimmed();
        if (!line.isEmpty())
            rows.append(line.split(','));
    }
    QCOMPARE(records.size(), rows.size());
    QVERIFY(!records.isEmpty());
    for (qsizetype i = 0; i < records.size(); ++i) {
        const QJsonObject o = records[i].toObject();
        QCOMPARE(o.size(), names.size());
        for (qsizetype k = 0; k < names.size(); ++k) {
            const QJsonValue v = o.value(QString::fromLatin1(names[k]));
            const QString cell = QString::fromLatin1(rows[i][k]);
            if (v.isString())
                QCOMPARE(v.toString(), cell);
            else
                QVERIFY2(qAbs(v.toDouble() - cell.toDouble()) < 1e-9, QByteArray(names[k] + " " + rows[i][k]).constData());
        }
    }
}

void TestMainWindow::exportToAnUnwritableFolderSaysSo()
{
    QVERIFY(openWindow());
    const QString error = m_window->exports()->charts(QStringLiteral("/nonexistent-folder-for-clusterlab"));
    QVERIFY(error.contains(QStringLiteral("does not exist")));
    QVERIFY(m_window->lab()->eventLog().constLast().contains(QStringLiteral("Export failed")));
    QSignalSpy failed(m_window->lab()->sessions(), &SessionController::failed);
    m_window->exports()->recordsCsv(QStringLiteral("/nonexistent-folder-for-clusterlab/x.csv"));
    QVERIFY(failed.wait(20000));
    QVERIFY2(failed.constFirst().at(1).toString().contains(QStringLiteral("could not write")),
             qPrintable(failed.constFirst().at(1).toString()));
}

void TestMainWindow::killingAWorkerShowsTheEventAndTheReplacement()
{
    QVERIFY(openWindow());
    // Qt's own checks of the model's contract (rows inserted and removed
    // as a worker dies and its replacement comes), failing this test.
    QAbstractItemModelTester tester(m_window->workerModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->workerModel()->rowCount(), 2, 5000);
    const qint64 victim = m_window->lab()->cluster()->workers().at(0).pid;
    QSignalSpy relisten(m_window->lab(), &LabController::clusterListening);
    m_window->clusterPanel()->workerTable()->selectRow(0);
    QVERIFY(!m_window->clusterPanel()->reviveWorkerAtRow(0)); // a live worker is not errored
    QVERIFY(m_window->clusterPanel()->killWorkerAtRow(0));
    QVERIFY(relisten.wait(20000));
    const QString log = m_window->lab()->eventLog().join(QLatin1Char('\n'));
    QVERIFY2(log.contains(QStringLiteral("worker 0 (pid %1) exited: killed by signal 9").arg(victim)), qPrintable(log));
    QVERIFY(log.contains(QStringLiteral("restarting")));
    const qint64 replacement = m_window->lab()->cluster()->workers().at(0).pid;
    QVERIFY(replacement != victim);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workerModel()->rowOfPid(replacement) == 0, 5000);
    QCOMPARE(m_window->workerModel()->data(m_window->workerModel()->index(0, WorkerTableModel::Restarts), Qt::DisplayRole).toInt(), 1);
    // The topology marks the worker that was killed and replaced.
    drawNow();
    const QList<TopologyView::Node> nodes = m_window->topology()->nodes();
    QCOMPARE(nodes.size(), 2);
    QVERIFY2(nodes.at(0).status.contains(QStringLiteral("restarted 1×")), qPrintable(nodes.at(0).status));
    QVERIFY2(nodes.at(0).status.contains(QStringLiteral("signal 9")), qPrintable(nodes.at(0).status));
    QVERIFY(!nodes.at(1).status.contains(QStringLiteral("restart")));
}

void TestMainWindow::feedIsACompleteImmutableSnapshot()
{
    QVERIFY(openWindow());
    ClusterFeed* feed = m_window->lab()->feed();
    QSignalSpy updated(feed, &ClusterFeed::updated);
    // Workers sample their loop every 100 ms: each worker's lag history fills.
    QTRY_VERIFY_WITH_TIMEOUT(feed->latest()->lagMs.value(0).size() >= 3 && feed->latest()->lagMs.value(1).size() >= 3, 10000);
    QVERIFY(!updated.isEmpty()); // published by its own timer, not asked for
    const std::shared_ptr<const ChartFeed> before = feed->latest();
    QCOMPARE(before->workers.size(), 2);
    QVERIFY(before->running);
    QCOMPARE(before->policy, QStringLiteral("round-robin"));
    QCOMPARE(before->url, m_window->lab()->cluster()->url());
    QVERIFY(before->poolThreads >= 1 && before->maxChildren >= 1);
    QVERIFY(before->lagP99Ms.contains(0) && before->lagP99Ms.contains(1));
    const qsizetype lagPoints = before->lagMs.value(0).size();
    const quint64 sequence = before->sequence;
    QTRY_VERIFY_WITH_TIMEOUT(feed->latest()->lagMs.value(0).size() > lagPoints, 10000);
    // A published feed never changes afterwards; later ones are new objects.
    QCOMPARE(before->lagMs.value(0).size(), lagPoints);
    QCOMPARE(before->sequence, sequence);
    QVERIFY(feed->latest()->sequence > sequence);
    // Histories are bounded.
    QList<QPointF> series;
    for (int i = 0; i < ChartFeed::kMaxPoints + 50; ++i)
        ChartFeed::append(&series, QPointF(i, i));
    QCOMPARE(series.size(), ChartFeed::kMaxPoints);
    QCOMPARE(series.constFirst().x(), 50.0);
}

void TestMainWindow::timeSeriesChartsFollowTheWorkers()
{
    QVERIFY(openWindow());
    auto* latency = qobject_cast<TimeSeriesChart*>(m_window->charts().at(1));
    auto* throughput = qobject_cast<TimeSeriesChart*>(m_window->charts().at(2));
    auto* lag = qobject_cast<TimeSeriesChart*>(m_window->charts().at(4));
    QVERIFY(latency && throughput && lag);
    drawNow();
    // Whole route names, in a stable order; one line per worker.
    QCOMPARE(latency->lineNames(), QStringList({ QStringLiteral("/"), QStringLiteral("/main"), QStringLiteral("/worker"),
                                                 QStringLiteral("/child"), QStringLiteral("/healthz"), QStringLiteral("other") }));
    QCOMPARE(throughput->lineNames(), QStringList({ QStringLiteral("w0"), QStringLiteral("w1") }));
    QCOMPARE(lag->lineNames(), QStringList({ QStringLiteral("w0"), QStringLiteral("w1") }));
    // A worker scaled away leaves the per-worker charts.
    m_window->lab()->scaleBy(-1);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->lab()->cluster()->workers().size(), 1, 20000);
    drawNow();
    QCOMPARE(throughput->lineNames(), QStringList({ QStringLiteral("w0") }));
    QCOMPARE(lag->lineNames(), QStringList({ QStringLiteral("w0") }));
}

void TestMainWindow::topologyShowsSlotsAndSharesTheSelection()
{
    QVERIFY(openWindow());
    m_window->centreTabs()->setCurrentIndex(1);
    TopologyView* topology = m_window->topology();
    // A feed taken once both workers listen (one published just before may
    // still show a worker starting).
    QTRY_VERIFY_WITH_TIMEOUT(topology->nodes().size() == 2 && topology->nodes().at(0).status == QLatin1String("listening")
                                 && topology->nodes().at(1).status == QLatin1String("listening"),
                             5000);
    const std::shared_ptr<const ChartFeed> feed = m_window->lab()->feed()->latest();
    const QList<TopologyView::Node> nodes = topology->nodes();
    for (const TopologyView::Node& n : nodes) {
        QCOMPARE(n.poolSlots, feed->poolThreads);
        QCOMPARE(n.taskSlots, feed->maxChildren);
        QCOMPARE(n.status, QStringLiteral("listening"));
        QVERIFY(n.pid > 0);
        // Inside the view, side by side, never overlapping.
        QVERIFY2(QRectF(topology->rect()).contains(n.rect), qPrintable(QStringLiteral("%1 px wide view").arg(topology->width())));
    }
    QVERIFY(!nodes.at(0).rect.intersects(nodes.at(1).rect));
    // A click on a worker selects its row in the table...
    QTest::mouseClick(topology, Qt::LeftButton, {}, nodes.at(1).rect.center().toPoint());
    QModelIndexList rows = m_window->clusterPanel()->workerTable()->selectionModel()->selectedRows();
    QCOMPARE(rows.size(), 1);
    QCOMPARE(m_window->workerModel()->indexAtRow(rows.constFirst().row()), nodes.at(1).index);
    // ...and a row selected in the table outlines its worker there.
    m_window->clusterPanel()->workerTable()->selectRow(0);
    QCOMPARE(topology->selectedIndex(), m_window->workerModel()->indexAtRow(0));
}

void TestMainWindow::topologyFollowsTheFlow()
{
    QVERIFY(openWindow());
    m_window->centreTabs()->setCurrentIndex(1);
    TopologyView* topology = m_window->topology();
    QTRY_COMPARE_WITH_TIMEOUT(topology->nodes().size(), 2, 5000);
    QVERIFY(!topology->animating()); // nothing flows yet
    // One keep-alive connection: every request goes to one worker.
    LoadTestPanel* load = m_window->loadTestPanel();
    load->setConnections(1);
    load->setKeepAlive(true);
    load->setRouteMix(QStringLiteral("/"));
    load->useDuration(true);
    load->setDurationSeconds(30);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    auto busyEdge = [topology]() {
        const QList<TopologyView::Node> n = topology->nodes();
        return n.size() == 2 && ((n[0].rps > 0) != (n[1].rps > 0));
    };
    QTRY_VERIFY_WITH_TIMEOUT(busyEdge() && topology->animating(), 15000);
    const QList<TopologyView::Node> nodes = topology->nodes();
    const TopologyView::Node& busy = nodes[0].rps > 0 ? nodes[0] : nodes[1];
    const TopologyView::Node& idle = nodes[0].rps > 0 ? nodes[1] : nodes[0];
    QVERIFY(busy.edgeWidth > idle.edgeWidth);
    // Hidden, the topology stops animating (the charts tab is in front).
    m_window->centreTabs()->setCurrentIndex(0);
    QVERIFY(!topology->animating());
    QSignalSpy done(load, &LoadTestPanel::finished);
    load->stop();
    QVERIFY(done.wait(20000));
}

void TestMainWindow::settingsSurviveARestart()
{
    {
        MainWindow first;
        first.clusterPanel()->setWorkersSetting(3);
        first.clusterPanel()->setPolicySetting(QStringLiteral("shared"));
        first.saveSettings();
    }
    MainWindow second;
    QCOMPARE(second.clusterPanel()->workersSetting(), 3);
    QCOMPARE(second.clusterPanel()->policySetting(), QStringLiteral("shared"));
}

void TestMainWindow::aSessionRoundTripShowsTheSameNumbers()
{
    QVERIFY(openWindow());
    // The window holds no raw records: they go to its session file.
    QVERIFY(!m_window->lab()->cluster()->telemetry()->keepsRecords());
    LoadTestPanel* load = m_window->loadTestPanel();
    load->setRequests(600);
    load->setConnections(4);
    load->setKeepAlive(false);
    load->setRouteMix(QStringLiteral("/:2, /main?n=12:1, /worker?n=12:1"));
    QSignalSpy done(load, &LoadTestPanel::finished);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    QVERIFY(done.wait(60000));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->routingChart()->total(), 600.0, 10000);
    // What the live views show now.
    drawNow();
    const auto live = m_window->lab()->feed()->latest();
    WorkerTableModel* model = m_window->workerModel();
    QList<QStringList> liveRows;
    for (int row = 0; row < model->rowCount(); ++row) {
        QStringList cells;
        for (int col : { int(WorkerTableModel::Index), int(WorkerTableModel::Pid), int(WorkerTableModel::Root),
                         int(WorkerTableModel::Main), int(WorkerTableModel::Worker), int(WorkerTableModel::Child) })
            cells << model->data(model->index(row, col), Qt::DisplayRole).toString();
        liveRows << cells;
    }
    QTemporaryDir dir;
    const QString saved = dir.filePath(QStringLiteral("run.sqlite"));
    QSignalSpy savedSpy(m_window->lab()->sessions(), &SessionController::saved);
    m_window->lab()->sessions()->save(saved);
    QVERIFY(savedSpy.wait(20000));
    QSignalSpy opened(m_window->lab()->sessions(), &SessionController::opened);
    m_window->lab()->sessions()->open(saved);
    QVERIFY(opened.wait(20000));
    QVERIFY(m_window->viewingSession());
    // The same numbers, read back from the file: routing, the worker table,
    // the latency distribution per route (to the session's 100 ns).
    QCOMPARE(m_window->routingChart()->total(), 600.0);
    QCOMPARE(model->rowCount(), liveRows.size());
    for (int row = 0; row < model->rowCount(); ++row) {
        QStringList cells;
        for (int col : { int(WorkerTableModel::Index), int(WorkerTableModel::Pid), int(WorkerTableModel::Root),
                         int(WorkerTableModel::Main), int(WorkerTableModel::Worker), int(WorkerTableModel::Child) })
            cells << model->data(model->index(row, col), Qt::DisplayRole).toString();
        QCOMPARE(cells, liveRows[row]);
    }
    const auto replay = opened.constFirst().constFirst().value<std::shared_ptr<const SessionSummary>>();
    QCOMPARE(replay->requests, quint64(600));
    QCOMPARE(replay->loadRequests, quint64(600));
    QCOMPARE(replay->loadTests.size(), 1);
    QCOMPARE(replay->loadTests.constFirst().summary.value(QStringLiteral("succeeded")).toInt(), 600);
    for (int r = 0; r < kRouteCount; ++r) {
        const HdrHistogram& a = live->snapshot->latencyAll[static_cast<std::size_t>(r)];
        const HdrHistogram& b = replay->latency[static_cast<std::size_t>(r)];
        QCOMPARE(b.totalCount(), a.totalCount());
        // The same histogram from the same requests: at most a step apart
        // (the session stores times at 100 ns; both truncate to µs).
        for (double p : { 50.0, 99.0 }) {
            const double x = static_cast<double>(a.valueAtPercentile(p)), y = static_cast<double>(b.valueAtPercentile(p));
            QVERIFY2(qAbs(x - y) <= std::max(1.0, 0.01 * x), qPrintable(QStringLiteral("route %1 p%2: %3 vs %4").arg(r).arg(p).arg(x).arg(y)));
        }
    }
    // Back to live; and no database call ever ran on this (the GUI) thread.
    m_window->sessionActions()->backToLive();
    QVERIFY(!m_window->viewingSession());
    QVERIFY(!session::databaseThreads().isEmpty());
    QVERIFY(!session::databaseThreads().contains(QThread::currentThread()));
}

// A session of 501 /main requests, half a second of them, each taking
// `ticks` (10,000 ticks: 1 ms), served by two workers in turn.
static bool writeMainSession(const QString& path, std::uint32_t ticks)
{
    SessionRecorder rec;
    QString error;
    if (!rec.start(path, {}, &error)) {
        qWarning("cannot write %s: %s", qPrintable(path), qPrintable(error));
        return false;
    }
    for (int i = 0; i <= 500; ++i) {
        StoredRecord r;
        r.headersNs = 1000000LL * i;
        r.route = RouteId::Main;
        r.path = PathId::Main;
        r.status = 200;
        r.workerIndex = static_cast<std::uint16_t>(i % 2);
        r.pid = 500 + i % 2;
        r.written = ticks;
        rec.addRecord(r);
    }
    rec.finish();
    return true;
}

void TestMainWindow::twoSessionsCompareWithRatios()
{
    QVERIFY(openWindow());
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a.sqlite"));
    const QString b = dir.filePath(QStringLiteral("b.sqlite"));
    // Two known runs: /main at 1 ms, then at 2 ms.
    for (const auto& [path, ticks] : { std::pair { a, 10000u }, std::pair { b, 20000u } })
        QVERIFY(writeMainSession(path, ticks));
    QSignalSpy compared(m_window->lab()->sessions(), &SessionController::compared);
    m_window->lab()->sessions()->compare(a, b);
    QVERIFY(compared.wait(20000));
    ComparisonView* view = m_window->comparisonView();
    QCOMPARE(m_window->centreTabs()->currentIndex(), 3);
    // Per route: requests, p50, p99, req/s; each with A, B and B/A.
    QCOMPARE(view->table()->rowCount(), 4);
    QCOMPARE(view->table()->item(0, 0)->text(), QStringLiteral("/main"));
    QCOMPARE(view->table()->item(1, 1)->text(), QStringLiteral("p50 ms"));
    // Each B/A with its 95% interval: 1 ms against 2 ms, every request alike.
    QVERIFY2(view->table()->item(1, 4)->text().startsWith(QStringLiteral("2.00× (")), qPrintable(view->table()->item(1, 4)->text()));
    QVERIFY(view->statistics().routes.constFirst().p50.differs());
    QCOMPARE(view->table()->item(2, 1)->text(), QStringLiteral("p99 ms"));
    // 501 requests a side: too few for a p99 (1,000 at least).
    QCOMPARE(view->table()->item(2, 4)->text(), QStringLiteral("n/a"));
    QVERIFY(view->table()->item(2, 4)->toolTip().contains(QStringLiteral("1000 requests")));
    // Half a second of requests: too short for a throughput interval.
    QCOMPARE(view->table()->item(3, 4)->text(), QStringLiteral("n/a"));
    QVERIFY(view->table()->item(3, 4)->toolTip().contains(QStringLiteral("whole seconds")));
    auto* percentiles = qobject_cast<ComparisonPercentileChart*>(view->charts().at(0));
    QVERIFY(percentiles);
    QCOMPARE(percentiles->lineNames(), QStringList({ QStringLiteral("/main A"), QStringLiteral("/main B") }));
    for (ChartPanel* c : view->charts())
        QVERIFY2(!c->showsEmptyHint(), qPrintable(c->title()));
    // Exported, and in the report.
    QTemporaryDir out;
    QCOMPARE(view->exportTo(out.path()), QString());
    for (const char* name : { "comparison-percentiles.png", "comparison-throughput.svg", "comparison-routing.pdf", "comparison.csv" })
        QVERIFY2(QFileInfo(out.filePath(QLatin1String(name))).size() > 0, name);
    QFile csv(out.filePath(QStringLiteral("comparison.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QByteArray csvText = csv.readAll();
    QVERIFY2(csvText.startsWith("route,measure,A,B,B_over_A,low_95,high_95,verdict\n/main,requests,501,501,1.00,,,\n"
                                "/main,p50 ms,1.00,2.01,2.001,"),
             csvText.constData());
    QVERIFY2(csvText.contains(",differs\n/main,p99 ms,1.00,2.01,,,,not-comparable\n"), csvText.constData());
    const QString html = out.filePath(QStringLiteral("report.html"));
    QCOMPARE(m_window->exports()->report(html), QString());
    QFile h(html);
    QVERIFY(h.open(QIODevice::ReadOnly));
    const QByteArray page = h.readAll();
    QVERIFY(page.contains("Two sessions compared"));
    QVERIFY(page.contains("Latency percentiles, A against B"));
    // The live session against a saved one: A is what the window recorded.
    compared.clear();
    m_window->lab()->sessions()->compare(QString(), b);
    QVERIFY(compared.wait(20000));
    QCOMPARE(compared.constFirst().constFirst().value<std::shared_ptr<const SessionSummary>>()->path, m_window->lab()->sessions()->livePath());
}

void TestMainWindow::openingWhatIsNotASessionChangesNothing()
{
    QVERIFY(openWindow());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("notes.sqlite"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a database at all\n");
    f.close();
    const QByteArray before = QFile(path).exists() ? QByteArray::number(QFileInfo(path).size()) : QByteArray();
    QSignalSpy failed(m_window->lab()->sessions(), &SessionController::failed);
    m_window->lab()->sessions()->open(path);
    QVERIFY(failed.wait(20000));
    QVERIFY2(failed.constFirst().at(1).toString().contains(QStringLiteral("not an SQLite database")),
             qPrintable(failed.constFirst().at(1).toString()));
    QVERIFY(!m_window->viewingSession());
    QCOMPARE(QByteArray::number(QFileInfo(path).size()), before);
    QFile again(path);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(again.readAll(), QByteArray("not a database at all\n"));
    QVERIFY(m_window->lab()->eventLog().constLast().contains(QStringLiteral("Cannot open the session")));
}

// Issue 22: a 45 KB session whose requests table was an endless view hung
// the reader; the window said "cannot open the session" at 60 s and then
// never exited (Qt waits for its thread pool). Now the file is refused for
// what it is, and a window that goes cancels any read still running.
void TestMainWindow::theWindowEndsWhileAHostileSessionOpens()
{
    QVERIFY(openWindow());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("endless.sqlite"));
    const QString name = session::newConnectionName("craft");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO meta VALUES ('format', 'clusterlab-session'), ('version', '1')")));
        QVERIFY(q.exec(QStringLiteral("CREATE VIEW requests AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                      "SELECT x AS headers_ns, 0 AS worker, 1 AS pid, 0 AS connection, 0 AS seq, 0 AS route, "
                                      "0 AS path, 0 AS n, 200 AS status, 0 AS bytes, 0 AS queue_ns, 0 AS compute_ns, "
                                      "0 AS spawn_ns, 1 AS total_ns, 0 AS thread_or_task FROM c")));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    QSignalSpy failed(m_window->lab()->sessions(), &SessionController::failed);
    m_window->lab()->sessions()->open(path);
    QVERIFY(failed.wait(20000));
    QVERIFY2(failed.constFirst().at(1).toString().contains(QStringLiteral("requests is a view")),
             qPrintable(failed.constFirst().at(1).toString()));
    // Again, and the window goes at once: the read ends with it.
    m_window->lab()->sessions()->open(path);
    m_window.reset();
    QVERIFY(QThreadPool::globalInstance()->waitForDone(20000));
}

// Crash recovery: the temporary session a window left behind (its pid no
// longer runs) is offered at the next start, read-only, saved or discarded;
// one past the age limit is removed unasked.
void TestMainWindow::anUnsavedSessionLeftBehindIsOfferedBack()
{
    QTemporaryDir temp;
    QVERIFY(temp.isValid());
    const QByteArray oldTmp = qgetenv("TMPDIR");
    qputenv("TMPDIR", QFile::encodeName(temp.path()));
    struct RestoreTmp
    {
        QByteArray value;
        ~RestoreTmp()
        {
            if (value.isEmpty())
                qunsetenv("TMPDIR");
            else
                qputenv("TMPDIR", value);
        }
    } restore { oldTmp };
    QCOMPARE(SessionController::temporaryFolder(), temp.path());
    // Two windows' leftovers (pids beyond any pid: not running), and one of
    // this process (running: not a leftover).
    const QString recent = temp.filePath(QStringLiteral("clusterlab-session-99999999991-1.sqlite"));
    const QString old = temp.filePath(QStringLiteral("clusterlab-session-99999999992-1.sqlite"));
    const QString mine = temp.filePath(QStringLiteral("clusterlab-session-%1-77.sqlite").arg(QCoreApplication::applicationPid()));
    for (const QString& path : { recent, old, mine }) {
        SessionRecorder rec;
        QString error;
        QVERIFY2(rec.start(path, {}, &error), qPrintable(error));
        for (int i = 0; i < 100; ++i) {
            StoredRecord r;
            r.headersNs = 1000000LL * i;
            r.route = RouteId::Root;
            r.status = 200;
            r.pid = 4242;
            r.written = 1000;
            rec.addRecord(r);
        }
        rec.finish();
    }
    {
        QFile f(old);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(QDateTime::currentDateTime().addDays(-(SessionController::kLeftoverMaxAgeDays + 1)),
                              QFileDevice::FileModificationTime));
    }
    QVERIFY(openWindow());
    SessionActions* actions = m_window->sessionActions();
    QCOMPARE(actions->recoveryOffered(), recent);
    QVERIFY(actions->recoveryBar()->isVisible());
    QVERIFY(!QFile::exists(old)); // past the age limit: removed
    QVERIFY(QFile::exists(mine));  // a running window's: left alone
    // Open: read-only, the bar stays.
    QSignalSpy opened(m_window->lab()->sessions(), &SessionController::opened);
    actions->recoveryBar()->findChild<QPushButton*>(QStringLiteral("recoverOpen"))->click();
    QVERIFY(opened.wait(20000));
    QVERIFY(m_window->viewingSession());
    QCOMPARE(actions->viewing()->requests, quint64(100));
    QVERIFY(actions->recoveryBar()->isVisible());
    // Saving onto the leftover itself: refused, nothing lost.
    QSignalSpy failedSpy(actions, &SessionActions::failed);
    QVERIFY(!actions->recoverSaveTo(recent));
    QCOMPARE(failedSpy.count(), 1);
    QVERIFY(QFile::exists(recent));
    // Save: a copy that opens, and the leftover gone.
    const QString saved = temp.filePath(QStringLiteral("saved/recovered.sqlite"));
    QVERIFY(QDir(temp.path()).mkpath(QStringLiteral("saved")));
    QVERIFY(actions->recoverSaveTo(saved));
    QVERIFY(!QFile::exists(recent));
    SessionSummary summary;
    QString error;
    QVERIFY2(readSession(saved, &summary, &error), qPrintable(error));
    QCOMPARE(summary.requests, quint64(100));
    QVERIFY(actions->recoveryOffered().isEmpty());
    QVERIFY(!actions->recoveryBar()->isVisible());
    // Discard: gone without a trace.
    QVERIFY(QFile::copy(saved, recent));
    actions->offerRecovery();
    QCOMPARE(actions->recoveryOffered(), recent);
    actions->recoveryBar()->findChild<QPushButton*>(QStringLiteral("recoverDiscard"))->click();
    QVERIFY(!QFile::exists(recent));
    QVERIFY(!actions->recoveryBar()->isVisible());
    QFile::remove(mine);
    // The size budget: the newest leftover is kept however large (a window
    // may leave 16 GiB); older ones beyond 4 GiB in all go, oldest first.
    const QString big = temp.filePath(QStringLiteral("clusterlab-session-99999999993-1-0a.sqlite"));
    const QString middle = temp.filePath(QStringLiteral("clusterlab-session-99999999994-1-0b.sqlite"));
    const QString oldest = temp.filePath(QStringLiteral("clusterlab-session-99999999995-1-0c.sqlite"));
    const QDateTime now = QDateTime::currentDateTime();
    const QList<std::tuple<QString, qint64, int>> files { { big, 5LL << 30, 0 }, { middle, 3LL << 30, 1 }, { oldest, 2LL << 30, 2 } };
    for (const auto& [path, bytes, daysAgo] : files) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize(bytes)); // sparse: no disk used
        QVERIFY(f.setFileTime(now.addDays(-daysAgo), QFileDevice::FileModificationTime));
    }
    QCOMPARE(SessionController::pruneLeftovers(temp.path(), now), 1);
    QVERIFY(QFile::exists(big));
    QVERIFY(QFile::exists(middle));
    QVERIFY(!QFile::exists(oldest)); // 3 + 2 GiB of older ones: past 4 GiB
    for (const QString& path : { big, middle })
        QVERIFY(SessionController::removeLeftover(path));
}

// The route-mix table reads and writes the text form the command line takes,
// its shares sum to 100%, and the panel's line follows it.
void TestMainWindow::theRouteMixEditorRoundTripsTheTextForm()
{
    RouteMixEditor editor;
    QVERIFY(editor.setText(QStringLiteral("/:4, /main?n=24:1, /worker?n=24&x=1:1, /child?n=24:2")));
    QCOMPARE(editor.table()->rowCount(), 4);
    QCOMPARE(editor.table()->item(1, 0)->text(), QStringLiteral("/main"));
    QCOMPARE(editor.table()->item(1, 1)->text(), QStringLiteral("24"));
    QCOMPARE(editor.table()->item(2, 0)->text(), QStringLiteral("/worker?x=1"));
    QStringList shares;
    for (int r = 0; r < 4; ++r)
        shares << editor.table()->item(r, 3)->text();
    QCOMPARE(shares, (QStringList { QStringLiteral("50%"), QStringLiteral("13%"), QStringLiteral("12%"), QStringLiteral("25%") }));
    QCOMPARE(editor.text(), QStringLiteral("/:4, /main?n=24:1, /worker?x=1&n=24:1, /child?n=24:2"));
    // The text it writes is one the command line's parser takes, to the same routes.
    QList<RouteWeight> routes;
    QString error;
    QVERIFY2(parseRouteMix(editor.text(), &routes, &error), qPrintable(error));
    QCOMPARE(routes.size(), 4);
    QCOMPARE(routes[3].path, QByteArray("/child?n=24"));
    QCOMPARE(routes[3].weight, 2);
    // Three equal weights: 34 + 33 + 33.
    QCOMPARE(RouteMixEditor::sharesOf({ 1, 1, 1 }), (QList<int> { 34, 33, 33 }));
    QCOMPARE(RouteMixEditor::sharesOf({}), QList<int>());
    // Not a mix: refused, the rows kept.
    QVERIFY(!editor.setText(QStringLiteral("/:0")));
    QCOMPARE(editor.table()->rowCount(), 4);
    // An edit: a weight of 0 becomes 1, n past 45 becomes 45, a route gets its '/'.
    QSignalSpy edited(&editor, &RouteMixEditor::edited);
    editor.table()->item(0, 2)->setText(QStringLiteral("0"));
    editor.table()->item(1, 1)->setText(QStringLiteral("99"));
    editor.table()->item(2, 0)->setText(QStringLiteral("worker"));
    QVERIFY(edited.count() >= 3);
    QCOMPARE(editor.text(), QStringLiteral("/:1, /main?n=45:1, /worker?n=24:1, /child?n=24:2"));
    QCOMPARE(edited.last().constFirst().toString(), editor.text());
    // Every preset writes its own text.
    for (int i = 1; i < editor.presets()->count(); ++i) {
        editor.presets()->setCurrentIndex(i);
        Q_EMIT editor.presets()->activated(i);
        QCOMPARE(editor.text(), RouteMixEditor::presetList().at(i - 1).second);
        QCOMPARE(editor.presets()->currentIndex(), 0);
    }
    // In the window: the panel's line follows the table, and the other way.
    QVERIFY(openWindow());
    LoadTestPanel* load = m_window->loadTestPanel();
    RouteMixEditor* inPanel = load->routeMixEditor();
    QCOMPARE(inPanel->text(), QStringLiteral("/:4, /main?n=24:1, /worker?n=24:1, /child?n=24:1"));
    inPanel->presets()->setCurrentIndex(3);
    Q_EMIT inPanel->presets()->activated(3);
    QCOMPARE(load->findChild<QLineEdit*>(QStringLiteral("mix"))->text(), RouteMixEditor::presetList().at(2).second);
    load->setRouteMix(QStringLiteral("/:2, /healthz:1"));
    QCOMPARE(inPanel->table()->rowCount(), 2);
    QCOMPARE(inPanel->table()->item(0, 3)->text(), QStringLiteral("67%"));
}


void TestMainWindow::theFourChartsAreInViewDuringALoadTest_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addRow("1280x800") << QSize(1280, 800);
    QTest::addRow("1920x1080") << QSize(1920, 1080);
}

// At 1280x800 one chart and a third were in view while a load test ran
// (the side panels took more than half the width, each chart a fixed 360 px
// and its explanation under it): routing, latency over time, throughput and
// the percentiles must all be in view, unscrolled, with the load test's
// progress beside them.
void TestMainWindow::theFourChartsAreInViewDuringALoadTest()
{
    QFETCH(QSize, size);
    QVERIFY(openWindow());
    m_window->showGuide(false); // a user at work has dismissed it
    m_window->resize(size);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->size(), size, 5000);
    m_window->showLoadTest();
    LoadTestPanel* load = m_window->loadTestPanel();
    QVERIFY(!load->summaryShown()); // no summary yet: the form has the room
    load->useDuration(true);
    load->setDurationSeconds(60); // stopped below, once looked at
    load->setConnections(2);
    load->setRouteMix(QStringLiteral("/:4, /main?n=15:1, /worker?n=15:1, /child?n=15:1"));
    QSignalSpy done(load, &LoadTestPanel::finished);
    QString error;
    QVERIFY2(load->start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->routingChart()->total() > 0, 10000);
    QCoreApplication::processEvents();
    QScrollArea* scroll = m_window->chartScrollArea();
    QCOMPARE(m_window->centreTabs()->currentWidget(), scroll);
    QCOMPARE(scroll->verticalScrollBar()->value(), 0);
    QWidget* viewport = scroll->viewport();
    const QList<ChartPanel*> charts = m_window->charts();
    QVERIFY(charts.size() >= 4);
    const QStringList wanted = { QStringLiteral("Routing"), QStringLiteral("Latency over time"), QStringLiteral("Throughput"),
                                 QStringLiteral("Latency percentiles") };
    for (int i = 0; i < 4; ++i) {
        ChartPanel* chart = charts[i];
        QVERIFY2(chart->title().startsWith(wanted[i]), qPrintable(chart->title()));
        QVERIFY(chart->isVisible());
        // The whole chart (title, plot, axes, legend) inside the visible part of the view.
        const QRect inView(chart->view()->mapTo(viewport, QPoint(0, 0)), chart->view()->size());
        QVERIFY2(viewport->rect().contains(inView),
                 qPrintable(QStringLiteral("%1 at %2,%3 %4x%5 in a %6x%7 view").arg(chart->title()).arg(inView.x()).arg(inView.y())
                                .arg(inView.width()).arg(inView.height()).arg(viewport->width()).arg(viewport->height())));
        QVERIFY2(chart->view()->height() >= 220 && chart->view()->width() >= 280, qPrintable(chart->title()));
    }
    // The progress is in view beside them.
    QVERIFY(m_window->sidePanel()->showsPage(load));
    QVERIFY(load->isRunning());
    QVERIFY(!load->summaryShown());
    load->stop();
    QVERIFY(done.wait(30000));
    QVERIFY(load->summaryShown());
    QVERIFY(load->summaryText().contains(QStringLiteral("Requests/sec")));
}

// The controls fold to a strip of tabs (the charts take the width) and open
// again at their width; the layout a user leaves is the one the next start
// shows; a closed panel comes back from the View menu.
void TestMainWindow::theControlsFoldToAStripAndTheLayoutIsRemembered()
{
    int openWidth = 0;
    {
        MainWindow first;
        first.resize(1280, 800);
        first.show();
        QVERIFY(QTest::qWaitForWindowExposed(&first));
        SidePanel* side = first.sidePanel();
        QDockWidget* dock = first.controlsDock();
        QVERIFY(!side->folded());
        // A width of the user's own, to open again at.
        first.resizeDocks({ dock }, { 450 }, Qt::Horizontal);
        QTRY_VERIFY_WITH_TIMEOUT(qAbs(dock->width() - 450) <= 8, 5000);
        openWidth = dock->width();
        QVERIFY(openWidth >= side->minimumSizeHint().width());
        const int columnsOpen = first.chartGrid()->columns();
        const int gridOpen = first.chartGrid()->width();
        // A click on the tab in front folds the panel.
        QTabBar* tabs = side->tabBar();
        QTest::mouseClick(tabs, Qt::LeftButton, {}, tabs->tabRect(side->currentIndex()).center());
        QVERIFY(side->folded());
        QTRY_VERIFY_WITH_TIMEOUT(dock->width() < 60, 5000);
        // The charts take the width the panel gave up.
        QTRY_VERIFY_WITH_TIMEOUT(first.chartGrid()->width() >= gridOpen + openWidth - 80, 5000);
        QVERIFY(first.chartGrid()->columns() >= columnsOpen);
        // A click on another tab opens it, at the width it had.
        QTest::mouseClick(tabs, Qt::LeftButton, {}, tabs->tabRect(1).center());
        QVERIFY(!side->folded());
        QCOMPARE(side->currentIndex(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(qAbs(dock->width() - openWidth) <= 8, 5000);
        // The View menu folds it too (Ctrl+B), and brings back a closed panel.
        auto* fold = first.findChild<QAction*>(QStringLiteral("foldControls"));
        QVERIFY(fold != nullptr);
        fold->trigger();
        QVERIFY(side->folded());
        QDockWidget* events = first.findChild<QDockWidget*>(QStringLiteral("eventsDock"));
        QVERIFY(events != nullptr && events->isVisible());
        events->close();
        QVERIFY(!events->isVisible());
        first.saveSettings();
    }
    {
        MainWindow second;
        second.resize(1280, 800);
        second.show();
        QVERIFY(QTest::qWaitForWindowExposed(&second));
        SidePanel* side = second.sidePanel();
        QVERIFY(side->folded());
        QCOMPARE(side->currentIndex(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(second.controlsDock()->width() < 60, 5000);
        auto* events = second.findChild<QDockWidget*>(QStringLiteral("eventsDock"));
        QVERIFY(events != nullptr && !events->isVisible());
        events->toggleViewAction()->trigger();
        QVERIFY(events->isVisible());
        side->setFolded(false);
        QTRY_VERIFY_WITH_TIMEOUT(qAbs(second.controlsDock()->width() - openWidth) <= 8, 5000);
        // Reset: the first start's layout.
        side->setCurrentIndex(0);
        second.resetLayout();
        QVERIFY(!side->folded());
        QCOMPARE(side->currentIndex(), 0);
    }
}

// The feed reaches the views over the next turns of the event loop, not
// inside the signal that brings it; a view out of sight takes one feed in
// ten until it comes into sight; an export's flush feeds every view now.
void TestMainWindow::viewsTakeFeedsATurnAtATime()
{
    QWidget shown;
    shown.resize(200, 100);
    auto* inSight = new QWidget(&shown);
    inSight->setGeometry(0, 0, 100, 100);
    auto* later = new QWidget(&shown);
    later->setGeometry(100, 0, 100, 100);
    later->hide();
    shown.show();
    QVERIFY(QTest::qWaitForWindowExposed(&shown));
    ViewRefresher views;
    QList<quint64> seenA, seenB;
    views.add(inSight, [&](const ChartFeed& f) { seenA.append(f.sequence); });
    views.add(later, [&](const ChartFeed& f) { seenB.append(f.sequence); });
    auto feed = [](quint64 n) {
        auto f = std::make_shared<ChartFeed>();
        f->sequence = n;
        return std::shared_ptr<const ChartFeed>(f);
    };
    views.take(feed(1));
    QVERIFY(seenA.isEmpty() && seenB.isEmpty()); // not inside take()
    QVERIFY(views.busy());
    QTRY_COMPARE(seenA, QList<quint64>({ 1 }));
    QVERIFY(!views.busy());
    QCOMPARE(views.rounds(), 1u);
    // Two feeds before a turn: the view draws the newer once.
    views.take(feed(2));
    views.take(feed(3));
    QTRY_VERIFY(!views.busy());
    QCOMPARE(seenA, QList<quint64>({ 1, 3 }));
    // Out of sight: every tenth feed only.
    for (quint64 n = 4; n <= 12; ++n) {
        views.take(feed(n));
        QTRY_VERIFY(!views.busy());
    }
    QCOMPARE(seenB, QList<quint64>({ 10 }));
    QCOMPARE(seenA.size(), 11);
    // In sight again: it catches up at once.
    later->show();
    views.catchUp();
    QTRY_COMPARE(seenB, QList<quint64>({ 10, 12 }));
    // A flush: everything that missed a feed, now.
    later->hide();
    views.take(feed(13));
    views.flush();
    QCOMPARE(seenA.constLast(), 13u);
    QCOMPARE(seenB.constLast(), 13u);
    QVERIFY(!views.busy());
}

// Three runs against three (File > Compare runs…): read and compared on a
// worker thread, the table pooling each side, the intervals from the
// variation between runs; a side with none, or too many, is refused.
void TestMainWindow::severalRunsASideCompareBetweenRuns()
{
    QVERIFY(openWindow());
    QTemporaryDir dir;
    QStringList a, b;
    // /main at about 1 ms (A) and 2 ms (B), each run a little apart.
    const QList<std::pair<QString, std::uint32_t>> runs = { { QStringLiteral("a1"), 10000 }, { QStringLiteral("a2"), 10150 },
                                                            { QStringLiteral("a3"), 9900 },  { QStringLiteral("b1"), 20000 },
                                                            { QStringLiteral("b2"), 20300 }, { QStringLiteral("b3"), 19800 } };
    for (const auto& [name, ticks] : runs) {
        const QString path = dir.filePath(name + QStringLiteral(".sqlite"));
        (name.startsWith(QLatin1Char('a')) ? a : b).append(path);
        QVERIFY(writeMainSession(path, ticks));
    }
    SessionController* sessions = m_window->lab()->sessions();
    QSignalSpy compared(sessions, &SessionController::compared);
    QSignalSpy failed(sessions, &SessionController::failed);
    sessions->compareRuns(a, b);
    QVERIFY(compared.wait(30000));
    QCOMPARE(failed.count(), 0);
    ComparisonView* view = m_window->comparisonView();
    const RunComparison& stats = view->statistics();
    QCOMPARE(stats.a.runs, 3);
    QCOMPARE(stats.b.runs, 3);
    QCOMPARE(stats.a.requests, 1503u);
    QVERIFY2(stats.method.contains(QStringLiteral("between runs")), qPrintable(stats.method));
    // The table pools each side: 3 x 501 requests, and B/A of about 2 that differs.
    QCOMPARE(view->table()->rowCount(), 4);
    QCOMPARE(view->table()->item(0, 2)->text(), QStringLiteral("1503"));
    QCOMPARE(view->table()->item(0, 3)->text(), QStringLiteral("1503"));
    QVERIFY(stats.routes.constFirst().p50.differs());
    QVERIFY2(view->table()->item(1, 4)->text().startsWith(QStringLiteral("1.9")) || view->table()->item(1, 4)->text().startsWith(QStringLiteral("2.0")),
             qPrintable(view->table()->item(1, 4)->text()));
    // The heading says how many runs and requests each side has.
    const QString heading = view->findChild<QLabel*>(QStringLiteral("comparisonHeading"))->text();
    QVERIFY2(heading.contains(QStringLiteral("3 runs")) && heading.contains(QStringLiteral("1,503 requests")), qPrintable(heading));
    QVERIFY(view->tableHtml().contains(QStringLiteral("3 runs:")));
    // A side with no session, or with more than the limit: refused, and said why.
    sessions->compareRuns({}, b);
    QCOMPARE(failed.count(), 1);
    QStringList many;
    for (int i = 0; i <= SessionController::kMaxRunsPerSide; ++i)
        many.append(a.constFirst());
    sessions->compareRuns(many, b);
    QCOMPARE(failed.count(), 2);
    QVERIFY2(failed.constLast().constLast().toString().contains(QStringLiteral("from 1 to 20")),
             qPrintable(failed.constLast().constLast().toString()));
    // A side that cannot be read: the comparison fails and says which.
    sessions->compareRuns({ a.constFirst(), dir.filePath(QStringLiteral("missing.sqlite")) }, b);
    QVERIFY(failed.wait(20000));
    QCOMPARE(failed.count(), 3);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
