// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster.h"
#include "server/controlmessage.h"

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QTimer>

#include <atomic>

class QLocalSocket;

namespace clusterlab {

// One clusterlab-worker process as the primary sees it: the QProcess, its
// control channel once the worker has said hello, and (round-robin) the
// primary's end of its handoff channel. A child of Cluster that reports by
// signals only (it never calls into Cluster); the destructor kills and
// reaps a process still running, so none outlives the primary object.
// Telemetry trouble never kills a worker that serves: a control stream that
// turns unreadable after "listening" is ignored from then on (the worker
// goes on serving); before "listening" the worker never served and is
// killed like a failed start. Not thread-safe.
class WorkerInstance : public QObject
{
    Q_OBJECT
public:
    WorkerInstance(QObject* parent, int id, int index);
    ~WorkerInstance() override;

    // Forks the worker with `inheritFd` placed at descriptor 3 and
    // `counterFd` at 4 (-1: none).
    bool start(const QString& program, const QStringList& args, qintptr inheritFd, qintptr counterFd);
    void attachControl(QLocalSocket* socket, control::FrameReader reader);
    void sendStop(int graceMs);
    void sendSignal(int signal);

    int id() const { return m_id; }
    int index() const { return m_index; }
    qint64 pid() const { return m_pid; }
    Engine::WorkerState state() const { return m_state; }
    void setState(Engine::WorkerState s) { m_state = s; }
    bool intendedStop() const { return m_intendedStop; }
    void setIntendedStop() { m_intendedStop = true; }
    bool hasControl() const { return m_control != nullptr; }
    qint64 uptimeMs() const { return m_started.elapsed(); }
    QString stderrTail() const;
    // The supervisor killed it on its own account (a stop past its grace):
    // its death says nothing about the worker's health.
    bool killedBySupervisor() const { return m_killedBySupervisor; }
    // Malformed control frames skipped so far.
    quint64 skippedFrames() const { return m_reader.skipped(); }

    qintptr handoffChannel = -1; // primary's end (round-robin); closed by Cluster
    // Our copy of the worker's end: if the worker dies, connections still
    // queued for it are read back from here and handed to another worker.
    qintptr handoffWorkerEnd = -1;
    // kSocketsByDuplication (Windows): the socket this worker is to open
    // its own handle to (the shared listener, or handoffWorkerEnd), sent in
    // a "socket" control message once its control channel is attached.
    qintptr socketForWorker = -1;
    // Responses written, kept by the worker in memory we share: readable
    // after it died. Released by Cluster.
    qintptr servedCounterFd = -1;
    std::atomic<std::uint64_t>* servedCounter = nullptr;

Q_SIGNALS:
    void listening();
    void telemetry(const QCborMap& batch);
    // Disconnected, or something worth a line in the event log.
    void clusterEvent(const clusterlab::ClusterEvent& event);
    void exited(int exitCode, bool crashed);

private:
    void onControlReadyRead();
    void supervisorKill();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);

    int m_id;
    int m_index;
    qint64 m_pid = 0;
    Engine::WorkerState m_state = Engine::WorkerState::Starting;
    bool m_intendedStop = false;
    bool m_exited = false;
    bool m_killedBySupervisor = false;
    bool m_ignoringChannel = false; // its stream broke after it listened
    quint64 m_reportedSkips = 0;
    QProcess* m_process = nullptr;
    QLocalSocket* m_control = nullptr;
    control::FrameReader m_reader;
    QElapsedTimer m_started;
    QTimer m_killTimer;
    QByteArray m_stderr; // the last few KiB, for error messages
};

} // namespace clusterlab
