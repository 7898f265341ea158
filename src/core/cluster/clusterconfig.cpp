// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterconfig.h"

#include "platform/processplatform.h"
#include "server/serverconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>

namespace clusterlab {

QString engineKindName(EngineKind kind)
{
    switch (kind) {
    case EngineKind::Node:
        return QStringLiteral("node");
    case EngineKind::External:
        return QStringLiteral("external");
    case EngineKind::Native:
        break;
    }
    return QStringLiteral("native");
}

bool parseEngineKind(const QString& name, EngineKind* out)
{
    if (name == QLatin1String("native"))
        *out = EngineKind::Native;
    else if (name == QLatin1String("node"))
        *out = EngineKind::Node;
    else
        return false;
    return true;
}

QString offloadModeName(OffloadMode mode)
{
    return mode == OffloadMode::Pool ? QStringLiteral("pool") : QStringLiteral("per-request");
}

bool parseOffloadMode(const QString& name, OffloadMode* out)
{
    if (name == QLatin1String("per-request"))
        *out = OffloadMode::PerRequest;
    else if (name == QLatin1String("pool"))
        *out = OffloadMode::Pool;
    else
        return false;
    return true;
}

namespace {
// clusterlab-node.js: $CLUSTERLAB_NODE_SCRIPT, else share/clusterlab/node/
// beside the executable's bin/ (the build tree and an install alike).
QString defaultNodeScript()
{
    const QString fromEnv = qEnvironmentVariable("CLUSTERLAB_NODE_SCRIPT");
    if (!fromEnv.isEmpty())
        return fromEnv;
    const QString dir = QCoreApplication::instance() != nullptr ? QCoreApplication::applicationDirPath() : QDir::currentPath();
    return QDir::cleanPath(dir + QStringLiteral("/../share/clusterlab/node/clusterlab-node.js"));
}

QString defaultNodeProgram()
{
    for (const QString& name : { QStringLiteral("node"), QStringLiteral("nodejs") }) {
        const QString found = QStandardPaths::findExecutable(name);
        if (!found.isEmpty())
            return found;
    }
    return QString();
}
} // namespace

ClusterConfig ClusterConfig::resolved() const
{
    ClusterConfig c = *this;
    if (c.workers <= 0)
        c.workers = qMax(1, QThread::idealThreadCount());
    if (c.workerProgram.isEmpty() && c.engine == EngineKind::Native)
        c.workerProgram = platform::siblingExecutable(QStringLiteral("clusterlab-worker"));
    // The worker's own defaults, named (so what a session or the window says is what runs).
    if (c.poolThreads <= 0)
        c.poolThreads = defaultPoolThreads();
    if (c.maxChildren <= 0)
        c.maxChildren = defaultMaxChildren();
    if (c.engine == EngineKind::Node) {
        if (c.nodeProgram.isEmpty())
            c.nodeProgram = defaultNodeProgram();
        if (c.nodeScript.isEmpty())
            c.nodeScript = defaultNodeScript();
    }
    return c;
}

} // namespace clusterlab
