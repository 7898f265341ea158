#include "httpconnection.h"

#include "childtask.h"
#include "cluster/socketplatform.h"
#include "compute/fib.h"
#include "http/fibquery.h"
#include "taskpool.h"
#include "telemetry/workertelemetry.h"
#include "workerserver.h"

#include <QFutureWatcher>
#include <QJsonDocument>
#include <QStringBuilder>
#include <QJsonObject>
#include <QTcpSocket>
#include <QtConcurrent/QtConcurrentRun>

#if defined(Q_OS_WIN)
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include <functional>
#include <thread>

namespace clusterlab {

namespace {

constexpr qint64 kReadBufferBytes = 64 * 1024;    // Qt stops reading from the kernel beyond this
constexpr qsizetype kMaxUnparsed = 64 * 1024;      // our own unparsed input
constexpr qint64 kMaxUnwrittenBytes = 1024 * 1024; // stop taking requests while this much is unsent
constexpr int kLingerMs = 2000;                    // drain the client's input after our last byte
constexpr int kFirstRequestGraceMs = 1000;         // draining: how long a fresh connection may take to ask

double msBetween(std::int64_t fromNs, std::int64_t toNs)
{
    return toNs > fromNs ? static_cast<double>(toNs - fromNs) / 1e6 : 0.0;
}

struct PoolResult
{
    bool ran = false;
    std::uint64_t value = 0;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::uint64_t threadId = 0;
};

RouteId routeOf(const QByteArray& path)
{
    if (path == "/")
        return RouteId::Root;
    if (path == "/main")
        return RouteId::Main;
    if (path == "/worker")
        return RouteId::Worker;
    if (path == "/child")
        return RouteId::Child;
    if (path == "/healthz")
        return RouteId::Healthz;
    return RouteId::Other;
}

} // namespace

HttpConnection::HttpConnection(qintptr socketDescriptor, quint64 id, WorkerServer* server, bool overloaded)
    : QObject(server)
    , m_server(server)
    , m_id(id)
    , m_parser(server->config().limits)
{
    m_socket = new QTcpSocket(this);
    if (!m_socket->setSocketDescriptor(socketDescriptor)) {
        QMetaObject::invokeMethod(this, &QObject::deleteLater, Qt::QueuedConnection);
        return;
    }
    m_socket->setReadBufferSize(kReadBufferBytes);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError err) {
        // A reset or another hard error: drop everything; owned jobs and
        // tasks go with us. A plain close by the peer is followed by
        // disconnected() once Qt has flushed what we already wrote.
        if (err != QAbstractSocket::RemoteHostClosedError)
            deleteLater();
    });
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimer);

    if (overloaded) {
        HttpResponse r = errorResponse(503, "this worker has too many open connections", false);
        r.addHeader("Retry-After", "1");
        r.keepAlive = false;
        m_stopParsing = true;
        auto slot = std::make_unique<Pending>();
        slot->closeAfter = true;
        m_pending.push_back(std::move(slot));
        m_server->requestStarted();
        finish(m_pending.back().get(), std::move(r), {});
        return;
    }
    updateTimer();
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void HttpConnection::report(Pending& slot, bool answered)
{
    WorkerTelemetry* telemetry = m_server->telemetry();
    if (telemetry == nullptr)
        return;
    RequestRecord& r = slot.rec;
    r.writtenNs = steadyNowNs();
    r.requestSeq = slot.seq;
    r.connectionId = m_id;
    r.pid = static_cast<std::int32_t>(m_server->pid());
    r.workerIndex = static_cast<std::uint16_t>(m_server->config().workerIndex);
    if (r.headersNs == 0)
        r.headersNs = r.writtenNs; // a stream error: no complete head
    if (!answered) {
        r.status = 0;
        r.bytes = 0;
    }
    telemetry->add(r);
}

void HttpConnection::dropPending()
{
    // Requests we will never answer still get a record (status 0), so the
    // worker's sequence numbers have no holes and nothing vanishes unseen;
    // their pool jobs are told to skip the work.
    for (auto& slot : m_pending) {
        report(*slot, false);
        if (slot->cancelled)
            slot->cancelled->store(true);
    }
    m_server->requestsEnded(static_cast<int>(m_pending.size()));
    m_pending.clear();
}

HttpConnection::~HttpConnection()
{
    dropPending();
    // Children (socket, pool watchers, child tasks) die after this: a task
    // still running is killed and reaped by its own destructor.
}

void HttpConnection::onReadyRead()
{
    if (m_closing) {
        // Lingering close: discard what the client still sends, so that our
        // last response is not destroyed by a reset.
        m_socket->readAll();
        return;
    }
    if (m_timerMode == TimerMode::Idle) {
        m_timer.stop();
        m_timerMode = TimerMode::None;
    }
    pullInput();
    parseInput();
}

void HttpConnection::pullInput()
{
    if (m_inPos > 0) {
        m_in.remove(0, m_inPos);
        m_inPos = 0;
    }
    const qint64 room = qMin<qint64>(kMaxUnparsed - m_in.size(), m_socket->bytesAvailable());
    if (room > 0) {
        // Straight into our buffer: no temporary QByteArray per read.
        const qsizetype old = m_in.size();
        m_in.resize(old + room);
        const qint64 got = m_socket->read(m_in.data() + old, room);
        m_in.resize(old + qMax<qint64>(0, got));
    }
}

bool HttpConnection::canTakeMore() const
{
    return !m_stopParsing && static_cast<int>(m_pending.size()) < m_server->config().maxPipelined
        && m_socket->bytesToWrite() < kMaxUnwrittenBytes;
}

void HttpConnection::parseInput()
{
    if (m_parsing)
        return;
    m_parsing = true;
    for (;;) {
        while (canTakeMore() && m_inPos < m_in.size()) {
            std::size_t used = 0;
            const auto result = m_parser.feed(m_in.constData() + m_inPos,
                                              static_cast<std::size_t>(m_in.size() - m_inPos), &used);
            m_inPos += static_cast<qsizetype>(used);
            if (result == HttpRequestParser::Result::Request) {
                handleRequest(m_parser.takeRequest());
            } else if (result == HttpRequestParser::Result::Error) {
                failStream(m_parser.errorStatus(), m_parser.errorReason());
                break;
            }
        }
        // Refill from the socket's buffer if we drained ours and may go on.
        if (!canTakeMore() || m_inPos < m_in.size() || m_socket->bytesAvailable() == 0)
            break;
        pullInput();
    }
    m_parsing = false;
    updateTimer();
}

void HttpConnection::handleRequest(HttpRequest request)
{
    ++m_requestsSeen;
    auto owned = std::make_unique<Pending>();
    Pending* slot = owned.get();
    slot->seq = m_server->nextRequestSeq();
    slot->headOnly = request.isHead();
    slot->http10 = request.versionMinor == 0;
    slot->rec.headersNs = request.headersCompleteNs;
    slot->rec.route = routeOf(request.path);
    m_pending.push_back(std::move(owned));
    m_server->requestStarted();
    m_jsonErrors = request.acceptsJson();

    if (!request.keepAlive || m_server->isDraining()) {
        slot->closeAfter = true;
        m_stopParsing = true; // requests pipelined after "close" are not ours to answer
    }
    const bool json = request.acceptsJson();
    const QByteArray& path = request.path;
    const bool isCompute = path == "/main" || path == "/worker" || path == "/child";
    const bool known = isCompute || path == "/" || path == "/healthz";

    if (!known) {
        finish(slot, errorResponse(404, "no route " + path.left(64) + "; try /", json), {});
        return;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse r = errorResponse(405, "only GET and HEAD are allowed here", json);
        r.addHeader("Allow", "GET, HEAD");
        finish(slot, std::move(r), {});
        return;
    }
    if (path == "/") {
        ResponseIdentity id { m_server->pid(), m_server->config().workerIndex, m_id, slot->seq };
        finish(slot, helloResponse(id, json), {});
        return;
    }
    if (path == "/healthz") {
        QJsonObject o;
        o.insert(QStringLiteral("status"), QStringLiteral("ok"));
        o.insert(QStringLiteral("pid"), m_server->pid());
        o.insert(QStringLiteral("workerIndex"), m_server->config().workerIndex);
        o.insert(QStringLiteral("uptimeMs"), m_server->uptimeMs());
        o.insert(QStringLiteral("openConnections"), m_server->openConnections());
        o.insert(QStringLiteral("inFlight"), m_server->inFlight());
        o.insert(QStringLiteral("requests"), static_cast<qint64>(m_server->requestsServed()));
        o.insert(QStringLiteral("poolThreads"), m_server->threadPool()->maxThreadCount());
        o.insert(QStringLiteral("poolJobs"), m_server->poolJobs().load());
        o.insert(QStringLiteral("tasksRunning"), m_server->taskPool()->running());
        o.insert(QStringLiteral("tasksQueued"), m_server->taskPool()->queued());
        o.insert(QStringLiteral("maxChildren"), m_server->taskPool()->maxRunning());
        HttpResponse r;
        r.contentType = "application/json";
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
        finish(slot, std::move(r), {});
        return;
    }
    const FibQuery q = parseFibQuery(request.query);
    if (!q.ok) {
        finish(slot, errorResponse(400, q.error, json), {});
        return;
    }
    slot->rec.n = static_cast<std::int8_t>(q.n);
    if (path == "/main")
        runOnMain(slot, request, q.n);
    else if (path == "/worker")
        runOnPool(slot, request, q.n);
    else
        runInChild(slot, request, q.n);
}

void HttpConnection::runOnMain(Pending* slot, const HttpRequest& request, int n)
{
    // On purpose: this blocks the worker's event loop for the whole
    // computation, which is the lesson of /main.
    const std::int64_t start = steadyNowNs();
    const std::uint64_t value = fib(n);
    const std::int64_t end = steadyNowNs();
    slot->rec.path = PathId::Main;
    slot->rec.queuedNs = start;
    slot->rec.computeStartNs = start;
    slot->rec.computeEndNs = end;
    ResponseTiming t { msBetween(request.headersCompleteNs, start), msBetween(start, end), 0 };
    ResponseIdentity id { m_server->pid(), m_server->config().workerIndex, m_id, slot->seq };
    finish(slot, computeResponse({ "/main", n, value, ComputePath::Main }, id, t, request.acceptsJson()), t);
}

void HttpConnection::runOnPool(Pending* slot, const HttpRequest& request, int n)
{
    const ServerConfig& cfg = m_server->config();
    const bool json = request.acceptsJson();
    std::atomic<int>& jobs = m_server->poolJobs();
    if (jobs.load() >= m_server->threadPool()->maxThreadCount() + cfg.maxQueue) {
        HttpResponse r = errorResponse(503, "the thread pool queue is full", json);
        r.addHeader("Retry-After", "1");
        finish(slot, std::move(r), {});
        return;
    }
    ++jobs;
    slot->rec.queuedNs = steadyNowNs();
    slot->cancelled = std::make_shared<std::atomic_bool>(false);
    auto cancelled = slot->cancelled;
    std::atomic<int>* jobCounter = &jobs;
    // The job always runs (so the counter stays exact) but skips the work
    // when its client has gone.
    auto job = [n, cancelled, jobCounter]() {
        PoolResult r;
        if (!cancelled->load()) {
            r.ran = true;
            r.startNs = steadyNowNs();
            r.value = fib(n);
            r.endNs = steadyNowNs();
            r.threadId = static_cast<std::uint64_t>(std::hash<std::thread::id>()(std::this_thread::get_id()));
        }
        --*jobCounter;
        return r;
    };
    auto* watcher = new QFutureWatcher<PoolResult>(this);
    const std::int64_t headersNs = request.headersCompleteNs;
    connect(watcher, &QFutureWatcher<PoolResult>::finished, this, [this, watcher, slot, n, json, headersNs]() {
        watcher->deleteLater();
        if (m_closing)
            return; // the slot was dropped with the connection's tail
        const PoolResult r = watcher->result();
        slot->rec.path = PathId::Thread;
        slot->rec.computeStartNs = r.startNs;
        slot->rec.computeEndNs = r.endNs;
        slot->rec.threadOrTask = r.threadId;
        ResponseTiming t { msBetween(headersNs, r.startNs), msBetween(r.startNs, r.endNs), 0 };
        ResponseIdentity id { m_server->pid(), m_server->config().workerIndex, m_id, slot->seq };
        finish(slot, computeResponse({ "/worker", n, r.value, ComputePath::Thread }, id, t, json), t);
    });
    watcher->setFuture(QtConcurrent::run(m_server->threadPool(), job));
}

void HttpConnection::runInChild(Pending* slot, const HttpRequest& request, int n)
{
    const bool json = request.acceptsJson();
    ChildTask* task = m_server->taskPool()->submit(n, this);
    if (task == nullptr) {
        HttpResponse r = errorResponse(503, "the child-process limit and its queue are full", json);
        r.addHeader("Retry-After", "1");
        finish(slot, std::move(r), {});
        return;
    }
    const std::int64_t headersNs = request.headersCompleteNs;
    connect(task, &ChildTask::finished, this, [this, task, slot, n, json, headersNs](const ChildOutcome& o) {
        task->deleteLater();
        if (m_closing)
            return;
        ResponseTiming t;
        t.queueMs = msBetween(headersNs, o.spawnRequestedNs);
        slot->rec.path = PathId::Child;
        slot->rec.queuedNs = o.spawnRequestedNs;
        slot->rec.threadOrTask = static_cast<std::uint64_t>(o.taskPid);
        ResponseIdentity id { m_server->pid(), m_server->config().workerIndex, m_id, slot->seq };
        if (o.kind != ChildOutcome::Kind::Ok) {
            t.spawnMs = msBetween(o.spawnRequestedNs, o.exitSeenNs);
            finish(slot, errorResponse(o.httpStatus(), o.detail, json), t);
            return;
        }
        t.computeMs = msBetween(o.computeStartNs, o.computeEndNs);
        // Spawn = everything the child path adds around the computation:
        // fork/exec and start-up, then exit and reaping.
        t.spawnMs = msBetween(o.spawnRequestedNs, o.computeStartNs) + msBetween(o.computeEndNs, o.exitSeenNs);
        slot->rec.computeStartNs = o.computeStartNs;
        slot->rec.computeEndNs = o.computeEndNs;
        slot->rec.spawnNs = (o.computeStartNs - o.spawnRequestedNs) + (o.exitSeenNs - o.computeEndNs);
        finish(slot, computeResponse({ "/child", n, o.result, ComputePath::Child }, id, t, json), t);
    });
}

void HttpConnection::drain()
{
    if (m_closing)
        return;
    if (m_pending.empty()) {
        // A request may already sit in the kernel's buffer, unread: then it
        // is answered (with "Connection: close") rather than dropped.
        const bool unread = m_socket->bytesAvailable() > 0 || m_inPos < m_in.size()
            || platform::hasPendingInput(m_socket->socketDescriptor());
        if (!m_parser.inMessage() && !unread && m_requestsSeen == 0) {
            // Just accepted (often from the queue the stopping worker took
            // over): the client's first request is surely on its way.
            m_timerMode = TimerMode::Idle;
            m_timer.start(qMin(m_server->config().headerTimeoutMs, kFirstRequestGraceMs));
            return;
        }
        if (!m_parser.inMessage() && !unread) {
            m_stopParsing = true;
            m_closing = true;
            m_timer.stop();
            m_timerMode = TimerMode::None;
            shutdownWrite();
        }
        // else: the request under way is answered with "Connection: close"
        // (handleRequest sees the server draining).
        return;
    }
    // The last response owed closes the connection.
    m_stopParsing = true;
    m_pending.back()->closeAfter = true;
}

void HttpConnection::finish(Pending* slot, HttpResponse response, const ResponseTiming& timing)
{
    ResponseIdentity id { m_server->pid(), m_server->config().workerIndex, m_id, slot->seq };
    stampResponse(&response, id, timing);
    if (slot->closeAfter)
        response.keepAlive = false;
    response.http10Client = slot->http10;
    slot->bytes = response.serialize(slot->headOnly);
    slot->ready = true;
    slot->rec.status = static_cast<std::uint16_t>(response.status);
    slot->rec.bytes = static_cast<std::uint32_t>(slot->bytes.size());
    flush();
}

void HttpConnection::failStream(int status, const QByteArray& reason)
{
    // The stream can no longer be trusted: answer after what is pending,
    // then close.
    m_stopParsing = true;
    auto owned = std::make_unique<Pending>();
    Pending* slot = owned.get();
    slot->seq = m_server->nextRequestSeq();
    slot->closeAfter = true;
    m_pending.push_back(std::move(owned));
    m_server->requestStarted();
    finish(slot, errorResponse(status, reason, m_jsonErrors), {});
}

void HttpConnection::flush()
{
    int written = 0;
    while (!m_pending.empty() && m_pending.front()->ready && !m_closing) {
        std::unique_ptr<Pending> slot = std::move(m_pending.front());
        m_pending.pop_front();
        m_socket->write(slot->bytes);
        ++written;
        report(*slot, true);
        if (slot->closeAfter) {
            beginClose();
            break;
        }
    }
    m_server->requestsEnded(written);
    if (m_closing)
        return;
    // A response went out: room for more pipelined requests, maybe.
    if (written > 0 && !m_parsing)
        parseInput();
    else
        updateTimer();
}

void HttpConnection::beginClose()
{
    m_closing = true;
    m_stopParsing = true;
    // Anything after the closing response is never answered.
    dropPending();
    m_timer.stop();
    m_timerMode = TimerMode::None;
    if (m_socket->bytesToWrite() == 0)
        shutdownWrite();
    // else onBytesWritten() calls it once the buffer is empty
}

void HttpConnection::onBytesWritten()
{
    if (m_closing) {
        if (m_socket->bytesToWrite() == 0 && m_timerMode != TimerMode::Linger)
            shutdownWrite();
        return;
    }
    // Writes drained below the mark: we may take more requests.
    if (!m_parsing && m_inPos < m_in.size())
        parseInput();
    else if (!m_parsing && m_socket->bytesAvailable() > 0)
        onReadyRead();
}

void HttpConnection::shutdownWrite()
{
    // Half-close our side (FIN after the last response), then read and
    // discard until the client closes or the linger time is up.
    m_socket->flush();
#if defined(Q_OS_WIN)
    ::shutdown(static_cast<SOCKET>(m_socket->socketDescriptor()), SD_SEND);
#else
    ::shutdown(static_cast<int>(m_socket->socketDescriptor()), SHUT_WR);
#endif
    m_timerMode = TimerMode::Linger;
    m_timer.start(kLingerMs);
    m_socket->readAll();
}

void HttpConnection::updateTimer()
{
    if (m_closing)
        return;
    const ServerConfig& cfg = m_server->config();
    if (m_parser.inMessage() && !m_stopParsing) {
        // A request has started: it must be complete within the limit.
        if (m_timerMode != TimerMode::Request) {
            m_timerMode = TimerMode::Request;
            m_timer.start(cfg.headerTimeoutMs);
        }
    } else if (m_pending.empty() && m_inPos >= m_in.size()) {
        if (m_timerMode != TimerMode::Idle) {
            m_timerMode = TimerMode::Idle;
            m_timer.start(cfg.idleTimeoutMs);
        }
    } else if (m_timerMode != TimerMode::None) {
        m_timer.stop();
        m_timerMode = TimerMode::None;
    }
}

void HttpConnection::onTimer()
{
    const TimerMode mode = m_timerMode;
    m_timerMode = TimerMode::None;
    switch (mode) {
    case TimerMode::Request:
        failStream(408, "the request was not complete in time");
        break;
    case TimerMode::Idle:
        m_stopParsing = true;
        m_closing = true;
        shutdownWrite();
        break;
    case TimerMode::Linger:
        m_socket->abort();
        deleteLater();
        break;
    case TimerMode::None:
        break;
    }
}

} // namespace clusterlab
