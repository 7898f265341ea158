// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clusterpanel.h"
#include "sessionactions.h"
#include "startguide.h"

#include "cluster/clusterfeed.h"

#include <QMainWindow>

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
struct SessionSummary;
class TopologyView;
class WorkerTableModel;

// The lab's window, assembled around its LabController: the cluster panel (left) and its worker
// table (bottom), the charts, the topology and the experiments (centre),
// click-to-send and the load test (right), menus and settings. Every live
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
    // Feeds the views took in (each one 10 Hz tick, or a feed published now).
    quint64 refreshCount() const { return m_refreshes; }

    void saveSettings() const;
    void setDarkPalette(bool on);
    bool chartsPaused() const { return m_paused; }
    void setChartsPaused(bool on) { m_paused = on; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildCentre();
    void buildDocks();
    void buildMenus();
    void loadSettings();
    void take(const ChartFeed& feed);
    void showFeed(const ChartFeed& feed);
    void showError(const QString& what, const QString& reason);

    LabController* m_lab = nullptr;
    ClusterFeed* m_feed = nullptr;         // the lab's
    ClusterPanel* m_clusterPanel = nullptr;
    LabExports* m_exports = nullptr;
    SessionController* m_sessions = nullptr; // the lab's
    ComparisonView* m_comparison = nullptr;
    SessionActions* m_sessionActions = nullptr;
    GuiLagMonitor* m_lag = nullptr;
    quint64 m_refreshes = 0;
    bool m_paused = false;
    bool m_endWithoutAsking = false;
    bool m_dark = false;

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
};

} // namespace clusterlab
