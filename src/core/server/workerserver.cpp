// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerserver.h"

#include "compute/payload.h"

#include "httpconnection.h"
#include "taskpool.h"

#include <QCoreApplication>

namespace clusterlab {

namespace {
constexpr int kResumeAcceptingMs = 100;
}

WorkerServer::WorkerServer(const ServerConfig& config, QObject* parent)
    : QTcpServer(parent)
    , m_config(config.resolved())
    , m_pid(QCoreApplication::applicationPid())
{
    m_pool.setMaxThreadCount(m_config.poolThreads);
    m_pool.setObjectName(QStringLiteral("clusterlab-pool"));
    m_tasks = new TaskPool(m_config.taskProgram, m_config.maxChildren, m_config.maxQueue, m_config.taskTimeoutMs,
                           this);
    m_uptime.start();
    // Accept as fast as the kernel queues; our own cap answers 503 beyond it.
    setMaxPendingConnections(1024);
    // Out of descriptors (EMFILE), QTcpServer pauses accepting and never
    // resumes by itself: try again shortly, when connections have closed.
    m_resumeAccepting.setSingleShot(true);
    m_resumeAccepting.setInterval(kResumeAcceptingMs);
    connect(&m_resumeAccepting, &QTimer::timeout, this, [this]() {
        if (isListening())
            resumeAccepting();
    });
    connect(this, &QTcpServer::acceptError, this, [this](QAbstractSocket::SocketError) {
        if (!m_resumeAccepting.isActive())
            m_resumeAccepting.start();
    });
}

WorkerServer::~WorkerServer()
{
    close();
    // Connections (and with them their child tasks) go first, while the task
    // pool still exists; then queued pool jobs are dropped and running ones
    // joined by ~QThreadPool.
    const auto connections = findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly);
    for (HttpConnection* c : connections)
        delete c;
    delete m_tasks;
    m_tasks = nullptr;
    m_pool.clear();
    m_hangGate.releaseAll(); // a job told to hang must not hold up the exit
}

bool HangGate::wait(int limitMs)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    return m_cv.wait_for(lock, std::chrono::milliseconds(limitMs), [this] { return m_released; });
}

void HangGate::releaseAll()
{
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_released = true;
    }
    m_cv.notify_all();
}

QByteArray WorkerServer::payload(int mb)
{
    const qsizetype size = static_cast<qsizetype>(qBound(0, mb, kMaxPayloadMb)) * 1024 * 1024;
    if (m_payload.size() < size) {
        // A new array: jobs still reading the old one keep it alive.
        QByteArray grown(size, Qt::Uninitialized);
        fillPayload(reinterpret_cast<unsigned char*>(grown.data()), static_cast<std::size_t>(size));
        m_payload = grown;
    }
    return m_payload;
}

bool WorkerServer::start(QString* error)
{
    if (!listen(m_config.host, m_config.port)) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot listen on %1:%2: %3")
                         .arg(m_config.host.toString())
                         .arg(m_config.port)
                         .arg(errorString());
        }
        return false;
    }
    return true;
}

void WorkerServer::incomingConnection(qintptr socketDescriptor)
{
    adoptConnection(socketDescriptor);
}

void WorkerServer::adoptConnection(qintptr socketDescriptor)
{
    const quint64 id = ++m_connectionSeq;
    const bool overloaded = m_openConnections >= m_config.maxConnections;
    auto* connection = new HttpConnection(socketDescriptor, id, this, overloaded);
    ++m_openConnections;
    connect(connection, &QObject::destroyed, this, [this, id]() { connectionGone(id); });
    Q_EMIT connectionOpened(id);
}

void WorkerServer::connectionGone(quint64 id)
{
    --m_openConnections;
    Q_EMIT connectionClosed(id);
    if (m_draining && m_openConnections == 0)
        Q_EMIT drained();
}

void WorkerServer::beginDrain()
{
    if (m_draining)
        return;
    m_draining = true;
    const auto connections = findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly);
    for (HttpConnection* c : connections)
        c->drain();
    if (m_openConnections == 0)
        QMetaObject::invokeMethod(this, &WorkerServer::drained, Qt::QueuedConnection);
}

} // namespace clusterlab
