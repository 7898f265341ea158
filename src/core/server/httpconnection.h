// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ringqueue.h"
#include "http/httprequestparser.h"
#include "router.h"
#include "http/httpresponse.h"
#include "responsebodies.h"
#include "requestrecord.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <atomic>
#include <memory>

class QSocketNotifier;

namespace clusterlab {

class WorkerServer;
struct ChildOutcome;
class ChildTask;

// One client connection of a worker: owns its socket descriptor (a read
// notifier always, a write notifier only while output waits), parses
// requests as they arrive, hands each to its compute path (computepaths.h), and writes
// responses strictly in request order (pipelining) however the paths
// finish. Asynchronous work (pool jobs, task processes) is owned by this
// object, so a client that leaves drops its results safely and its tasks
// are killed. Every buffer and timer is bounded: at most maxPipelined
// requests in flight and kMaxUnwrittenBytes of output before reading stops;
// a request must complete within the header timeout; output that the client
// does not take for writeTimeoutMs drops the connection; an idle connection
// (nothing pending, nothing to write) closes after idleTimeoutMs; after our
// FIN we read and discard for at most kLingerMs. A client that half-closes
// (shuts down its write side) still gets every response it asked for.
// Telemetry records a response's status only once its last byte was taken
// by the kernel; anything else is recorded as not delivered (status 0).
// Deletes itself when done. Worker main thread; not thread-safe.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    // `overloaded`: the worker is at its connection cap; answer 503 and close.
    HttpConnection(qintptr socketDescriptor, quint64 id, WorkerServer* server, bool overloaded);
    ~HttpConnection() override;

    quint64 id() const { return m_id; }
    // The worker is stopping: close now if idle, else after the responses
    // already owed (requests not yet received are not taken).
    void drain();

private:
    // A response slot, in request order.
    struct Pending
    {
        bool ready = false;
        bool closeAfter = false;
        bool headOnly = false;
        bool http10 = false;
        HttpResponse response; // serialised when it is its turn to go out
        ResponseIdentity id;   // pid, worker index, connection id, request seq
        std::shared_ptr<std::atomic_bool> cancelled; // pool jobs only
        QPointer<ChildTask> task;                    // child tasks only
        RequestRecord rec;
    };
    // A serialised response on its way to the kernel.
    struct Outgoing
    {
        QByteArray bytes;
        qsizetype sent = 0;
        RequestRecord rec;
    };

    enum class TimerMode { None, Request, Idle, Linger };

    void onReadable();
    void onWritable();
    void readInput();
    void parseInput();
    bool canTakeMore() const;
    Pending* newSlot();
    bool owns(const Pending* slot) const;
    void handleRequest(const HttpRequest& request);
    void finish(Pending* slot, HttpResponse response, const ResponseTiming& timing);
    void failStream(int status, const QByteArray& reason);
    void flush();
    void writeOut();
    void afterOutput();
    void closeIdle();
    void linger();
    void destroy();
    void updateInterest();
    void updateTimer();
    void onTimer();
    // Telemetry: one record per request, answered or not.
    void report(RequestRecord& rec, bool delivered);
    void dropPending();
    void arm(TimerMode mode, int ms);
    void disarm();

    WorkerServer* m_server;
    quint64 m_id;
    qintptr m_fd = -1;
    QSocketNotifier* m_readNotifier = nullptr;
    QSocketNotifier* m_writeNotifier = nullptr;
    HttpRequestParser m_parser;
    QByteArray m_in;
    qsizetype m_inPos = 0;
    RingQueue<std::unique_ptr<Pending>> m_pending;
    // Slots of answered requests, kept for the next ones (at most
    // kMaxSpareSlots): a request on a kept connection allocates none.
    std::vector<std::unique_ptr<Pending>> m_spare;
    RingQueue<Outgoing> m_out; // a slot's buffer is serialised into again
    qint64 m_outBytes = 0;   // not yet taken by the kernel
    QTimer m_timer;          // request, idle or linger
    QTimer m_writeTimer;     // output waiting without progress
    QTimer m_resetProbe;     // after the end of input, while answers are owed: is the client still there?
    TimerMode m_timerMode = TimerMode::None;
    std::int64_t m_deadlineNs = 0;  // when m_timerMode's limit is reached (steady clock)
    std::int64_t m_timerFireNs = 0; // when m_timer, if active, was set to fire
    bool m_stopParsing = false; // after Connection: close, a stream error, or the end of input
    bool m_closing = false;     // the last response is queued; close once it is out
    bool m_readEof = false;     // the client shut down its write side
    bool m_writeShut = false;   // our FIN is sent: lingering
    bool m_destroyed = false;
    bool m_parsing = false;
    bool m_jsonErrors = false;  // the last request asked for JSON
    quint64 m_requestsSeen = 0;
};

} // namespace clusterlab
