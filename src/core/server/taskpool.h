// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QProcessEnvironment>
#include <QString>

#include <deque>

namespace clusterlab {

class ChildTask;
struct TaskOptions;

// Bounds the /child path of one worker: at most maxRunning task processes at
// once, at most maxQueued waiting; beyond that submit() refuses (-> 503).
// Not thread-safe: lives on the worker's event-loop thread.
class TaskPool : public QObject
{
    Q_OBJECT
public:
    TaskPool(QString program, int maxRunning, int maxQueued, int timeoutMs, QObject* parent = nullptr);
    ~TaskPool() override;

    // A task for fib(n), owned by `owner` (its lifetime bounds the task's),
    // started now or when a slot frees up. nullptr when running and queue
    // are both full.
    ChildTask* submit(int n, QObject* owner);
    ChildTask* submit(int n, QObject* owner, const TaskOptions& options);

    int running() const { return m_running; }
    int queued() const { return static_cast<int>(m_queue.size()); }
    int maxRunning() const { return m_maxRunning; }
    int timeoutMs() const { return m_timeoutMs; }
    const QString& program() const { return m_program; }
    const QProcessEnvironment& environment() const { return m_environment; }

private:
    friend class ChildTask;
    // Called by a task that stopped running or died while queued.
    void release(ChildTask* task, bool wasRunning);
    void schedulePump();
    void pump();

    QString m_program;
    int m_maxRunning;
    int m_maxQueued;
    int m_timeoutMs;
    int m_running = 0;
    bool m_pumpScheduled = false;
    std::deque<ChildTask*> m_queue;
    QProcessEnvironment m_environment;
};

} // namespace clusterlab
