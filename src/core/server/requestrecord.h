// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "routeid.h"

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace clusterlab {

// One request as its worker saw it. Timestamps: steady-clock ns, the same
// clock in every process. Fixed layout (version 1), 96 bytes, streamed to
// the primary as raw bytes in the worker's native byte order (both ends run
// on the same machine); the message carries the layout version.
struct RequestRecord
{
    std::int64_t headersNs = 0;      // request head complete
    std::int64_t queuedNs = 0;       // handed to its path (pool submit, task spawn; = start on /main)
    std::int64_t computeStartNs = 0; // 0 when nothing was computed
    std::int64_t computeEndNs = 0;
    std::int64_t writtenNs = 0;      // response handed to the socket
    std::int64_t spawnNs = 0;        // child path: spawn + exit overhead (ns)
    std::uint64_t requestSeq = 0;    // per worker, 1, 2, 3, ... (X-Request-Seq)
    std::uint64_t connectionId = 0;  // per worker (X-Connection-Id)
    std::uint64_t threadOrTask = 0;  // pool thread id (thread path) or task pid (child path)
    std::int32_t pid = 0;
    std::uint32_t bytes = 0;         // response bytes
    std::uint16_t workerIndex = 0;
    std::uint16_t status = 0;
    std::int8_t n = -1;              // fib N, -1 when none
    RouteId route = RouteId::Other;
    PathId path = PathId::None;
    std::uint8_t reserved[5] = {};
};
static_assert(sizeof(RequestRecord) == 96, "the streamed layout is pinned");
constexpr int kRequestRecordLayout = 1;

QByteArray packRecords(const std::vector<RequestRecord>& records);
// False when the bytes are not a whole number of records.
bool unpackRecords(const QByteArray& bytes, std::vector<RequestRecord>* out);

} // namespace clusterlab
