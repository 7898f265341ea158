#pragma once

#include "cluster/clusterfeed.h"
#include "colors.h"

#include <QPointer>
#include <QStringList>
#include <QTableView>
#include <QWidget>

#include <memory>

class QComboBox;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace clusterlab {

class ExperimentsPage;
class WorkerTableModel;

// The lab's cluster and its controls: workers, policy and port (persisted),
// start/stop, scale, kill, revive and rolling restart, the event log, and
// the per-worker table (a widget of its own, which the window docks under
// everything else). Owns the Cluster; nothing here blocks. GUI thread.
class ClusterPanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr quint16 kDefaultPort = 3000;
    static constexpr int kMaxEventLines = 5000;

    explicit ClusterPanel(std::int64_t originNs, QWidget* parent = nullptr);
    ~ClusterPanel() override; // kills and reaps the workers (the cluster's destructor)

    // Starts the cluster with the form's settings (port 3000 or the next
    // free one unless a port is set). False with the reason, also reported
    // through problem().
    bool startCluster(QString* error = nullptr);
    void stopCluster();
    Cluster* cluster() const { return m_cluster.get(); }
    bool isRunning() const;

    // Kills the worker of a table row (SIGKILL); the supervisor restarts it.
    bool killWorkerAtRow(int row);
    // Starts an errored slot again; false when that worker is not errored.
    bool reviveWorkerAtRow(int row);
    // Experiments start clusters of their own: this cluster gives them the
    // machine while they run, and comes back as it was when they are done.
    void yieldTo(ExperimentsPage* experiments);
    // Selects the row of a worker index (the topology's click).
    void selectWorker(int index);

    WorkerTableModel* workerModel() const { return m_model; }
    QTableView* workerTable() const { return m_table; }
    QStringList eventLog() const { return m_events; }
    void logEvent(const QString& line);

    int workersSetting() const;
    void setWorkersSetting(int n);
    QString policySetting() const;
    void setPolicySetting(const QString& policy);
    void loadSettings();
    void saveSettings() const;

Q_SIGNALS:
    // The cluster object was created or destroyed (null): whoever reads it
    // (the feed) follows at once.
    void clusterChanged(const clusterlab::Cluster* cluster);
    void clusterListening();
    // The cluster's URL once started ("" once stopping), with a status line.
    void urlChanged(const QString& url, const QString& status);
    void workerSelected(int index); // -1 when none
    void eventLogged(const QString& line);
    void problem(const QString& what, const QString& reason);
    void message(const QString& text);

private:
    std::int64_t m_originNs;
    std::unique_ptr<Cluster> m_cluster;
    QStringList m_events;
    bool m_resumeAfterExperiments = false;
    QSpinBox* m_workers = nullptr;
    QComboBox* m_policy = nullptr;
    QSpinBox* m_port = nullptr;
    QPushButton* m_startStop = nullptr;
    QPlainTextEdit* m_eventView = nullptr;
    WorkerTableModel* m_model = nullptr;
    QPointer<QTableView> m_table; // docked by the window, which may delete it first
};

} // namespace clusterlab
