// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

#include <algorithm>
#include <cstdint>
#include <string>

namespace clusterlab {

// One parsed HTTP/1.x request head (the body is counted, then discarded).
struct HttpRequest
{
    QByteArray method;          // "GET", "HEAD", ...
    QByteArray target;          // request-target as sent
    QByteArray path;            // target without query (absolute-form reduced to its path)
    QByteArray query;           // after '?', not decoded
    std::string headerBlock;    // "Name: value\r\n" lines, in order, names as sent (one buffer; std::string: an append is a copy, not QByteArray::insert's detach checks)
    int versionMajor = 1;
    int versionMinor = 1;
    bool keepAlive = true;      // per the version and the Connection header
    bool upgrade = false;       // the client asked for a protocol switch we do not do
    bool wantsJson = false;     // an Accept header names application/json (set by the parser)
    std::int64_t bodyBytes = 0; // read and discarded
    std::int64_t firstByteNs = 0;       // steady clock: first byte of this request
    std::int64_t headersCompleteNs = 0; // steady clock: end of the head

    // Case-insensitive; the first occurrence (trimmed), or an empty array.
    QByteArray header(const QByteArray& name) const;
    int headerCount() const { return static_cast<int>(std::count(headerBlock.begin(), headerBlock.end(), '\n')); }
    bool isHead() const { return method == "HEAD"; }
    // True when an Accept header names application/json.
    bool acceptsJson() const { return wantsJson; }
};

} // namespace clusterlab
