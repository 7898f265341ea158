// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "router.h"
#include "serverconfig.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace clusterlab {

class HttpConnection;
class TaskPool;
class WorkerTelemetry;

// Where a pool job told to hang (fault=hang) waits: until its time limit or
// until the worker shuts down, whichever comes first. A thread, unlike a
// child process, cannot be killed; this is the nearest honest stand-in for
// "stuck": the thread is lost to the pool for that long. Thread-safe.
class HangGate
{
public:
    // True when released by shutdown, false at the time limit.
    bool wait(int limitMs);
    void releaseAll();

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_released = false;
};

// The HTTP server of one worker process: accepts connections (its own
// listener, or descriptors handed over by the primary), owns the thread pool
// of /worker and the task pool of /child. Lives on the worker's main thread;
// only poolJobs is touched from pool threads.
class WorkerServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit WorkerServer(const ServerConfig& config, QObject* parent = nullptr);
    ~WorkerServer() override;

    // Listens on config().host:config().port (0 = ephemeral). On failure
    // returns false and says why in *error.
    bool start(QString* error);
    // Serves an already-accepted connected socket (descriptor passing).
    void adoptConnection(qintptr socketDescriptor);

    const ServerConfig& config() const { return m_config; }
    qint64 pid() const { return m_pid; }
    QThreadPool* threadPool() { return &m_pool; }
    const QThreadPool* threadPool() const { return &m_pool; }
    TaskPool* taskPool() { return m_tasks; }
    const TaskPool* taskPool() const { return m_tasks; }
    const Router& router() const { return m_router; }

    // The sharing experiment's data (payload=MiB, --fault-injection only):
    // one buffer per worker, grown to the largest size asked for (at most
    // kMaxPayloadMb), immutable once made. The returned array shares it
    // (no copy); use its first mb MiB.
    QByteArray payload(int mb);
    HangGate* hangGate() { return &m_hangGate; }

    // Pool jobs submitted and not finished (queued or running). Thread-safe.
    std::atomic<int>& poolJobs() { return m_poolJobs; }
    int poolJobCount() const { return m_poolJobs.load(); }

    // Graceful stop: idle connections close now, busy ones after their
    // current responses; drained() fires when none is left. Accepting is
    // the caller's business (it knows how connections arrive).
    void beginDrain();
    bool isDraining() const { return m_draining; }

    // Per-request records go here when set (cluster mode); not owned.
    void setTelemetry(WorkerTelemetry* telemetry) { m_telemetry = telemetry; }
    WorkerTelemetry* telemetry() const { return m_telemetry; }

    quint64 nextRequestSeq() { return ++m_requestSeq; }
    int openConnections() const { return m_openConnections; }
    int inFlight() const { return m_inFlight; }
    void requestStarted() { ++m_inFlight; }
    void requestsEnded(int count) { m_inFlight -= count; }
    quint64 requestsServed() const { return m_requestSeq; }
    qint64 uptimeMs() const { return m_uptime.elapsed(); }

Q_SIGNALS:
    void connectionOpened(quint64 connectionId);
    void connectionClosed(quint64 connectionId);
    void drained();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void connectionGone(quint64 id);

    ServerConfig m_config;
    qint64 m_pid = 0;
    std::atomic<int> m_poolJobs { 0 };
    HangGate m_hangGate; // before m_pool: outlives the jobs that wait on it
    QByteArray m_payload;
    QThreadPool m_pool; // after m_poolJobs: destroyed (and joined) first
    TaskPool* m_tasks = nullptr;
    quint64 m_connectionSeq = 0;
    quint64 m_requestSeq = 0;
    int m_openConnections = 0;
    int m_inFlight = 0;
    bool m_draining = false;
    WorkerTelemetry* m_telemetry = nullptr;
    QElapsedTimer m_uptime;
    QTimer m_resumeAccepting; // after an accept error (out of descriptors)
    Router m_router { this };
};

} // namespace clusterlab
