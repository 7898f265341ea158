// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "chartgrid.h"
#include "charts.h"
#include "clusterpanel.h"
#include "comparisonview.h"
#include "experimentspage.h"
#include "guilagmonitor.h"
#include "labcontroller.h"
#include "labexports.h"
#include "loadtestpanel.h"
#include "requestpanel.h"
#include "sessionactions.h"
#include "sessioncontroller.h"
#include "startguide.h"
#include "topologyview.h"
#include "workertablemodel.h"

#include "load/loadgenerator.h"

#include <QAction>
#include <QChart>
#include <QCloseEvent>
#include <QDockWidget>
#include <QGuiApplication>
#include <QIcon>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>

// The icon lives in clusterlab_gui, a static library: its resources are
// linked in only when something names them (Q_INIT_RESOURCE must be called
// from the global namespace).
static void initGuiResources()
{
    Q_INIT_RESOURCE(clusterlab);
}

namespace clusterlab {

namespace {
// `content` in a scroll area that scrolls down, never sideways.
QScrollArea* verticalScroll(QWidget* content, QWidget* parent)
{
    auto* scroll = new QScrollArea(parent);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
{
    initGuiResources();
    setWindowTitle(tr("ClusterLab"));
    setWindowIcon(QIcon(QStringLiteral(":/clusterlab/clusterlab.svg")));
    setMinimumSize(1000, 680);
    m_lag = new GuiLagMonitor(this);
    // The lab (cluster, feed, session) first: everything else is a view of it.
    m_lab = new LabController(this);
    m_feed = m_lab->feed();
    m_sessions = m_lab->sessions();
    m_clusterPanel = new ClusterPanel(m_lab, this);
    connect(m_sessions, &SessionController::failed, this, &MainWindow::showError);
    connect(m_sessions, &SessionController::recordingStopped, this,
            [this](const QString& reason) { showError(tr("Recording stopped"), reason); });
    connect(m_lab, &LabController::problem, this, &MainWindow::showError);
    connect(m_clusterPanel, &ClusterPanel::message, this, [this](const QString& m) { statusBar()->showMessage(m, 4000); });
    buildCentre();
    m_exports = new LabExports(m_feed, m_sessions, m_clusterPanel->workerModel(), m_charts, m_experiments, this);
    m_exports->setComparison(m_comparison);
    connect(m_exports, &LabExports::failed, this, &MainWindow::showError);
    connect(m_exports, &LabExports::written, this, [this](const QString& m) { statusBar()->showMessage(m, 5000); });
    // Before the load-test panel exists: the report knows a test by the time the panel says it finished.
    connect(m_lab, &LabController::loadFinished, this,
            [this](const LoadConfig& config, const LoadSummary& summary) { m_exports->setLastLoad(config, summary); });
    buildDocks();
    buildMenus();
    loadSettings();
    // A session a window left behind (killed, crashed): offered back.
    m_sessionActions->offerRecovery();
    // Every live view listens to the feed; none polls.
    connect(m_feed, &ClusterFeed::updated, this, [this](const std::shared_ptr<const ChartFeed>& f) { take(*f); });
    m_feed->start();
}

MainWindow::~MainWindow()
{
    // The views first, then the lab: the load test's thread ends, the feed
    // stops, the workers are killed and reaped.
    delete m_loadTest;
    m_loadTest = nullptr;
    delete m_clusterPanel;
    m_clusterPanel = nullptr;
    delete m_lab;
    m_lab = nullptr;
}

void MainWindow::buildCentre()
{
    auto* tabs = new QTabWidget(this);
    // The charts reflow to 1, 2 or 3 columns with the width: a vertical
    // scroll bar at most, never a horizontal one.
    m_chartGrid = new ChartGrid(tabs);
    m_routing = new RoutingChart(m_chartGrid);
    m_charts = { m_routing, TimeSeriesChart::latencyTimeline(m_chartGrid), TimeSeriesChart::throughput(m_chartGrid),
                 new PercentileChart(m_chartGrid), TimeSeriesChart::eventLoopLag(m_chartGrid),
                 new BreakdownChart(m_chartGrid) };
    m_chartGrid->setCharts({ m_charts.begin(), m_charts.end() });
    m_chartScroll = verticalScroll(m_chartGrid, tabs);
    tabs->addTab(m_chartScroll, tr("Charts"));
    m_topology = new TopologyView(tabs);
    tabs->addTab(verticalScroll(m_topology, tabs), tr("Topology"));
    m_experiments = new ExperimentsPage(tabs);
    tabs->addTab(m_experiments, tr("Experiments"));
    m_comparison = new ComparisonView(tabs);
    tabs->addTab(verticalScroll(m_comparison, tabs), tr("Compare"));
    m_centreTabs = tabs;
    // Topology and table select the same worker.
    connect(m_topology, &TopologyView::workerClicked, m_clusterPanel, &ClusterPanel::selectWorker);
    connect(m_clusterPanel, &ClusterPanel::workerSelected, m_topology, &TopologyView::setSelectedIndex);
    m_clusterPanel->yieldTo(m_experiments);
    connect(m_experiments, &ExperimentsPage::runFinished, this,
            [this](const experiment::RunReport& report) { m_sessions->experimentsFinished(report.toJson()); });
    m_guide = new StartGuide(this);
    // While a saved session is shown: what it is, and the way back.
    m_sessionActions = new SessionActions(m_sessions, m_comparison, tabs, this);
    connect(m_sessionActions, &SessionActions::showFeed, this, [this](const std::shared_ptr<const ChartFeed>& feed) {
        if (feed)
            showFeed(*feed);
        else
            m_feed->publish(); // live again
    });
    connect(m_sessionActions, &SessionActions::failed, this, &MainWindow::showError);
    connect(m_sessionActions, &SessionActions::message, this, [this](const QString& m) { statusBar()->showMessage(m, 5000); });
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->addWidget(m_sessionActions->recoveryBar());
    centreLayout->addWidget(m_sessionActions->banner());
    centreLayout->addWidget(m_guide);
    centreLayout->addWidget(tabs, 1);
    setCentralWidget(centre);
}

void MainWindow::buildDocks()
{
    auto* controlDock = new QDockWidget(tr("Cluster"), this);
    controlDock->setObjectName(QStringLiteral("clusterDock"));
    controlDock->setWidget(m_clusterPanel);
    addDockWidget(Qt::LeftDockWidgetArea, controlDock);
    // The worker table has a column per route and per measure: it gets the
    // window's whole width, under everything else.
    auto* workersDock = new QDockWidget(tr("Workers"), this);
    workersDock->setObjectName(QStringLiteral("workersDock"));
    workersDock->setWidget(m_clusterPanel->workerTable());
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    addDockWidget(Qt::BottomDockWidgetArea, workersDock);
    resizeDocks({ workersDock }, { 170 }, Qt::Vertical);

    auto* right = new QTabWidget(this);
    m_request = new RequestPanel(m_lab, right);
    m_loadTest = new LoadTestPanel(m_lab, right);
    right->addTab(m_request, tr("Send"));
    right->addTab(m_loadTest, tr("Load test"));
    auto* rightDock = new QDockWidget(tr("Requests"), this);
    rightDock->setObjectName(QStringLiteral("requestDock"));
    rightDock->setWidget(right);
    addDockWidget(Qt::RightDockWidgetArea, rightDock);
    // The window is never narrower than what its three columns need (a fixed
    // 1000 px minimum let the right-hand panel run past the window's edge).
    const int needed = controlDock->minimumSizeHint().width() + rightDock->minimumSizeHint().width()
        + centralWidget()->minimumSizeHint().width() + 3 * style()->pixelMetric(QStyle::PM_DockWidgetSeparatorExtent) + 8;
    setMinimumWidth(qMax(minimumWidth(), needed));

    connect(m_request, &RequestPanel::responseReceived, this, [this](int, qint64 pid, const QString&) {
        m_clusterPanel->workerModel()->setHighlightedPid(pid);
        m_topology->setHighlightedPid(pid);
    });
    m_statusUrl = new QLabel(this);
    m_statusLag = new QLabel(this);
    m_statusLag->setToolTip(tr("This window's own event-loop lag (p99 of the last 10 s): it should stay "
                               "under 16 ms even under a full-speed load test."));
    statusBar()->addWidget(m_statusUrl, 1);
    statusBar()->addPermanentWidget(m_statusLag);
    connect(m_lab, &LabController::urlChanged, this, [this](const QString& url, const QString& status) {
        m_loadTest->setEmbeddedUrl(url.isEmpty() ? url : url + QLatin1Char('/'));
        m_statusUrl->setText(status);
    });
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    m_sessionActions->addTo(file);
    file->addSeparator();
    m_exports->addActions(file, this);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    QAction* pause = view->addAction(tr("Pause charts"));
    pause->setCheckable(true);
    pause->setShortcut(QKeySequence(QStringLiteral("Space")));
    connect(pause, &QAction::toggled, this, [this](bool on) { m_paused = on; });
    QAction* byConnection = view->addAction(tr("Routing by connection (last load test)"));
    byConnection->setCheckable(true);
    connect(byConnection, &QAction::toggled, this, [this](bool on) {
        m_routing->setByConnection(on);
        m_feed->publish();
    });
    QAction* dark = view->addAction(tr("Dark palette"));
    dark->setCheckable(true);
    connect(dark, &QAction::toggled, this, &MainWindow::setDarkPalette);
    QMenu* copy = view->addMenu(tr("Copy chart to clipboard"));
    for (ChartPanel* c : std::as_const(m_charts))
        connect(copy->addAction(c->title()), &QAction::triggered, c, [c]() { c->copyToClipboard(); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    connect(help->addAction(tr("Start here")), &QAction::triggered, this, [this]() { showGuide(true); });
    connect(help->addAction(tr("About ClusterLab")), &QAction::triggered, this,
            [this]() { QMessageBox::about(this, tr("About ClusterLab"), aboutText()); });
}

void MainWindow::loadSettings()
{
    QSettings s;
    m_clusterPanel->loadSettings();
    m_request->loadSettings();
    m_loadTest->loadSettings();
    if (!restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray())) {
        // First start: most of the screen (the minimum size clipped the side
        // panels on a 1280x800 screen), never more than 1600x1000.
        if (const QScreen* screen = QGuiApplication::primaryScreen()) {
            const QSize avail = screen->availableSize();
            resize(qBound(minimumWidth(), avail.width() * 92 / 100, 1600),
                   qBound(minimumHeight(), avail.height() * 92 / 100, 1000));
        }
    }
    restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    if (s.value(QStringLiteral("view/dark"), false).toBool())
        setDarkPalette(true);
    m_guide->restore();
}

void MainWindow::saveSettings() const
{
    QSettings s;
    m_clusterPanel->saveSettings();
    m_request->saveSettings();
    m_loadTest->saveSettings();
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/dark"), m_dark);
    s.sync();
}

void MainWindow::setDarkPalette(bool on)
{
    m_dark = on;
    applyDarkPalette(on);
    for (ChartPanel* c : std::as_const(m_charts))
        c->chart()->setTheme(on ? QChart::ChartThemeDark : QChart::ChartThemeLight);
}

void MainWindow::take(const ChartFeed& feed)
{
    m_statusLag->setText(tr("GUI lag p99 %1 ms").arg(m_lag->p99Ms(), 0, 'f', 1));
    ++m_refreshes;
    if (viewingSession())
        return;
    if (m_paused)
        m_clusterPanel->workerModel()->update(feed);
    else
        showFeed(feed);
}

void MainWindow::showFeed(const ChartFeed& feed)
{
    m_clusterPanel->workerModel()->update(feed);
    for (ChartPanel* c : std::as_const(m_charts))
        c->refresh(feed);
    m_topology->update(feed);
}

void MainWindow::showError(const QString& what, const QString& reason)
{
    m_lab->logEvent(what + QStringLiteral(": ") + reason);
    if (isVisible() && QGuiApplication::platformName() != QLatin1String("offscreen"))
        QMessageBox::warning(this, what, reason);
    statusBar()->showMessage(what + QStringLiteral(": ") + reason, 10000);
}

void MainWindow::endWithoutAsking()
{
    prepareToEndWithoutAsking();
    close();
}

void MainWindow::prepareToEndWithoutAsking()
{
    m_endWithoutAsking = true;
    m_sessions->keepForRecovery();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // The session is temporary until saved: ask before it goes (unless a
    // signal or the session manager ends the window: then it is kept, and
    // the next start offers it back).
    if (!m_endWithoutAsking && !m_sessionActions->mayClose()) {
        event->ignore();
        return;
    }
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace clusterlab
