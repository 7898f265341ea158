// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdint>

namespace clusterlab {

struct RouteWeight
{
    QByteArray path; // "/main?n=30"
    int weight = 1;
};

// What a load test sends. Value type.
struct LoadConfig
{
    static constexpr qsizetype kMaxBody = 16 << 20; // a request body's bytes, at most

    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 80;
    QList<RouteWeight> routes;          // the mix: each request's route drawn at random by weight
    std::uint64_t seed = 0;             // of that draw; 0 -> chosen at start (LoadSummary::seed says which)
    std::int64_t requests = 0;          // stop after this many; 0 -> run for durationMs
    std::int64_t durationMs = 0;
    int connections = 1;
    bool keepAlive = true;              // false: a new connection per request (like ab without -k)
    double rate = 0;                    // requests/s overall, 0 = as fast as possible
    int timeoutMs = 30000;              // per request
    QList<QPair<QByteArray, QByteArray>> headers; // extra request headers
    QByteArray method = QByteArrayLiteral("GET");   // GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS
    QByteArray body;                    // sent with every request (Content-Length), empty: none
    bool keepRecords = true;            // one LoadRecord per request, for export
    bool attribute = false;             // find each connection's serving process through the OS (a local server)
    int attributionProcessLimit = 4096; // processes itemised; connections of further ones are counted together

    // http://host[:port][/path] -> host, port, one route. False with a
    // one-line reason for anything else (https, no host, bad port).
    static bool fromUrl(const QString& url, LoadConfig* config, QString* error);
    // A check of the whole config; empty when it is usable.
    QString validate() const;
};

// The route mix's text form, the same in `bench --route` and the window:
// "PATH[:WEIGHT]" (weight a positive integer, default 1; the last ':' splits,
// so a path may hold colons). False with a one-line reason.
bool parseRouteSpec(const QString& spec, RouteWeight* out, QString* error);
// Comma-separated specs ("/:4, /main?n=24:1"); empty parts are skipped.
bool parseRouteMix(const QString& text, QList<RouteWeight>* out, QString* error);
// "Name: value" (bench -H): a header the load generator may add. False with
// a one-line reason (not a header; one the generator writes itself: Host,
// Content-Length, Transfer-Encoding, Connection).
bool parseHeaderSpec(const QString& spec, QPair<QByteArray, QByteArray>* out, QString* error);
// "10", "10s", "1.5s", "500ms", "2m", "1h" -> milliseconds (bench -z,
// --timeout, observe --interval): a bare number is in seconds, or in
// milliseconds with bareIsMs (observe --interval's old form). At least
// 1 ms, at most a day. False with a one-line reason.
bool parseDurationSpec(const QString& spec, std::int64_t* ms, QString* error, bool bareIsMs = false);

} // namespace clusterlab
