// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpconnection.h"

#include "logging.h"

#include "childtask.h"
#include "computepaths.h"
#include "router.h"
#include "platform/socketplatform.h"
#include "compute/clock.h"
#include "workertelemetry.h"
#include "workerserver.h"

#include <QSocketNotifier>
#include <QStringBuilder>

namespace clusterlab {

namespace {

constexpr qsizetype kMaxUnparsed = 64 * 1024;      // our own unparsed input; the kernel holds the rest
constexpr qint64 kMaxUnwrittenBytes = 256 * 1024;  // stop taking requests while this much is unsent
constexpr std::size_t kMaxSpareSlots = 8;           // answered requests' slots kept for the next ones
// An output slot's buffer is kept for the next response up to this size
// (a `/` answer is ~0.5 KiB). The buffers kept hold what was queued at the
// peak, and the queue stops growing at kMaxUnwrittenBytes (a client that
// stops reading), so a connection keeps at most about that much, plus one
// response. A bigger buffer is freed once sent.
constexpr qsizetype kMaxKeptOutputBuffer = 4 * 1024;
constexpr int kMaxSlicesPerWrite = 32;             // responses handed to the kernel in one call
constexpr int kResetProbeMs = 200;                 // half-closed client with answers owed: reset check period
constexpr int kLingerMs = 2000;                    // drain the client's input after our last byte
constexpr int kFirstRequestGraceMs = 1000;         // draining: how long a fresh connection may take to ask

} // namespace

HttpConnection::HttpConnection(qintptr socketDescriptor, quint64 id, WorkerServer* server, bool overloaded)
    : QObject(server)
    , m_server(server)
    , m_id(id)
    , m_fd(socketDescriptor)
    , m_parser(server->config().limits)
{
    platform::setNonBlocking(m_fd);
    platform::setNoDelay(m_fd);
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &HttpConnection::onReadable);
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &HttpConnection::onWritable);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpConnection::onTimer);
    m_writeTimer.setSingleShot(true);
    // Output waits and the client takes none of it: a client that stopped
    // reading must not hold this connection and its buffers forever.
    connect(&m_writeTimer, &QTimer::timeout, this, &HttpConnection::destroy);
    // A client that shut down its write side still gets its answers; one
    // that reset the connection is gone, and its work is cancelled. The end
    // of input stops the read notifier, so the reset is looked for here.
    m_resetProbe.setInterval(kResetProbeMs);
    connect(&m_resetProbe, &QTimer::timeout, this, [this]() {
        if (platform::peerReset(m_fd))
            destroy();
        else if (m_pending.empty())
            m_resetProbe.stop(); // what is owed is output now: the write path ends it
    });

    if (overloaded) {
        qCInfo(lcHttp) << "connection refused with 503: the worker has" << m_server->config().maxConnections
                       << "open connections";
        HttpResponse r = errorResponse(503, "this worker has too many open connections", false);
        r.addHeader("Retry-After", "1");
        m_stopParsing = true;
        Pending* slot = newSlot();
        slot->closeAfter = true;
        finish(slot, std::move(r), {});
        return;
    }
    updateTimer();
}

void HttpConnection::report(RequestRecord& r, bool delivered)
{
    WorkerTelemetry* telemetry = m_server->telemetry();
    if (telemetry == nullptr)
        return;
    r.writtenNs = steadyNowNs();
    r.connectionId = m_id;
    r.pid = static_cast<std::int32_t>(m_server->pid());
    r.workerIndex = static_cast<std::uint16_t>(m_server->config().workerIndex);
    if (r.headersNs == 0)
        r.headersNs = r.writtenNs; // a stream error: no complete head
    if (!delivered) {
        r.status = 0;
        r.bytes = 0;
    }
    telemetry->add(r);
}

void HttpConnection::dropPending()
{
    // Requests we will never answer still get a record (status 0), so the
    // worker's sequence numbers have no holes and nothing vanishes unseen;
    // their pool jobs are told to skip the work, their tasks are killed.
    for (auto& slot : m_pending) {
        report(slot->rec, false);
        if (slot->cancelled)
            slot->cancelled->store(true);
        delete slot->task.data();
    }
    m_server->requestsEnded(static_cast<int>(m_pending.size()));
    m_pending.clear();
}

HttpConnection::~HttpConnection()
{
    dropPending();
    // Responses built but not (wholly) taken by the kernel were not delivered.
    for (Outgoing& o : m_out)
        report(o.rec, false);
    m_out.clear();
    delete m_readNotifier;
    delete m_writeNotifier;
    platform::closeDescriptor(m_fd);
    // Children (pool watchers, child tasks) die after this: a task still
    // running is killed and reaped by its own destructor.
}

void HttpConnection::destroy()
{
    if (m_destroyed)
        return;
    m_destroyed = true;
    m_readNotifier->setEnabled(false);
    m_writeNotifier->setEnabled(false);
    m_timer.stop();
    m_writeTimer.stop();
    m_resetProbe.stop();
    deleteLater();
}

HttpConnection::Pending* HttpConnection::newSlot()
{
    std::unique_ptr<Pending> owned;
    if (!m_spare.empty()) { // cleared when it was put there
        owned = std::move(m_spare.back());
        m_spare.pop_back();
    } else {
        owned = std::make_unique<Pending>();
    }
    Pending* slot = owned.get();
    slot->rec.requestSeq = m_server->nextRequestSeq();
    // The response's identity, built once for every use (headers, JSON).
    slot->id = ResponseIdentity { m_server->pid(), m_server->config().workerIndex, m_id, slot->rec.requestSeq };
    m_pending.push_back(std::move(owned));
    m_server->requestStarted();
    return slot;
}

bool HttpConnection::owns(const Pending* slot) const
{
    for (const auto& p : m_pending) {
        if (p.get() == slot)
            return true;
    }
    return false;
}

void HttpConnection::onReadable()
{
    if (m_destroyed)
        return;
    if (m_writeShut) {
        // Lingering after our FIN: discard what the client still sends, so
        // that our last response is not destroyed by a reset; its end (or
        // the linger timer) ends us.
        char scratch[16384];
        for (;;) {
            const qint64 got = platform::receiveSome(m_fd, scratch, sizeof scratch);
            if (got == platform::kWouldBlock)
                return;
            if (got <= 0) {
                destroy();
                return;
            }
        }
    }
    if (m_timerMode == TimerMode::Idle)
        disarm();
    readInput();
    if (m_destroyed)
        return;
    parseInput();
    if (m_readEof)
        afterOutput(); // maybe everything owed is already out
}

void HttpConnection::readInput()
{
    if (m_inPos > 0) {
        m_in.remove(0, m_inPos);
        m_inPos = 0;
    }
    const qsizetype room = kMaxUnparsed - m_in.size();
    if (room <= 0)
        return;
    // Straight into our buffer. A short read means the kernel had no more:
    // no second call just to hear EAGAIN.
    const qsizetype old = m_in.size();
    m_in.resize(old + room);
    const qint64 got = platform::receiveSome(m_fd, m_in.data() + old, room);
    m_in.resize(old + qMax<qint64>(0, got));
    if (got == 0) {
        // The client shut down its write side (or closed). What it asked
        // for is still answered; nothing more will come.
        m_readEof = true;
        m_readNotifier->setEnabled(false);
        m_resetProbe.start();
    } else if (got == platform::kIoError) {
        destroy();
    }
}

bool HttpConnection::canTakeMore() const
{
    return !m_stopParsing && !m_closing && static_cast<int>(m_pending.size()) < m_server->config().maxPipelined
        && m_outBytes < kMaxUnwrittenBytes;
}

void HttpConnection::parseInput()
{
    if (m_parsing || m_destroyed)
        return;
    m_parsing = true;
    while (canTakeMore() && m_inPos < m_in.size()) {
        std::size_t used = 0;
        const auto result = m_parser.feed(m_in.constData() + m_inPos,
                                          static_cast<std::size_t>(m_in.size() - m_inPos), &used);
        m_inPos += static_cast<qsizetype>(used);
        if (result == HttpRequestParser::Result::Request) {
            handleRequest(m_parser.request());
        } else if (result == HttpRequestParser::Result::Error) {
            failStream(m_parser.errorStatus(), m_parser.errorReason());
            break;
        }
    }
    if (m_readEof && m_inPos >= m_in.size())
        m_stopParsing = true; // a request cut short by the end of input is never answered
    m_parsing = false;
    updateInterest();
    updateTimer();
}

void HttpConnection::handleRequest(const HttpRequest& request)
{
    ++m_requestsSeen;
    Pending* slot = newSlot();
    slot->headOnly = request.isHead();
    slot->http10 = request.versionMinor == 0;
    slot->rec.headersNs = request.headersCompleteNs;
    m_jsonErrors = request.acceptsJson();
    if (!request.keepAlive || m_server->isDraining()) {
        slot->closeAfter = true;
        m_stopParsing = true; // requests pipelined after "close" are not ours to answer
    }
    Router::Plan plan = m_server->router().plan(request, slot->id);
    slot->rec.route = plan.route;
    if (plan.work == Router::Work::None) {
        finish(slot, std::move(plan.response), {});
        return;
    }
    slot->rec.n = static_cast<std::int8_t>(plan.n);
    const computepaths::Handle work = computepaths::run(
        m_server, this, plan, request, slot->id, [this, slot](computepaths::Outcome&& o) {
            if (!owns(slot))
                return; // the slot was dropped with the connection's tail
            const computepaths::PathTimes& t = o.times;
            if (t.path != PathId::None) {
                slot->rec.path = t.path;
                if (t.queuedNs != 0)
                    slot->rec.queuedNs = t.queuedNs;
                slot->rec.computeStartNs = t.computeStartNs;
                slot->rec.computeEndNs = t.computeEndNs;
                slot->rec.spawnNs = t.spawnNs;
                slot->rec.threadOrTask = t.threadOrTask;
            }
            finish(slot, std::move(o.response), o.timing);
        });
    // Work under way (it answers later): what stops it if the client goes.
    // An answer given at once may already have freed the slot.
    if ((work.cancelled || work.task) && owns(slot)) {
        slot->cancelled = work.cancelled;
        slot->task = work.task;
        if (work.queuedNs != 0)
            slot->rec.queuedNs = work.queuedNs;
    }
}

void HttpConnection::drain()
{
    if (m_closing || m_destroyed)
        return;
    if (m_pending.empty()) {
        // A request may already sit in the kernel's buffer, unread: then it
        // is answered (with "Connection: close") rather than dropped.
        const bool unread = m_inPos < m_in.size() || (!m_readEof && platform::hasPendingInput(m_fd));
        if (!m_parser.inMessage() && !unread && m_requestsSeen == 0 && !m_readEof) {
            // Just accepted (often from the queue the stopping worker took
            // over): the client's first request is surely on its way.
            arm(TimerMode::Idle, qMin(m_server->config().headerTimeoutMs, kFirstRequestGraceMs));
            return;
        }
        if (!m_parser.inMessage() && !unread) {
            closeIdle(); // a stopping worker does not wait on idle keep-alive clients
            return;
        }
        // else: the request under way is answered with "Connection: close"
        // (handleRequest sees the server draining).
        return;
    }
    // The last response owed closes the connection; responses are
    // serialised only when they go out, so this holds even for one that is
    // ready and waiting behind a slower one.
    m_stopParsing = true;
    m_pending.back()->closeAfter = true;
    updateInterest();
}

void HttpConnection::finish(Pending* slot, HttpResponse response, const ResponseTiming& timing)
{
    stampResponse(&response, slot->id, timing);
    response.http10Client = slot->http10;
    slot->response = std::move(response);
    slot->ready = true;
    flush();
}

void HttpConnection::failStream(int status, const QByteArray& reason)
{
    // The stream can no longer be trusted: answer after what is pending,
    // then close.
    m_stopParsing = true;
    qCDebug(lcHttp) << "connection" << m_id << ":" << status << reason.constData() << "; closing after it";
    Pending* slot = newSlot();
    slot->closeAfter = true;
    finish(slot, errorResponse(status, reason, m_jsonErrors), {});
}

void HttpConnection::flush()
{
    int moved = 0;
    while (!m_pending.empty() && m_pending.front()->ready && !m_closing) {
        std::unique_ptr<Pending> slot = std::move(m_pending.front());
        m_pending.pop_front();
        ++moved;
        if (slot->closeAfter)
            slot->response.keepAlive = false;
        Outgoing& out = m_out.pushSlot(); // its buffer, if it had one, is written over
        slot->response.serializeInto(&out.bytes, slot->headOnly);
        out.sent = 0;
        out.rec = slot->rec;
        out.rec.status = static_cast<std::uint16_t>(slot->response.status);
        out.rec.bytes = static_cast<std::uint32_t>(out.bytes.size());
        m_outBytes += out.bytes.size();
        const bool closeAfter = slot->closeAfter;
        if (m_spare.size() < kMaxSpareSlots) {
            *slot = Pending(); // its task, job flag and body let go now
            m_spare.push_back(std::move(slot));
        }
        if (closeAfter) {
            m_closing = true;
            m_stopParsing = true;
            // Anything after the closing response is never answered.
            dropPending();
        }
    }
    m_server->requestsEnded(moved);
    if (moved > 0)
        writeOut();
}

void HttpConnection::writeOut()
{
    if (m_destroyed)
        return;
    bool progress = false;
    while (!m_out.empty()) {
        platform::IoSlice slices[kMaxSlicesPerWrite];
        int count = 0;
        for (auto it = m_out.begin(); it != m_out.end() && count < kMaxSlicesPerWrite; ++it, ++count)
            slices[count] = { it->bytes.constData() + it->sent, it->bytes.size() - it->sent };
        qint64 sent = platform::sendSome(m_fd, slices, count);
        if (sent == platform::kIoError) {
            destroy(); // reset by the peer: what is left was not delivered
            return;
        }
        if (sent == platform::kWouldBlock)
            break;
        progress = progress || sent > 0;
        m_outBytes -= sent;
        while (sent > 0) {
            Outgoing& front = m_out.front();
            const qint64 take = qMin<qint64>(sent, front.bytes.size() - front.sent);
            front.sent += take;
            sent -= take;
            if (front.sent == front.bytes.size()) {
                report(front.rec, true);
                if (front.bytes.capacity() > kMaxKeptOutputBuffer)
                    front.bytes = QByteArray(); // a big answer's buffer is not kept for the next
                m_out.pop_front();
            }
        }
        if (count == kMaxSlicesPerWrite)
            continue;
        if (!m_out.empty())
            break; // the kernel took less than offered: its buffer is full
    }
    if (m_out.empty()) {
        m_writeNotifier->setEnabled(false);
        m_writeTimer.stop();
    } else {
        m_writeNotifier->setEnabled(true);
        if (progress || !m_writeTimer.isActive())
            m_writeTimer.start(m_server->config().writeTimeoutMs);
    }
    afterOutput();
}

void HttpConnection::onWritable()
{
    writeOut();
}

void HttpConnection::afterOutput()
{
    if (m_destroyed || !m_out.empty())
        return;
    if (m_closing) {
        linger();
        return;
    }
    if (m_readEof && m_pending.empty() && m_inPos >= m_in.size()) {
        destroy(); // the client said all it had to say, and has every answer
        return;
    }
    // Output drained below the mark: we may take more requests.
    if (!m_parsing && m_inPos < m_in.size())
        parseInput();
    else {
        updateInterest();
        updateTimer();
    }
}

void HttpConnection::closeIdle()
{
    // Nothing pending, nothing unsent: no answer of ours can be lost to a
    // reset, so there is nothing to linger for unless the client is already
    // sending again (then read it away first, as after any last response).
    m_closing = true;
    m_stopParsing = true;
    dropPending();
    if (m_out.empty() && m_in.size() == m_inPos && (m_readEof || !platform::hasPendingInput(m_fd))) {
        platform::shutdownWrite(m_fd);
        destroy();
        return;
    }
    afterOutput();
}

void HttpConnection::linger()
{
    if (m_writeShut || m_destroyed)
        return;
    if (m_readEof) {
        destroy(); // nothing more can arrive: no reset to fear
        return;
    }
    // Half-close our side (FIN after the last response), then read and
    // discard until the client closes or the linger time is up.
    platform::shutdownWrite(m_fd);
    m_writeShut = true;
    arm(TimerMode::Linger, kLingerMs);
    m_readNotifier->setEnabled(true);
}

void HttpConnection::updateInterest()
{
    if (m_destroyed)
        return;
    const bool want = !m_readEof
        && (m_writeShut || (canTakeMore() && m_in.size() - m_inPos < kMaxUnparsed));
    if (m_readNotifier->isEnabled() != want)
        m_readNotifier->setEnabled(want);
}

// One QTimer serves the request, idle and linger limits, and it is not
// restarted per request (QTimer::start is a timer unregistered and
// registered again in the dispatcher: 8% of a keep-alive request's
// instructions): arm() moves a deadline, and restarts the timer only when
// the new deadline is earlier than the timer's; a timer that fires before
// its deadline (the limit moved later meanwhile) sets itself again for
// what remains.
void HttpConnection::arm(TimerMode mode, int ms)
{
    m_timerMode = mode;
    m_deadlineNs = steadyNowNs() + static_cast<std::int64_t>(ms) * 1000000;
    if (!m_timer.isActive() || m_timerFireNs > m_deadlineNs) {
        m_timer.start(ms);
        m_timerFireNs = m_deadlineNs;
    }
}

void HttpConnection::disarm()
{
    m_timerMode = TimerMode::None; // the timer may still fire: onTimer finds nothing to do
}

void HttpConnection::updateTimer()
{
    if (m_closing || m_destroyed)
        return;
    const ServerConfig& cfg = m_server->config();
    if (m_parser.inMessage() && !m_stopParsing) {
        // A request has started: it must be complete within the limit.
        if (m_timerMode != TimerMode::Request)
            arm(TimerMode::Request, cfg.headerTimeoutMs);
    } else if (m_pending.empty() && m_out.empty() && m_inPos >= m_in.size() && !m_readEof) {
        // Idle only once every answer is out: a slow reader is the write
        // timer's business, not a reason to stop watching the connection.
        if (m_timerMode != TimerMode::Idle)
            arm(TimerMode::Idle, cfg.idleTimeoutMs);
    } else if (m_timerMode != TimerMode::None) {
        disarm();
    }
}

void HttpConnection::onTimer()
{
    if (m_timerMode == TimerMode::None || m_destroyed)
        return;
    const std::int64_t now = steadyNowNs();
    if (now < m_deadlineNs) {
        const std::int64_t left = m_deadlineNs - now;
        const int ms = static_cast<int>((left + 999999) / 1000000);
        m_timer.start(ms);
        m_timerFireNs = now + static_cast<std::int64_t>(ms) * 1000000;
        return;
    }
    const TimerMode mode = m_timerMode;
    m_timerMode = TimerMode::None;
    switch (mode) {
    case TimerMode::Request:
        failStream(408, "the request was not complete in time");
        break;
    case TimerMode::Idle:
        closeIdle();
        break;
    case TimerMode::Linger:
        destroy();
        break;
    case TimerMode::None:
        break;
    }
}

} // namespace clusterlab
