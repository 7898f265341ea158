// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster.h"

#include "logging.h"

#include "compute/clock.h"
#include "roundrobinacceptor.h"
#include "platform/processplatform.h"
#include "platform/socketplatform.h"
#include "server/serverconfig.h"
#include "telemetry/telemetryaggregator.h"
#include "workerinstance.h"

#include <QCborMap>
#include <QCoreApplication>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QRandomGenerator>
#include <QThread>
#include <QTimer>

#include <cmath>

namespace clusterlab {

namespace {
// A control connection must say hello within this, and so many at most may
// be waiting to (the workers' own say it as they connect).
constexpr int kControlHelloMs = 1000;
constexpr int kMaxUnidentifiedControl = 64;
RestartPolicy::Config restartConfig(const ClusterConfig& c)
{
    RestartPolicy::Config r;
    r.backoffMs = c.restartBackoffMs;
    r.capMs = c.restartBackoffCapMs;
    r.healthyResetMs = c.healthyResetMs;
    r.quickFailureMs = c.quickFailureMs;
    r.crashLoopLimit = c.crashLoopLimit;
    return r;
}
} // namespace

Cluster::Cluster(const ClusterConfig& config, QObject* parent)
    : Engine(parent)
    , m_config(config.resolved())
{
    qRegisterMetaType<clusterlab::ClusterEvent>();
    if (m_config.telemetry)
        m_telemetry = new TelemetryAggregator(this);
}

Cluster::~Cluster()
{
    if (m_acceptor)
        m_acceptor->stop();
    m_refuser.reset();
    // Kill and reap every process (WorkerInstance's destructor).
    const QList<WorkerInstance*> instances = m_instances;
    m_instances.clear();
    for (WorkerInstance* instance : instances) {
        platform::closeDescriptor(instance->handoffChannel);
        platform::closeDescriptor(instance->handoffWorkerEnd);
        platform::releaseSharedCounter(instance->servedCounter, instance->servedCounterFd);
        delete instance;
    }
    platform::closeDescriptor(m_listenerFd);
}

bool Cluster::start(QString* error)
{
    if (m_running) {
        *error = QStringLiteral("the cluster is already running");
        return false;
    }
    const QString unsupported = policyUnsupportedReason(m_config.policy);
    if (!unsupported.isEmpty()) {
        *error = unsupported;
        return false;
    }
    // The port, or the next free one when asked: each candidate is bound for
    // real (a probe released before the bind could lose the port to another
    // program in between).
    const int attempts = m_config.port == 0 ? 1 : qBound(1, m_config.portAttempts, 65536 - m_config.port);
    qintptr acceptorFd = -1;
    for (int attempt = 0; attempt < attempts; ++attempt) {
        const auto port = static_cast<quint16>(m_config.port + attempt);
        bool inUse = false;
        qintptr fd = -1;
        if (m_config.policy == DistributionPolicy::ReusePort) {
            // Bound, not listening: reserves the port (and tells us which
            // one with port 0) without taking connections itself.
            fd = platform::createReusePortSocket(m_config.host, port, false, &m_port, error, &inUse);
        } else {
            fd = platform::createListener(m_config.host, port, &m_port, error, &inUse);
        }
        if (fd >= 0) {
            if (m_config.policy == DistributionPolicy::RoundRobin)
                acceptorFd = fd;
            else
                m_listenerFd = fd;
            break;
        }
        if (!inUse)
            return false;
        if (attempt + 1 == attempts) {
            if (attempts > 1)
                *error = QStringLiteral("ports %1 to %2 on %3 are all in use")
                             .arg(m_config.port)
                             .arg(port)
                             .arg(m_config.host.toString());
            return false;
        }
    }
    if (m_config.policy == DistributionPolicy::RoundRobin) {
        m_acceptor = std::make_unique<RoundRobinAcceptor>();
        if (!m_acceptor->start(acceptorFd, error, m_config.noWorkerGraceMs)) {
            m_acceptor.reset();
            return false;
        }
    }

    m_controlServer = new QLocalServer(this);
    m_controlServer->setSocketOptions(QLocalServer::UserAccessOption);
    const QString name = QStringLiteral("clusterlab-%1-%2")
                             .arg(QCoreApplication::applicationPid())
                             .arg(QRandomGenerator::system()->generate64(), 0, 16);
    QLocalServer::removeServer(name);
    if (!m_controlServer->listen(name)) {
        *error = QStringLiteral("cannot open the control channel: %1").arg(m_controlServer->errorString());
        return false;
    }
    connect(m_controlServer, &QLocalServer::newConnection, this, &Cluster::onNewControlConnection);

    m_running = true;
    m_stopping = false;
    if (m_config.port != 0 && m_port != m_config.port) {
        ClusterEvent busy;
        busy.detail = QStringLiteral("port %1 is busy; using %2").arg(m_config.port).arg(m_port);
        emitEvent(busy);
    }
    ClusterEvent info;
    info.detail = QStringLiteral("%1 on %2 with %3 workers").arg(policyName(m_config.policy), url()).arg(m_config.workers);
    emitEvent(info);
    m_slots.resize(static_cast<std::size_t>(m_config.workers));
    for (std::size_t i = 0; i < m_slots.size(); ++i) {
        m_slots[i].index = static_cast<int>(i);
        m_slots[i].policy = RestartPolicy(restartConfig(m_config));
        spawn(m_slots[i]);
    }
    return true;
}

void Cluster::spawn(Slot& slot)
{
    if (!m_running || m_stopping)
        return;
    QStringList args { QStringLiteral("--index"), QString::number(slot.index), QStringLiteral("--control"),
                       m_controlServer->fullServerName(), QStringLiteral("--policy"), policyName(m_config.policy),
                       QStringLiteral("--host"), m_config.host.toString(), QStringLiteral("--port"),
                       QString::number(m_port), QStringLiteral("--die-with-parent") };
    if (m_config.poolThreads > 0)
        args << QStringLiteral("--pool-threads") << QString::number(m_config.poolThreads);
    if (m_config.maxChildren > 0)
        args << QStringLiteral("--max-children") << QString::number(m_config.maxChildren);
    if (m_config.faultInjection)
        args << QStringLiteral("--fault-injection");
    for (const QString& name : m_config.allowedHosts)
        args << QStringLiteral("--allow-host") << name;
    args += m_config.extraWorkerArgs;

    qCDebug(lcCluster).noquote() << "spawning worker" << slot.index << ":" << args.join(QLatin1Char(' '));
    auto* instance = new WorkerInstance(this, m_nextInstanceId++, slot.index);
    connect(instance, &WorkerInstance::listening, this, [this, instance]() { instanceListening(instance); });
    connect(instance, &WorkerInstance::telemetry, this, [this, instance](const QCborMap& batch) {
        if (m_telemetry != nullptr)
            m_telemetry->ingest(instance->index(), instance->pid(), batch);
    });
    connect(instance, &WorkerInstance::clusterEvent, this, [this](const ClusterEvent& e) { emitEvent(e); });
    connect(instance, &WorkerInstance::exited, this,
            [this, instance](int exitCode, bool crashed) { instanceExited(instance, exitCode, crashed); });
    qintptr inherit = -1;
    qintptr workerEnd = -1;
    if (m_config.policy == DistributionPolicy::RoundRobin) {
        QString error;
        if (!platform::createHandoffPair(&instance->handoffChannel, &workerEnd, &error)) {
            ClusterEvent e;
            e.kind = ClusterEvent::Kind::Errored;
            e.index = slot.index;
            e.detail = error;
            slot.errored = true;
            delete instance;
            emitEvent(e);
            updateAvailability();
            return;
        }
        inherit = workerEnd;
    } else if (m_config.policy == DistributionPolicy::Shared) {
        inherit = m_listenerFd;
    }
    if (inherit >= 0 && platform::kSocketsByDuplication) {
        // Nothing inherited: the socket follows on the control channel.
        instance->socketForWorker = inherit;
        args << QStringLiteral("--socket-from-primary");
        inherit = -1;
    } else if (inherit >= 0) {
        args << QStringLiteral("--inherited-fd") << QString::number(platform::kInheritedFd);
    }
    if (m_telemetry != nullptr) {
        instance->servedCounter = platform::createSharedCounter(&instance->servedCounterFd);
        if (instance->servedCounter != nullptr)
            args << QStringLiteral("--served-fd") << QString::number(platform::kServedCounterFd);
    } else {
        args << QStringLiteral("--no-telemetry");
    }
    m_instances.append(instance);
    slot.current = instance;
    m_allListeningEmitted = false;
    slot.policy.started();
    instance->start(m_config.workerProgram, args, inherit, instance->servedCounterFd);
    if (m_telemetry != nullptr)
        m_telemetry->workerStarted(slot.index, instance->pid());
    instance->handoffWorkerEnd = workerEnd; // kept to recover what a dying worker never read
    ClusterEvent e;
    e.kind = ClusterEvent::Kind::Forked;
    e.index = slot.index;
    e.pid = instance->pid();
    emitEvent(e);
}

QString Cluster::controlServerName() const
{
    return m_controlServer != nullptr ? m_controlServer->fullServerName() : QString();
}

void Cluster::onNewControlConnection()
{
    while (QLocalSocket* socket = m_controlServer->nextPendingConnection()) {
        // The socket is the user's own (0700), but a stuck or stray program
        // of the user's must not pile up connections: at most
        // kMaxUnidentifiedControl wait for their hello at once, and each gets
        // kControlHelloMs to say it (a worker says it as it connects).
        if (m_unidentifiedControl >= kMaxUnidentifiedControl) {
            qCWarning(lcCluster) << "control channel:" << kMaxUnidentifiedControl
                                 << "connections already wait for their hello; dropping another";
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_unidentifiedControl;
        // Until its hello names a pid we know, a connection is nobody's.
        auto reader = std::make_shared<control::FrameReader>();
        auto helloConnection = std::make_shared<QMetaObject::Connection>();
        auto closeConnection = std::make_shared<QMetaObject::Connection>();
        auto counted = std::make_shared<bool>(true);
        QPointer<Cluster> self(this);
        auto identified = [self, counted]() {
            if (*counted && self)
                --self->m_unidentifiedControl;
            *counted = false;
        };
        connect(socket, &QObject::destroyed, this, identified);
        QTimer::singleShot(kControlHelloMs, socket, [socket, counted]() {
            if (*counted) {
                qCWarning(lcCluster) << "control channel: a connection said no hello within" << kControlHelloMs << "ms; dropped";
                socket->abort();
                socket->deleteLater();
            }
        });
        *closeConnection = connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        *helloConnection = connect(socket, &QLocalSocket::readyRead, this,
                                   [this, socket, reader, helloConnection, closeConnection, identified]() {
            reader->append(socket->readAll());
            QCborMap hello;
            if (!reader->next(&hello)) {
                if (reader->broken())
                    socket->abort();
                return;
            }
            disconnect(*helloConnection);
            identified();
            const QCborValue pidValue = hello.value(QStringLiteral("pid"));
            const qint64 pid = pidValue.isInteger() ? pidValue.toInteger() : -1;
            for (WorkerInstance* instance : std::as_const(m_instances)) {
                if (instance->pid() == pid && !instance->hasControl()) {
                    disconnect(*closeConnection); // the instance owns it now
                    if (instance->state() == WorkerState::Starting)
                        instance->setState(WorkerState::Online);
                    ClusterEvent e;
                    e.kind = ClusterEvent::Kind::Online;
                    e.index = instance->index();
                    e.pid = pid;
                    emitEvent(e);
                    // Then what came with the hello ("listening", usually).
                    instance->attachControl(socket, std::move(*reader));
                    return;
                }
            }
            socket->abort(); // not one of ours
        });
    }
}

void Cluster::instanceListening(WorkerInstance* instance)
{
    if (instance->intendedStop())
        return;
    instance->setState(WorkerState::Listening);
    if (Slot* slot = slotOf(instance))
        slot->policy.listening();
    if (m_acceptor && instance->handoffChannel >= 0)
        m_acceptor->addTarget(instance->id(), instance->handoffChannel, instance->pid());
    ClusterEvent e;
    e.kind = ClusterEvent::Kind::Listening;
    e.index = instance->index();
    e.pid = instance->pid();
    emitEvent(e);
    // Rolling restart: the replacement is ready, so its predecessor goes.
    if (m_rolling && m_rollingOld != nullptr && m_rollingOld->index() == instance->index()
        && m_rollingOld != instance)
        stopInstance(m_rollingOld);
    checkAllListening();
}

void Cluster::checkAllListening()
{
    if (m_allListeningEmitted || m_slots.empty())
        return;
    for (const Slot& slot : m_slots) {
        if (slot.current == nullptr || slot.current->state() != WorkerState::Listening)
            return;
    }
    m_allListeningEmitted = true;
    Q_EMIT allListening();
}

void Cluster::stopInstance(WorkerInstance* instance)
{
    if (instance == nullptr || instance->intendedStop())
        return;
    instance->setIntendedStop();
    // Out of the rotation first: no connection is handed to a worker that
    // is about to stop.
    if (m_acceptor)
        m_acceptor->removeTarget(instance->id(), false);
    instance->sendStop(m_config.gracefulStopMs);
}

Cluster::Slot* Cluster::slotOf(const WorkerInstance* instance)
{
    for (Slot& slot : m_slots) {
        if (slot.current == instance)
            return &slot;
    }
    return nullptr;
}

void Cluster::instanceExited(WorkerInstance* instance, int exitCode, bool crashed)
{
    if (!m_instances.contains(instance))
        return;
    if (m_acceptor)
        m_acceptor->removeTarget(instance->id(), true);
    platform::closeDescriptor(instance->handoffChannel);
    instance->handoffChannel = -1;
    if (instance->handoffWorkerEnd >= 0) {
        // Connections handed over but never read (the worker died or left
        // with them queued) go to another worker instead of being reset.
        bool closed = false;
        const QList<qintptr> orphans = platform::receiveDescriptors(instance->handoffWorkerEnd, &closed);
        if (!orphans.isEmpty()) {
            ClusterEvent note;
            note.index = instance->index();
            note.pid = instance->pid();
            note.detail = QStringLiteral("%1 connection(s) it never read handed to other workers").arg(orphans.size());
            emitEvent(note);
        }
        if (m_acceptor)
            m_acceptor->redispatch(orphans);
        else
            for (qintptr fd : orphans)
                platform::closeDescriptor(fd);
        platform::closeDescriptor(instance->handoffWorkerEnd);
        instance->handoffWorkerEnd = -1;
    }
    m_instances.removeAll(instance);
    if (m_telemetry != nullptr) {
        // The worker's own count of what it wrote, read from memory it can
        // no longer touch: the exact measure of what it never reported.
        const std::uint64_t served = instance->servedCounter != nullptr
            ? instance->servedCounter->load(std::memory_order_acquire)
            : 0;
        m_telemetry->workerExited(instance->pid(), served, instance->servedCounter != nullptr);
    }
    platform::releaseSharedCounter(instance->servedCounter, instance->servedCounterFd);
    instance->servedCounter = nullptr;
    instance->servedCounterFd = -1;

    const bool intended = instance->intendedStop() || m_stopping;
    ClusterEvent e;
    e.kind = ClusterEvent::Kind::Exited;
    e.index = instance->index();
    e.pid = instance->pid();
    e.crash = !intended;
#if defined(Q_OS_UNIX)
    if (crashed)
        e.signal = exitCode;
    else
        e.exitCode = exitCode;
#else
    Q_UNUSED(crashed); // on Windows a crash's exception code is its exit code
    e.exitCode = exitCode;
#endif
    const QString tail = instance->stderrTail();
    if (!intended && !tail.isEmpty())
        e.detail = tail;
    emitEvent(e);

    Slot* slot = slotOf(instance);
    if (slot != nullptr) {
        slot->current = nullptr;
        m_allListeningEmitted = false;
        slot->lastExit = e.signal != 0 ? QStringLiteral("signal %1").arg(e.signal) : QStringLiteral("code %1").arg(e.exitCode);
        if (!intended) {
            const RestartPolicy::Decision d
                = instance->killedBySupervisor() ? slot->policy.killedBySupervisor() : slot->policy.crashed();
            if (d.errored) {
                slot->errored = true;
                ClusterEvent err;
                err.kind = ClusterEvent::Kind::Errored;
                err.index = slot->index;
                err.detail = QStringLiteral("failed %1 times in a row before serving (last: %2%3); %4")
                                 .arg(slot->policy.quickFailures())
                                 .arg(slot->lastExit,
                                      tail.isEmpty() ? QString() : QStringLiteral(", \"") + tail + QLatin1Char('"'),
                                      m_config.erroredRetryMs > 0
                                          ? QStringLiteral("trying again in %1 s").arg(m_config.erroredRetryMs / 1000)
                                          : QStringLiteral("not restarting it until revived"));
                emitEvent(err);
                if (m_config.erroredRetryMs > 0)
                    scheduleRestart(*slot, m_config.erroredRetryMs);
                if (m_rolling && m_rollingOld != nullptr && m_rollingOld->index() == slot->index)
                    abandonRolling(QStringLiteral("the replacement of worker %1 failed to start").arg(slot->index));
            } else {
                ++slot->restarts;
                ClusterEvent r;
                r.kind = ClusterEvent::Kind::Restarting;
                r.index = slot->index;
                r.delayMs = d.delayMs;
                emitEvent(r);
                scheduleRestart(*slot, d.delayMs);
            }
        }
    }
    if (instance == m_rollingOld) {
        m_rollingOld = nullptr;
        QMetaObject::invokeMethod(this, &Cluster::advanceRolling, Qt::QueuedConnection);
    }
    instance->deleteLater();
    updateAvailability();
    maybeFinishStop();
}

void Cluster::scheduleRestart(Slot& slot, int delayMs)
{
    if (slot.restartTimer == nullptr) {
        slot.restartTimer = new QTimer(this);
        slot.restartTimer->setSingleShot(true);
        const int index = slot.index;
        connect(slot.restartTimer, &QTimer::timeout, this, [this, index]() {
            for (Slot& s : m_slots) {
                if (s.index != index || s.current != nullptr)
                    continue;
                if (s.errored) { // the long retry of an errored slot
                    s.errored = false;
                    s.policy.reset();
                }
                spawn(s);
                updateAvailability();
            }
        });
    }
    slot.restartTimer->start(delayMs);
}

bool Cluster::reviveWorker(int index)
{
    if (!m_running || m_stopping)
        return false;
    for (Slot& slot : m_slots) {
        if (slot.index != index || !slot.errored)
            continue;
        if (slot.restartTimer != nullptr)
            slot.restartTimer->stop();
        slot.errored = false;
        slot.policy.reset();
        ClusterEvent e;
        e.index = index;
        e.detail = QStringLiteral("revived");
        emitEvent(e);
        spawn(slot);
        updateAvailability();
        return true;
    }
    return false;
}

void Cluster::updateAvailability()
{
    bool any = m_rollingOld != nullptr;
    for (const Slot& slot : m_slots)
        any = any || !slot.errored;
    // No slot can bring a worker soon: connections waiting in the primary
    // are answered 503 at once instead of hanging.
    if (m_acceptor)
        m_acceptor->setServiceAvailable(any);
    if (m_config.policy != DistributionPolicy::Shared || !m_running)
        return;
    // Shared: the kernel would keep connections in the listening socket's
    // queue with no worker to take them. While every slot is errored the
    // primary takes them itself and answers 503 (an acceptor with no target).
    if (!any && !m_refuser && m_listenerFd >= 0 && !m_stopping) {
        const qintptr copy = platform::duplicateDescriptor(m_listenerFd);
        QString error;
        m_refuser = std::make_unique<RoundRobinAcceptor>();
        if (copy < 0 || !m_refuser->start(copy, &error, 0)) {
            m_refuser.reset();
            platform::closeDescriptor(copy);
            return;
        }
        m_refuser->setServiceAvailable(false);
    } else if (any && m_refuser) {
        m_refuser->stop(false); // what waits in the queue is the workers' again
        m_refuser.reset();
    }
}

void Cluster::abandonRolling(const QString& why)
{
    // The replacement did not come up: its predecessor, still serving, keeps
    // the slot, and the restart ends here (a later one may be asked for).
    WorkerInstance* old = m_rollingOld;
    m_rollingOld = nullptr;
    m_rolling = false;
    m_rollingQueue.clear();
    for (Slot& slot : m_slots) {
        if (old != nullptr && slot.index == old->index()) {
            if (slot.restartTimer != nullptr)
                slot.restartTimer->stop();
            slot.errored = false;
            slot.policy.reset();
            slot.policy.started();
            slot.policy.listening();
            slot.current = old;
        }
    }
    ClusterEvent e;
    e.detail = QStringLiteral("rolling restart stopped: %1; the previous worker goes on serving").arg(why);
    emitEvent(e);
    checkAllListening();
    Q_EMIT rollingRestartFinished();
}

void Cluster::stop()
{
    if (!m_running || m_stopping)
        return;
    m_stopping = true;
    m_rolling = false;
    m_rollingQueue.clear();
    for (Slot& slot : m_slots) {
        if (slot.restartTimer != nullptr)
            slot.restartTimer->stop();
    }
    if (m_rollingOld != nullptr) {
        stopInstance(m_rollingOld);
        m_rollingOld = nullptr;
    }
    // Stop taking new connections at once; workers finish what they have.
    if (m_acceptor)
        m_acceptor->stop();
    m_refuser.reset();
    const QList<WorkerInstance*> instances = m_instances;
    for (WorkerInstance* instance : instances)
        stopInstance(instance);
    platform::closeDescriptor(m_listenerFd);
    m_listenerFd = -1;
    maybeFinishStop();
}

void Cluster::maybeFinishStop()
{
    if (!m_stopping || !m_instances.isEmpty() || !m_running)
        return;
    m_running = false;
    m_acceptor.reset();
    for (Slot& slot : m_slots)
        delete slot.restartTimer;
    m_slots.clear();
    m_rollingOld = nullptr;
    if (m_controlServer != nullptr) {
        m_controlServer->close();
        m_controlServer->deleteLater();
        m_controlServer = nullptr;
    }
    ClusterEvent e;
    e.detail = QStringLiteral("stopped");
    emitEvent(e);
    QMetaObject::invokeMethod(this, &Cluster::stopped, Qt::QueuedConnection);
}

void Cluster::setWorkerCount(int count)
{
    if (!m_running || m_stopping || count < 1)
        return;
    const int current = static_cast<int>(m_slots.size());
    if (count > current) {
        m_slots.resize(static_cast<std::size_t>(count));
        for (int i = current; i < count; ++i) {
            m_slots[static_cast<std::size_t>(i)].index = i;
            m_slots[static_cast<std::size_t>(i)].policy = RestartPolicy(restartConfig(m_config));
            spawn(m_slots[static_cast<std::size_t>(i)]);
        }
    } else {
        for (int i = current - 1; i >= count; --i) {
            Slot& slot = m_slots[static_cast<std::size_t>(i)];
            delete slot.restartTimer;
            slot.restartTimer = nullptr;
            m_rollingQueue.removeAll(i);
            stopInstance(slot.current); // it finishes its requests, then exits
            if (m_rollingOld != nullptr && m_rollingOld->index() == i) {
                // Regression: during a rolling restart the slot's current
                // worker is the replacement; its predecessor must go too, or
                // it serves forever outside any slot.
                stopInstance(m_rollingOld);
                m_rollingOld = nullptr;
                QMetaObject::invokeMethod(this, &Cluster::advanceRolling, Qt::QueuedConnection);
            }
        }
        m_slots.resize(static_cast<std::size_t>(count));
        m_allListeningEmitted = false;
    }
    ClusterEvent e;
    e.detail = QStringLiteral("scaled from %1 to %2 workers").arg(current).arg(count);
    emitEvent(e);
    checkAllListening();
}

void Cluster::rollingRestart()
{
    if (!m_running || m_stopping || m_rolling)
        return;
    m_rolling = true;
    m_rollingQueue.clear();
    for (const Slot& slot : m_slots)
        m_rollingQueue.append(slot.index);
    ClusterEvent e;
    e.detail = QStringLiteral("rolling restart of %1 workers").arg(m_rollingQueue.size());
    emitEvent(e);
    advanceRolling();
}

void Cluster::advanceRolling()
{
    if (!m_rolling || m_rollingOld != nullptr)
        return;
    while (!m_rollingQueue.isEmpty()) {
        const int index = m_rollingQueue.takeFirst();
        for (Slot& slot : m_slots) {
            if (slot.index != index)
                continue;
            slot.errored = false;
            slot.policy.reset();
            if (slot.current == nullptr) {
                spawn(slot); // nothing to replace: just start one
                continue;
            }
            // The old one keeps serving until its replacement listens.
            m_rollingOld = slot.current;
            slot.current = nullptr;
            spawn(slot);
            return;
        }
    }
    m_rolling = false;
    ClusterEvent e;
    e.detail = QStringLiteral("rolling restart finished");
    emitEvent(e);
    Q_EMIT rollingRestartFinished();
}

bool Cluster::killWorker(int index, int signal)
{
    for (Slot& slot : m_slots) {
        if (slot.index == index && slot.current != nullptr) {
            slot.current->sendSignal(signal);
            return true;
        }
    }
    return false;
}

QList<Cluster::WorkerInfo> Cluster::workers() const
{
    QList<WorkerInfo> out;
    for (const Slot& slot : m_slots) {
        WorkerInfo info;
        info.index = slot.index;
        info.restarts = slot.restarts;
        info.lastExit = slot.lastExit;
        if (slot.errored) {
            info.state = WorkerState::Errored;
        } else if (slot.current == nullptr) {
            info.state = WorkerState::Restarting;
        } else {
            info.pid = slot.current->pid();
            info.state = slot.current->state();
        }
        out.append(info);
    }
    return out;
}

QHash<qint64, quint64> Cluster::handedByPid() const
{
    QHash<qint64, quint64> out;
    if (!m_acceptor)
        return out;
    const QHash<int, quint64> byId = m_acceptor->handedTo();
    for (WorkerInstance* instance : m_instances) {
        const auto it = byId.constFind(instance->id());
        if (it != byId.constEnd())
            out.insert(instance->pid(), it.value());
    }
    return out;
}

void Cluster::emitEvent(ClusterEvent e)
{
    e.steadyNs = steadyNowNs();
    if (e.kind == ClusterEvent::Kind::Errored || (e.kind == ClusterEvent::Kind::Exited && e.crash))
        qCWarning(lcCluster).noquote() << e.toLine();
    else
        qCInfo(lcCluster).noquote() << e.toLine();
    Q_EMIT clusterEvent(e);
}

} // namespace clusterlab
