// SPDX-License-Identifier: GPL-3.0-or-later
#include "loadconfig.h"

#include <cstring>

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
    static const QByteArrayList methods { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
    if (!methods.contains(method))
        return QStringLiteral("the method must be one of %1, not '%2'")
            .arg(QString::fromLatin1(methods.join(", ")), QString::fromLatin1(method));
    if (body.size() > kMaxBody)
        return QStringLiteral("the request body may be at most %1 MiB").arg(kMaxBody >> 20);
    for (const auto& h : headers) {
        QPair<QByteArray, QByteArray> checked;
        QString why;
        if (!parseHeaderSpec(QString::fromLatin1(h.first + ": " + h.second), &checked, &why))
            return why;
    }
    return QString();
}

bool parseHeaderSpec(const QString& spec, QPair<QByteArray, QByteArray>* out, QString* error)
{
    const QByteArray s = spec.toUtf8();
    const qsizetype colon = s.indexOf(':');
    const QByteArray name = colon > 0 ? s.left(colon) : QByteArray();
    const QByteArray value = colon > 0 ? s.mid(colon + 1).trimmed() : QByteArray();
    static const char kToken[] = "!#$%&'*+-.^_`|~";
    bool token = !name.isEmpty();
    for (char c : name)
        token = token && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || std::strchr(kToken, c) != nullptr);
    if (!token) {
        *error = QStringLiteral("-H: expected 'Name: value', got '%1'").arg(spec);
        return false;
    }
    for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0') {
            *error = QStringLiteral("-H: a header value cannot hold a line break");
            return false;
        }
    }
    for (const char* own : { "host", "content-length", "transfer-encoding", "connection" }) {
        if (name.compare(own, Qt::CaseInsensitive) == 0) {
            *error = QStringLiteral("-H: %1 is written by the load generator itself").arg(QString::fromLatin1(name));
            return false;
        }
    }
    *out = { name, value };
    return true;
}

bool parseDurationSpec(const QString& spec, std::int64_t* ms, QString* error, bool bareIsMs)
{
    const QString s = spec.trimmed().toLower();
    double factor = bareIsMs ? 1 : 1000;
    QString number = s;
    if (s.endsWith(QLatin1String("ms"))) {
        factor = 1;
        number.chop(2);
    } else if (s.endsWith(QLatin1Char('s'))) {
        factor = 1000;
        number.chop(1);
    } else if (s.endsWith(QLatin1Char('m'))) {
        factor = 60000;
        number.chop(1);
    } else if (s.endsWith(QLatin1Char('h'))) {
        factor = 3600000;
        number.chop(1);
    }
    bool ok = false;
    const double v = number.toDouble(&ok);
    const double total = v * factor;
    if (!ok || !(total >= 1) || total > 86400000.0) {
        *error = QStringLiteral("expected a duration from 1 ms to a day, such as %1, not '%2'")
                     .arg(bareIsMs ? QStringLiteral("500 (ms), 500ms, 2s or 1m") : QStringLiteral("10, 10s, 500ms, 2m or 1h"), spec);
        return false;
    }
    *ms = static_cast<std::int64_t>(total);
    return true;
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
