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
#include "sidepanel.h"
#include "startguide.h"
#include "topologyview.h"
#include "viewrefresher.h"
#include "workertablemodel.h"

#include "load/loadgenerator.h"

#include <QAction>
#include <QChart>
#include <QCloseEvent>
#include <QDockWidget>
#include <QGuiApplication>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
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
    buildViewRefresher();
    connect(m_feed, &ClusterFeed::updated, this, &MainWindow::take);
    m_feed->start();
}

MainWindow::~MainWindow()
{
    // No feed reaches a view being taken apart, and no resize of the
    // charts' view (their teardown resizes it) asks the refresher for more.
    disconnect(m_feed, nullptr, this, nullptr);
    if (m_chartScroll != nullptr)
        m_chartScroll->viewport()->removeEventFilter(this);
    delete m_views;
    m_views = nullptr;
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
    m_chartGrid->fitRowsTo(m_chartScroll->viewport());
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
        if (feed) {
            showFeed(feed);
        } else {
            // Live again: the live feed in every view, paused or not (a
            // paused window would keep the session's charts).
            m_feed->publish();
            showFeed(m_feed->latest());
        }
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
    // The controls, one tab set down the right-hand edge (Cluster, Send,
    // Load test) that folds to a strip of tabs: at 1280x800 the charts get
    // two columns, and the four a load test is watched by are in view.
    m_side = new SidePanel(this);
    m_request = new RequestPanel(m_lab, m_side);
    m_loadTest = new LoadTestPanel(m_lab, m_side);
    m_side->addPage(m_clusterPanel, tr("Cluster"));
    m_side->addPage(m_request, tr("Send"));
    m_side->addPage(m_loadTest, tr("Load test"));
    m_sideDock = new QDockWidget(tr("Controls"), this);
    m_sideDock->setObjectName(QStringLiteral("controlsDock"));
    m_sideDock->setWidget(m_side);
    // A strip down an edge: left or right, never across the bottom.
    m_sideDock->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea);
    addDockWidget(Qt::RightDockWidgetArea, m_sideDock);
    // The width the user gave it, to open again at.
    connect(m_side, &SidePanel::aboutToFold, this, [this]() { m_sideWidth = m_sideDock->width(); });
    // Floating, the panel is a window of its own: never a strip, never without its title bar.
    connect(m_sideDock, &QDockWidget::topLevelChanged, m_side, [this](bool floating) {
        if (floating)
            m_side->setFolded(false);
    });
    connect(m_sideDock, &QDockWidget::dockLocationChanged, m_side,
            [this](Qt::DockWidgetArea area) { m_side->setStripOnRight(area != Qt::LeftDockWidgetArea); });
    connect(m_side, &SidePanel::foldedChanged, this, [this](bool folded) {
        // Folded, the strip is the panel: no title bar cut to "C…" over it.
        if (folded && !m_sideDock->isFloating() && m_sideDock->titleBarWidget() == nullptr)
            m_sideDock->setTitleBarWidget(new QWidget(m_sideDock));
        if (folded)
            return;
        if (QWidget* empty = m_sideDock->titleBarWidget()) {
            m_sideDock->setTitleBarWidget(nullptr);
            delete empty;
        }
        // Open again at the width it had (the dock kept the strip's).
        resizeDocks({ m_sideDock }, { qMax(m_sideWidth, m_side->minimumSizeHint().width()) }, Qt::Horizontal);
    });
    // The worker table has a column per route and per measure: it gets the
    // window's whole width under everything else, and the event log the
    // room its columns leave.
    auto* workersDock = new QDockWidget(tr("Workers"), this);
    workersDock->setObjectName(QStringLiteral("workersDock"));
    workersDock->setWidget(m_clusterPanel->workerTable());
    auto* eventsDock = new QDockWidget(tr("Events"), this);
    eventsDock->setObjectName(QStringLiteral("eventsDock"));
    eventsDock->setWidget(m_clusterPanel->eventView());
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    addDockWidget(Qt::BottomDockWidgetArea, workersDock);
    splitDockWidget(workersDock, eventsDock, Qt::Horizontal);
    m_docks = { m_sideDock, workersDock, eventsDock };
    // The window is never narrower than what its columns need (a fixed
    // minimum let the right-hand panel run past the window's edge).
    const int needed = m_sideDock->minimumSizeHint().width() + centralWidget()->minimumSizeHint().width()
        + 2 * style()->pixelMetric(QStyle::PM_DockWidgetSeparatorExtent) + 8;
    setMinimumWidth(qMax(minimumWidth(), needed));

    connect(m_request, &RequestPanel::responseReceived, this, [this](int, qint64 pid, const QString&) {
        m_clusterPanel->workerModel()->setHighlightedPid(pid);
        m_topology->setHighlightedPid(pid);
    });
    m_statusUrl = new QLabel(this);
    m_statusLag = new QLabel(this);
    m_statusLag->setToolTip(tr("This window's own event-loop lag (p99 of the last 10 s): it should stay "
                               "under 16 ms even under a full-speed load test."));
    // A load test's progress, while its page is out of sight (the panel
    // folded, or another page in front).
    m_statusLoad = new QLabel(this);
    m_statusLoad->setObjectName(QStringLiteral("statusLoad"));
    m_statusLoad->hide();
    statusBar()->addWidget(m_statusUrl, 1);
    statusBar()->addPermanentWidget(m_statusLoad);
    statusBar()->addPermanentWidget(m_statusLag);
    connect(m_lab, &LabController::loadProgress, this, [this](const LoadProgress& p) {
        if (m_side->showsPage(m_loadTest) && m_sideDock->isVisible()) {
            m_statusLoad->hide();
            return;
        }
        m_statusLoad->setText(tr("Load test %1% · %2 req/s · p99 %3 ms · %4 errors")
                                  .arg(qRound(p.fraction() * 100))
                                  .arg(p.recentRps, 0, 'f', 0)
                                  .arg(p.p99Ms, 0, 'f', 1)
                                  .arg(p.failed));
        m_statusLoad->show();
    });
    connect(m_lab, &LabController::loadFinished, m_statusLoad, &QWidget::hide);
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
    view->addSeparator();
    QAction* side = view->addAction(tr("Fold the controls to a strip"));
    side->setObjectName(QStringLiteral("foldControls"));
    side->setCheckable(true);
    side->setShortcut(QKeySequence(QStringLiteral("Ctrl+B")));
    connect(side, &QAction::toggled, m_side, &SidePanel::setFolded);
    connect(m_side, &SidePanel::foldedChanged, side, &QAction::setChecked);
    // A closed panel comes back from here (its close button left no way back).
    QMenu* panels = view->addMenu(tr("Panels"));
    for (QDockWidget* dock : std::as_const(m_docks))
        panels->addAction(dock->toggleViewAction());
    connect(panels->addAction(tr("Reset the layout")), &QAction::triggered, this, &MainWindow::resetLayout);
    view->addSeparator();
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
    // The user's layout: docks, their sizes, the controls folded or not and
    // the page in front (a state from before the controls were one panel,
    // version 1, is not applied).
    if (!restoreState(s.value(QStringLiteral("window/state")).toByteArray(), kLayoutVersion))
        applyDefaultLayout();
    m_side->setCurrentIndex(s.value(QStringLiteral("window/controlsPage"), 0).toInt());
    m_side->setFolded(s.value(QStringLiteral("window/controlsFolded"), false).toBool());
    // After folding (which takes the dock's width as it is now): the width to open at.
    m_sideWidth = s.value(QStringLiteral("window/controlsWidth"), m_sideWidth).toInt();
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
    s.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
    s.setValue(QStringLiteral("window/controlsWidth"), m_side->folded() ? m_sideWidth : m_sideDock->width());
    s.setValue(QStringLiteral("window/controlsPage"), m_side->currentIndex());
    s.setValue(QStringLiteral("window/controlsFolded"), m_side->folded());
    s.setValue(QStringLiteral("view/dark"), m_dark);
    s.sync();
}

void MainWindow::applyDefaultLayout()
{
    // The controls as wide as their widest page needs; the worker table as
    // wide as its columns (and some room for their figures to grow), the
    // event log the rest; the bottom row a few workers tall.
    m_sideWidth = qMax(m_side->minimumSizeHint().width(), 330);
    resizeDocks({ m_sideDock }, { m_sideWidth }, Qt::Horizontal);
    QTableView* table = m_clusterPanel->workerTable();
    const int tableWidth = table->horizontalHeader()->length() + 2 * table->frameWidth() + 80;
    resizeDocks({ m_docks[1], m_docks[2] }, { tableWidth, qMax(200, width() - tableWidth) }, Qt::Horizontal);
    resizeDocks({ m_docks[1] }, { 150 }, Qt::Vertical);
}

void MainWindow::resetLayout()
{
    for (QDockWidget* dock : std::as_const(m_docks)) {
        dock->setFloating(false);
        dock->show();
    }
    addDockWidget(Qt::RightDockWidgetArea, m_sideDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_docks[1]);
    splitDockWidget(m_docks[1], m_docks[2], Qt::Horizontal);
    m_side->setFolded(false);
    m_side->setCurrentIndex(0);
    applyDefaultLayout();
}

void MainWindow::setDarkPalette(bool on)
{
    m_dark = on;
    applyDarkPalette(on);
    for (ChartPanel* c : std::as_const(m_charts))
        c->chart()->setTheme(on ? QChart::ChartThemeDark : QChart::ChartThemeLight);
}

void MainWindow::showLoadTest()
{
    m_sideDock->show();
    m_side->setCurrentPage(m_loadTest);
}

void MainWindow::take(const std::shared_ptr<const ChartFeed>& feed)
{
    m_statusLag->setText(tr("GUI lag p99 %1 ms").arg(m_lag->p99Ms(), 0, 'f', 1));
    ++m_refreshes;
    if (viewingSession())
        return;
    // The worker table's model at every feed: Kill, Revive, the selection
    // and the report read it (a hidden table costs nothing to update).
    m_clusterPanel->workerModel()->update(*feed);
    if (!m_paused)
        m_views->take(feed); // the charts and the topology, a view a turn
}

void MainWindow::showFeed(const std::shared_ptr<const ChartFeed>& feed)
{
    // A saved session (or live again after one), shown once: every view at once.
    m_clusterPanel->workerModel()->update(*feed);
    m_views->take(feed);
    m_views->flush();
}

void MainWindow::buildViewRefresher()
{
    m_views = new ViewRefresher(this);
    for (ChartPanel* c : std::as_const(m_charts))
        m_views->add(c, [c](const ChartFeed& f) { c->refresh(f); }, [c]() { return c->largeWindow() != nullptr; });
    m_views->add(m_topology, [this](const ChartFeed& f) { m_topology->update(f); });
    // What a tab, a scroll or a resize brings into sight is brought up to date.
    connect(m_centreTabs, &QTabWidget::currentChanged, m_views, &ViewRefresher::catchUp);
    connect(m_chartScroll->verticalScrollBar(), &QScrollBar::valueChanged, m_views, &ViewRefresher::catchUp);
    m_chartScroll->viewport()->installEventFilter(this);
    // Exports and the report draw every chart: each first takes the newest feed.
    m_exports->setBeforeDrawing([this]() { m_views->flush(); });
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
    if (m_views != nullptr && m_chartScroll != nullptr && watched == m_chartScroll->viewport()
        && event->type() == QEvent::Resize)
        QTimer::singleShot(0, m_views, &ViewRefresher::catchUp); // after the grid has reflowed
    return QMainWindow::eventFilter(watched, event);
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
