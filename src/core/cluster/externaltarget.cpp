// SPDX-License-Identifier: GPL-3.0-or-later
#include "externaltarget.h"

#include "platform/attribution.h"
#include "platform/processplatform.h"
#include "server/requestrecord.h"
#include "server/router.h"
#include "telemetry/telemetryaggregator.h"

#include <QCborArray>
#include <QCborMap>
#include <QMutexLocker>
#include <QProcess>

#include <chrono>

namespace clusterlab {

namespace {
std::int64_t steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
} // namespace

ExternalTarget::ExternalTarget(quint16 port, const QStringList& command, QObject* parent)
    : Engine(parent), m_port(port), m_command(command)
{
    m_config.port = port;
    m_config.workers = 0;
    m_timer.setInterval(100);
    connect(&m_timer, &QTimer::timeout, this, &ExternalTarget::tick);
}

ExternalTarget::~ExternalTarget()
{
    if (m_process != nullptr && m_process->state() != QProcess::NotRunning) {
        const qint64 pid = m_process->processId();
        platform::stopGroup(pid, platform::Stop::Kill);
        m_process->waitForFinished(3000);
    }
}

bool ExternalTarget::start(QString* error)
{
    if (m_running)
        return true;
    if (m_port == 0) {
        *error = QStringLiteral("an external server needs its port on this machine");
        return false;
    }
    QList<qint64> roots;
    if (!m_command.isEmpty()) {
        m_process = new QProcess(this);
        m_process->setProcessChannelMode(QProcess::ForwardedChannels);
        platform::startAsGroupLeader(m_process);
        m_process->start(m_command.constFirst(), m_command.mid(1));
        if (!m_process->waitForStarted(10000)) {
            *error = QStringLiteral("cannot start %1: %2").arg(m_command.constFirst(), m_process->errorString());
            return false;
        }
        platform::assignToKillOnCloseJob(m_process);
        roots.append(m_process->processId());
        connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
            say(ClusterEvent::Kind::Info, -1, 0,
                  QStringLiteral("the command exited %1 %2").arg(status == QProcess::NormalExit ? QStringLiteral("with code") : QStringLiteral("by signal")).arg(code));
        });
        m_description = QStringLiteral("the command %1, port %2").arg(m_command.join(QLatin1Char(' '))).arg(m_port);
    } else {
        m_description = QStringLiteral("the server on port %1").arg(m_port);
    }
    m_owners = std::make_unique<platform::ConnectionOwners>(m_port, roots);
    if (!m_owners->isAvailable()) {
        *error = m_owners->note();
        return false;
    }
    if (m_command.isEmpty() && m_owners->listenerOwners().isEmpty()) {
        *error = QStringLiteral("nothing on this machine listens on port %1%2").arg(m_port).arg(
            m_owners->note().isEmpty() ? QString() : QStringLiteral(": ") + m_owners->note());
        m_owners.reset();
        return false;
    }
    if (m_telemetry == nullptr)
        m_telemetry = new TelemetryAggregator(this);
    m_running = true;
    say(ClusterEvent::Kind::Info, -1, 0,
          QStringLiteral("observing %1 from outside: processes and connections through the OS; the event loop's lag and the "
                         "server's own time breakdown cannot be known")
              .arg(m_description));
    // The first look on the next turn of the event loop: allListening()
    // arrives after start() returns, as the engines' does.
    QMetaObject::invokeMethod(this, &ExternalTarget::tick, Qt::QueuedConnection);
    m_timer.start();
    return true;
}

void ExternalTarget::stop()
{
    m_timer.stop();
    if (m_process != nullptr && m_process->state() != QProcess::NotRunning) {
        const qint64 pid = m_process->processId();
        platform::stopGroup(pid, platform::Stop::Terminate);
        if (!m_process->waitForFinished(3000)) {
            platform::stopGroup(pid, platform::Stop::Kill);
            m_process->waitForFinished(3000);
        }
    }
    m_running = false;
    Q_EMIT stopped();
}

void ExternalTarget::setWorkerCount(int)
{
    say(ClusterEvent::Kind::Info, -1, 0, QStringLiteral("an external server is not scaled by the lab"));
}

void ExternalTarget::rollingRestart()
{
    say(ClusterEvent::Kind::Info, -1, 0, QStringLiteral("an external server is not restarted by the lab"));
    Q_EMIT rollingRestartFinished();
}

bool ExternalTarget::killWorker(int index, int signal)
{
    if (index < 0 || index >= static_cast<int>(m_slots.size()) || !m_slots[static_cast<std::size_t>(index)].alive)
        return false;
    return platform::stopPid(m_slots[static_cast<std::size_t>(index)].pid,
                             signal == 9 ? platform::Stop::Kill : platform::Stop::Terminate);
}

bool ExternalTarget::reviveWorker(int)
{
    return false;
}

QList<Engine::WorkerInfo> ExternalTarget::workers() const
{
    QList<WorkerInfo> out;
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        const Slot& s = m_slots[i];
        if (!s.alive)
            continue;
        WorkerInfo w;
        w.index = static_cast<int>(i);
        w.pid = s.pid;
        w.state = WorkerState::Listening;
        w.parentPid = s.parentPid;
        w.name = s.name;
        w.listens = s.listens;
        w.threads = s.threads;
        out.append(w);
    }
    return out;
}

std::int64_t ExternalTarget::droppedRecords() const
{
    QMutexLocker lock(&m_mutex);
    return m_dropped;
}

void ExternalTarget::clientRecord(const ClientRecord& record)
{
    QMutexLocker lock(&m_mutex);
    if (m_pending.size() >= kMaxPendingRecords) {
        ++m_dropped;
        return;
    }
    m_pending.push_back(record);
}

void ExternalTarget::say(ClusterEvent::Kind kind, int index, qint64 pid, const QString& detail)
{
    ClusterEvent e;
    e.kind = kind;
    e.index = index;
    e.pid = pid;
    e.steadyNs = steadyNs();
    e.detail = detail;
    Q_EMIT clusterEvent(e);
}

void ExternalTarget::tick()
{
    if (!m_running || !m_owners)
        return;
    const QList<qint64> tree = m_owners->targetProcesses();
    const QList<qint64> listeners = m_owners->listenerOwners();
    const QHash<qint64, int> conns = m_owners->connectionsByOwner();
    const std::int64_t now = steadyNs();
    // Processes gone since the last tick.
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        Slot& s = m_slots[i];
        if (s.alive && !tree.contains(s.pid)) {
            s.alive = false;
            m_slotOfPid.remove(s.pid);
            m_telemetry->workerExited(s.pid, 0, false);
            say(ClusterEvent::Kind::Exited, static_cast<int>(i), s.pid, QStringLiteral("process %1 exited").arg(s.pid));
        }
    }
    // New ones, each a slot while there is room: at most kMaxProcesses at
    // once, and no more slots in all than the telemetry takes (an exited
    // process keeps its slot: its counts stay its own).
    for (qint64 pid : tree) {
        if (m_slotOfPid.contains(pid) || m_slotOfPid.size() >= kMaxProcesses
            || m_slots.size() >= static_cast<std::size_t>(TelemetryAggregator::kMaxWorkerIndex))
            continue;
        platform::ProcessSample p;
        if (!platform::sampleProcess(pid, &p))
            continue;
        Slot s;
        s.pid = pid;
        s.lastCpuNs = p.cpuNs;
        s.name = p.name;
        m_slots.push_back(s);
        const int index = static_cast<int>(m_slots.size()) - 1;
        m_slotOfPid.insert(pid, index);
        m_telemetry->workerStarted(index, pid);
        say(ClusterEvent::Kind::Forked, index, pid,
              QStringLiteral("process %1 (%2, parent %3)%4").arg(pid).arg(p.name).arg(p.parentPid)
                  .arg(listeners.contains(pid) ? QStringLiteral(" listens on port %1").arg(m_port) : QString()));
    }
    if (!m_listening && !listeners.isEmpty()) {
        m_listening = true;
        Q_EMIT allListening();
    }
    // What the load generator saw, by the process holding each connection.
    std::vector<ClientRecord> pending;
    {
        QMutexLocker lock(&m_mutex);
        pending.swap(m_pending);
    }
    QHash<int, std::vector<RequestRecord>> records;
    for (const ClientRecord& r : pending) {
        const int index = r.status != 0 && r.pid != 0 ? m_slotOfPid.value(r.pid, -1) : -1;
        if (index < 0 || r.endNs <= r.startNs || r.startNs <= 0)
            continue;
        Slot& s = m_slots[static_cast<std::size_t>(index)];
        RequestRecord q;
        q.headersNs = r.startNs; // as the client saw it: the server's own times are not known
        q.queuedNs = r.startNs;
        q.writtenNs = r.endNs;
        q.requestSeq = ++s.seq;
        q.connectionId = r.clientConnection + 1ULL; // the client's connection: one server connection each
        q.pid = static_cast<std::int32_t>(s.pid);
        q.bytes = r.bytes;
        q.workerIndex = static_cast<std::uint16_t>(index);
        q.status = r.status;
        q.route = Router::routeOf(r.path);
        records[index].push_back(q);
    }
    // One batch per process: its sample (lag unknown: -1) and its records.
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        Slot& s = m_slots[i];
        if (!s.alive)
            continue;
        platform::ProcessSample p;
        if (!platform::sampleProcess(s.pid, &p))
            continue;
        QCborMap sample;
        sample.insert(QStringLiteral("t"), static_cast<qint64>(now));
        sample.insert(QStringLiteral("lagMaxUs"), -1);
        sample.insert(QStringLiteral("lagMeanUs"), -1);
        sample.insert(QStringLiteral("cpuUs"), static_cast<qint64>(p.cpuNs >= 0 && s.lastCpuNs >= 0 ? (p.cpuNs - s.lastCpuNs) / 1000 : 0));
        sample.insert(QStringLiteral("rssKiB"), static_cast<qint64>(qMax<qint64>(0, p.residentKiB)));
        sample.insert(QStringLiteral("connections"), conns.value(s.pid, 0));
        s.lastCpuNs = p.cpuNs;
        s.parentPid = p.parentPid;
        s.name = p.name; // after an exec, the new program's
        s.threads = p.threads;
        s.listens = listeners.contains(s.pid);
        const auto mine = records.constFind(static_cast<int>(i));
        QCborMap batch;
        batch.insert(QStringLiteral("batch"), static_cast<qint64>(++s.batch));
        batch.insert(QStringLiteral("served"), static_cast<qint64>(s.seq));
        batch.insert(QStringLiteral("layout"), kRequestRecordLayout);
        batch.insert(QStringLiteral("records"), packRecords(mine != records.cend() ? *mine : std::vector<RequestRecord>()));
        batch.insert(QStringLiteral("samples"), QCborArray { sample });
        m_telemetry->ingest(static_cast<int>(i), s.pid, batch);
    }
}

} // namespace clusterlab
