// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QTimer>

#include "http/fibquery.h"

#include <cstdint>

namespace clusterlab {

class TaskPool;

// The experiments' extras for one task (--fault-injection only).
struct TaskOptions
{
    Fault fault = Fault::None;
    QByteArray payload;        // shared with the worker; the first payloadSize bytes go to the task's stdin
    qsizetype payloadSize = 0;
};

// What a /child computation came to.
struct ChildOutcome
{
    enum class Kind { Ok, Crashed, BadOutput, TimedOut, FailedToStart };
    Kind kind = Kind::Ok;
    std::uint64_t result = 0;
    std::int64_t spawnRequestedNs = 0; // steady clock, in the worker
    std::int64_t computeStartNs = 0;   // steady clock, reported by the task
    std::int64_t computeEndNs = 0;     // steady clock, reported by the task
    std::int64_t exitSeenNs = 0;       // steady clock, in the worker
    qint64 taskPid = 0;
    long long peakRssKiB = -1;         // reported by the task
    std::uint64_t payloadChecksum = 0; // reported by the task (0 without a payload)
    QByteArray detail;                 // for the error body

    // 502 for a broken task, 504 for a slow one, 200 otherwise.
    int httpStatus() const;
};

// One clusterlab-task run for one request. Owned by the requesting
// connection (QObject parent): when the client goes away the object dies,
// and a queued task is dropped, a running one killed and reaped. Created and
// started by TaskPool only. Not thread-safe (worker thread).
class ChildTask : public QObject
{
    Q_OBJECT
public:
    ~ChildTask() override;

    int n() const { return m_n; }
    bool isRunning() const { return m_process != nullptr; }

Q_SIGNALS:
    void finished(const clusterlab::ChildOutcome& outcome);

private:
    friend class TaskPool;
    ChildTask(int n, TaskOptions options, TaskPool* pool, QObject* owner);
    void start();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onError(QProcess::ProcessError error);
    void onTimeout();
    void complete(ChildOutcome outcome);
    void stopProcess();

    int m_n = 0;
    TaskOptions m_options;
    QPointer<TaskPool> m_pool;
    QProcess* m_process = nullptr;
    QTimer m_timeout;
    ChildOutcome m_outcome;
    bool m_done = false;
    bool m_starting = false; // inside start(): finished() must wait for the event loop
};

} // namespace clusterlab
