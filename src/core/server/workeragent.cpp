// SPDX-License-Identifier: GPL-3.0-or-later
#include "workeragent.h"

#include "server/taskpool.h"
#include "server/workerserver.h"
#include "platform/socketplatform.h"
#include "workertelemetry.h"

#include <QCborMap>
#include <QCoreApplication>
#include <QLocalSocket>
#include <QSocketNotifier>

#include <cstdio>

namespace clusterlab {

WorkerAgent::WorkerAgent(WorkerServer* server, Options options, QObject* parent)
    : QObject(parent)
    , m_server(server)
    , m_options(std::move(options))
{
    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, [this]() { Q_EMIT finished(0); });
}

WorkerAgent::~WorkerAgent()
{
    // The server outlives us and must not report into a dead object.
    m_server->setTelemetry(nullptr);
}

bool WorkerAgent::start(QString* error)
{
    m_control = new QLocalSocket(this);
    m_control->connectToServer(m_options.controlName);
    if (!m_control->waitForConnected(10000)) {
        *error = QStringLiteral("cannot reach the primary's control channel %1: %2")
                     .arg(m_options.controlName, m_control->errorString());
        return false;
    }
    connect(m_control, &QLocalSocket::readyRead, this, &WorkerAgent::onControlReadyRead);
    // The primary is gone (even by SIGKILL: the kernel closes its end).
    connect(m_control, &QLocalSocket::disconnected, this, [this]() { Q_EMIT finished(0); });

    QCborMap hello;
    hello.insert(QStringLiteral("type"), QStringLiteral("hello"));
    hello.insert(QStringLiteral("version"), control::kProtocolVersion);
    hello.insert(QStringLiteral("index"), m_server->config().workerIndex);
    hello.insert(QStringLiteral("pid"), m_server->pid());
    send(hello);

    if (m_options.telemetry) {
        WorkerServer* server = m_server;
        auto gauges = [server]() {
            WorkerTelemetry::Gauges g;
            g.inFlight = server->inFlight();
            g.poolBusy = server->threadPool()->activeThreadCount();
            g.tasks = server->taskPool()->running();
            g.connections = server->openConnections();
            return g;
        };
        m_telemetry = new WorkerTelemetry(gauges, [this](const QCborMap& batch) { send(batch); }, this);
        if (m_options.servedFd >= 0)
            m_telemetry->setSharedServedCounter(platform::mapSharedCounter(m_options.servedFd));
        m_server->setTelemetry(m_telemetry);
    }
    if (m_options.socketFromPrimary && m_options.policy != DistributionPolicy::ReusePort) {
        m_awaitingSocket = true; // takeSocket() when its message arrives
    } else if (!takeSocket(error)) {
        return false;
    }
    connect(m_server, &WorkerServer::drained, this, [this]() {
        if (m_stopping) {
            if (m_telemetry != nullptr)
                m_telemetry->flush(); // the last records go out before we do
            if (m_control != nullptr)
                m_control->flush();
            Q_EMIT finished(0);
        }
    });
    return true;
}

bool WorkerAgent::takeSocket(QString* error)
{
    switch (m_options.policy) {
    case DistributionPolicy::RoundRobin:
        if (m_options.inheritedFd < 0) {
            *error = QStringLiteral("round-robin needs the handoff channel (--inherited-fd)");
            return false;
        }
        platform::setNonBlocking(m_options.inheritedFd);
        m_handoffNotifier = new QSocketNotifier(m_options.inheritedFd, QSocketNotifier::Read, this);
        connect(m_handoffNotifier, &QSocketNotifier::activated, this, &WorkerAgent::onHandoff);
        break;
    case DistributionPolicy::Shared:
        if (m_options.inheritedFd < 0 || !m_server->setSocketDescriptor(m_options.inheritedFd)) {
            *error = QStringLiteral("cannot adopt the shared listening socket: %1").arg(m_server->errorString());
            return false;
        }
        break;
    case DistributionPolicy::ReusePort: {
        const ServerConfig& cfg = m_server->config();
        const qintptr fd = platform::createReusePortSocket(cfg.host, cfg.port, true, nullptr, error);
        if (fd < 0)
            return false;
        if (!m_server->setSocketDescriptor(fd)) {
            *error = QStringLiteral("cannot adopt the SO_REUSEPORT socket: %1").arg(m_server->errorString());
            platform::closeDescriptor(fd);
            return false;
        }
        break;
    }
    }
    QCborMap listening;
    listening.insert(QStringLiteral("type"), QStringLiteral("listening"));
    listening.insert(QStringLiteral("port"), m_server->config().port);
    send(listening);
    return true;
}

void WorkerAgent::send(const QCborMap& message)
{
    if (m_control != nullptr && m_control->state() == QLocalSocket::ConnectedState)
        m_control->write(control::encode(message));
}

void WorkerAgent::onControlReadyRead()
{
    m_reader.append(m_control->readAll());
    QCborMap message;
    while (m_reader.next(&message)) {
        const QString type = message.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("socket") && m_awaitingSocket) {
            m_awaitingSocket = false;
            m_options.inheritedFd = platform::adoptDuplicated(message.value(QStringLiteral("info")).toByteArray());
            QString error;
            if (m_options.inheritedFd < 0)
                error = QStringLiteral("cannot open the socket the primary sent");
            if (!error.isEmpty() || !takeSocket(&error)) {
                std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(error));
                Q_EMIT finished(1);
                return;
            }
        } else if (type == QLatin1String("stop"))
        {
            const QCborValue grace = message.value(QStringLiteral("graceMs"));
            beginStop(static_cast<int>(grace.isInteger() ? qBound<qint64>(0, grace.toInteger(), qint64(3600000)) : 10000));
        }
    }
    if (m_reader.broken()) {
        // A primary that speaks garbage is not one to serve.
        std::fprintf(stderr, "clusterlab-worker: %s\n", qPrintable(m_reader.error()));
        Q_EMIT finished(1);
    }
}

void WorkerAgent::onHandoff()
{
    bool closed = false;
    const QList<qintptr> fds = platform::receiveDescriptors(m_options.inheritedFd, &closed);
    for (qintptr fd : fds) {
        m_server->adoptConnection(fd);
        // Free for the next one: the primary hands this worker nothing more
        // until it hears this (a worker blocked in /main stays silent).
        platform::sendAcknowledgement(m_options.inheritedFd);
    }
    if (closed && m_handoffNotifier != nullptr) {
        m_handoffNotifier->setEnabled(false);
        if (!m_stopping)
            Q_EMIT finished(0);
    }
}

void WorkerAgent::beginStop(int graceMs)
{
    if (m_stopping)
        return;
    m_stopping = true;
    QCborMap draining;
    draining.insert(QStringLiteral("type"), QStringLiteral("draining"));
    send(draining);
    // Take what was already handed to us or queued for us, then no more:
    // closing a listener with connections in its queue would reset them.
    if (m_handoffNotifier != nullptr) {
        onHandoff();
        m_handoffNotifier->setEnabled(false);
    } else if (m_server->isListening()) {
        // Reuseport: what waits in our own socket's queue would be reset by
        // the close. Shared: the last worker to close the shared socket
        // would reset its queue too. Either way, take them and serve them.
        const QList<qintptr> pending = platform::acceptPending(m_server->socketDescriptor());
        m_server->close();
        for (qintptr fd : pending)
            m_server->adoptConnection(fd);
    }
    m_graceTimer.start(graceMs);
    m_server->beginDrain();
    if (m_telemetry != nullptr)
        m_telemetry->flush();
}

} // namespace clusterlab
