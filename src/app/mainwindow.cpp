#include "mainwindow.h"

#include "experimentspage.h"
#include "reportwriter.h"

#include "chartgrid.h"
#include "charts.h"
#include "guilagmonitor.h"
#include "loadtestpanel.h"
#include "requestpanel.h"
#include "topologyview.h"
#include "workertablemodel.h"

#include "compute/fib.h"
#include "http/httprequestparser.h"
#include "version.h"
#include "load/loadgenerator.h"

#include <QAction>
#include <QApplication>
#include <QChart>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QIcon>
#include <QFileDialog>
#include <QFrame>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QDateTime>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QGuiApplication>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
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
constexpr int kRefreshMs = 100; // 10 Hz: charts, table and topology
constexpr quint16 kDefaultPort = 3000;
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_originNs(steadyNowNs())
{
    initGuiResources();
    setWindowTitle(tr("ClusterLab"));
    setWindowIcon(QIcon(QStringLiteral(":/clusterlab/clusterlab.svg")));
    setMinimumSize(1000, 680);
    m_lag = new GuiLagMonitor(this);
    buildUi();
    buildMenus();
    loadSettings();
    m_refreshTimer = new QTimer(this);
    m_refreshTimer->setInterval(kRefreshMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refresh);
    m_refreshTimer->start();
}

MainWindow::~MainWindow()
{
    // The load test first (its thread), then the workers (killed and reaped).
    delete m_loadTest;
    m_loadTest = nullptr;
    m_cluster.reset();
}

void MainWindow::buildUi()
{
    // Left: cluster control, workers, events.
    auto* control = new QWidget(this);
    auto* controlLayout = new QVBoxLayout(control);
    auto* form = new QFormLayout;
    m_workers = new QSpinBox(control);
    m_workers->setRange(1, 64);
    m_workers->setValue(qMax(1, QThread::idealThreadCount()));
    m_workers->setToolTip(tr("Worker processes (applied at start; use + and − to scale a running cluster)"));
    m_policy = new QComboBox(control);
    m_policy->addItems({ QStringLiteral("round-robin"), QStringLiteral("shared"), QStringLiteral("reuseport") });
    m_policy->setToolTip(tr("round-robin: the primary hands each connection to the next worker. shared: the "
                            "OS picks among workers accepting on one socket. reuseport: each worker has its own "
                            "socket and the kernel hashes (Linux)."));
    m_port = new QSpinBox(control);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("3000 or the next free"));
    m_port->setValue(0);
    form->addRow(tr("Workers"), m_workers);
    form->addRow(tr("Policy"), m_policy);
    form->addRow(tr("Port"), m_port);
    controlLayout->addLayout(form);
    auto* buttons = new QGridLayout;
    m_startStop = new QPushButton(tr("Stop"), control);
    auto* scaleUp = new QPushButton(tr("Scale +"), control);
    auto* scaleDown = new QPushButton(tr("Scale −"), control);
    auto* kill = new QPushButton(tr("Kill selected"), control);
    auto* rolling = new QPushButton(tr("Rolling restart"), control);
    auto* revive = new QPushButton(tr("Revive"), control);
    kill->setToolTip(tr("SIGKILL the selected worker: watch the supervisor replace it"));
    revive->setToolTip(tr("Start an errored worker slot again (after it failed to start too often)"));
    rolling->setToolTip(tr("Replace every worker, one at a time, without refusing a connection"));
    buttons->addWidget(m_startStop, 0, 0);
    buttons->addWidget(rolling, 0, 1);
    buttons->addWidget(scaleUp, 1, 0);
    buttons->addWidget(scaleDown, 1, 1);
    buttons->addWidget(kill, 2, 0);
    buttons->addWidget(revive, 2, 1);
    controlLayout->addLayout(buttons);
    m_workerModel = new WorkerTableModel(this);
    m_workerTable = new QTableView(control);
    m_workerTable->setModel(m_workerModel);
    m_workerTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_workerTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_workerTable->verticalHeader()->hide();
    m_workerTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    controlLayout->addWidget(new QLabel(tr("Events"), control));
    m_eventView = new QPlainTextEdit(control);
    m_eventView->setReadOnly(true);
    m_eventView->setMaximumBlockCount(2000);
    controlLayout->addWidget(m_eventView, 1);
    auto* controlDock = new QDockWidget(tr("Cluster"), this);
    controlDock->setObjectName(QStringLiteral("clusterDock"));
    controlDock->setWidget(control);
    addDockWidget(Qt::LeftDockWidgetArea, controlDock);
    // The worker table has a column per route and per measure: it gets the
    // window's whole width, under everything else.
    auto* workersDock = new QDockWidget(tr("Workers"), this);
    workersDock->setObjectName(QStringLiteral("workersDock"));
    workersDock->setWidget(m_workerTable);
    setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
    addDockWidget(Qt::BottomDockWidgetArea, workersDock);
    resizeDocks({ workersDock }, { 170 }, Qt::Vertical);

    connect(m_startStop, &QPushButton::clicked, this, [this]() {
        if (m_cluster && m_cluster->isRunning())
            stopCluster();
        else
            startCluster();
    });
    connect(scaleUp, &QPushButton::clicked, this, [this]() {
        if (m_cluster && m_cluster->isRunning())
            m_cluster->setWorkerCount(m_cluster->workerCount() + 1);
    });
    connect(scaleDown, &QPushButton::clicked, this, [this]() {
        if (m_cluster && m_cluster->isRunning() && m_cluster->workerCount() > 1)
            m_cluster->setWorkerCount(m_cluster->workerCount() - 1);
    });
    connect(kill, &QPushButton::clicked, this, [this]() {
        const QModelIndexList rows = m_workerTable->selectionModel()->selectedRows();
        if (rows.isEmpty())
            statusBar()->showMessage(tr("Select a worker in the table first."), 4000);
        else
            killWorkerAtRow(rows.first().row());
    });
    connect(rolling, &QPushButton::clicked, this, [this]() {
        if (m_cluster && m_cluster->isRunning())
            m_cluster->rollingRestart();
    });
    connect(revive, &QPushButton::clicked, this, [this]() {
        const QModelIndexList rows = m_workerTable->selectionModel()->selectedRows();
        if (rows.isEmpty())
            statusBar()->showMessage(tr("Select an errored worker in the table first."), 4000);
        else if (!reviveWorkerAtRow(rows.first().row()))
            statusBar()->showMessage(tr("That worker is not errored: nothing to revive."), 4000);
    });

    // Centre: charts and topology.
    auto* tabs = new QTabWidget(this);
    // The charts reflow to 1, 2 or 3 columns with the width: a vertical
    // scroll bar at most, never a horizontal one.
    m_chartGrid = new ChartGrid(tabs);
    m_routing = new RoutingChart(m_chartGrid);
    m_charts = { m_routing, new LatencyTimelineChart(m_chartGrid), new ThroughputChart(m_chartGrid),
                 new PercentileChart(m_chartGrid), new LagChart(m_chartGrid), new BreakdownChart(m_chartGrid) };
    m_chartGrid->setCharts({ m_charts.begin(), m_charts.end() });
    m_chartScroll = new QScrollArea(tabs);
    m_chartScroll->setWidget(m_chartGrid);
    m_chartScroll->setWidgetResizable(true);
    m_chartScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    tabs->addTab(m_chartScroll, tr("Charts"));
    m_topology = new TopologyView(tabs);
    tabs->addTab(m_topology, tr("Topology"));
    m_experiments = new ExperimentsPage(tabs);
    tabs->addTab(m_experiments, tr("Experiments"));
    m_centreTabs = tabs;
    // Experiments start clusters of their own: the lab's cluster gives them
    // the machine, and comes back as it was when they are done.
    m_experiments->setBeforeRun([this](std::function<void()> go) {
        m_resumeAfterExperiments = m_cluster && m_cluster->isRunning();
        if (!m_resumeAfterExperiments) {
            go();
            return;
        }
        logEvent(tr("experiments: the lab's cluster stops while they run"));
        connect(m_cluster.get(), &Cluster::stopped, this, [go]() { go(); }, Qt::SingleShotConnection);
        stopCluster();
    });
    connect(m_experiments, &ExperimentsPage::runFinished, this, [this]() {
        if (!m_resumeAfterExperiments)
            return;
        m_resumeAfterExperiments = false;
        logEvent(tr("experiments done: the lab's cluster starts again"));
        startCluster();
    });
    // "Start here", over the charts until the user dismisses it (Help →
    // Start here brings it back).
    m_guide = new QFrame(this);
    m_guide->setFrameShape(QFrame::StyledPanel);
    m_guide->setStyleSheet(QStringLiteral("QFrame { background: #fff8dc; }"));
    auto* guideLayout = new QHBoxLayout(m_guide);
    auto* guideText = new QLabel(
        tr("<b>Start here.</b> The buttons on the right send one request each: <b>/</b> answers at once, "
           "<b>/main</b> computes fib(N) on the worker's event loop, <b>/worker</b> on its thread pool, "
           "<b>/child</b> in a child process. Send /main with N = 35 and watch <i>Event-loop lag per worker</i> "
           "jump for that worker only; <i>Routing</i> shows which worker served what. <b>Load test</b> (right) "
           "sends many. The <b>Experiments</b> tab answers the seed's question — cluster, threads or child "
           "processes? — with measurements from this machine."),
        m_guide);
    guideText->setWordWrap(true);
    auto* dismiss = new QPushButton(tr("Got it"), m_guide);
    dismiss->setObjectName(QStringLiteral("dismissGuide"));
    guideLayout->addWidget(guideText, 1);
    guideLayout->addWidget(dismiss, 0, Qt::AlignTop);
    connect(dismiss, &QPushButton::clicked, this, [this]() { showGuide(false); });
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->addWidget(m_guide);
    centreLayout->addWidget(tabs, 1);
    setCentralWidget(centre);
    connect(m_topology, &TopologyView::workerClicked, this, [this](int index) {
        for (int row = 0; row < m_workerModel->rowCount(); ++row) {
            if (m_workerModel->indexAtRow(row) == index)
                m_workerTable->selectRow(row);
        }
    });

    // Right: send and load test.
    auto* right = new QTabWidget(this);
    m_request = new RequestPanel(right);
    m_loadTest = new LoadTestPanel(right);
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
        m_highlightPid = pid;
        m_workerModel->setHighlightedPid(pid);
        m_topology->setHighlightedPid(pid);
    });
    connect(m_loadTest, &LoadTestPanel::finished, this, [this](const LoadSummary& summary) {
        m_hasLastLoad = true;
        m_lastLoad = summary;
        m_lastLoadConfig = m_loadTest->generator()->config();
        // Per server connection, for the routing chart's second view.
        m_feed.loadTestConnections.clear();
        for (const LoadRecord& r : m_loadTest->generator()->takeRecords()) {
            if (r.workerPid != 0 && r.error == LoadError::None)
                ++m_feed.loadTestConnections[{ r.workerPid, r.serverConnectionId }];
        }
    });

    m_statusUrl = new QLabel(this);
    m_statusLag = new QLabel(this);
    m_statusLag->setToolTip(tr("This window's own event-loop lag (p99 of the last 10 s): it should stay "
                               "under 16 ms even under a full-speed load test."));
    statusBar()->addWidget(m_statusUrl, 1);
    statusBar()->addPermanentWidget(m_statusLag);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* charts = file->addAction(tr("Export all charts (PNG, SVG, PDF)…"));
    charts->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
    connect(charts, &QAction::triggered, this, [this]() { chooseFolderAndExport(); });
    QAction* report = file->addAction(tr("Export report (PDF or HTML)…"));
    report->setShortcut(QKeySequence(QStringLiteral("Ctrl+P")));
    connect(report, &QAction::triggered, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Report"), QStringLiteral("clusterlab-report.pdf"),
                                                          tr("PDF (*.pdf);;HTML (*.html)"));
        if (!path.isEmpty())
            exportReport(path);
    });
    QAction* csv = file->addAction(tr("Export raw records (CSV)…"));
    connect(csv, &QAction::triggered, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Records"), QStringLiteral("records.csv"), tr("CSV (*.csv)"));
        if (!path.isEmpty())
            exportRecordsCsv(path);
    });
    QAction* json = file->addAction(tr("Export raw records (JSON)…"));
    connect(json, &QAction::triggered, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Records"), QStringLiteral("records.json"), tr("JSON (*.json)"));
        if (!path.isEmpty())
            exportRecordsJson(path);
    });
    QAction* summary = file->addAction(tr("Export summary (JSON)…"));
    connect(summary, &QAction::triggered, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Summary"), QStringLiteral("summary.json"), tr("JSON (*.json)"));
        if (!path.isEmpty())
            exportSummaryJson(path);
    });
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
        refreshNow();
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

QString MainWindow::aboutText() const
{
    return tr("<h3>ClusterLab %1</h3>"
              "<p>A real multi-process HTTP cluster on your machine, and where each request's time went.</p>"
              "<p>Built with Qt %2 (running on Qt %3), under the GNU LGPL version 3; "
              "Qt Charts under the GNU GPL version 3.<br>"
              "HTTP parsing by llhttp %4 (the parser of Node.js), under the MIT licence.</p>")
        .arg(QStringLiteral(CLUSTERLAB_VERSION), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()),
             httpParserVersion());
}

bool MainWindow::guideShown() const
{
    return !m_guide->isHidden();
}

void MainWindow::showGuide(bool show)
{
    m_guide->setVisible(show);
    QSettings().setValue(QStringLiteral("ui/guideDismissed"), !show);
}

void MainWindow::loadSettings()
{
    QSettings s;
    m_workers->setValue(s.value(QStringLiteral("cluster/workers"), m_workers->value()).toInt());
    const QString policy = s.value(QStringLiteral("cluster/policy"), QStringLiteral("round-robin")).toString();
    if (m_policy->findText(policy) >= 0)
        m_policy->setCurrentText(policy);
    m_port->setValue(s.value(QStringLiteral("cluster/port"), 0).toInt());
    m_request->setN(s.value(QStringLiteral("request/n"), 30).toInt());
    m_request->setKeepAlive(s.value(QStringLiteral("request/keepAlive"), true).toBool());
    m_loadTest->setConnections(s.value(QStringLiteral("load/connections"), 8).toInt());
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
    m_guide->setVisible(!s.value(QStringLiteral("ui/guideDismissed"), false).toBool());
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("cluster/workers"), m_workers->value());
    s.setValue(QStringLiteral("cluster/policy"), m_policy->currentText());
    s.setValue(QStringLiteral("cluster/port"), m_port->value());
    s.setValue(QStringLiteral("request/n"), m_request->n());
    s.setValue(QStringLiteral("request/keepAlive"), m_request->keepAlive());
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/dark"), m_dark);
    s.sync();
}

int MainWindow::workersSetting() const
{
    return m_workers->value();
}

void MainWindow::setWorkersSetting(int n)
{
    m_workers->setValue(n);
}

QString MainWindow::policySetting() const
{
    return m_policy->currentText();
}

void MainWindow::setPolicySetting(const QString& policy)
{
    m_policy->setCurrentText(policy);
}

void MainWindow::setDarkPalette(bool on)
{
    m_dark = on;
    if (on) {
        qApp->setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QPalette p;
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, Qt::white);
        p.setColor(QPalette::Base, QColor(30, 30, 30));
        p.setColor(QPalette::AlternateBase, QColor(55, 55, 58));
        p.setColor(QPalette::Text, Qt::white);
        p.setColor(QPalette::Button, QColor(55, 55, 58));
        p.setColor(QPalette::ButtonText, Qt::white);
        p.setColor(QPalette::Highlight, QColor(42, 130, 218));
        p.setColor(QPalette::HighlightedText, Qt::black);
        p.setColor(QPalette::ToolTipBase, QColor(30, 30, 30));
        p.setColor(QPalette::ToolTipText, Qt::white);
        qApp->setPalette(p);
    } else {
        qApp->setPalette(qApp->style()->standardPalette());
    }
    for (ChartPanel* c : std::as_const(m_charts))
        c->chart()->setTheme(on ? QChart::ChartThemeDark : QChart::ChartThemeLight);
}

bool MainWindow::startCluster(QString* errorOut)
{
    if (m_cluster && m_cluster->isRunning())
        return true;
    ClusterConfig config;
    config.faultInjection = true; // the lab's own cluster: the isolation experiment's faults work here
    config.workers = m_workers->value();
    config.policy = *policyFromName(m_policy->currentText());
    if (m_port->value() != 0) {
        config.port = static_cast<quint16>(m_port->value());
    } else {
        // The default port may be busy: the cluster takes the next free one
        // itself (binding each candidate for real), and we say so.
        config.port = kDefaultPort;
        config.portAttempts = 50;
    }
    m_cluster = std::make_unique<Cluster>(config);
    connect(m_cluster.get(), &Cluster::clusterEvent, this, &MainWindow::onClusterEvent);
    connect(m_cluster.get(), &Cluster::allListening, this, &MainWindow::clusterListening);
    QString error;
    if (!m_cluster->start(&error)) {
        m_cluster.reset();
        showError(tr("Cannot start the cluster"), error);
        m_statusUrl->setText(tr("Cluster stopped: %1").arg(error));
        if (errorOut != nullptr)
            *errorOut = error;
        return false;
    }
    const QString note = m_cluster->port() != config.port ? tr(" (port %1 was busy)").arg(config.port) : QString();
    const QString url = m_cluster->url() + QLatin1Char('/');
    m_request->setBaseUrl(m_cluster->url());
    m_loadTest->setEmbeddedUrl(url);
    m_statusUrl->setText(tr("Cluster on %1 — %2, %3 workers%4")
                             .arg(url, m_policy->currentText())
                             .arg(m_cluster->workerCount())
                             .arg(note));
    m_startStop->setText(tr("Stop"));
    return true;
}

void MainWindow::stopCluster()
{
    if (!m_cluster)
        return;
    m_cluster->stop();
    m_request->setBaseUrl(QString());
    m_loadTest->setEmbeddedUrl(QString());
    m_statusUrl->setText(tr("Cluster stopping…"));
    m_startStop->setText(tr("Start"));
    connect(m_cluster.get(), &Cluster::stopped, this, [this]() { m_statusUrl->setText(tr("Cluster stopped.")); });
}

void MainWindow::onClusterEvent(const ClusterEvent& e)
{
    logEvent(e.toLine());
}

void MainWindow::logEvent(const QString& line)
{
    const double t = static_cast<double>(steadyNowNs() - m_originNs) / 1e9;
    const QString stamped = QStringLiteral("[%1] %2").arg(t, 8, 'f', 3).arg(line);
    m_events.append(stamped);
    if (m_events.size() > 5000)
        m_events.removeFirst();
    m_eventView->appendPlainText(stamped);
    Q_EMIT eventLogged(stamped);
}

bool MainWindow::killWorkerAtRow(int row)
{
    const int index = m_workerModel->indexAtRow(row);
    if (!m_cluster || index < 0)
        return false;
    return m_cluster->killWorker(index, 9);
}

bool MainWindow::reviveWorkerAtRow(int row)
{
    const int index = m_workerModel->indexAtRow(row);
    if (!m_cluster || index < 0)
        return false;
    return m_cluster->reviveWorker(index);
}

double MainWindow::guiLagP99Ms() const
{
    return m_lag->p99Ms();
}

void MainWindow::refreshNow()
{
    refresh();
}

void MainWindow::refresh()
{
    m_statusLag->setText(tr("GUI lag p99 %1 ms").arg(m_lag->p99Ms(), 0, 'f', 1));
    if (!m_cluster)
        return;
    m_feed.workers = m_cluster->workers();
    m_feed.telemetry = m_cluster->telemetry();
    m_feed.originNs = m_originNs;
    m_feed.nowSeconds = static_cast<double>(steadyNowNs() - m_originNs) / 1e9;
    if (m_cluster->telemetry() != nullptr) {
        const auto snapshot = m_cluster->telemetry()->snapshot();
        const bool fresh = snapshot != m_feed.snapshot;
        m_feed.snapshot = snapshot;
        if (fresh) {
            for (const Cluster::WorkerInfo& w : std::as_const(m_feed.workers))
                ChartFeed::append(&m_feed.throughput[w.index], QPointF(m_feed.nowSeconds, snapshot->recentRps.value(w.index)));
            for (int r = 0; r < kRouteCount; ++r) {
                const LatencyHistogram& h = snapshot->latencyWindow[static_cast<std::size_t>(r)];
                if (h.count() > 0)
                    ChartFeed::append(&m_feed.latencyP99[static_cast<std::size_t>(r)],
                                      QPointF(m_feed.nowSeconds, static_cast<double>(h.percentile(99)) / 1e6));
            }
        }
    }
    m_workerModel->update(m_feed);
    if (m_paused)
        return;
    for (ChartPanel* c : std::as_const(m_charts))
        c->refresh(m_feed);
    m_topology->update(m_feed, m_cluster->config().poolThreads > 0 ? m_cluster->config().poolThreads
                                                                   : QThread::idealThreadCount(),
                       m_cluster->isRunning() ? policyName(m_cluster->config().policy) : QString());
    ++m_refreshes;
}

void MainWindow::showError(const QString& what, const QString& reason)
{
    logEvent(what + QStringLiteral(": ") + reason);
    if (isVisible() && QGuiApplication::platformName() != QLatin1String("offscreen"))
        QMessageBox::warning(this, what, reason);
    statusBar()->showMessage(what + QStringLiteral(": ") + reason, 10000);
}

QString MainWindow::chooseFolderAndExport()
{
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export charts to"));
    return folder.isEmpty() ? QString() : exportCharts(folder);
}

QString MainWindow::exportCharts(const QString& folder)
{
    refreshNow();
    QStringList problems;
    for (int i = 0; i < m_charts.size(); ++i) {
        const QString base = QDir(folder).filePath(QStringLiteral("chart-%1").arg(i + 1));
        for (const QString& e : { m_charts[i]->exportPng(base + QStringLiteral(".png")),
                                  m_charts[i]->exportSvg(base + QStringLiteral(".svg")),
                                  m_charts[i]->exportPdf(base + QStringLiteral(".pdf")) }) {
            if (!e.isEmpty())
                problems << e;
        }
    }
    if (!problems.isEmpty()) {
        problems.removeDuplicates();
        showError(tr("Export failed"), problems.join(QStringLiteral("; ")));
        return problems.join(QStringLiteral("; "));
    }
    statusBar()->showMessage(tr("Charts exported to %1").arg(folder), 5000);
    return QString();
}

QString MainWindow::exportReport(const QString& path)
{
    refreshNow();
    LabReport report;
    report.machine = experiment::MachineInfo::current();
    report.taken = QDateTime::currentDateTime();
    if (m_cluster && m_cluster->isRunning()) {
        const ClusterConfig& c = m_cluster->config();
        const int cores = qMax(1, QThread::idealThreadCount());
        report.clusterUrl = m_cluster->url();
        report.policy = policyName(c.policy);
        report.workers = m_cluster->workerCount();
        report.poolThreads = c.poolThreads > 0 ? c.poolThreads : cores;
        report.maxChildren = c.maxChildren > 0 ? c.maxChildren : 2 * cores;
    }
    if (m_cluster && m_cluster->telemetry() != nullptr)
        report.snapshot = m_cluster->telemetry()->snapshot();
    report.hasLoad = m_hasLastLoad;
    report.load = m_lastLoadConfig;
    report.loadSummary = m_lastLoad;
    for (int col = 0; col < m_workerModel->columnCount(); ++col)
        report.workerHeader << m_workerModel->headerData(col, Qt::Horizontal, Qt::DisplayRole).toString();
    for (int row = 0; row < m_workerModel->rowCount(); ++row) {
        QStringList cells;
        for (int col = 0; col < m_workerModel->columnCount(); ++col)
            cells << m_workerModel->data(m_workerModel->index(row, col), Qt::DisplayRole).toString();
        report.workerRows << cells;
    }
    report.charts = m_charts;
    if (m_experiments->hasReport())
        report.experiments = &m_experiments->report();
    const QString e = ReportWriter(report).write(path);
    if (!e.isEmpty()) {
        showError(tr("Report failed"), e);
        return e;
    }
    statusBar()->showMessage(tr("Report written to %1").arg(path), 5000);
    return QString();
}

QString MainWindow::exportRecordsCsv(const QString& path)
{
    if (!m_cluster || m_cluster->telemetry() == nullptr)
        return tr("no telemetry to export");
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !m_cluster->telemetry()->writeCsv(&f) || !f.commit()) {
        const QString e = tr("could not write %1: %2").arg(path, f.errorString());
        showError(tr("Export failed"), e);
        return e;
    }
    return QString();
}

QString MainWindow::exportRecordsJson(const QString& path)
{
    if (!m_cluster || m_cluster->telemetry() == nullptr)
        return tr("no telemetry to export");
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || !m_cluster->telemetry()->writeJson(&f) || !f.commit()) {
        const QString e = tr("could not write %1: %2").arg(path, f.errorString());
        showError(tr("Export failed"), e);
        return e;
    }
    return QString();
}

QString MainWindow::exportSummaryJson(const QString& path)
{
    if (!m_cluster || m_cluster->telemetry() == nullptr)
        return tr("no telemetry to export");
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)
        || f.write(QJsonDocument(m_cluster->telemetry()->summaryJson()).toJson(QJsonDocument::Indented)) < 0 || !f.commit()) {
        const QString e = tr("could not write %1: %2").arg(path, f.errorString());
        showError(tr("Export failed"), e);
        return e;
    }
    return QString();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace clusterlab
