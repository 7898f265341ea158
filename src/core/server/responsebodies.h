// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/httpresponse.h"
#include "routeid.h"

#include <QByteArray>

#include <cstdint>

namespace clusterlab {

struct ResponseIdentity
{
    qint64 pid = 0;
    int workerIndex = 0;
    quint64 connectionId = 0;
    quint64 requestSeq = 0;
};

// The Server-Timing parts, in milliseconds.
struct ResponseTiming
{
    double queueMs = 0;
    double computeMs = 0;
    double spawnMs = 0;
};

struct ComputeResult
{
    QByteArray route; // "/main", "/worker", "/child"
    int n = 0;
    std::uint64_t result = 0;
    PathId path = PathId::Main;
    int payloadMb = 0;                 // the sharing experiment's data, when given
    std::uint64_t payloadChecksum = 0;
    long long taskPeakRssKiB = -1;     // /child: the task process's peak resident memory
};

// "queue;dur=0.012, compute;dur=7.301, spawn;dur=0.000"
QByteArray serverTimingValue(const ResponseTiming& t);

// Adds X-Worker-Pid, X-Worker-Index, X-Connection-Id, X-Request-Seq and
// Server-Timing: every response carries them, errors included.
void stampResponse(HttpResponse* r, const ResponseIdentity& id, const ResponseTiming& t);

// The bodies of the HTTP surface's answers (the router decides which; the
// connection stamps every response with stampResponse()).
HttpResponse helloResponse(const ResponseIdentity& id, bool json);
HttpResponse computeResponse(const ComputeResult& c, const ResponseIdentity& id, const ResponseTiming& t,
                             bool json);

} // namespace clusterlab
