// SPDX-License-Identifier: GPL-3.0-or-later
#include "loadconfig.h"

#include <QStringList>
#include <QUrl>

namespace clusterlab {

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

bool parseRouteSpec(const QString& spec, RouteWeight* out, QString* error)
{
    const QString s = spec.trimmed();
    const qsizetype colon = s.lastIndexOf(QLatin1Char(':'));
    RouteWeight r;
    r.path = (colon > 0 ? s.left(colon) : s).toLatin1();
    if (colon > 0) {
        bool ok = false;
        r.weight = s.mid(colon + 1).toInt(&ok);
        if (!ok || r.weight < 1) {
            *error = QStringLiteral("%1: the weight must be a positive integer").arg(s);
            return false;
        }
    }
    *out = r;
    return true;
}

bool parseRouteMix(const QString& text, QList<RouteWeight>* out, QString* error)
{
    QList<RouteWeight> routes;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (part.trimmed().isEmpty())
            continue;
        RouteWeight r;
        if (!parseRouteSpec(part, &r, error))
            return false;
        routes.append(r);
    }
    *out = routes;
    return true;
}

} // namespace clusterlab
