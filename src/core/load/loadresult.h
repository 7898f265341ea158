// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "telemetry/clientrecord.h"
#include "telemetry/histogram.h"

#include <QList>
#include <QHash>
#include <QMap>
#include <QMetaType>
#include <QString>

#include <array>
#include <cstdint>

namespace clusterlab {

// Why a request failed. The names (errorKindName) appear in summaries,
// JSON and CSV.
enum class LoadError : std::uint8_t {
    None = 0,
    Refused,     // connect: connection refused
    Reset,       // the peer reset the connection
    Timeout,     // no complete response within the per-request timeout
    Malformed,   // the response did not parse as HTTP/1.x
    ClosedEarly, // the connection closed before the response was complete
    Connect,     // connect failed otherwise (unreachable, no address, ...)
    Cancelled,   // the run was cancelled while it was in flight
    HeaderTooLong, // malformed: the response head ran past kMaxResponseHeadBytes (a hostile or broken server)
};
constexpr int kLoadErrorKinds = 9;
// The most a response head may take (status line and headers); past it the
// request fails as HeaderTooLong and its connection is closed: a server
// that never stops sending headers costs the client nothing more.
constexpr std::size_t kMaxResponseHeadBytes = 64 * 1024;
// Requests still in flight when a timed run (-z) reaches its end are cut
// there: not sent, not failed (LoadSummary::cutAtDeadline counts them).
const char* errorKindName(LoadError e);

// One request as the client saw it. Steady-clock nanoseconds.
struct LoadRecord
{
    std::int64_t intendedNs = 0;   // when it should have been sent (constant rate), else = startNs
    std::int64_t startNs = 0;      // when we began (connect included when the connection is new)
    std::int64_t connectNs = -1;   // connect duration, -1 on a reused connection
    std::int64_t firstByteNs = 0;  // first response byte (0 if none)
    std::int64_t endNs = 0;        // complete, or failed
    std::int64_t workerPid = 0;    // X-Worker-Pid, when the server sends it
    std::uint64_t serverConnectionId = 0; // X-Connection-Id
    std::uint32_t bytes = 0;       // response bytes, head and body
    std::uint32_t clientConnection = 0; // which of our connections (0..C-1)
    std::uint16_t status = 0;      // 0 when there was no response
    LoadError error = LoadError::None;
    std::uint8_t route = 0;        // index into LoadConfig::routes
};

// What a target that knows nothing else of what it served (an external
// server) is told of a request: the record reduced, its route's path named.
inline ClientRecord toClientRecord(const LoadRecord& r, const QByteArray& path)
{
    ClientRecord c;
    c.startNs = r.startNs;
    c.endNs = r.endNs;
    c.pid = r.workerPid;
    c.bytes = r.bytes;
    c.clientConnection = r.clientConnection;
    c.status = r.status;
    c.path = path;
    return c;
}

// Reported a few times a second while a run goes on.
struct LoadProgress
{
    std::int64_t sent = 0;
    std::int64_t succeeded = 0;
    std::int64_t failed = 0;
    std::int64_t elapsedNs = 0;
    std::int64_t planned = 0;    // requests planned, 0 when the run is timed
    std::int64_t plannedNs = 0;  // duration planned, 0 when counted
    double recentRps = 0;
    double p99Ms = 0;            // so far
    // How much of the run is done, 0 to 1: by requests, or by time.
    double fraction() const
    {
        double f = 0;
        if (planned > 0)
            f = static_cast<double>(succeeded + failed) / static_cast<double>(planned);
        else if (plannedNs > 0)
            f = static_cast<double>(elapsedNs) / static_cast<double>(plannedNs);
        return f < 0 ? 0 : f > 1 ? 1 : f;
    }
};

// Which process on this machine served each connection, found through the
// operating system (LoadConfig::attribute; platform/attribution.h): for any
// local server, with no help from it. A connection counts for the process
// holding its server side while it is open; one whose owner was never found
// while open (closed by the server first, a process of another user) is
// counted as unattributed, never guessed.
struct AttributionSummary
{
    bool enabled = false;
    QString note;                           // what limited the answers; empty when nothing did
    QMap<qint64, std::int64_t> requests;    // answered requests, by the process holding their connection
    QMap<qint64, std::int64_t> connections; // our connections, by that process
    QMap<qint64, QString> names;            // the processes' short names
    std::int64_t unattributedConnections = 0; // answered on, owner never found while open
    std::int64_t unattributedRequests = 0;
    // Connections (and their requests) of processes past
    // LoadConfig::attributionProcessLimit (a server forking a process per
    // connection), counted together: the tables above stay bounded.
    std::int64_t furtherConnections = 0;
    std::int64_t furtherRequests = 0;
    std::int64_t agreed = 0;    // requests whose X-Worker-Pid (where the server sends one) names the same process
    std::int64_t disagreed = 0;
    HdrHistogram lag;           // from the connect to the owner known (µs)
    HdrHistogram lagFromAnswer; // from the first byte of the connection's first answer to the owner known (µs)
    std::int64_t lookups = 0;   // of the OS, for the cost
};

struct LoadSummary
{
    std::int64_t sent = 0;       // = succeeded + failed, always
    std::int64_t succeeded = 0;  // a complete HTTP response, whatever its status
    std::int64_t failed = 0;
    std::array<std::int64_t, kLoadErrorKinds> errors {};
    QMap<int, std::int64_t> statuses;
    QMap<qint64, std::int64_t> perWorker;   // by X-Worker-Pid
    std::int64_t serverConnections = 0;     // distinct (pid, connection) pairs seen
    // Requests per (pid, X-Connection-Id), or, for a server that does not
    // number its connections, per (the process holding the connection found through
    // the OS, the client's count of sockets opened: the same TCP connection
    // seen from this end): the routing chart's "by connection" view. At
    // most 2^20 pairs (later pairs are not counted here).
    QHash<QPair<qint64, quint64>, qint64> perServerConnection;
    std::int64_t clientConnectionsOpened = 0;
    std::int64_t bytes = 0;
    std::int64_t durationNs = 0;
    double requestsPerSecond = 0;
    double bytesPerSecond = 0;
    bool constantRate = false;
    bool cancelled = false;
    // Successes only, in the lab's histogram (µs; what --json's "hdr" carries and --merge adds up).
    HdrHistogram latency;  // end − intended send (corrected) when constantRate, else = service
    HdrHistogram service;  // end − actual send
    double cpuSeconds = 0;     // the generator thread's CPU time
    std::uint64_t seed = 0;    // of the route draw: the same seed repeats the same sequence of routes
    std::int64_t retries = 0;  // requests sent again on a fresh connection after a reused one failed before any byte
    std::int64_t startNs = 0;  // steady clock, when the run began
    std::int64_t cutAtDeadline = 0; // in flight when a timed run ended: neither sent nor failed
    // Paced runs: how late the generator itself started each request
    // (start - intended), kept apart from the server's time.
    HdrHistogram sendLag;
    AttributionSummary attribution;
    bool unreachable = false;  // every connection failed to connect and nothing ever succeeded: stopped early
    QString unreachableReason;
};

} // namespace clusterlab

Q_DECLARE_METATYPE(clusterlab::LoadProgress)
Q_DECLARE_METATYPE(clusterlab::LoadSummary)
