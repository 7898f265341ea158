// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clusterevent.h"
#include "server/distributionpolicy.h"
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

struct ClusterConfig
{
    int workers = 0; // 0 -> one per core
    DistributionPolicy policy = DistributionPolicy::RoundRobin;
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    QStringList allowedHosts; // Host names the workers answer besides the address (HostPolicy)
    quint16 port = 3000; // 0 -> any free port
    int portAttempts = 1; // the port busy: try the next ones, this many ports in all (the bind itself decides: no race)
    int poolThreads = 0; // per worker; 0 -> worker default
    int maxChildren = 0; // per worker; 0 -> worker default
    QStringList extraWorkerArgs;   // passed through to every worker
    QString workerProgram;         // empty -> clusterlab-worker beside this executable
    int gracefulStopMs = 10000;    // in-flight requests get this long on a stop
    // Restart rules (RestartPolicy): a worker that served is replaced at
    // once; quick failures back off x1.5 from restartBackoffMs, capped.
    int restartBackoffMs = 100;
    int restartBackoffCapMs = 15000;
    int healthyResetMs = 30000;    // a worker up this long resets the back-off
    int quickFailureMs = 1000;     // died before listening, or within this of it: "quick"
    int crashLoopLimit = 5;        // this many quick failures in a row -> errored
    int erroredRetryMs = 60000;    // an errored slot is tried again after this (0: only when revived)
    int noWorkerGraceMs = 2000;    // round-robin: a connection parked with no worker listening gets 503 after this
    bool telemetry = true;         // per-request records and health samples from every worker
    bool faultInjection = false;   // workers accept fault= and payload= (experiments; never by default)

    ClusterConfig resolved() const;
};

// The primary of a ClusterLab cluster: forks and supervises N
// clusterlab-worker processes on one port under one distribution policy,
// restarts crashed ones with back-off, scales, restarts them one by one,
// and stops gracefully. Emits lifecycle events. Lives on the thread that
// created it (the GUI or the serve command's main thread); the round-robin
// acceptor runs on its own thread. Not thread-safe.
class Cluster : public QObject
{
    Q_OBJECT
public:
    enum class WorkerState { Starting, Online, Listening, Stopping, Restarting, Errored };
    Q_ENUM(WorkerState)

    struct WorkerInfo
    {
        int index = 0;
        qint64 pid = 0;
        WorkerState state = WorkerState::Starting;
        int restarts = 0;
        QString lastExit;
    };

    // The one name of each state, for every view ("listening", "errored", …).
    static QString stateName(WorkerState state);

    explicit Cluster(const ClusterConfig& config, QObject* parent = nullptr);
    ~Cluster() override; // kills and reaps every worker

    // Binds the port and forks the workers; allListening() follows. False
    // with a one-line reason when the port is busy or the policy is not
    // available here.
    bool start(QString* error);
    // Graceful stop of every worker; stopped() when all have exited.
    void stop();
    void setWorkerCount(int count);
    // Replaces every worker one at a time, each new one listening before
    // its predecessor stops. rollingRestartFinished() at the end.
    void rollingRestart();
    // Sends a signal (SIGKILL by default) to the worker of a slot; the
    // supervisor sees a crash and restarts it. False if there is none.
    bool killWorker(int index, int signal = 9);
    // Starts an errored slot again, its crash counters cleared. False when
    // the slot is not errored.
    bool reviveWorker(int index);

    bool isRunning() const { return m_running; }
    quint16 port() const { return m_port; }
    QString url() const;
    // The control channel's local socket name (empty when stopped): for
    // diagnostics and the tests that knock on it.
    QString controlServerName() const;
    const ClusterConfig& config() const { return m_config; }
    int workerCount() const { return static_cast<int>(m_slots.size()); }
    QList<WorkerInfo> workers() const;
    // Round-robin only: connections handed to each worker pid so far.
    QHash<qint64, quint64> handedByPid() const;
    // What the workers report, aggregated (null when telemetry is off).
    TelemetryAggregator* telemetry() const { return m_telemetry; }

Q_SIGNALS:
    void clusterEvent(const clusterlab::ClusterEvent& event); // not "event": that would hide QObject::event
    void allListening();
    void rollingRestartFinished();
    void stopped();

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
