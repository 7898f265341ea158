// SPDX-License-Identifier: GPL-3.0-or-later
#include "roundrobinacceptor.h"

#include "compute/clock.h"
#include "platform/socketplatform.h"

#include <QSocketNotifier>
#include <QTcpServer>

#include <algorithm>

namespace clusterlab {

namespace {
constexpr int kTickMs = 10;                        // ages waiting connections, drains refused ones
constexpr std::int64_t kRefuseLingerNs = 1000000000; // a refused client's bytes are read this long at most

QByteArray refusal()
{
    const QByteArray body = "no worker is free to take this connection; try again shortly\n";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
           "Connection: close\r\nContent-Length: "
        + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}
} // namespace

class HandoffTcpServer : public QTcpServer
{
public:
    explicit HandoffTcpServer(RoundRobinAcceptor* owner)
        : m_owner(owner)
    {
    }

protected:
    // The accepted descriptor is never wrapped in a QTcpSocket here.
    void incomingConnection(qintptr fd) override { m_owner->dispatch(fd); }

private:
    RoundRobinAcceptor* m_owner;
};

RoundRobinAcceptor::RoundRobinAcceptor(QObject* parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("clusterlab-acceptor"));
}

RoundRobinAcceptor::~RoundRobinAcceptor()
{
    stop();
}

bool RoundRobinAcceptor::start(qintptr listenerFd, QString* error, int noWorkerGraceMs)
{
    m_noWorkerGraceMs = noWorkerGraceMs;
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.start();
    bool ok = false;
    QString message;
    QMetaObject::invokeMethod(
        m_context,
        [this, listenerFd, &ok, &message]() {
            m_server = new HandoffTcpServer(this);
            m_server->setMaxPendingConnections(4096);
            m_retry = new QTimer(m_server);
            m_retry->setInterval(kTickMs);
            QObject::connect(m_retry, &QTimer::timeout, m_server, [this]() {
                flushWaiting();
                serviceRefusing();
            });
            // Out of descriptors, QTcpServer pauses accepting for good:
            // resume shortly, once connections have been handed on.
            QObject::connect(m_server, &QTcpServer::acceptError, m_server, [this](QAbstractSocket::SocketError) {
                QTimer::singleShot(100, m_server, [this]() {
                    if (m_server != nullptr && m_server->isListening())
                        m_server->resumeAccepting();
                });
            });
            ok = m_server->setSocketDescriptor(listenerFd);
            if (!ok)
                message = m_server->errorString();
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        *error = QStringLiteral("cannot accept on the listening socket: %1").arg(message);
        stop();
    }
    return ok;
}

void RoundRobinAcceptor::stop(bool takePending)
{
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(
        m_context,
        [this, takePending]() {
            // What the kernel already accepted for us is handed out, not reset.
            if (takePending && m_server != nullptr && m_server->isListening()) {
                const QList<qintptr> pending = platform::acceptPending(m_server->socketDescriptor());
                for (qintptr fd : pending)
                    dispatch(fd);
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                for (Target& t : m_targets)
                    t.acks = nullptr; // children of the server, deleted with it
            }
            delete m_server; // closes the listening socket, the timer and the notifiers
            m_server = nullptr;
            m_retry = nullptr;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
    m_context = nullptr;
    std::lock_guard<std::mutex> lock(m_mutex);
    for (const Waiting& w : m_waiting)
        platform::closeDescriptor(w.fd);
    m_waiting.clear();
    for (Target& t : m_targets) {
        platform::closeDescriptor(t.inFlight);
        t.inFlight = -1;
    }
    for (qintptr fd : std::as_const(m_parked))
        platform::closeDescriptor(fd);
    m_parked.clear();
    for (const Refusing& r : m_refusing)
        platform::closeDescriptor(r.fd);
    m_refusing.clear();
}

void RoundRobinAcceptor::addTarget(int workerId, qintptr channel, qint64 pid)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        Target target;
        target.id = workerId;
        target.channel = channel;
        target.pid = pid;
        m_targets.append(target);
        m_free.push_back(workerId);
        m_handed.insert(workerId, m_handed.value(workerId));
    }
    if (m_context == nullptr)
        return;
    QMetaObject::invokeMethod(
        m_context,
        [this, workerId, channel]() {
            if (m_server == nullptr)
                return;
            auto* acks = new QSocketNotifier(channel, QSocketNotifier::Read, m_server);
            QObject::connect(acks, &QSocketNotifier::activated, m_server,
                             [this, workerId]() { onAcknowledged(workerId); });
            bool known = false;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                for (Target& t : m_targets) {
                    if (t.id == workerId) {
                        t.acks = acks;
                        known = true;
                    }
                }
            }
            if (!known)
                delete acks; // removed before we got here
            flushWaiting();
        },
        Qt::QueuedConnection);
}

void RoundRobinAcceptor::removeTarget(int workerId, bool exited)
{
    QSocketNotifier* acks = nullptr;
    qintptr unacknowledged = -1;
    qintptr parked = -1;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (qsizetype i = 0; i < m_targets.size(); ++i) {
            if (m_targets[i].id == workerId) {
                acks = m_targets[i].acks;
                unacknowledged = m_targets[i].inFlight;
                if (unacknowledged >= 0 && exited) {
                    // Its acknowledgement may be on the channel, unread:
                    // then it adopted (and may have read) the connection.
                    bool closed = false;
                    if (platform::receiveAcknowledgements(m_targets[i].channel, &closed) > 0) {
                        platform::closeDescriptor(unacknowledged);
                        unacknowledged = -1;
                    }
                }
                m_targets.removeAt(i);
                break;
            }
        }
        m_free.erase(std::remove(m_free.begin(), m_free.end(), workerId), m_free.end());
        if (unacknowledged >= 0 && !exited) {
            m_parked.insert(workerId, unacknowledged); // a stopping worker adopts it while it drains
            unacknowledged = -1;
        }
        if (exited && m_parked.contains(workerId))
            parked = m_parked.take(workerId); // (take() of a missing key would give 0: a real descriptor)
    }
    // Windows only (on Unix nothing is held): our copy of what a stopping
    // worker was handed closes when it exits; what a dead worker never
    // acknowledged goes to another worker.
    platform::closeDescriptor(parked);
    if (unacknowledged >= 0)
        redispatch({ unacknowledged });
    // The caller closes the channel next: its notifier goes first, in the
    // thread it lives in.
    if (acks != nullptr && m_context != nullptr && m_thread.isRunning()) {
        if (QThread::currentThread() == &m_thread)
            delete acks;
        else
            QMetaObject::invokeMethod(m_context, [acks]() { delete acks; }, Qt::BlockingQueuedConnection);
    }
}

void RoundRobinAcceptor::setServiceAvailable(bool available)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_available = available;
    }
    if (!available && m_context != nullptr)
        QMetaObject::invokeMethod(m_context, [this]() { flushWaiting(); }, Qt::QueuedConnection);
}

void RoundRobinAcceptor::redispatch(const QList<qintptr>& fds)
{
    if (fds.isEmpty())
        return;
    if (m_context == nullptr) {
        for (qintptr fd : fds)
            platform::closeDescriptor(fd);
        return;
    }
    QMetaObject::invokeMethod(
        m_context,
        [this, fds]() {
            for (qintptr fd : fds)
                dispatch(fd);
        },
        Qt::QueuedConnection);
}

QHash<int, quint64> RoundRobinAcceptor::handedTo() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_handed;
}

int RoundRobinAcceptor::waiting() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return static_cast<int>(m_waiting.size());
}

quint64 RoundRobinAcceptor::refused() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_refused;
}

bool RoundRobinAcceptor::handOffLocked(qintptr fd)
{
    // Node's order: the worker that has been free the longest goes first
    // (the queue is in the order workers became free again).
    while (!m_free.empty()) {
        const int id = m_free.front();
        m_free.pop_front();
        for (Target& target : m_targets) {
            if (target.id != id)
                continue;
            if (platform::sendDescriptor(target.channel, fd, target.pid)) {
                target.busy = true;
                ++m_handed[target.id];
                if (platform::kSocketsByDuplication)
                    target.inFlight = fd; // the worker opens its own handle from the record first
                else
                    platform::closeDescriptor(fd); // SCM_RIGHTS holds a reference in flight
                return true;
            }
            break; // its worker is gone: the cluster removes it
        }
    }
    return false;
}

void RoundRobinAcceptor::onAcknowledged(int workerId)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        for (Target& t : m_targets) {
            if (t.id == workerId)
                takeAcknowledgementLocked(t);
        }
    }
    flushWaiting();
}

void RoundRobinAcceptor::takeAcknowledgementLocked(Target& t)
{
    bool closed = false;
    if (platform::receiveAcknowledgements(t.channel, &closed) > 0 && t.busy) {
        t.busy = false;
        m_free.push_back(t.id);
        platform::closeDescriptor(t.inFlight);
        t.inFlight = -1;
    }
    if (closed && t.acks != nullptr)
        t.acks->setEnabled(false); // the worker is gone; the cluster removes it
}

void RoundRobinAcceptor::collectAcknowledgementsLocked()
{
    // An acknowledgement can be in its channel while the accept that
    // follows it is dispatched first (both were ready in one turn of the
    // loop): read them before choosing, so that a worker which adopted its
    // last connection counts as free and the rotation stays exact.
    for (Target& t : m_targets) {
        if (t.busy)
            takeAcknowledgementLocked(t);
    }
}

void RoundRobinAcceptor::dispatch(qintptr fd)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    collectAcknowledgementsLocked();
    if (m_targets.isEmpty() && !m_available) {
        refuseLocked(fd); // no worker can come: say so now
        return;
    }
    if (m_waiting.empty() && handOffLocked(fd))
        return;
    if (m_waiting.size() >= kMaxWaiting) {
        refuseLocked(fd); // overload: answer rather than grow without bound
        return;
    }
    m_waiting.push_back({ fd, steadyNowNs() });
    if (m_retry != nullptr && !m_retry->isActive())
        m_retry->start();
}

void RoundRobinAcceptor::flushWaiting()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    while (!m_waiting.empty() && handOffLocked(m_waiting.front().fd))
        m_waiting.pop_front();
    if (m_targets.isEmpty()) {
        // No worker listening at all (not merely busy): a connection waits
        // for a replacement only so long, and not at all when none can come.
        const std::int64_t oldest = steadyNowNs() - static_cast<std::int64_t>(m_noWorkerGraceMs) * 1000000;
        while (!m_waiting.empty() && (!m_available || m_waiting.front().sinceNs <= oldest)) {
            refuseLocked(m_waiting.front().fd);
            m_waiting.pop_front();
        }
    }
    if (m_waiting.empty() && m_refusing.empty() && m_retry != nullptr)
        m_retry->stop();
}

void RoundRobinAcceptor::refuseLocked(qintptr fd)
{
    static const QByteArray response = refusal();
    ++m_refused;
    platform::setNonBlocking(fd);
    const platform::IoSlice slice { response.constData(), response.size() };
    platform::sendSome(fd, &slice, 1); // a fresh socket's buffer always has room
    platform::shutdownWrite(fd);
    if (m_refusing.size() >= kMaxRefusing) {
        platform::closeDescriptor(fd);
        return;
    }
    // Closing with the request unread would reset the connection and could
    // destroy the 503 on its way: read until the client closes, briefly.
    m_refusing.push_back({ fd, steadyNowNs() + kRefuseLingerNs });
    if (m_retry != nullptr && !m_retry->isActive())
        m_retry->start();
}

void RoundRobinAcceptor::serviceRefusing()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const std::int64_t now = steadyNowNs();
    char scratch[4096];
    for (auto it = m_refusing.begin(); it != m_refusing.end();) {
        qint64 got = 0;
        do {
            got = platform::receiveSome(it->fd, scratch, sizeof scratch);
        } while (got > 0);
        if (got != platform::kWouldBlock || now >= it->untilNs) {
            platform::closeDescriptor(it->fd);
            it = m_refusing.erase(it);
        } else {
            ++it;
        }
    }
    if (m_waiting.empty() && m_refusing.empty() && m_retry != nullptr)
        m_retry->stop();
}

} // namespace clusterlab
