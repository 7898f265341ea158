#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <deque>
#include <mutex>

namespace clusterlab {

class HandoffTcpServer;

// The round-robin policy's accept loop: runs on a thread of its own (so
// that chart painting or a busy primary never delays an accept), accepts
// each connection as a bare descriptor and hands it to the next ready
// worker over that worker's handoff channel, then closes its own copy.
// A connection that cannot be handed over (a worker just died, or its
// channel is full) goes to the next worker; with no worker ready it waits
// in a bounded queue until one is. addTarget/removeTarget/handedTo are
// thread-safe; start/stop are called from the owning thread.
class RoundRobinAcceptor : public QObject
{
    Q_OBJECT
public:
    explicit RoundRobinAcceptor(QObject* parent = nullptr);
    ~RoundRobinAcceptor() override;

    // Takes ownership of a listening descriptor and starts accepting.
    bool start(qintptr listenerFd, QString* error);
    void stop();

    // A worker ready to receive connections on `channel` (not owned).
    void addTarget(int workerId, qintptr channel);
    // After this returns the acceptor never uses that channel again.
    void removeTarget(int workerId);
    // Connections that were handed to a worker that died before reading
    // them (recovered from its channel): dispatched again. Thread-safe.
    void redispatch(const QList<qintptr>& fds);
    // How many connections each worker id has been handed (since start).
    QHash<int, quint64> handedTo() const;
    int waiting() const;

private:
    friend class HandoffTcpServer;
    // Acceptor thread.
    void dispatch(qintptr fd);
    void flushWaiting();
    bool handOffLocked(qintptr fd);

    struct Target
    {
        int id;
        qintptr channel;
    };

    QThread m_thread;
    QObject* m_context = nullptr;          // lives in m_thread: runs our calls there
    HandoffTcpServer* m_server = nullptr; // lives in m_thread
    QTimer* m_retry = nullptr;             // lives in m_thread: retries waiting connections
    mutable std::mutex m_mutex;
    QList<Target> m_targets;      // in rotation order
    qsizetype m_next = 0;
    std::deque<qintptr> m_waiting; // accepted, no worker ready yet
    QHash<int, quint64> m_handed;
};

} // namespace clusterlab
