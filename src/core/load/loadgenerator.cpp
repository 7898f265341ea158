#include "loadgenerator.h"

#include "loadengine.h"
#include "platform/loadplatform.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QUrl>

#include <random>

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
    case LoadError::HeaderTooLong: return "header-too-long";
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
    // One descriptor per connection, and some room for the rest of us.
    QString limitError;
    if (!loadplatform::ensureDescriptors(config.connections + 64, &limitError)) {
        *error = limitError;
        return false;
    }
    const loadplatform::Address target = loadplatform::toAddress(address, config.port);
    m_config = config;
    m_records.clear();
    m_cancel = false;
    m_running = true;
    if (m_config.seed == 0) {
        std::random_device rd;
        m_config.seed = (static_cast<std::uint64_t>(rd()) << 32 | rd()) | 1; // never 0: 0 means "choose one"
    }
    m_thread = std::thread([this, target]() {
        std::vector<LoadRecord> records;
        auto onProgress = [this](const LoadProgress& p) {
            QMetaObject::invokeMethod(this, [this, p]() { Q_EMIT progress(p); }, Qt::QueuedConnection);
        };
        auto sink = [this, &records](const LoadRecord& r) {
            if (m_config.keepRecords)
                records.push_back(r);
            if (m_recordSink)
                m_recordSink(r);
        };
        LoadEngine engine(m_config, target, &m_cancel, onProgress, sink);
        LoadSummary summary = engine.run();
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
