// SPDX-License-Identifier: GPL-3.0-or-later
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
