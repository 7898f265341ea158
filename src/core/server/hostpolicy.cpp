// SPDX-License-Identifier: GPL-3.0-or-later
#include "hostpolicy.h"

#include <cstring>

namespace clusterlab {

namespace {

bool equalsNoCase(const char* a, std::size_t an, const char* b, std::size_t bn)
{
    return an == bn && qstrnicmp(a, static_cast<qsizetype>(an), b, static_cast<qsizetype>(bn)) == 0;
}

// The host part of a Host value, without port or trailing dot, as a view
// into it (no copy: this runs for every request); empty when the value is
// not a host[:port] at all. Case is left as it came: compare with
// equalsNoCase.
QByteArrayView hostName(QByteArrayView value)
{
    const QByteArrayView v = value.trimmed();
    qsizetype end = v.size();
    if (v.startsWith('[')) {
        end = v.indexOf(']');
        if (end < 0)
            return {};
        ++end; // keep the brackets: "[::1]"
    } else {
        const qsizetype colon = v.indexOf(':');
        if (colon >= 0)
            end = colon;
    }
    if (end < v.size()) { // a port: ':' and digits only
        if (v.at(end) != ':' || end + 1 == v.size() || v.size() - end > 6)
            return {};
        for (qsizetype i = end + 1; i < v.size(); ++i) {
            if (v.at(i) < '0' || v.at(i) > '9')
                return {};
        }
    }
    QByteArrayView name = v.first(end);
    if (name.endsWith('.') && !name.startsWith('['))
        name = name.chopped(1);
    return name;
}

bool isIpLiteral(const QByteArray& name)
{
    QHostAddress a;
    if (name.startsWith('[') && name.endsWith(']'))
        return a.setAddress(QString::fromLatin1(name.mid(1, name.size() - 2))) && a.protocol() == QAbstractSocket::IPv6Protocol;
    // Dotted quads only: QHostAddress also takes "1" or "0x7f.1", which no
    // browser sends as a Host.
    int dots = 0;
    for (char c : name) {
        if (c == '.')
            ++dots;
        else if (c < '0' || c > '9')
            return false;
    }
    return dots == 3 && a.setAddress(QString::fromLatin1(name));
}

QByteArray literalOf(const QHostAddress& a)
{
    const QByteArray text = a.toString().toLatin1().toLower();
    return a.protocol() == QAbstractSocket::IPv6Protocol ? '[' + text + ']' : text;
}

} // namespace

HostPolicy::HostPolicy(const QHostAddress& bound, const QStringList& allowedNames)
{
    const bool any = bound == QHostAddress(QHostAddress::Any) || bound == QHostAddress(QHostAddress::AnyIPv4)
        || bound == QHostAddress(QHostAddress::AnyIPv6);
    m_anyLiteral = any;
    if (any || bound.isLoopback())
        m_names << "127.0.0.1" << "localhost" << "[::1]";
    if (!any && !m_names.contains(literalOf(bound)))
        m_names << literalOf(bound);
    for (const QString& n : allowedNames) {
        QByteArray name = n.trimmed().toLower().toLatin1();
        if (name.endsWith('.'))
            name.chop(1);
        if (!name.isEmpty() && !m_names.contains(name))
            m_names << name;
    }
}

bool HostPolicy::allows(QByteArrayView hostValue) const
{
    const QByteArrayView name = hostName(hostValue);
    if (name.isEmpty())
        return false;
    for (const QByteArray& n : m_names) {
        if (equalsNoCase(name.data(), static_cast<std::size_t>(name.size()), n.constData(), static_cast<std::size_t>(n.size())))
            return true;
    }
    return m_anyLiteral && isIpLiteral(name.toByteArray().toLower()); // not one of ours by name: the rare path
}

bool HostPolicy::validName(const QString& name)
{
    const QByteArray n = name.toLatin1().toLower();
    if (n.isEmpty() || n.size() > 253 || name.size() != n.size())
        return false;
    if (n.startsWith('['))
        return isIpLiteral(n);
    for (char c : n) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    }
    return true;
}

QByteArray HostPolicy::describe() const
{
    QByteArray s = m_names.join(", ");
    if (m_anyLiteral)
        s += ", or any of this machine's addresses";
    return s;
}

HostPolicy::Verdict HostPolicy::check(const HttpRequest& request, bool readOnlyRoute) const
{
    // One pass over the head for the three headers that matter here.
    const std::string& block = request.headerBlock;
    const char* host = nullptr;
    std::size_t hostLen = 0;
    int hosts = 0;
    const char* origin = nullptr;
    std::size_t originLen = 0;
    bool foreignFetch = false;
    std::size_t lineStart = 0;
    while (lineStart < block.size()) {
        const std::size_t lineEnd = block.find("\r\n", lineStart);
        const std::size_t colon = block.find(": ", lineStart);
        if (lineEnd == std::string::npos || colon == std::string::npos || colon > lineEnd)
            break;
        const char* name = block.data() + lineStart;
        const std::size_t nameLen = colon - lineStart;
        const char* value = block.data() + colon + 2;
        const std::size_t valueLen = lineEnd - colon - 2;
        if (equalsNoCase(name, nameLen, "host", 4)) {
            ++hosts;
            host = value;
            hostLen = valueLen;
        } else if (equalsNoCase(name, nameLen, "origin", 6)) {
            origin = value;
            originLen = valueLen;
        } else if (equalsNoCase(name, nameLen, "sec-fetch-site", 14)) {
            QByteArray v(value, static_cast<qsizetype>(valueLen));
            v = v.trimmed().toLower();
            foreignFetch = v == "cross-site" || v == "same-site";
        }
        lineStart = lineEnd + 2;
    }
    if (hosts > 1)
        return Verdict::RepeatedHost;
    const bool http11 = request.versionMajor > 1 || (request.versionMajor == 1 && request.versionMinor >= 1);
    if (hosts == 0 && http11)
        return Verdict::MissingHost;
    // Views into the request's header block: nothing is copied for a
    // request that passes.
    const QByteArrayView hostValue = hosts ? QByteArrayView(host, static_cast<qsizetype>(hostLen)).trimmed() : QByteArrayView();
    if (hosts && !allows(hostValue))
        return Verdict::ForeignHost;
    if (!foreignFetch && origin != nullptr) {
        // Our own origin is http:// and the Host the browser connected to.
        const QByteArrayView o = QByteArrayView(origin, static_cast<qsizetype>(originLen)).trimmed();
        foreignFetch = hostValue.isEmpty() || !o.startsWith("http://")
            || !equalsNoCase(o.data() + 7, static_cast<std::size_t>(o.size() - 7), hostValue.data(),
                             static_cast<std::size_t>(hostValue.size()));
    }
    if (foreignFetch && !readOnlyRoute)
        return Verdict::CrossSite;
    return Verdict::Allowed;
}

int HostPolicy::status(Verdict v)
{
    switch (v) {
    case Verdict::Allowed: return 200;
    case Verdict::MissingHost:
    case Verdict::RepeatedHost: return 400;
    case Verdict::ForeignHost: return 421;
    case Verdict::CrossSite: return 403;
    }
    return 400;
}

QByteArray HostPolicy::message(Verdict v) const
{
    switch (v) {
    case Verdict::Allowed: return {};
    case Verdict::MissingHost: return "an HTTP/1.1 request needs a Host header";
    case Verdict::RepeatedHost: return "more than one Host header";
    case Verdict::ForeignHost:
        return "this server answers requests for " + describe()
            + " only (a page on another name, e.g. a DNS rebinding, gets nothing; serve --allow-host NAME adds a name)";
    case Verdict::CrossSite:
        return "a request from another web site may read / and /healthz only";
    }
    return {};
}

} // namespace clusterlab
