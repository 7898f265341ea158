// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

#include <array>
#include <cstdint>

namespace clusterlab {

// An HTTP/1.1 response to be serialised in one buffer. Value type.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("text/plain; charset=utf-8"); // static data: no allocation per response
    QByteArray extraHeaders; // "Name: value\r\n" lines, in order (one buffer: no per-header allocation)
    // The identity and timing headers every response carries, written in
    // place (no allocation, no copy until the head is serialised).
    std::array<char, 320> stamp {};
    std::uint16_t stampSize = 0;
    QByteArray body;
    bool keepAlive = true;     // false -> "Connection: close"
    bool http10Client = false; // a keep-alive HTTP/1.0 client needs "Connection: keep-alive"

    void addHeader(const char* name, const QByteArray& value);
    void addHeader(const char* name, std::int64_t value);

    // Status line, headers (with Content-Length of the body even for HEAD,
    // as RFC 9110 9.3.2 allows) and, unless headOnly, the body.
    QByteArray serialize(bool headOnly = false) const;
    // The same into `out`, replacing what it held: a buffer used again keeps
    // its storage (the worker's output path allocates nothing per request).
    void serializeInto(QByteArray* out, bool headOnly = false) const;
};

// "OK", "Not Found", ...; "Unknown" for a code we never send.
const char* reasonPhrase(int status);

// A finished response for a simple error: a one-line text (or JSON) body.
HttpResponse errorResponse(int status, const QByteArray& reason, bool json);

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// cached per second. Thread-safe.
QByteArray httpDate();

} // namespace clusterlab
