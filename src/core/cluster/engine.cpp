// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine.h"

#include "cluster.h"
#include "externaltarget.h"
#include "nodeengine.h"

namespace clusterlab {

Engine::Engine(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<clusterlab::ClusterEvent>();
}

QString Engine::stateName(WorkerState state)
{
    switch (state) {
    case WorkerState::Starting: return QStringLiteral("starting");
    case WorkerState::Online: return QStringLiteral("online");
    case WorkerState::Listening: return QStringLiteral("listening");
    case WorkerState::Stopping: return QStringLiteral("stopping");
    case WorkerState::Restarting: return QStringLiteral("restarting");
    case WorkerState::Errored: return QStringLiteral("errored");
    }
    return QString();
}

QString Engine::url() const
{
    const QString host = config().host.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(config().host.toString())
        : config().host.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(port());
}

std::unique_ptr<Engine> createEngine(const ClusterConfig& config, QObject* parent)
{
    if (config.engine == EngineKind::Node)
        return std::make_unique<NodeEngine>(config, parent);
    if (config.engine == EngineKind::External)
        return std::make_unique<ExternalTarget>(config.port, config.externalCommand, parent);
    return std::make_unique<Cluster>(config, parent);
}

} // namespace clusterlab
