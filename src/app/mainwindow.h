// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clusterpanel.h"
#include "sessionactions.h"
#include "startguide.h"

#include "cluster/clusterfeed.h"

#include <QMainWindow>

class QDockWidget;
class QLabel;
class QMenu;
class QScrollArea;
class QTabWidget;

namespace clusterlab {

class ChartGrid;
class ChartPanel;
class ComparisonView;
class ExperimentsPage;
class GuiLagMonitor;
class LabController;
class LabExports;
class LoadTestPanel;
class RequestPanel;
class RoutingChart;
class SessionController;
class SidePanel;
struct SessionSummary;
class TopologyView;
class ViewRefresher;
class WorkerTableModel;

// The lab's window, assembled around its LabController: the charts, the
// topology, the experiments and the comparison (centre); the controls as one
// tab set that folds to a strip (right: cluster, click-to-send, load test);
// the worker table and the event log (bottom); menus and settings. Every live
// view listens to one ClusterFeed (10 Hz); nothing here blocks or reads the
// cluster's telemetry itself. GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Help → About: version, Qt's version, and the licences of what ships
    // inside (Qt, llhttp).
    QString aboutText() const { return aboutClusterLab(); }
    bool guideShown() const { return !m_guide->isHidden(); }
    void showGuide(bool show) { m_guide->setShown(show); }

    // The lab behind the window: its cluster, feed, session and event log.
    LabController* lab() const { return m_lab; }
    // The window's parts (views of the lab).
    ClusterPanel* clusterPanel() const { return m_clusterPanel; }
    LabExports* exports() const { return m_exports; }
    RequestPanel* requestPanel() const { return m_request; }
    LoadTestPanel* loadTestPanel() const { return m_loadTest; }
    // The controls (Cluster, Send, Load test), one tab set that folds to a strip.
    SidePanel* sidePanel() const { return m_side; }
    QDockWidget* controlsDock() const { return m_sideDock; }
    // The load test's page in front (the panel opened, shown if closed).
    void showLoadTest();
    // The docks where a first start puts them, at their first sizes.
    void resetLayout();
    RoutingChart* routingChart() const { return m_routing; }
    QList<ChartPanel*> charts() const { return m_charts; }
    ChartGrid* chartGrid() const { return m_chartGrid; }
    QScrollArea* chartScrollArea() const { return m_chartScroll; }
    TopologyView* topology() const { return m_topology; }
    WorkerTableModel* workerModel() const { return m_clusterPanel->workerModel(); }
    ExperimentsPage* experimentsPage() const { return m_experiments; }
    QTabWidget* centreTabs() const { return m_centreTabs; }
    GuiLagMonitor* lagMonitor() const { return m_lag; }
    ComparisonView* comparisonView() const { return m_comparison; }
    // A session opened read-only replaces the live views until back to live.
    SessionActions* sessionActions() const { return m_sessionActions; }
    // SIGTERM, SIGINT, the session manager's quit: the window ends without
    // a question; an unsaved session stays on disk for the next start.
    void endWithoutAsking();
    void prepareToEndWithoutAsking(); // the session manager closes the window itself
    bool viewingSession() const { return m_sessionActions->viewing() != nullptr; }
    // Feeds the window took in (each one 10 Hz tick, or a feed published now).
    quint64 refreshCount() const { return m_refreshes; }
    // What hands the feeds to the views (its rounds: feeds every view in
    // sight had drawn).
    ViewRefresher* viewRefresher() const { return m_views; }

    void saveSettings() const;
    void setDarkPalette(bool on);
    bool chartsPaused() const { return m_paused; }
    void setChartsPaused(bool on) { m_paused = on; }

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildCentre();
    void buildDocks();
    void buildMenus();
    void applyDefaultLayout();
    void loadSettings();
    void take(const std::shared_ptr<const ChartFeed>& feed);
    void showFeed(const std::shared_ptr<const ChartFeed>& feed);
    void buildViewRefresher();
    void showError(const QString& what, const QString& reason);

    LabController* m_lab = nullptr;
    ClusterFeed* m_feed = nullptr;         // the lab's
    ClusterPanel* m_clusterPanel = nullptr;
    LabExports* m_exports = nullptr;
    SessionController* m_sessions = nullptr; // the lab's
    ComparisonView* m_comparison = nullptr;
    SessionActions* m_sessionActions = nullptr;
    GuiLagMonitor* m_lag = nullptr;
    ViewRefresher* m_views = nullptr; // feeds the views, one a turn
    quint64 m_refreshes = 0;
    bool m_paused = false;
    bool m_endWithoutAsking = false;
    bool m_dark = false;

    static constexpr int kLayoutVersion = 2; // saveState's: 1 had the cluster and request docks apart
    SidePanel* m_side = nullptr;
    QDockWidget* m_sideDock = nullptr;
    QList<QDockWidget*> m_docks; // controls, workers, events
    int m_sideWidth = 330;       // the controls' width when open
    RequestPanel* m_request = nullptr;
    LoadTestPanel* m_loadTest = nullptr;
    TopologyView* m_topology = nullptr;
    RoutingChart* m_routing = nullptr;
    QList<ChartPanel*> m_charts;
    ChartGrid* m_chartGrid = nullptr;
    StartGuide* m_guide = nullptr;
    QScrollArea* m_chartScroll = nullptr;
    QTabWidget* m_centreTabs = nullptr;
    ExperimentsPage* m_experiments = nullptr;
    QLabel* m_statusUrl = nullptr;
    QLabel* m_statusLag = nullptr;
    QLabel* m_statusLoad = nullptr;
};

} // namespace clusterlab
