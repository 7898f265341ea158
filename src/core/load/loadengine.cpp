// SPDX-License-Identifier: GPL-3.0-or-later
#include "loadengine.h"

#include "logging.h"

#include "compute/clock.h"
#include "platform/attribution.h"

#include <QMetaObject>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace clusterlab {

namespace {
constexpr std::int64_t kMs = 1000000;
constexpr std::int64_t kLoopCheckNs = 50 * kMs;      // cancel and timeouts are looked at least this often
constexpr std::int64_t kMinBackoffNs = 1 * kMs;      // a failed connect waits, doubling...
constexpr std::int64_t kMaxBackoffNs = 1000 * kMs;   // ...up to this
constexpr qsizetype kMaxServerConnections = 1 << 20; // distinct (pid, connection id) pairs remembered
constexpr int kReadChunk = 65536;
// At most this much is read from one connection per pass of the loop, so
// that a server streaming without end cannot keep the loop from its
// timeouts, its cancel flag and the other connections.
constexpr int kMaxChunksPerRead = 4;
// Header names and the values we parse are short; a longer one is neither
// X-Worker-Pid nor a pid, and is not kept.
constexpr std::size_t kMaxKeptHeaderBytes = 32;
constexpr std::int64_t kIdleCheckNs = 1 * kMs; // reused after this long idle: check it first
// A sleeping thread wakes some tens of µs late (measured here: ~70 µs at
// 200 req/s); at low rates the loop wakes this much early and polls the
// rest of the way to a request's due time. Costs at most rate × 100 µs of
// CPU (2% of a core at 200 req/s); off when requests are < 1 ms apart.
constexpr std::int64_t kSpinNs = 100000;

bool headerIs(const std::string& field, const char* name)
{
    const std::size_t n = std::strlen(name);
    if (field.size() != n)
        return false;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::tolower(static_cast<unsigned char>(field[i])) != name[i])
            return false;
    }
    return true;
}
} // namespace

LoadEngine::LoadEngine(const LoadConfig& config, const loadplatform::Address& address, const std::atomic<bool>* cancel,
                       Progress progress, RecordSink sink)
    : m_config(config)
    , m_address(address)
    , m_cancel(cancel)
    , m_progress(std::move(progress))
    , m_sink(std::move(sink))
    , m_poller(config.connections)
{
    const QByteArray hostHeader
        = (m_config.port == 80 ? m_config.host : m_config.host + QLatin1Char(':') + QString::number(m_config.port)).toLatin1();
    std::vector<int> weights;
    for (const RouteWeight& r : m_config.routes) {
        QByteArray req = m_config.method + ' ' + r.path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: clusterlab-bench\r\n";
        for (const auto& h : m_config.headers)
            req += h.first + ": " + h.second + "\r\n";
        if (!m_config.body.isEmpty() || m_config.method == "POST" || m_config.method == "PUT" || m_config.method == "PATCH")
            req += "Content-Length: " + QByteArray::number(m_config.body.size()) + "\r\n";
        if (!m_config.keepAlive)
            req += "Connection: close\r\n";
        req += "\r\n";
        req += m_config.body;
        m_requests.emplace_back(req.constData(), static_cast<std::size_t>(req.size()));
        weights.push_back(r.weight);
    }
    m_mix = RouteMix(weights, m_config.seed);
    llhttp_settings_init(&m_settings);
    m_settings.on_message_begin = &LoadEngine::onMessageBegin;
    m_settings.on_header_field = &LoadEngine::onHeaderField;
    m_settings.on_header_value = &LoadEngine::onHeaderValue;
    m_settings.on_header_value_complete = &LoadEngine::onHeaderValueComplete;
    m_settings.on_headers_complete = &LoadEngine::onHeadersComplete;
    m_settings.on_message_complete = &LoadEngine::onMessageComplete;
}

LoadEngine::~LoadEngine()
{
    for (Conn& c : m_conns)
        closeSocket(c);
}

int LoadEngine::onMessageBegin(llhttp_t* p)
{
    Conn* c = connOf(p);
    c->field.clear();
    c->value.clear();
    c->header = 0;
    c->headBytes = 0;
    c->headTooLong = false;
    return 0;
}

bool LoadEngine::countHead(Conn* c, std::size_t len)
{
    c->headBytes += len;
    if (c->headBytes <= kMaxResponseHeadBytes)
        return true;
    c->headTooLong = true;
    return false;
}

int LoadEngine::onHeaderField(llhttp_t* p, const char* at, std::size_t len)
{
    Conn* c = connOf(p);
    if (c->header == -1) { // the previous value is done; a new field starts
        c->field.clear();
        c->header = 0;
    }
    if (!countHead(c, len))
        return -1;
    if (c->field.size() < kMaxKeptHeaderBytes)
        c->field.append(at, std::min(len, kMaxKeptHeaderBytes - c->field.size()));
    return 0;
}

int LoadEngine::onHeaderValue(llhttp_t* p, const char* at, std::size_t len)
{
    Conn* c = connOf(p);
    if (c->header == 0) {
        c->header = headerIs(c->field, "x-worker-pid") ? 1 : headerIs(c->field, "x-connection-id") ? 2 : 3;
        c->value.clear();
    }
    if (!countHead(c, len))
        return -1;
    if ((c->header == 1 || c->header == 2) && c->value.size() < kMaxKeptHeaderBytes)
        c->value.append(at, std::min(len, kMaxKeptHeaderBytes - c->value.size()));
    return 0;
}

int LoadEngine::onHeaderValueComplete(llhttp_t* p)
{
    Conn* c = connOf(p);
    if (c->header == 1)
        c->rec.workerPid = std::strtoll(c->value.c_str(), nullptr, 10);
    else if (c->header == 2)
        c->rec.serverConnectionId = std::strtoull(c->value.c_str(), nullptr, 10);
    c->header = -1;
    c->field.clear();
    return 0;
}

int LoadEngine::onHeadersComplete(llhttp_t* p)
{
    Conn* c = connOf(p);
    c->rec.status = p->status_code;
    c->responseKeepAlive = llhttp_should_keep_alive(p) != 0;
    return c->headRequests ? 1 : 0; // 1: no body follows (the answer to HEAD)
}

int LoadEngine::onMessageComplete(llhttp_t* p)
{
    connOf(p)->complete = true;
    return HPE_PAUSED;
}

void LoadEngine::connected(Conn& c, std::int64_t now)
{
    c.connectedNs = now;
    c.ownerPid = 0;
    c.ownerGone = false;
    c.answeredUnowned = 0;
    c.unownedUnstamped = 0;
    c.unownedHeaderPid = 0;
    c.firstAnswerNs = 0;
}

void LoadEngine::countOnServerConnection(qint64 pid, quint64 connection, qint64 requests)
{
    // Past the bound, only pairs already known are counted.
    auto it = m_summary.perServerConnection.find({ pid, connection });
    if (it != m_summary.perServerConnection.end())
        it.value() += requests;
    else if (m_summary.perServerConnection.size() < kMaxServerConnections)
        m_summary.perServerConnection.insert({ pid, connection }, requests);
}

bool LoadEngine::attribute(Conn& c, std::int64_t now, bool rescanNow)
{
    if (!m_owners || c.fd < 0 || c.ownerPid != 0 || c.ownerGone)
        return c.ownerPid != 0;
    AttributionSummary& a = m_summary.attribution;
    qint64 pid = 0;
    ++a.lookups;
    if (rescanNow)
        m_lastForcedLookupNs = now;
    const auto found = m_owners->ownerOf(c.fd, &pid, rescanNow ? platform::ConnectionOwners::Rescan::Now
                                                               : platform::ConnectionOwners::Rescan::IfDue,
                                      c.firstAnswerNs);
    switch (found) {
    case platform::ConnectionOwners::Lookup::Found:
        c.ownerPid = pid;
        c.ownerItemised = a.connections.contains(pid) || a.connections.size() < m_config.attributionProcessLimit;
        if (!c.ownerItemised) {
            ++a.furtherConnections;
        } else {
            if (!a.connections.contains(pid)) { // a process seen for the first time: its name, while it lives
                platform::ProcessSample p;
                a.names.insert(pid, platform::sampleProcess(pid, &p) ? p.name : QString());
            }
            ++a.connections[pid];
        }
        a.lag.recordNs(now - c.connectedNs);
        if (c.firstAnswerNs > 0)
            a.lagFromAnswer.recordNs(now - c.firstAnswerNs);
        if (c.answeredUnowned > 0) {
            (c.ownerItemised ? a.requests[pid] : a.furtherRequests) += c.answeredUnowned;
            if (c.unownedHeaderPid != 0)
                (c.unownedHeaderPid == pid ? a.agreed : a.disagreed) += c.answeredUnowned;
            if (c.unownedUnstamped > 0)
                countOnServerConnection(pid, c.serial, c.unownedUnstamped);
            c.answeredUnowned = 0;
            c.unownedUnstamped = 0;
        }
        return true;
    case platform::ConnectionOwners::Lookup::Gone:
        c.ownerGone = true;
        return false;
    case platform::ConnectionOwners::Lookup::NotYet:
        return false;
    case platform::ConnectionOwners::Lookup::Failed:
        if (a.note.isEmpty())
            a.note = m_owners->note();
        c.ownerGone = true;
        return false;
    }
    return false;
}

void LoadEngine::settleAttribution(Conn& c)
{
    if (!m_owners || c.answeredUnowned == 0)
        return;
    // A scan of the target after this connection's last answer, while it is
    // still open, is the last chance: one such scan serves every connection
    // closing at once (the end of a run).
    const std::int64_t now = steadyNowNs();
    const bool rescanNow = m_lastForcedLookupNs < c.lastAnswerNs;
    attribute(c, now, rescanNow);
    if (c.ownerPid == 0) {
        ++m_summary.attribution.unattributedConnections;
        m_summary.attribution.unattributedRequests += c.answeredUnowned;
    }
    c.answeredUnowned = 0;
}

void LoadEngine::countAttributed(Conn& c, const LoadRecord& r)
{
    AttributionSummary& a = m_summary.attribution;
    c.lastAnswerNs = r.endNs;
    if (c.ownerPid == 0)
        attribute(c, r.endNs, false);
    if (c.ownerPid != 0) {
        ++(c.ownerItemised ? a.requests[c.ownerPid] : a.furtherRequests);
        if (r.workerPid != 0)
            ++(r.workerPid == c.ownerPid ? a.agreed : a.disagreed);
        if (r.serverConnectionId == 0) // the server does not number its connections: this one, seen from the other end
            countOnServerConnection(c.ownerPid, c.serial, 1);
    } else {
        ++c.answeredUnowned;
        if (r.workerPid != 0)
            c.unownedHeaderPid = r.workerPid;
        if (r.serverConnectionId == 0)
            ++c.unownedUnstamped;
    }
}

void LoadEngine::closeSocket(Conn& c)
{
    if (c.fd < 0)
        return;
    settleAttribution(c);
    m_poller.forget(c.index);
    loadplatform::closeSocket(c.fd);
    c.fd = -1;
}

void LoadEngine::issue(Conn& c, std::int64_t now)
{
    const std::int64_t due = m_pacer.dueNs(m_issued, now);
    const bool more = !cancelled() && (m_config.requests > 0 ? m_issued < m_config.requests : due < m_endNs);
    if (!more) { // a paced run schedules nothing past its deadline
        closeSocket(c);
        c.state = State::Done;
        return;
    }
    c.rec = LoadRecord();
    c.rec.clientConnection = static_cast<std::uint32_t>(c.index);
    c.rec.route = static_cast<std::uint8_t>(m_mix.routeFor(static_cast<std::uint64_t>(m_issued)));
    c.rec.intendedNs = due;
    c.retried = false;
    ++m_issued;
    ++m_summary.sent;
    c.state = State::Waiting; // the loop begins it when due (and past any back-off)
    if (std::max(due, c.notBeforeNs) <= now)
        begin(c, now);
}

void LoadEngine::begin(Conn& c, std::int64_t now)
{
    c.rec.startNs = now;
    c.written = 0;
    c.complete = false;
    // A connection idle for a while may have been closed by the server's
    // idle timeout: look before reusing it (a reconnect, not a failure).
    // Straight after an answer it cannot have been, and a race is covered
    // by the one retry: no system call per request for it.
    if (c.fd >= 0 && now - c.idleSinceNs > kIdleCheckNs && loadplatform::closedByPeer(c.fd))
        closeSocket(c);
    if (c.fd < 0) {
        openSocket(c, now);
        return;
    }
    c.reused = true;
    c.state = State::Writing;
    writeSome(c, now);
}

void LoadEngine::openSocket(Conn& c, std::int64_t now)
{
    c.reused = false;
    qintptr fd = -1;
    QString error;
    const loadplatform::ConnectState st = loadplatform::openAndConnect(m_address, &fd, &error);
    if (st == loadplatform::ConnectState::Failed || st == loadplatform::ConnectState::Refused) {
        loadplatform::closeSocket(fd);
        m_lastConnectError = error;
        finishRequest(c, now, st == loadplatform::ConnectState::Refused ? LoadError::Refused : LoadError::Connect);
        return;
    }
    c.fd = fd;
    c.serial = static_cast<quint64>(++m_summary.clientConnectionsOpened);
    llhttp_init(&c.parser, HTTP_RESPONSE, &m_settings);
    c.parser.data = &c;
    if (st == loadplatform::ConnectState::Connected) {
        c.rec.connectNs = steadyNowNs() - c.rec.startNs;
        connected(c, now);
        c.state = State::Writing;
        writeSome(c, now);
    } else {
        c.state = State::Connecting;
        m_poller.watch(c.index, c.fd, false, true);
    }
}

void LoadEngine::writeSome(Conn& c, std::int64_t now)
{
    const std::string& req = m_requests[c.rec.route];
    while (c.written < req.size()) {
        const qint64 n = loadplatform::sendSome(c.fd, req.data() + c.written, static_cast<qint64>(req.size() - c.written));
        if (n > 0) {
            c.written += static_cast<std::size_t>(n);
            continue;
        }
        if (n == loadplatform::kWouldBlock) {
            m_poller.watch(c.index, c.fd, false, true);
            return;
        }
        finishRequest(c, now, n == loadplatform::kReset ? LoadError::Reset : LoadError::ClosedEarly);
        return;
    }
    c.state = State::Reading;
    m_poller.watch(c.index, c.fd, true, false);
}

void LoadEngine::readSome(Conn& c, std::int64_t now)
{
    char buf[kReadChunk];
    for (int chunk = 0; chunk < kMaxChunksPerRead; ++chunk) {
        const qint64 n = loadplatform::receiveSome(c.fd, buf, sizeof buf);
        if (n > 0) {
            if (c.rec.firstByteNs == 0) {
                c.rec.firstByteNs = now;
                // The server has accepted the connection by now: the
                // earliest its owner can be known (and the last, for a
                // server that closes after this answer).
                if (c.firstAnswerNs == 0)
                    c.firstAnswerNs = now;
                if (m_owners && c.ownerPid == 0 && !c.ownerGone)
                    attribute(c, now, false);
            }
            c.rec.bytes += static_cast<std::uint32_t>(n);
            const llhttp_errno_t err = llhttp_execute(&c.parser, buf, static_cast<std::size_t>(n));
            if (err == HPE_PAUSED) {
                // Complete. No pipelining, so nothing may follow; if it
                // does, the stream is not one we understand.
                llhttp_resume(&c.parser);
                const auto used = static_cast<qint64>(llhttp_get_error_pos(&c.parser) - buf);
                finishRequest(c, now, used == n ? LoadError::None : LoadError::Malformed);
                return;
            }
            if (err != HPE_OK) {
                finishRequest(c, now, c.headTooLong ? LoadError::HeaderTooLong : LoadError::Malformed);
                return;
            }
            if (n < static_cast<qint64>(sizeof buf))
                return; // drained for now
            continue;
        }
        if (n == 0) {
            // End of stream: a response delimited by the close is complete
            // here (llhttp_finish runs on_message_complete, whose pause is
            // its way of saying so); anything else was cut short.
            const llhttp_errno_t err = llhttp_finish(&c.parser);
            c.responseKeepAlive = false;
            finishRequest(c, now, (err == HPE_OK || err == HPE_PAUSED) && c.complete ? LoadError::None : LoadError::ClosedEarly);
            return;
        }
        if (n == loadplatform::kWouldBlock)
            return;
        finishRequest(c, now, n == loadplatform::kReset ? LoadError::Reset : LoadError::ClosedEarly);
        return;
    }
}

void LoadEngine::finishRequest(Conn& c, std::int64_t now, LoadError error)
{
    LoadRecord& r = c.rec;
    const bool connectFailure = error == LoadError::Refused || error == LoadError::Connect;
    if ((error == LoadError::Reset || error == LoadError::ClosedEarly) && c.reused && r.firstByteNs == 0 && !c.retried
        && !cancelled()) {
        // The server closed a reused keep-alive connection just as we used
        // it: send the request once more, on a fresh connection.
        closeSocket(c);
        c.retried = true;
        ++m_summary.retries;
        c.state = State::Waiting;
        c.notBeforeNs = now;
        return;
    }
    r.endNs = now;
    r.error = error;
    if (error == LoadError::None) {
        ++m_summary.succeeded;
        ++m_summary.statuses[r.status];
        m_summary.bytes += r.bytes;
        m_summary.service.recordNs(r.endNs - r.startNs);
        m_summary.latency.recordNs(r.endNs - r.intendedNs);
        if (m_pacer.paced())
            m_summary.sendLag.recordNs(r.startNs - r.intendedNs);
        if (m_owners)
            countAttributed(c, r);
        if (r.workerPid != 0) {
            ++m_summary.perWorker[r.workerPid];
            if (r.serverConnectionId != 0 || !m_owners) // else counted by the connection's owner (countAttributed)
                countOnServerConnection(r.workerPid, r.serverConnectionId, 1);
        }
        m_connectFailuresInARow = 0;
    } else {
        ++m_summary.failed;
        ++m_summary.errors[static_cast<std::size_t>(error)];
    }
    if (m_sink) {
        if (r.workerPid == 0 && c.ownerPid != 0) {
            // The record says who served it, found through the OS, when the
            // server does not say it itself.
            LoadRecord withOwner = r;
            withOwner.workerPid = c.ownerPid;
            m_sink(withOwner);
        } else {
            m_sink(r);
        }
    }
    if (connectFailure) {
        ++m_connectFailuresInARow;
        c.backoffNs = c.backoffNs == 0 ? kMinBackoffNs : std::min(kMaxBackoffNs, c.backoffNs * 2);
        c.notBeforeNs = now + c.backoffNs;
    } else {
        c.backoffNs = 0;
    }
    const bool reusable = error == LoadError::None && m_config.keepAlive && c.responseKeepAlive;
    if (!reusable)
        closeSocket(c);
    c.idleSinceNs = now; // reading stays watched: a close or reset while idle is seen
    c.state = State::Idle; // the loop issues the next request: never in place
}

void LoadEngine::cutAtDeadline()
{
    // Connections whose owner is still unknown get one last look while
    // they are open, after one fresh scan of the target's descriptors.
    bool rescanNow = true;
    for (Conn& c : m_conns) {
        if (m_owners && c.fd >= 0 && c.answeredUnowned > 0 && c.ownerPid == 0 && !c.ownerGone) {
            attribute(c, steadyNowNs(), rescanNow);
            rescanNow = false;
        }
    }
    for (Conn& c : m_conns) {
        if (c.state == State::Connecting || c.state == State::Writing || c.state == State::Reading
            || c.state == State::Waiting) {
            --m_summary.sent;
            ++m_summary.cutAtDeadline;
        }
        closeSocket(c);
        c.state = State::Done;
    }
}

void LoadEngine::reportProgress(std::int64_t now, bool force)
{
    if (!m_progress || (!force && now - m_lastProgressNs < 100 * kMs)) // 10 Hz at most
        return;
    LoadProgress p;
    p.sent = m_summary.sent;
    p.succeeded = m_summary.succeeded;
    p.failed = m_summary.failed;
    p.elapsedNs = now - m_t0;
    p.planned = m_config.requests;
    p.plannedNs = m_config.requests > 0 ? 0 : m_config.durationMs * kMs;
    const std::int64_t done = m_summary.succeeded + m_summary.failed;
    const std::int64_t dt = now - m_lastProgressNs;
    p.recentRps = dt > 0 && m_lastProgressNs > 0 ? static_cast<double>(done - m_lastProgressDone) * 1e9 / static_cast<double>(dt) : 0;
    p.p99Ms = m_summary.latency.percentileMs(99);
    m_lastProgressNs = now;
    m_lastProgressDone = done;
    m_progress(p);
}

LoadSummary LoadEngine::run()
{
    if (m_config.attribute) {
        // Finds the target (the listener's owners and their tree) before
        // the clock starts: one pass over the system's processes.
        m_owners = std::make_unique<platform::ConnectionOwners>(m_config.port);
        m_summary.attribution.enabled = true;
        m_summary.attribution.note = m_owners->note();
        if (!m_owners->isAvailable())
            m_owners.reset();
        else if (m_owners->listenerOwners().isEmpty() && m_summary.attribution.note.isEmpty())
            m_summary.attribution.note = QStringLiteral("no process of this machine was found listening on port %1")
                                             .arg(m_config.port);
    }
    loadplatform::preciseTimers();
    const std::int64_t cpu0 = loadplatform::threadCpuNs();
    m_t0 = steadyNowNs();
    m_summary.startNs = m_t0;
    m_summary.seed = m_mix.seed();
    m_lastProgressNs = m_t0;
    m_endNs = m_config.requests > 0 ? INT64_MAX : m_t0 + m_config.durationMs * kMs;
    m_pacer = Pacer(m_config.rate, m_t0);
    m_spin = m_pacer.paced() && m_config.rate <= 1000.0;
    m_summary.constantRate = m_pacer.paced();
    m_conns.resize(static_cast<std::size_t>(m_config.connections));
    for (std::size_t i = 0; i < m_conns.size(); ++i) {
        m_conns[i].index = static_cast<int>(i);
        m_conns[i].headRequests = m_config.method == "HEAD";
    }

    const std::int64_t timeoutNs = static_cast<std::int64_t>(m_config.timeoutMs) * kMs;
    for (;;) {
        std::int64_t now = steadyNowNs();
        if (now >= m_endNs) {
            cutAtDeadline();
            break;
        }
        if (m_summary.succeeded == 0 && m_connectFailuresInARow >= static_cast<std::int64_t>(m_conns.size())) {
            // Every connection failed to connect and nothing ever worked:
            // the target is unreachable; say so now, not after N failures.
            m_summary.unreachable = true;
            m_summary.unreachableReason = m_lastConnectError;
            qCInfo(lcLoad).noquote() << "target unreachable:" << m_lastConnectError;
            cutAtDeadline();
            break;
        }
        bool active = false;
        std::int64_t wake = std::min(m_endNs, now + kLoopCheckNs);
        std::int64_t dueWake = INT64_MAX; // the earliest request due (pacing), apart from timeouts
        for (Conn& c : m_conns) {
            switch (c.state) {
            case State::Idle:
                issue(c, now);
                break;
            case State::Waiting:
                if (cancelled()) {
                    finishRequest(c, now, LoadError::Cancelled);
                    c.state = State::Done;
                } else if (std::max(c.rec.intendedNs, c.notBeforeNs) <= now) {
                    begin(c, now);
                }
                break;
            case State::Connecting:
            case State::Writing:
            case State::Reading:
                if (cancelled())
                    finishRequest(c, now, LoadError::Cancelled);
                else if (now - c.rec.startNs >= timeoutNs)
                    finishRequest(c, now, LoadError::Timeout);
                break;
            case State::Done:
                break;
            }
            // What the state is now decides when the loop must look again.
            switch (c.state) {
            case State::Idle:
                wake = now; // issue it on the next pass, without waiting
                break;
            case State::Waiting:
                wake = std::min(wake, std::max(c.rec.intendedNs, c.notBeforeNs));
                dueWake = std::min(dueWake, std::max(c.rec.intendedNs, c.notBeforeNs));
                break;
            case State::Connecting:
            case State::Writing:
            case State::Reading:
                wake = std::min(wake, c.rec.startNs + timeoutNs);
                break;
            case State::Done:
                break;
            }
            active = active || c.state != State::Done;
        }
        if (!active)
            break;
        std::int64_t waitNs = Pacer::waitNs(now, wake);
        if (m_spin && dueWake == wake)
            waitNs = waitNs > kSpinNs ? waitNs - kSpinNs : 0;
        m_poller.wait(waitNs);
        for (const loadplatform::Poller::Event& e : m_poller.events()) {
            Conn& c = m_conns[static_cast<std::size_t>(e.slot)];
            now = steadyNowNs();
            if (c.state == State::Connecting && e.writable) {
                const loadplatform::ConnectState st = loadplatform::connectOutcome(c.fd);
                if (st != loadplatform::ConnectState::Connected) {
                    m_lastConnectError = st == loadplatform::ConnectState::Refused ? QStringLiteral("connection refused")
                                                                                   : QStringLiteral("connect failed");
                    closeSocket(c);
                    finishRequest(c, now, st == loadplatform::ConnectState::Refused ? LoadError::Refused : LoadError::Connect);
                    continue;
                }
                c.rec.connectNs = now - c.rec.startNs;
                connected(c, now);
                c.state = State::Writing;
                writeSome(c, now);
            } else if (c.state == State::Writing && e.writable) {
                writeSome(c, now);
            } else if (c.state == State::Reading && e.readable) {
                readSome(c, now);
            } else if ((c.state == State::Idle || c.state == State::Waiting) && c.fd >= 0
                       && loadplatform::closedByPeer(c.fd)) {
                closeSocket(c); // an idle connection reset by the server: the next request opens a fresh one
            }
        }
        reportProgress(steadyNowNs(), false);
    }
    const std::int64_t end = steadyNowNs();
    m_summary.durationNs = end - m_t0;
    const double seconds = static_cast<double>(m_summary.durationNs) / 1e9;
    m_summary.requestsPerSecond = seconds > 0 ? static_cast<double>(m_summary.succeeded) / seconds : 0;
    m_summary.bytesPerSecond = seconds > 0 ? static_cast<double>(m_summary.bytes) / seconds : 0;
    m_summary.serverConnections = m_summary.perServerConnection.size();
    m_summary.cancelled = cancelled();
    m_summary.cpuSeconds = static_cast<double>(loadplatform::threadCpuNs() - cpu0) / 1e9;
    if (m_owners) {
        AttributionSummary& a = m_summary.attribution;
        if (a.note.isEmpty())
            a.note = m_owners->note();
    }
    reportProgress(end, true);
    return m_summary;
}

} // namespace clusterlab
