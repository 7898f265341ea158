// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <deque>
#include <mutex>

class QSocketNotifier;

namespace clusterlab {

class HandoffTcpServer;

// The round-robin policy's accept loop, with Node's semantic: runs on a
// thread of its own (so that chart painting or a busy primary never delays
// an accept), accepts each connection as a bare descriptor and hands it to
// the next free worker over that worker's handoff channel, then closes its
// own copy. A worker is free again once it has acknowledged the previous
// hand-over (one byte back on the channel, written when it adopted the
// connection), so a worker whose event loop is blocked (/main) is given no
// new connection: they wait here, in order, for a free worker. Bounds:
// kMaxWaiting connections wait (beyond, 503); with no worker listening a
// connection waits at most noWorkerGraceMs (or not at all once the cluster
// says no worker can come), then gets 503 too. A 503 is written, our side
// shut down, and the client's bytes drained for at most a second before
// the close (at most kMaxRefusing at once). addTarget, removeTarget,
// setServiceAvailable, redispatch, handedTo and waiting are thread-safe;
// start/stop are called from the owning thread.
class RoundRobinAcceptor : public QObject
{
    Q_OBJECT
public:
    explicit RoundRobinAcceptor(QObject* parent = nullptr);
    ~RoundRobinAcceptor() override;

    // Takes ownership of a listening descriptor and starts accepting.
    bool start(qintptr listenerFd, QString* error, int noWorkerGraceMs = 2000);
    // `takePending`: accept (and dispatch) what the kernel already queued, so
    // that closing resets none of it; false when others share the socket.
    void stop(bool takePending = true);

    // A worker (process `pid`) ready to receive connections on `channel`
    // (not owned).
    void addTarget(int workerId, qintptr channel, qint64 pid);
    // After this returns the acceptor never uses that channel again.
    // `exited`: the worker process is gone (else it is stopping, and still
    // adopts what it was handed). Windows only (kSocketsByDuplication: we
    // hold a copy of the last hand-over until it is acknowledged): a
    // stopping worker's unacknowledged connection is kept until it exits; a
    // dead worker's goes to another worker unless its acknowledgement was
    // already on the channel.
    void removeTarget(int workerId, bool exited);
    // False: no worker can come (every slot errored): refuse at once.
    void setServiceAvailable(bool available);
    // Connections that were handed to a worker that died before reading
    // them (recovered from its channel): dispatched again. Thread-safe.
    void redispatch(const QList<qintptr>& fds);
    // How many connections each worker id has been handed (since start).
    QHash<int, quint64> handedTo() const;
    int waiting() const;
    // Connections answered 503 by the primary itself (since start).
    quint64 refused() const;

    static constexpr std::size_t kMaxWaiting = 4096;
    static constexpr std::size_t kMaxRefusing = 1024;

private:
    friend class HandoffTcpServer;
    // Acceptor thread.
    void dispatch(qintptr fd);
    void flushWaiting();
    bool handOffLocked(qintptr fd);
    void onAcknowledged(int workerId);
    void collectAcknowledgementsLocked();
    void refuseLocked(qintptr fd);
    void serviceRefusing();

    struct Target
    {
        int id;
        qintptr channel;
        qint64 pid;
        bool busy = false; // a hand-over not yet acknowledged
        qintptr inFlight = -1; // kSocketsByDuplication: our copy of it, closed on the acknowledgement
        QSocketNotifier* acks = nullptr; // lives in m_thread
    };
    struct Waiting
    {
        qintptr fd;
        std::int64_t sinceNs; // steady clock
    };
    struct Refusing
    {
        qintptr fd;
        std::int64_t untilNs;
    };

    void takeAcknowledgementLocked(Target& t);

    QThread m_thread;
    QObject* m_context = nullptr;          // lives in m_thread: runs our calls there
    HandoffTcpServer* m_server = nullptr; // lives in m_thread
    QTimer* m_retry = nullptr;             // lives in m_thread: ages waiting connections, drains refused ones
    mutable std::mutex m_mutex;
    QList<Target> m_targets;
    std::deque<int> m_free;        // worker ids, in the order they became free
    std::deque<Waiting> m_waiting; // accepted, no worker free yet
    std::deque<Refusing> m_refusing;
    QHash<int, quint64> m_handed;
    QHash<int, qintptr> m_parked; // Windows: a stopping worker's unacknowledged hand-over, our copy
    quint64 m_refused = 0;
    bool m_available = true;
    int m_noWorkerGraceMs = 2000;
};

} // namespace clusterlab
