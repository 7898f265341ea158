// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "engine.h"
#include "restartpolicy.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>

class QCborMap;

#include <memory>
#include <vector>

class QLocalServer;
class QLocalSocket;
class QProcess;
class QTimer;

namespace clusterlab {

class RoundRobinAcceptor;
class TelemetryAggregator;
class WorkerInstance;


// The native engine, the primary of a ClusterLab cluster: forks and supervises N
// clusterlab-worker processes on one port under one distribution policy,
// restarts crashed ones with back-off, scales, restarts them one by one,
// and stops gracefully. Emits lifecycle events. Lives on the thread that
// created it (the GUI or the serve command's main thread); the round-robin
// acceptor runs on its own thread. Not thread-safe.
class Cluster : public Engine
{
    Q_OBJECT
public:
    explicit Cluster(const ClusterConfig& config, QObject* parent = nullptr);
    ~Cluster() override; // kills and reaps every worker

    bool start(QString* error) override;
    void stop() override;
    void setWorkerCount(int count) override;
    void rollingRestart() override;
    bool killWorker(int index, int signal = 9) override;
    bool reviveWorker(int index) override;

    bool isRunning() const override { return m_running; }
    quint16 port() const override { return m_port; }
    // The control channel's local socket name (empty when stopped): for
    // diagnostics and the tests that knock on it.
    QString controlServerName() const;
    const ClusterConfig& config() const override { return m_config; }
    int workerCount() const override { return static_cast<int>(m_slots.size()); }
    QList<WorkerInfo> workers() const override;
    QHash<qint64, quint64> handedByPid() const override;
    TelemetryAggregator* telemetry() const override { return m_telemetry; }

private:
    struct Slot
    {
        int index = 0;
        WorkerInstance* current = nullptr;
        RestartPolicy policy;
        int restarts = 0;
        bool errored = false;
        QString lastExit;
        QTimer* restartTimer = nullptr; // owned by the Cluster (QObject child)
    };

    void spawn(Slot& slot);
    void scheduleRestart(Slot& slot, int delayMs);
    void onNewControlConnection();
    void instanceListening(WorkerInstance* instance);
    void instanceExited(WorkerInstance* instance, int exitCode, bool crashed);
    void updateAvailability();
    void abandonRolling(const QString& why);
    void stopInstance(WorkerInstance* instance);
    void emitEvent(ClusterEvent e);
    void checkAllListening();
    void advanceRolling();
    void maybeFinishStop();
    Slot* slotOf(const WorkerInstance* instance);

    ClusterConfig m_config;
    quint16 m_port = 0;
    bool m_running = false;
    bool m_stopping = false;
    bool m_allListeningEmitted = false;
    qintptr m_listenerFd = -1; // shared: the socket workers inherit; reuseport: the port reservation
    std::unique_ptr<RoundRobinAcceptor> m_acceptor;
    std::unique_ptr<RoundRobinAcceptor> m_refuser; // shared policy, every slot errored: answers 503
    QLocalServer* m_controlServer = nullptr;
    int m_unidentifiedControl = 0; // control connections that have not said hello yet
    TelemetryAggregator* m_telemetry = nullptr;
    std::vector<Slot> m_slots;
    QList<WorkerInstance*> m_instances; // every live process, current or retiring
    int m_nextInstanceId = 0;
    QList<int> m_rollingQueue;          // slot indices still to replace
    WorkerInstance* m_rollingOld = nullptr;
    bool m_rolling = false;
};

} // namespace clusterlab
