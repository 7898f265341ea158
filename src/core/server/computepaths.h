// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/httpresponse.h"
#include "responsebodies.h"
#include "router.h"

#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

class QObject;

namespace clusterlab {

class ChildTask;
class WorkerServer;

// The three compute paths of the HTTP surface, run for a request the
// router planned: /main on the event loop (blocking it, on purpose),
// /worker on the worker's thread pool, /child in a clusterlab-task process.
// The connection owns transport (bytes, order, timers); this owns the work.
// Worker main thread; not thread-safe.
namespace computepaths {

// What telemetry records of a path's run (RequestRecord's fields of the
// same names; zero where the path did not get that far).
struct PathTimes
{
    PathId path = PathId::None;
    std::int64_t computeStartNs = 0;
    std::int64_t computeEndNs = 0;
    std::int64_t spawnNs = 0;
    std::uint64_t threadOrTask = 0; // pool thread id, or task pid
    std::int64_t queuedNs = 0;      // child path: when the spawn was asked for
};

// A finished run: the response (a computation's, a 503 when the path is
// full, a 502/504 when it failed) and its times.
struct Outcome
{
    HttpResponse response;
    ResponseTiming timing;
    PathTimes times;
};
using Done = std::function<void(Outcome&&)>;

// What the connection keeps of work under way: a pool job's cancel flag and
// a child task, so that a client that leaves stops them.
struct Handle
{
    std::shared_ptr<std::atomic_bool> cancelled; // pool jobs only
    QPointer<ChildTask> task;                    // child tasks only
    std::int64_t queuedNs = 0;                   // pool jobs: when submitted (0: not queued)
};

// Runs `plan` (Work::Main, Pool or Child) and calls `done` once: at once
// for /main and for a full path, later for the others, on this thread and
// only while `context` lives (it owns the asynchronous work).
Handle run(WorkerServer* server, QObject* context, const Router::Plan& plan, const HttpRequest& request,
           const ResponseIdentity& id, Done done);

} // namespace computepaths
} // namespace clusterlab
