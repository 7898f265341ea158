// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "clusterconfig.h"
#include "clusterevent.h"
#include "telemetry/clientrecord.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>

namespace clusterlab {

class TelemetryAggregator;

// What runs a lab's workers, whichever runtime they are (DESIGN.md,
// "Engines and targets"): the native engine (Cluster: clusterlab-worker
// processes under this process's own supervisor) or the Node.js engine
// (NodeEngine: Node's own cluster primary, started as a child process, read
// through its line protocol). The window, `serve`, the experiments and
// sessions hold an Engine and never ask which one it is; every chart,
// table and export reads the same events, worker table and telemetry from
// either. Lives on the thread that created it. Not thread-safe.
class Engine : public QObject
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
        // Seen from outside (an external target's processes; 0, empty or
        // -1 for the lab's own workers): the process tree and what can be
        // sampled.
        qint64 parentPid = 0;
        QString name;        // the executable's short name
        bool listens = false; // holds the target's listening socket
        int threads = -1;
    };

    // The one name of each state, for every view ("listening", "errored", …).
    static QString stateName(WorkerState state);

    explicit Engine(QObject* parent = nullptr);

    // Binds the port and starts the workers; allListening() follows. False
    // with a one-line reason (the port busy, the policy or the runtime not
    // available here).
    virtual bool start(QString* error) = 0;
    // Graceful stop of every worker; stopped() when all have exited.
    virtual void stop() = 0;
    virtual void setWorkerCount(int count) = 0;
    // Replaces every worker one at a time, each new one listening before
    // its predecessor stops. rollingRestartFinished() at the end.
    virtual void rollingRestart() = 0;
    // Sends a signal (SIGKILL by default) to the worker of a slot; the
    // supervisor sees a crash and restarts it. False if there is none.
    virtual bool killWorker(int index, int signal = 9) = 0;
    // Starts an errored slot again, its crash counters cleared. False when
    // the slot is not errored.
    virtual bool reviveWorker(int index) = 0;

    virtual bool isRunning() const = 0;
    virtual quint16 port() const = 0;
    QString url() const;
    virtual const ClusterConfig& config() const = 0;
    virtual int workerCount() const = 0;
    virtual QList<WorkerInfo> workers() const = 0;
    // Round-robin handed over by this process (native): connections per pid.
    virtual QHash<qint64, quint64> handedByPid() const { return {}; }
    // What the workers report, aggregated (null when telemetry is off).
    virtual TelemetryAggregator* telemetry() const = 0;
    // "native", "node" or "external", and what runs it ("Node.js v20.20.2";
    // empty for native; the command or the listener for an external server).
    virtual QString engineName() const { return engineKindName(config().engine); }
    virtual QString runtime() const { return QString(); }
    // An external server says nothing of itself: the load generator must
    // find each connection's process through the OS (LoadConfig::attribute)
    // and hand its records here. The engines of this project say it
    // themselves (X-Worker-Pid, their own records): nothing to do.
    virtual bool needsAttribution() const { return false; }
    virtual void clientRecord(const ClientRecord& record) { Q_UNUSED(record); }

Q_SIGNALS:
    void clusterEvent(const clusterlab::ClusterEvent& event); // not "event": that would hide QObject::event
    void allListening();
    void rollingRestartFinished();
    void stopped();
};

// The engine the configuration names.
std::unique_ptr<Engine> createEngine(const ClusterConfig& config, QObject* parent = nullptr);

} // namespace clusterlab
