// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/httprequest.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QStringList>

namespace clusterlab {

// Who may talk to a worker: the rule that keeps a web page in the user's
// browser from driving the lab (docs/RELIABILITY.md, "Requests from the
// web"). Decided from the request head alone, before any routing:
//
//  - HTTP/1.1 needs exactly one Host; a repeated Host is refused in any
//    version (RFC 9112 3.2): 400.
//  - The Host's name (its port aside) must name this server: the address it
//    listens on; on loopback also 127.0.0.1, localhost and [::1]; bound to
//    every address (0.0.0.0, ::) any IP literal as well; and the names the
//    user allowed (--allow-host). Anything else is a DNS-rebinding page or a
//    misdirected request: 421.
//  - A request a browser marks as coming from another site or origin
//    (Sec-Fetch-Site: cross-site or same-site, or an Origin that is not
//    http://<the Host it sent>) may read / and /healthz only: 403 for
//    anything else, before any computation, task or fault.
//
// Immutable after construction; any thread.
class HostPolicy
{
public:
    HostPolicy() : HostPolicy(QHostAddress(QHostAddress::LocalHost), {}) { }
    HostPolicy(const QHostAddress& bound, const QStringList& allowedNames);

    enum class Verdict { Allowed, MissingHost, RepeatedHost, ForeignHost, CrossSite };

    // `readOnlyRoute`: GET or HEAD of / or /healthz, what a cross-site
    // request may still do.
    Verdict check(const HttpRequest& request, bool readOnlyRoute) const;
    // The status and one-line message for a verdict other than Allowed.
    static int status(Verdict v);
    QByteArray message(Verdict v) const;

    // True when `hostValue` (a Host header's value, port and all) names
    // this server.
    bool allows(QByteArrayView hostValue) const;
    // True when `name` can be given to --allow-host: a DNS name (letters,
    // digits, '-', '.') or an IP literal, with no port.
    static bool validName(const QString& name);
    // The names accepted, for messages and the docs ("127.0.0.1, localhost, [::1]").
    QByteArray describe() const;

private:
    QList<QByteArray> m_names; // lower case, no trailing dot
    bool m_anyLiteral = false; // bound to every address: any IP literal names us
};

} // namespace clusterlab
