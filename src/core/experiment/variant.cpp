// SPDX-License-Identifier: GPL-3.0-or-later
#include "variant.h"

namespace clusterlab::experiment {

QString EngineVariant::id() const
{
    if (engine == EngineKind::Native)
        return QStringLiteral("native");
    return offload == OffloadMode::Pool ? QStringLiteral("node-pool") : QStringLiteral("node");
}

QString EngineVariant::label() const
{
    if (engine == EngineKind::Native)
        return QStringLiteral("native");
    return offload == OffloadMode::Pool ? QStringLiteral("Node.js, pooled") : QStringLiteral("Node.js, per request");
}

QString EngineVariant::engineLabel() const
{
    return engine == EngineKind::Native ? QStringLiteral("native") : QStringLiteral("Node.js");
}

QString EngineVariant::shortLabel() const
{
    if (engine == EngineKind::Native)
        return QStringLiteral("native");
    return offload == OffloadMode::Pool ? QStringLiteral("node pool") : QStringLiteral("node");
}

QString EngineVariant::pathNoun(const QString& path) const
{
    const bool thread = path == QLatin1String("worker") || path == QLatin1String("thread");
    if (engine == EngineKind::Native)
        return thread ? QStringLiteral("the thread pool") : QStringLiteral("child processes");
    if (offload == OffloadMode::Pool)
        return thread ? QStringLiteral("a pool of Worker threads") : QStringLiteral("a pool of forked children");
    return thread ? QStringLiteral("a new Worker per request") : QStringLiteral("a new fork() per request");
}

QString EngineVariant::onPath(const QString& path) const
{
    const bool thread = path == QLatin1String("worker") || path == QLatin1String("thread");
    return (thread ? QStringLiteral("on ") : QStringLiteral("in ")) + pathNoun(path);
}

QString EngineVariant::unit(const QString& path) const
{
    const bool thread = path == QLatin1String("worker") || path == QLatin1String("thread");
    if (engine == EngineKind::Native)
        return thread ? QStringLiteral("pool thread") : QStringLiteral("child task");
    return thread ? QStringLiteral("Worker thread") : QStringLiteral("forked child");
}

QString EngineVariant::childProgram() const
{
    if (engine == EngineKind::Native)
        return QStringLiteral("clusterlab-task, a separate program");
    return QStringLiteral("a forked node process (child_process.fork), a separate program");
}

EngineVariant EngineVariant::of(const QString& id)
{
    EngineVariant v;
    fromId(id, &v);
    return v;
}

void EngineVariant::applyTo(ClusterConfig& config) const
{
    config.engine = engine;
    config.threads = offload;
    config.children = offload;
}

bool EngineVariant::fromId(const QString& id, EngineVariant* out)
{
    if (id.isEmpty() || id == QLatin1String("native"))
        *out = EngineVariant {};
    else if (id == QLatin1String("node"))
        *out = EngineVariant { EngineKind::Node, OffloadMode::PerRequest };
    else if (id == QLatin1String("node-pool"))
        *out = EngineVariant { EngineKind::Node, OffloadMode::Pool };
    else
        return false;
    return true;
}

QList<EngineVariant> EngineVariant::forEngines(const QList<EngineKind>& engines)
{
    QList<EngineVariant> out;
    if (engines.contains(EngineKind::Native))
        out.append(EngineVariant {});
    if (engines.contains(EngineKind::Node)) {
        out.append(EngineVariant { EngineKind::Node, OffloadMode::PerRequest });
        out.append(EngineVariant { EngineKind::Node, OffloadMode::Pool });
    }
    return out;
}

bool EngineVariant::parseEngines(const QString& list, QList<EngineKind>* out, QString* error)
{
    QList<EngineKind> engines;
    for (const QString& part : list.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        EngineKind kind {};
        if (!parseEngineKind(part.trimmed(), &kind)) {
            *error = QStringLiteral("--engine: expected native, node or native,node, got '%1'").arg(part.trimmed());
            return false;
        }
        if (!engines.contains(kind))
            engines.append(kind);
    }
    if (engines.isEmpty()) {
        *error = QStringLiteral("--engine: expected native, node or native,node");
        return false;
    }
    *out = engines;
    return true;
}

QString EngineVariant::nodeUnavailableReason()
{
    ClusterConfig c;
    c.engine = EngineKind::Node;
    if (c.resolved().nodeProgram.isEmpty())
        return QStringLiteral("Node.js is not installed (no `node` or `nodejs` on the PATH): install Node.js 18 or newer");
    return {};
}

} // namespace clusterlab::experiment
