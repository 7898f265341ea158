#pragma once

#include "chartfeed.h"
#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QFrame;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTimer;

namespace clusterlab {

class BreakdownChart;
class ChartGrid;
class ChartPanel;
class ExperimentsPage;
class GuiLagMonitor;
class LagChart;
class LatencyTimelineChart;
class LoadTestPanel;
class PercentileChart;
class RequestPanel;
class RoutingChart;
class ThroughputChart;
class TopologyView;
class WorkerTableModel;

// The lab's window: cluster control with the per-worker table and the
// event log, click-to-send, the load test, the live topology and six
// charts, all fed from the cluster's telemetry snapshots by one 10 Hz timer
// (never per request). No call here blocks: the cluster, its workers and
// the load generator report through signals. GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // Help → About: version, Qt's version, and the licences of what ships
    // inside (Qt, llhttp).
    QString aboutText() const;
    // The short "start here" guide over the charts: shown until dismissed.
    bool guideShown() const;
    void showGuide(bool show);
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Starts the cluster with the form's settings (port 3000 or the next
    // free one unless a port is set). False with a reason shown and returned.
    bool startCluster(QString* error = nullptr);
    void stopCluster();

    Cluster* cluster() const { return m_cluster.get(); }
    RequestPanel* requestPanel() const { return m_request; }
    LoadTestPanel* loadTestPanel() const { return m_loadTest; }
    RoutingChart* routingChart() const { return m_routing; }
    QList<ChartPanel*> charts() const { return m_charts; }
    ChartGrid* chartGrid() const { return m_chartGrid; }
    QScrollArea* chartScrollArea() const { return m_chartScroll; }
    WorkerTableModel* workerModel() const { return m_workerModel; }
    QTableView* workerTable() const { return m_workerTable; }
    QStringList eventLog() const { return m_events; }
    quint64 refreshCount() const { return m_refreshes; }
    double guiLagP99Ms() const;
    GuiLagMonitor* lagMonitor() const { return m_lag; }
    ExperimentsPage* experimentsPage() const { return m_experiments; }
    QTabWidget* centreTabs() const { return m_centreTabs; }

    // Exports: an empty string on success, else the reason (also shown).
    QString exportCharts(const QString& folder);
    QString exportReport(const QString& path);
    QString exportRecordsCsv(const QString& path);
    QString exportRecordsJson(const QString& path);
    QString exportSummaryJson(const QString& path);
    // Kills the worker of a table row (SIGKILL); the supervisor restarts it.
    bool killWorkerAtRow(int row);
    // Starts an errored slot again; false when that worker is not errored.
    bool reviveWorkerAtRow(int row);

    // Settings that the form holds (persisted).
    int workersSetting() const;
    void setWorkersSetting(int n);
    QString policySetting() const;
    void setPolicySetting(const QString& policy);
    void saveSettings() const;
    void setDarkPalette(bool on);
    bool chartsPaused() const { return m_paused; }
    void setChartsPaused(bool on) { m_paused = on; }
    void refreshNow();

Q_SIGNALS:
    void clusterListening();
    void eventLogged(const QString& line);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildUi();
    void buildMenus();
    void loadSettings();
    void logEvent(const QString& line);
    void onClusterEvent(const ClusterEvent& e);
    void refresh();
    void showError(const QString& what, const QString& reason);
    QString chooseFolderAndExport();

    std::unique_ptr<Cluster> m_cluster;
    ChartFeed m_feed;
    std::int64_t m_originNs = 0;
    QTimer* m_refreshTimer = nullptr;
    GuiLagMonitor* m_lag = nullptr;
    quint64 m_refreshes = 0;
    bool m_paused = false;
    bool m_dark = false;
    qint64 m_highlightPid = 0;
    QStringList m_events;

    QSpinBox* m_workers = nullptr;
    QComboBox* m_policy = nullptr;
    QSpinBox* m_port = nullptr;
    QPushButton* m_startStop = nullptr;
    QTableView* m_workerTable = nullptr;
    WorkerTableModel* m_workerModel = nullptr;
    QPlainTextEdit* m_eventView = nullptr;
    RequestPanel* m_request = nullptr;
    LoadTestPanel* m_loadTest = nullptr;
    TopologyView* m_topology = nullptr;
    RoutingChart* m_routing = nullptr;
    QList<ChartPanel*> m_charts;
    ChartGrid* m_chartGrid = nullptr;
    QFrame* m_guide = nullptr;
    QScrollArea* m_chartScroll = nullptr;
    QTabWidget* m_centreTabs = nullptr;
    ExperimentsPage* m_experiments = nullptr;
    bool m_resumeAfterExperiments = false;
    bool m_hasLastLoad = false;
    LoadSummary m_lastLoad;
    LoadConfig m_lastLoadConfig;
    QLabel* m_statusUrl = nullptr;
    QLabel* m_statusLag = nullptr;
};

} // namespace clusterlab
