// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterevent.h"

namespace clusterlab {

QString ClusterEvent::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Forked: return QStringLiteral("forked");
    case Kind::Online: return QStringLiteral("online");
    case Kind::Listening: return QStringLiteral("listening");
    case Kind::Disconnected: return QStringLiteral("disconnected");
    case Kind::Exited: return QStringLiteral("exited");
    case Kind::Restarting: return QStringLiteral("restarting");
    case Kind::Errored: return QStringLiteral("errored");
    case Kind::Info: return QStringLiteral("info");
    }
    return QString();
}

QString ClusterEvent::toLine() const
{
    QString who = index >= 0 ? QStringLiteral("worker %1").arg(index) : QStringLiteral("cluster");
    if (pid > 0)
        who += QStringLiteral(" (pid %1)").arg(pid);
    QString what = kindName(kind);
    if (kind == Kind::Exited) {
        if (signal != 0)
            what += QStringLiteral(": killed by signal %1").arg(signal);
        else
            what += QStringLiteral(": code %1").arg(exitCode);
        what += crash ? QStringLiteral(", unexpected") : QStringLiteral(", as asked");
    } else if (kind == Kind::Restarting) {
        what += QStringLiteral(" in %1 ms").arg(delayMs);
    }
    if (!detail.isEmpty())
        what += QStringLiteral(" — ") + detail;
    return who + QLatin1Char(' ') + what;
}

} // namespace clusterlab
