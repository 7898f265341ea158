// SPDX-License-Identifier: GPL-3.0-or-later
#include "childtask.h"

#include "taskpool.h"
#include "platform/processplatform.h"
#include "platform/socketplatform.h"
#include "compute/clock.h"

#include <QCoreApplication>
#include <QStringBuilder>

#include <algorithm>

namespace clusterlab {

int ChildOutcome::httpStatus() const
{
    switch (kind) {
    case Kind::Ok: return 200;
    case Kind::TimedOut: return 504;
    default: return 502;
    }
}

ChildTask::ChildTask(int n, TaskOptions options, TaskPool* pool, QObject* owner)
    : QObject(owner)
    , m_n(n)
    , m_options(std::move(options))
    , m_pool(pool)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &ChildTask::onTimeout);
}

ChildTask::~ChildTask()
{
    const bool wasRunning = m_process != nullptr;
    stopProcess();
    if (m_pool && !m_done)
        m_pool->release(this, wasRunning);
}

void ChildTask::start()
{
    m_process = new QProcess(this);
    m_process->setProgram(m_pool->program());
    QStringList args { QString::number(m_n) };
    if (m_options.payloadSize > 0)
        args << QStringLiteral("--payload") << QString::number(m_options.payloadSize);
    if (m_options.fault == Fault::Crash)
        args << QStringLiteral("--crash");
    else if (m_options.fault == Fault::Hang)
        args << QStringLiteral("--hang");
    else if (m_options.fault == Fault::Throw)
        args << QStringLiteral("--throw");
    m_process->setArguments(args);
    m_process->setProcessEnvironment(m_pool->environment());
    if (m_options.payloadSize == 0)
        m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    connect(m_process, &QProcess::finished, this, &ChildTask::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &ChildTask::onError);
    platform::closeInheritedDescriptorsInChild(m_process);
    m_outcome.spawnRequestedNs = steadyNowNs();
    if (m_pool->timeoutMs() > 0)
        m_timeout.start(m_pool->timeoutMs());
    // A spawn can fail inside start() (no descriptors left, fork refused):
    // then complete() has already run and the process is gone.
    m_starting = true;
    m_process->start();
    m_starting = false;
    if (m_process != nullptr) {
        m_outcome.taskPid = m_process->processId();
        if (m_options.payloadSize > 0) {
            // Through the pipe, as a child must receive data: QProcess
            // buffers it and feeds the pipe as the task reads.
            m_process->write(m_options.payload.constData(), m_options.payloadSize);
            m_process->closeWriteChannel();
            m_options.payload = QByteArray(); // QProcess holds its own copy now
        }
        // Windows: the worker's own kill-on-close job, so that its tasks end
        // with it (Unix: the task's own parent watch does that).
        platform::assignToKillOnCloseJob(m_process);
    }
}

void ChildTask::stopProcess()
{
    if (m_process == nullptr)
        return;
    m_timeout.stop();
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        // SIGKILL ends a compute-only task at once; waiting reaps it so no
        // zombie or stray process is left.
        m_process->waitForFinished(5000);
    }
    // Deferred: we may be inside one of the process's own signals. If this
    // task dies first, the process (its child) goes with it.
    m_process->deleteLater();
    m_process = nullptr;
}

void ChildTask::onFinished(int exitCode, QProcess::ExitStatus status)
{
    ChildOutcome o = m_outcome;
    o.exitSeenNs = steadyNowNs();
    if (status == QProcess::CrashExit) {
        o.kind = ChildOutcome::Kind::Crashed;
        o.detail = "the task process crashed";
    } else if (exitCode != 0) {
        o.kind = ChildOutcome::Kind::Crashed;
        o.detail = "the task process exited with code " + QByteArray::number(exitCode);
    } else {
        // Expect exactly "<result> <startNs> <endNs> <peakRssKiB> <checksum>\n".
        const QByteArray out = m_process->readAllStandardOutput();
        const QList<QByteArray> parts = out.trimmed().split(' ');
        bool ok = out.endsWith('\n') && out.count('\n') == 1 && parts.size() == 5;
        bool okR = false;
        bool okS = false;
        bool okE = false;
        bool okM = false;
        bool okC = false;
        if (ok) {
            o.result = parts[0].toULongLong(&okR);
            o.computeStartNs = parts[1].toLongLong(&okS);
            o.computeEndNs = parts[2].toLongLong(&okE);
            o.peakRssKiB = parts[3].toLongLong(&okM);
            o.payloadChecksum = parts[4].toULongLong(&okC);
        }
        ok = ok && okR && okS && okE && okM && okC && o.computeStartNs >= o.spawnRequestedNs
            && o.computeEndNs >= o.computeStartNs && o.computeEndNs <= o.exitSeenNs;
        if (ok) {
            o.kind = ChildOutcome::Kind::Ok;
        } else {
            o.kind = ChildOutcome::Kind::BadOutput;
            o.detail = "the task process printed something unexpected";
        }
    }
    complete(o);
}

void ChildTask::onError(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart)
        return; // crashes and exits arrive through finished()
    ChildOutcome o = m_outcome;
    o.exitSeenNs = steadyNowNs();
    o.kind = ChildOutcome::Kind::FailedToStart;
    o.detail = "the task process could not be started: " + m_process->errorString().toUtf8();
    complete(o);
}

void ChildTask::onTimeout()
{
    ChildOutcome o = m_outcome;
    o.exitSeenNs = steadyNowNs();
    o.kind = ChildOutcome::Kind::TimedOut;
    o.detail = "the task ran past its " + QByteArray::number(m_pool ? m_pool->timeoutMs() : 0) + " ms limit";
    complete(o);
}

void ChildTask::complete(ChildOutcome outcome)
{
    if (m_done)
        return;
    stopProcess();
    m_done = true;
    if (m_pool)
        m_pool->release(this, true);
    if (m_starting) {
        // Inside start(), called from submit(): the owner has not connected
        // to finished() yet. Tell it from the event loop.
        QMetaObject::invokeMethod(this, [this, outcome]() { Q_EMIT finished(outcome); }, Qt::QueuedConnection);
        return;
    }
    Q_EMIT finished(outcome);
}

} // namespace clusterlab
