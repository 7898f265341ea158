// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterfeed.h"
#include "colors.h"

#include <QPlainTextEdit>
#include <QPointer>
#include <QStringList>
#include <QTableView>
#include <QWidget>

#include <memory>

class QComboBox;
class QLineEdit;

class QPushButton;
class QSpinBox;

namespace clusterlab {

class ExperimentsPage;
class LabController;
class WorkerTableModel;

// The controls of the lab's cluster, a view of the LabController that owns
// it: workers, policy and port (persisted), start/stop, scale, kill, revive
// and rolling restart, and two widgets of their own which the window docks
// under everything else: the per-worker table and the event log. Nothing here
// blocks. GUI thread.
class ClusterPanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr quint16 kDefaultPort = 3000;

    explicit ClusterPanel(LabController* lab, QWidget* parent = nullptr);
    ~ClusterPanel() override;

    // Starts the lab's cluster with the form's settings (port 3000 or the
    // next free one unless a port is set). False with the reason, also
    // reported through the controller's problem().
    bool startCluster(QString* error = nullptr);
    void stopCluster();
    // The form's settings as a cluster configuration.
    ClusterConfig configFromForm() const;

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
    // The cluster's event log (bounded to 2,000 lines), docked by the window.
    QPlainTextEdit* eventView() const { return m_eventView; }

    int workersSetting() const;
    void setWorkersSetting(int n);
    // The engine row: "native" or "node" (refused, with a tooltip saying
    // why, when no `node` is installed).
    QString engineSetting() const;
    void setEngineSetting(const QString& engine);
    // The port field (0: the default) and the command of "A command I start".
    void setPortSetting(int port);
    void setCommandSetting(const QString& command);
    QString policySetting() const;
    void setPolicySetting(const QString& policy);
    void loadSettings();
    void saveSettings() const;

Q_SIGNALS:
    void workerSelected(int index); // -1 when none
    void message(const QString& text);

private:
    LabController* m_lab;
    QSpinBox* m_workers = nullptr;
    QComboBox* m_policy = nullptr;
    QComboBox* m_engine = nullptr;   // native, node, external (a port), command (one the lab starts)
    QLineEdit* m_command = nullptr;  // the command, for "command"
    QComboBox* m_threads = nullptr;  // Node: per-request, pool
    QComboBox* m_children = nullptr; // Node: per-request, pool
    QSpinBox* m_port = nullptr;
    QPushButton* m_startStop = nullptr;
    QPointer<QPlainTextEdit> m_eventView; // docked by the window, which may delete it first
    WorkerTableModel* m_model = nullptr;
    QPointer<QTableView> m_table; // docked by the window, which may delete it first
};

} // namespace clusterlab
