// SPDX-License-Identifier: GPL-3.0-or-later
#include "taskpool.h"

#include "childtask.h"
#include "platform/processplatform.h"
#include "platform/socketplatform.h"
#include "compute/clock.h"

#include <QCoreApplication>
#include <QStringBuilder>

#include <algorithm>

namespace clusterlab {

TaskPool::TaskPool(QString program, int maxRunning, int maxQueued, int timeoutMs, QObject* parent)
    : QObject(parent)
    , m_program(std::move(program))
    , m_maxRunning(qMax(1, maxRunning))
    , m_maxQueued(qMax(0, maxQueued))
    , m_timeoutMs(timeoutMs)
    , m_environment(QProcessEnvironment::systemEnvironment())
{
    // Lets the task detect that its parent died before it armed
    // PR_SET_PDEATHSIG.
    m_environment.insert(QStringLiteral("CLUSTERLAB_PARENT_PID"),
                         QString::number(QCoreApplication::applicationPid()));
}

TaskPool::~TaskPool()
{
    // Tasks belong to connections; they outlive us only during shutdown.
    // Forget the queue so that their destructors do not call back.
    m_queue.clear();
}

ChildTask* TaskPool::submit(int n, QObject* owner)
{
    return submit(n, owner, TaskOptions {});
}

ChildTask* TaskPool::submit(int n, QObject* owner, const TaskOptions& options)
{
    // Strict in every turn: in the one where a slot has just freed, tasks
    // already queued go first, and the queue still holds at most maxQueued.
    const bool runNow = m_running < m_maxRunning && m_queue.empty();
    if (!runNow && static_cast<int>(m_queue.size()) >= m_maxQueued)
        return nullptr;
    auto* task = new ChildTask(n, options, this, owner);
    if (runNow) {
        ++m_running;
        task->start();
    } else {
        m_queue.push_back(task);
    }
    return task;
}

void TaskPool::release(ChildTask* task, bool wasRunning)
{
    if (wasRunning) {
        --m_running;
    } else {
        m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), task), m_queue.end());
    }
    schedulePump();
}

void TaskPool::schedulePump()
{
    // Deferred: release() runs inside destructors (a connection deleting all
    // its tasks); starting a queued task of that same connection there would
    // spawn a process only to kill it.
    if (m_pumpScheduled)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &TaskPool::pump, Qt::QueuedConnection);
}

void TaskPool::pump()
{
    m_pumpScheduled = false;
    while (m_running < m_maxRunning && !m_queue.empty()) {
        ChildTask* task = m_queue.front();
        m_queue.pop_front();
        ++m_running;
        task->start();
    }
}

} // namespace clusterlab
