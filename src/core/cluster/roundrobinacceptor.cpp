#include "roundrobinacceptor.h"

#include "socketplatform.h"

#include <QTcpServer>

namespace clusterlab {

namespace {
constexpr std::size_t kMaxWaiting = 4096;
}

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

bool RoundRobinAcceptor::start(qintptr listenerFd, QString* error)
{
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
            m_retry->setInterval(10);
            QObject::connect(m_retry, &QTimer::timeout, m_server, [this]() { flushWaiting(); });
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

void RoundRobinAcceptor::stop()
{
    if (!m_thread.isRunning())
        return;
    QMetaObject::invokeMethod(
        m_context,
        [this]() {
            // What the kernel already accepted for us is handed out, not reset.
            if (m_server != nullptr && m_server->isListening()) {
                const QList<qintptr> pending = platform::acceptPending(m_server->socketDescriptor());
                for (qintptr fd : pending)
                    dispatch(fd);
            }
            delete m_server; // closes the listening socket, and the retry timer
            m_server = nullptr;
            m_retry = nullptr;
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
    m_context = nullptr;
    std::lock_guard<std::mutex> lock(m_mutex);
    for (qintptr fd : m_waiting)
        platform::closeDescriptor(fd);
    m_waiting.clear();
}

void RoundRobinAcceptor::addTarget(int workerId, qintptr channel)
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_targets.append({ workerId, channel });
        m_handed.insert(workerId, m_handed.value(workerId));
    }
    if (m_context != nullptr)
        QMetaObject::invokeMethod(m_context, [this]() { flushWaiting(); }, Qt::QueuedConnection);
}

void RoundRobinAcceptor::removeTarget(int workerId)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    for (qsizetype i = 0; i < m_targets.size(); ++i) {
        if (m_targets[i].id == workerId) {
            m_targets.removeAt(i);
            if (m_next > i)
                --m_next;
            break;
        }
    }
    if (m_next >= m_targets.size())
        m_next = 0;
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

bool RoundRobinAcceptor::handOffLocked(qintptr fd)
{
    // Try each ready worker once, starting with the next in rotation.
    for (qsizetype tried = 0; tried < m_targets.size(); ++tried) {
        const Target target = m_targets[m_next];
        m_next = (m_next + 1) % m_targets.size();
        if (platform::sendDescriptor(target.channel, fd)) {
            ++m_handed[target.id];
            platform::closeDescriptor(fd);
            return true;
        }
    }
    return false;
}

void RoundRobinAcceptor::dispatch(qintptr fd)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_waiting.empty() && handOffLocked(fd))
        return;
    if (m_waiting.size() >= kMaxWaiting) {
        platform::closeDescriptor(fd); // overload: refuse rather than grow without bound
        return;
    }
    m_waiting.push_back(fd);
    if (m_retry != nullptr && !m_retry->isActive())
        m_retry->start();
}

void RoundRobinAcceptor::flushWaiting()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    while (!m_waiting.empty() && handOffLocked(m_waiting.front()))
        m_waiting.pop_front();
    if (m_waiting.empty() && m_retry != nullptr)
        m_retry->stop();
}

} // namespace clusterlab
