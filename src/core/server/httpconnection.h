#pragma once

#include "http/httprequestparser.h"
#include "http/httpresponse.h"
#include "routes.h"
#include "telemetry/requestrecord.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <deque>
#include <memory>

class QTcpSocket;

namespace clusterlab {

class WorkerServer;
struct ChildOutcome;

// One client connection of a worker: parses requests as they arrive, runs
// each on its compute path, and writes responses strictly in request order
// (pipelining) however the paths finish. Asynchronous work (pool jobs, task
// processes) is owned by this object, so a client that leaves drops its
// results safely and its tasks are killed. Deletes itself when the socket
// closes. Lives on the worker's main thread; not thread-safe.
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
        quint64 seq = 0;
        bool ready = false;
        bool closeAfter = false;
        bool headOnly = false;
        bool http10 = false;
        QByteArray bytes;
        std::shared_ptr<std::atomic_bool> cancelled; // pool jobs only
        RequestRecord rec;
    };

    enum class TimerMode { None, Request, Idle, Linger };

    void onReadyRead();
    void pullInput();
    void parseInput();
    bool canTakeMore() const;
    void handleRequest(HttpRequest request);
    void runOnMain(Pending* slot, const HttpRequest& request, int n);
    void runOnPool(Pending* slot, const HttpRequest& request, int n);
    void runInChild(Pending* slot, const HttpRequest& request, int n);
    void finish(Pending* slot, HttpResponse response, const ResponseTiming& timing);
    void failStream(int status, const QByteArray& reason);
    void flush();
    void beginClose();
    void shutdownWrite();
    void updateTimer();
    void onTimer();
    void onBytesWritten();
    // Telemetry: one record per request, answered or not.
    void report(Pending& slot, bool answered);
    void dropPending();

    WorkerServer* m_server;
    quint64 m_id;
    QTcpSocket* m_socket = nullptr;
    HttpRequestParser m_parser;
    QByteArray m_in;
    qsizetype m_inPos = 0;
    std::deque<std::unique_ptr<Pending>> m_pending;
    QTimer m_timer;
    TimerMode m_timerMode = TimerMode::None;
    bool m_stopParsing = false; // after Connection: close or a stream error
    bool m_closing = false;     // the last response is out or being flushed
    bool m_parsing = false;
    bool m_jsonErrors = false;  // the last request asked for JSON
    quint64 m_requestsSeen = 0;
};

} // namespace clusterlab
