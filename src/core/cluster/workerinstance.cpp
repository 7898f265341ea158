// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerinstance.h"

#include "platform/processplatform.h"
#include "platform/socketplatform.h"

#include <QCborMap>
#include <QLocalSocket>

namespace clusterlab {

namespace {
constexpr qsizetype kStderrTail = 4096;
}

WorkerInstance::WorkerInstance(QObject* parent, int id, int index)
    : QObject(parent)
    , m_id(id)
    , m_index(index)
{
    m_killTimer.setSingleShot(true);
    connect(&m_killTimer, &QTimer::timeout, this, &WorkerInstance::supervisorKill);
}

void WorkerInstance::supervisorKill()
{
    m_killedBySupervisor = true;
    sendSignal(9);
}

WorkerInstance::~WorkerInstance()
{
    if (m_process != nullptr) {
        m_process->disconnect(this);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
}

bool WorkerInstance::start(const QString& program, const QStringList& args, qintptr inheritFd, qintptr counterFd)
{
    m_process = new QProcess(this);
    m_process->setProgram(program);
    m_process->setArguments(args);
    m_process->setStandardInputFile(QProcess::nullDevice());
    m_process->setStandardOutputFile(QProcess::nullDevice());
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    connect(m_process, &QProcess::readyReadStandardError, this, [this]() {
        m_stderr += m_process->readAllStandardError();
        if (m_stderr.size() > kStderrTail)
            m_stderr = m_stderr.right(kStderrTail);
    });
    connect(m_process, &QProcess::finished, this, &WorkerInstance::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &WorkerInstance::onErrorOccurred);
    platform::handDescriptorsToChild(m_process, inheritFd, counterFd);
    m_started.start();
    m_process->start();
    m_pid = m_process->processId();
    platform::assignToKillOnCloseJob(m_process);
    return true;
}

void WorkerInstance::attachControl(QLocalSocket* socket, control::FrameReader reader)
{
    m_control = socket;
    m_control->setParent(this);
    m_reader = std::move(reader);
    connect(m_control, &QLocalSocket::readyRead, this, &WorkerInstance::onControlReadyRead);
    connect(m_control, &QLocalSocket::disconnected, this, [this]() {
        ClusterEvent e;
        e.kind = ClusterEvent::Kind::Disconnected;
        e.index = m_index;
        e.pid = m_pid;
        Q_EMIT clusterEvent(e);
    });
    if (platform::kSocketsByDuplication && socketForWorker >= 0) {
        // Windows: the worker inherits no socket; it opens its own handle
        // from these bytes (WSADuplicateSocketW for its pid), then listens.
        QCborMap message;
        message.insert(QStringLiteral("type"), QStringLiteral("socket"));
        message.insert(QStringLiteral("info"), platform::duplicateForProcess(socketForWorker, m_pid));
        m_control->write(control::encode(message));
    }
    onControlReadyRead(); // frames that came with the hello
}

void WorkerInstance::onControlReadyRead()
{
    if (m_control == nullptr)
        return;
    const QByteArray bytes = m_control->readAll();
    if (m_ignoringChannel)
        return; // read and dropped: the worker must never block on a full channel
    m_reader.append(bytes);
    QCborMap message;
    while (m_reader.next(&message)) {
        const QString type = message.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("telemetry")) {
            Q_EMIT telemetry(message);
        } else if (type == QLatin1String("listening")) {
            Q_EMIT listening();
        } else if (type == QLatin1String("draining")) {
            m_state = Engine::WorkerState::Stopping;
        }
    }
    if (m_reader.skipped() > m_reportedSkips) {
        ClusterEvent e;
        e.index = m_index;
        e.pid = m_pid;
        e.detail = QStringLiteral("skipped %1 malformed control frame(s)").arg(m_reader.skipped() - m_reportedSkips);
        m_reportedSkips = m_reader.skipped();
        Q_EMIT clusterEvent(e);
    }
    if (!m_reader.broken())
        return;
    ClusterEvent e;
    e.kind = ClusterEvent::Kind::Info;
    e.index = m_index;
    e.pid = m_pid;
    if (m_state == Engine::WorkerState::Listening || m_state == Engine::WorkerState::Stopping) {
        // It serves: losing its telemetry is no reason to fail its clients.
        m_ignoringChannel = true;
        e.detail = QStringLiteral("ignoring its control channel from now on (%1); it goes on serving").arg(m_reader.error());
        Q_EMIT clusterEvent(e);
        return;
    }
    // It never served: a worker we cannot hear is one that failed to start.
    e.detail = QStringLiteral("dropping the control channel: %1").arg(m_reader.error());
    Q_EMIT clusterEvent(e);
    // Kill first: closing the channel first would let the worker exit on
    // its own, and the supervisor would misread why it ended. This death
    // counts as a failed start (the crash-loop guard sees it).
    sendSignal(9);
    m_control->disconnect(this);
    m_control->abort();
}

void WorkerInstance::sendStop(int graceMs)
{
    m_intendedStop = true;
    m_state = Engine::WorkerState::Stopping;
    if (m_control != nullptr && m_control->state() == QLocalSocket::ConnectedState) {
        QCborMap stop;
        stop.insert(QStringLiteral("type"), QStringLiteral("stop"));
        stop.insert(QStringLiteral("graceMs"), graceMs);
        m_control->write(control::encode(stop));
        m_control->flush();
    } else {
        sendSignal(15);
    }
    // A worker that does not finish in time is killed.
    m_killTimer.start(graceMs + 3000);
}

void WorkerInstance::sendSignal(int signal)
{
    if (m_process == nullptr || m_process->state() == QProcess::NotRunning)
        return;
    platform::stopProcess(m_process, signal == 9 ? platform::Stop::Kill : platform::Stop::Terminate);
}

QString WorkerInstance::stderrTail() const
{
    const QList<QByteArray> lines = m_stderr.trimmed().split('\n');
    return lines.isEmpty() ? QString() : QString::fromLocal8Bit(lines.constLast()).trimmed();
}

void WorkerInstance::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_exited)
        return;
    m_exited = true;
    m_killTimer.stop();
    m_stderr += m_process->readAllStandardError();
    Q_EMIT exited(exitCode, status == QProcess::CrashExit);
}

void WorkerInstance::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart || m_exited)
        return;
    m_exited = true;
    m_stderr += m_process->errorString().toLocal8Bit();
    // Qt reports this from inside start(): let the caller finish first.
    QMetaObject::invokeMethod(this, [this]() { Q_EMIT exited(127, false); }, Qt::QueuedConnection);
}

} // namespace clusterlab
