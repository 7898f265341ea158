#include "loadgenerator.h"

#include "compute/fib.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QSet>
#include <QUrl>

#include <llhttp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <numeric>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace clusterlab {

const char* errorKindName(LoadError e)
{
    switch (e) {
    case LoadError::None: return "none";
    case LoadError::Refused: return "refused";
    case LoadError::Reset: return "reset";
    case LoadError::Timeout: return "timeout";
    case LoadError::Malformed: return "malformed";
    case LoadError::ClosedEarly: return "closed-early";
    case LoadError::Connect: return "connect";
    case LoadError::Cancelled: return "cancelled";
    }
    return "unknown";
}

bool LoadConfig::fromUrl(const QString& url, LoadConfig* config, QString* error)
{
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme().isEmpty()) {
        *error = QStringLiteral("'%1' is not a URL (expected http://host[:port]/path)").arg(url);
        return false;
    }
    if (u.scheme() != QLatin1String("http")) {
        *error = QStringLiteral("only http:// targets are supported, not %1://").arg(u.scheme());
        return false;
    }
    if (u.host().isEmpty()) {
        *error = QStringLiteral("'%1' has no host").arg(url);
        return false;
    }
    const int port = u.port(80);
    if (port < 1 || port > 65535) {
        *error = QStringLiteral("'%1' has a bad port").arg(url);
        return false;
    }
    config->host = u.host();
    config->port = static_cast<quint16>(port);
    QByteArray path = u.path(QUrl::FullyEncoded).toLatin1();
    if (path.isEmpty())
        path = "/";
    if (u.hasQuery())
        path += '?' + u.query(QUrl::FullyEncoded).toLatin1();
    config->routes = { RouteWeight { path, 1 } };
    return true;
}

QString LoadConfig::validate() const
{
    if (routes.isEmpty())
        return QStringLiteral("no route to request");
    if (routes.size() > 255)
        return QStringLiteral("at most 255 routes in a mix");
    for (const RouteWeight& r : routes) {
        if (!r.path.startsWith('/'))
            return QStringLiteral("a route must start with '/': %1").arg(QString::fromLatin1(r.path));
        if (r.weight < 1)
            return QStringLiteral("route weights must be at least 1");
    }
    if (requests <= 0 && durationMs <= 0)
        return QStringLiteral("give a number of requests or a duration");
    if (connections < 1 || connections > 10000)
        return QStringLiteral("connections must be 1..10000");
    if (requests > 0 && connections > requests)
        return QStringLiteral("more connections (%1) than requests (%2)").arg(connections).arg(requests);
    if (rate < 0)
        return QStringLiteral("the rate cannot be negative");
    if (timeoutMs < 1)
        return QStringLiteral("the timeout must be positive");
    return QString();
}

namespace {

std::int64_t threadCpuNs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

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

// The engine: everything here runs on the generator's thread.
class Engine
{
public:
    Engine(const LoadConfig& config, const sockaddr_storage& addr, socklen_t addrLen, std::atomic<bool>* cancel,
           LoadGenerator* owner)
        : m_config(config)
        , m_addr(addr)
        , m_addrLen(addrLen)
        , m_cancel(cancel)
        , m_owner(owner)
    {
        const QByteArray hostHeader = (m_config.port == 80 ? m_config.host
                                                           : m_config.host + QLatin1Char(':') + QString::number(m_config.port))
                                          .toLatin1();
        for (const RouteWeight& r : m_config.routes) {
            QByteArray req = "GET " + r.path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: clusterlab-bench\r\n";
            for (const auto& h : m_config.headers)
                req += h.first + ": " + h.second + "\r\n";
            if (!m_config.keepAlive)
                req += "Connection: close\r\n";
            req += "\r\n";
            m_requests.push_back(std::string(req.constData(), static_cast<std::size_t>(req.size())));
        }
        // Deterministic weighted order, reduced by the weights' gcd.
        int g = 0;
        for (const RouteWeight& r : m_config.routes)
            g = std::gcd(g, r.weight);
        for (int i = 0; i < m_config.routes.size(); ++i) {
            for (int k = 0; k < m_config.routes[i].weight / g; ++k)
                m_order.push_back(static_cast<std::uint8_t>(i));
        }
        llhttp_settings_init(&m_settings);
        m_settings.on_message_begin = &Engine::onMessageBegin;
        m_settings.on_header_field = &Engine::onHeaderField;
        m_settings.on_header_value = &Engine::onHeaderValue;
        m_settings.on_header_value_complete = &Engine::onHeaderValueComplete;
        m_settings.on_headers_complete = &Engine::onHeadersComplete;
        m_settings.on_message_complete = &Engine::onMessageComplete;
    }

    LoadSummary run(std::vector<LoadRecord>* records);

private:
    enum class State { Idle, Waiting, Connecting, Writing, Reading, Done };

    struct Conn
    {
        Engine* engine = nullptr;
        std::uint32_t index = 0;
        int fd = -1;
        State state = State::Idle;
        llhttp_t parser {};
        LoadRecord rec;
        std::size_t written = 0;
        bool reused = false;
        bool complete = false;
        bool responseKeepAlive = true;
        std::string field;
        std::string value;
        int header = 0; // 1 X-Worker-Pid, 2 X-Connection-Id
    };

    static Conn* connOf(llhttp_t* p) { return static_cast<Conn*>(p->data); }
    static int onMessageBegin(llhttp_t* p)
    {
        Conn* c = connOf(p);
        c->field.clear();
        c->value.clear();
        c->header = 0;
        return 0;
    }
    static int onHeaderField(llhttp_t* p, const char* at, std::size_t len)
    {
        Conn* c = connOf(p);
        if (c->header == -1) { // previous value done; a new field starts
            c->field.clear();
            c->header = 0;
        }
        c->field.append(at, len);
        return 0;
    }
    static int onHeaderValue(llhttp_t* p, const char* at, std::size_t len)
    {
        Conn* c = connOf(p);
        if (c->header == 0) {
            c->header = headerIs(c->field, "x-worker-pid") ? 1 : headerIs(c->field, "x-connection-id") ? 2 : 3;
            c->value.clear();
        }
        if (c->header == 1 || c->header == 2)
            c->value.append(at, len);
        return 0;
    }
    static int onHeaderValueComplete(llhttp_t* p)
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
    static int onHeadersComplete(llhttp_t* p)
    {
        Conn* c = connOf(p);
        c->rec.status = p->status_code;
        c->responseKeepAlive = llhttp_should_keep_alive(p) != 0;
        return 0;
    }
    static int onMessageComplete(llhttp_t* p)
    {
        connOf(p)->complete = true;
        return HPE_PAUSED;
    }

    bool canIssue(std::int64_t now) const
    {
        if (m_cancel->load(std::memory_order_relaxed))
            return false;
        if (m_config.requests > 0)
            return m_issued < m_config.requests;
        return now < m_endNs;
    }
    void issue(Conn& c, std::int64_t now);
    void begin(Conn& c, std::int64_t now);
    void openSocket(Conn& c, std::int64_t now);
    void writeSome(Conn& c, std::int64_t now);
    void readSome(Conn& c, std::int64_t now);
    void finishRequest(Conn& c, std::int64_t now, LoadError error);
    void closeSocket(Conn& c);
    void reportProgress(std::int64_t now, bool force);

    LoadConfig m_config;
    sockaddr_storage m_addr;
    socklen_t m_addrLen;
    std::atomic<bool>* m_cancel;
    LoadGenerator* m_owner;
    llhttp_settings_t m_settings {};
    std::vector<std::string> m_requests;
    std::vector<std::uint8_t> m_order;
    std::size_t m_orderPos = 0;
    std::vector<Conn> m_conns;
    std::vector<pollfd> m_pollfds;
    std::vector<LoadRecord>* m_records = nullptr;
    LoadSummary m_summary;
    QSet<QPair<qint64, quint64>> m_serverConnections;
    std::int64_t m_issued = 0;
    std::int64_t m_t0 = 0;
    std::int64_t m_endNs = 0;
    std::int64_t m_periodNs = 0;
    std::int64_t m_lastProgressNs = 0;
    std::int64_t m_lastProgressDone = 0;
};

void Engine::closeSocket(Conn& c)
{
    if (c.fd >= 0) {
        ::close(c.fd);
        c.fd = -1;
    }
    m_pollfds[c.index].fd = -1;
    m_pollfds[c.index].events = 0;
}

void Engine::issue(Conn& c, std::int64_t now)
{
    if (!canIssue(now)) {
        closeSocket(c);
        c.state = State::Done;
        return;
    }
    c.rec = LoadRecord();
    c.rec.clientConnection = c.index;
    c.rec.route = m_order[m_orderPos];
    m_orderPos = (m_orderPos + 1) % m_order.size();
    c.rec.intendedNs = m_periodNs > 0 ? m_t0 + m_issued * m_periodNs : now;
    ++m_issued;
    ++m_summary.sent;
    if (c.rec.intendedNs > now) {
        c.state = State::Waiting; // the loop starts it when due
        m_pollfds[c.index].events = 0;
        return;
    }
    begin(c, now);
}

void Engine::begin(Conn& c, std::int64_t now)
{
    c.rec.startNs = now;
    c.written = 0;
    c.complete = false;
    if (c.fd < 0) {
        openSocket(c, now);
        return;
    }
    c.reused = true;
    c.state = State::Writing;
    writeSome(c, now);
}

void Engine::openSocket(Conn& c, std::int64_t now)
{
    c.reused = false;
    c.fd = ::socket(m_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        finishRequest(c, now, LoadError::Connect);
        return;
    }
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ++m_summary.clientConnectionsOpened;
    llhttp_init(&c.parser, HTTP_RESPONSE, &m_settings);
    c.parser.data = &c;
    m_pollfds[c.index].fd = c.fd;
    const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&m_addr), m_addrLen);
    if (rc == 0) {
        c.rec.connectNs = steadyNowNs() - c.rec.startNs;
        c.state = State::Writing;
        writeSome(c, now);
    } else if (errno == EINPROGRESS) {
        c.state = State::Connecting;
        m_pollfds[c.index].events = POLLOUT;
    } else {
        finishRequest(c, now, errno == ECONNREFUSED ? LoadError::Refused : LoadError::Connect);
    }
}

void Engine::writeSome(Conn& c, std::int64_t now)
{
    const std::string& req = m_requests[c.rec.route];
    while (c.written < req.size()) {
        const ssize_t n = ::send(c.fd, req.data() + c.written, req.size() - c.written, MSG_NOSIGNAL);
        if (n > 0) {
            c.written += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_pollfds[c.index].events = POLLOUT;
            return;
        }
        // A reused keep-alive connection the server has closed meanwhile.
        finishRequest(c, now, errno == ECONNRESET || errno == EPIPE ? LoadError::Reset : LoadError::ClosedEarly);
        return;
    }
    c.state = State::Reading;
    m_pollfds[c.index].events = POLLIN;
}

void Engine::readSome(Conn& c, std::int64_t now)
{
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (c.rec.firstByteNs == 0)
                c.rec.firstByteNs = now;
            c.rec.bytes += static_cast<std::uint32_t>(n);
            const llhttp_errno_t err = llhttp_execute(&c.parser, buf, static_cast<std::size_t>(n));
            if (err == HPE_PAUSED) {
                // Complete. No pipelining, so nothing may follow; if it
                // does, the stream is not one we understand.
                llhttp_resume(&c.parser);
                const std::size_t used = static_cast<std::size_t>(llhttp_get_error_pos(&c.parser) - buf);
                finishRequest(c, now, used == static_cast<std::size_t>(n) ? LoadError::None : LoadError::Malformed);
                return;
            }
            if (err != HPE_OK) {
                finishRequest(c, now, LoadError::Malformed);
                return;
            }
            if (static_cast<std::size_t>(n) < sizeof buf)
                return; // drained for now
            continue;
        }
        if (n == 0) {
            // EOF: a response without length ends here; else it was cut.
            if (llhttp_finish(&c.parser) == HPE_OK && c.complete)
                finishRequest(c, now, LoadError::None);
            else
                finishRequest(c, now, LoadError::ClosedEarly);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        finishRequest(c, now, errno == ECONNRESET ? LoadError::Reset : LoadError::ClosedEarly);
        return;
    }
}

void Engine::finishRequest(Conn& c, std::int64_t now, LoadError error)
{
    LoadRecord& r = c.rec;
    r.endNs = now;
    r.error = error;
    if (error == LoadError::None) {
        ++m_summary.succeeded;
        ++m_summary.statuses[r.status];
        m_summary.bytes += r.bytes;
        m_summary.service.record(r.endNs - r.startNs);
        m_summary.latency.record(r.endNs - r.intendedNs);
        if (r.workerPid != 0) {
            ++m_summary.perWorker[r.workerPid];
            m_serverConnections.insert({ r.workerPid, r.serverConnectionId });
        }
    } else {
        ++m_summary.failed;
        ++m_summary.errors[static_cast<int>(error)];
    }
    if (m_records != nullptr)
        m_records->push_back(r);
    const bool reusable = error == LoadError::None && m_config.keepAlive && c.responseKeepAlive;
    if (!reusable)
        closeSocket(c);
    c.state = State::Idle;
    issue(c, now);
}

void Engine::reportProgress(std::int64_t now, bool force)
{
    if (!force && now - m_lastProgressNs < 100000000LL) // 10 Hz at most
        return;
    LoadProgress p;
    p.sent = m_summary.sent;
    p.succeeded = m_summary.succeeded;
    p.failed = m_summary.failed;
    p.elapsedNs = now - m_t0;
    p.planned = m_config.requests;
    p.plannedNs = m_config.requests > 0 ? 0 : m_config.durationMs * 1000000LL;
    const std::int64_t done = m_summary.succeeded + m_summary.failed;
    const std::int64_t dt = now - m_lastProgressNs;
    p.recentRps = dt > 0 && m_lastProgressNs > 0 ? static_cast<double>(done - m_lastProgressDone) * 1e9 / static_cast<double>(dt) : 0;
    p.p99Ns = m_summary.latency.percentile(99);
    m_lastProgressNs = now;
    m_lastProgressDone = done;
    QMetaObject::invokeMethod(m_owner, [owner = m_owner, p]() { Q_EMIT owner->progress(p); }, Qt::QueuedConnection);
}

LoadSummary Engine::run(std::vector<LoadRecord>* records)
{
    m_records = records;
    if (records != nullptr && m_config.requests > 0)
        records->reserve(static_cast<std::size_t>(m_config.requests));
    const std::int64_t cpu0 = threadCpuNs();
    m_t0 = steadyNowNs();
    m_lastProgressNs = m_t0;
    m_endNs = m_config.requests > 0 ? INT64_MAX : m_t0 + m_config.durationMs * 1000000LL;
    m_periodNs = m_config.rate > 0 ? static_cast<std::int64_t>(1e9 / m_config.rate) : 0;
    m_summary.constantRate = m_periodNs > 0;
    m_conns.resize(static_cast<std::size_t>(m_config.connections));
    m_pollfds.assign(m_conns.size(), pollfd { -1, 0, 0 });
    for (std::size_t i = 0; i < m_conns.size(); ++i) {
        m_conns[i].engine = this;
        m_conns[i].index = static_cast<std::uint32_t>(i);
        m_conns[i].rec.clientConnection = static_cast<std::uint32_t>(i);
    }
    for (Conn& c : m_conns)
        issue(c, steadyNowNs());

    const std::int64_t timeoutNs = static_cast<std::int64_t>(m_config.timeoutMs) * 1000000LL;
    for (;;) {
        std::int64_t now = steadyNowNs();
        bool active = false;
        std::int64_t nextWake = now + 50000000LL; // re-check cancel and timeouts at least every 50 ms
        for (Conn& c : m_conns) {
            if (c.state == State::Done)
                continue;
            if (c.state == State::Waiting) {
                if (m_cancel->load(std::memory_order_relaxed)) {
                    finishRequest(c, now, LoadError::Cancelled);
                } else if (c.rec.intendedNs <= now) {
                    begin(c, now);
                } else {
                    nextWake = std::min(nextWake, c.rec.intendedNs);
                }
            } else if (c.state == State::Connecting || c.state == State::Writing || c.state == State::Reading) {
                if (m_cancel->load(std::memory_order_relaxed))
                    finishRequest(c, now, LoadError::Cancelled);
                else if (now - c.rec.startNs >= timeoutNs)
                    finishRequest(c, now, LoadError::Timeout);
                else
                    nextWake = std::min(nextWake, c.rec.startNs + timeoutNs);
            }
            active = active || c.state != State::Done;
        }
        if (!active)
            break;
        const int waitMs = static_cast<int>(std::max<std::int64_t>(0, (nextWake - now + 999999) / 1000000));
        const int n = ::poll(m_pollfds.data(), static_cast<nfds_t>(m_pollfds.size()), waitMs);
        now = steadyNowNs();
        if (n > 0) {
            for (Conn& c : m_conns) {
                pollfd& pfd = m_pollfds[c.index];
                if (pfd.fd < 0 || pfd.revents == 0)
                    continue;
                const short ev = pfd.revents;
                pfd.revents = 0;
                if (c.state == State::Connecting) {
                    int err = 0;
                    socklen_t len = sizeof err;
                    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                    if (err != 0) {
                        finishRequest(c, now, err == ECONNREFUSED ? LoadError::Refused : LoadError::Connect);
                        continue;
                    }
                    c.rec.connectNs = now - c.rec.startNs;
                    c.state = State::Writing;
                    writeSome(c, now);
                } else if (c.state == State::Writing) {
                    writeSome(c, now);
                } else if (c.state == State::Reading && (ev & (POLLIN | POLLHUP | POLLERR)) != 0) {
                    readSome(c, now);
                }
            }
        }
        reportProgress(now, false);
    }
    const std::int64_t end = steadyNowNs();
    m_summary.durationNs = end - m_t0;
    const double seconds = static_cast<double>(m_summary.durationNs) / 1e9;
    m_summary.requestsPerSecond = seconds > 0 ? static_cast<double>(m_summary.succeeded) / seconds : 0;
    m_summary.bytesPerSecond = seconds > 0 ? static_cast<double>(m_summary.bytes) / seconds : 0;
    m_summary.serverConnections = m_serverConnections.size();
    m_summary.cancelled = m_cancel->load();
    m_summary.cpuSeconds = static_cast<double>(threadCpuNs() - cpu0) / 1e9;
    reportProgress(end, true);
    return m_summary;
}

} // namespace

LoadGenerator::LoadGenerator(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<clusterlab::LoadProgress>();
    qRegisterMetaType<clusterlab::LoadSummary>();
}

LoadGenerator::~LoadGenerator()
{
    cancel();
    join();
}

void LoadGenerator::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

bool LoadGenerator::start(const LoadConfig& config, QString* error)
{
    if (m_running.load()) {
        *error = QStringLiteral("a load test is already running");
        return false;
    }
    join();
    const QString invalid = config.validate();
    if (!invalid.isEmpty()) {
        *error = invalid;
        return false;
    }
    QHostAddress address(config.host);
    if (address.isNull()) {
        const QHostInfo info = QHostInfo::fromName(config.host);
        for (const QHostAddress& a : info.addresses()) {
            if (a.protocol() == QAbstractSocket::IPv4Protocol || a.protocol() == QAbstractSocket::IPv6Protocol) {
                address = a;
                break;
            }
        }
        if (address.isNull()) {
            *error = QStringLiteral("cannot resolve %1: %2").arg(config.host, info.errorString());
            return false;
        }
    }
    sockaddr_storage ss {};
    socklen_t len = 0;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(config.port);
        const Q_IPV6ADDR raw = address.toIPv6Address();
        std::memcpy(&a6->sin6_addr, &raw, sizeof raw);
        len = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(config.port);
        a4->sin_addr.s_addr = htonl(address.toIPv4Address());
        len = sizeof *a4;
    }
    m_config = config;
    m_records.clear();
    m_cancel = false;
    m_running = true;
    m_thread = std::thread([this, ss, len]() {
        std::vector<LoadRecord> records;
        Engine engine(m_config, ss, len, &m_cancel, this);
        LoadSummary summary = engine.run(m_config.keepRecords ? &records : nullptr);
        QMetaObject::invokeMethod(
            this,
            [this, summary, recs = std::move(records)]() mutable {
                m_records = std::move(recs);
                join();
                m_running = false;
                Q_EMIT finished(summary);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void LoadGenerator::cancel()
{
    m_cancel = true;
}

std::vector<LoadRecord> LoadGenerator::takeRecords()
{
    return std::move(m_records);
}

} // namespace clusterlab
