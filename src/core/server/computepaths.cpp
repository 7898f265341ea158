// SPDX-License-Identifier: GPL-3.0-or-later
#include "computepaths.h"

#include "logging.h"

#include "childtask.h"
#include "compute/clock.h"
#include "compute/fib.h"
#include "compute/payload.h"
#include "taskpool.h"
#include "workerserver.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>
#include <stdexcept>
#include <string>
#include <thread>

namespace clusterlab::computepaths {

namespace {

double msBetween(std::int64_t fromNs, std::int64_t toNs)
{
    return toNs > fromNs ? static_cast<double>(toNs - fromNs) / 1e6 : 0.0;
}

struct PoolResult
{
    bool ran = false;
    std::uint64_t value = 0;
    std::int64_t startNs = 0;
    std::int64_t endNs = 0;
    std::uint64_t threadId = 0;
    std::uint64_t checksum = 0; // of the payload read in place
    bool hung = false;          // fault=hang ran out its time limit
    std::string threw;          // fault=throw: what the computation threw (caught on its thread)
};

// The computation as a bug would make it: it throws (fault=throw).
std::uint64_t throwingFib(int n)
{
    if (n >= 0)
        throw std::runtime_error("fault=throw: the computation threw");
    return 0;
}

Outcome full(const char* what, bool json)
{
    Outcome o;
    o.response = errorResponse(503, what, json);
    o.response.addHeader("Retry-After", "1");
    return o;
}

void onMain(const Router::Plan& plan, const HttpRequest& request, const ResponseIdentity& id, const Done& done)
{
    // On purpose: this blocks the worker's event loop for the whole
    // computation, which is the lesson of /main.
    const std::int64_t start = steadyNowNs();
    const std::uint64_t value = fib(plan.n);
    const std::int64_t end = steadyNowNs();
    Outcome o;
    o.times.path = PathId::Main;
    o.times.queuedNs = start;
    o.times.computeStartNs = start;
    o.times.computeEndNs = end;
    o.timing = ResponseTiming { msBetween(request.headersCompleteNs, start), msBetween(start, end), 0 };
    o.response = computeResponse({ "/main", plan.n, value, PathId::Main }, id, o.timing, request.acceptsJson());
    done(std::move(o));
}

Handle onPool(WorkerServer* server, QObject* context, const Router::Plan& plan, const HttpRequest& request,
              const ResponseIdentity& id, Done done)
{
    const ServerConfig& cfg = server->config();
    const bool json = request.acceptsJson();
    const int n = plan.n;
    std::atomic<int>& jobs = server->poolJobs();
    Handle handle;
    if (jobs.load() >= server->threadPool()->maxThreadCount() + cfg.maxQueue) {
        qCInfo(lcHttp) << "503: the thread pool and its queue are full";
        done(full("the thread pool queue is full", json));
        return handle;
    }
    ++jobs;
    handle.queuedNs = steadyNowNs();
    handle.cancelled = std::make_shared<std::atomic_bool>(false);
    auto cancelled = handle.cancelled;
    std::atomic<int>* jobCounter = &jobs;
    // The sharing experiment: the thread reads the worker's own bytes in
    // place (the array shares them; nothing is copied).
    const QByteArray payload = plan.payloadMb > 0 ? server->payload(plan.payloadMb) : QByteArray();
    const std::size_t payloadSize = static_cast<std::size_t>(plan.payloadMb) * 1024 * 1024;
    const Fault fault = plan.fault;
    HangGate* gate = server->hangGate();
    const int hangLimitMs = cfg.taskTimeoutMs;
    // The job always runs (so the counter stays exact) but skips the work
    // when its client has gone.
    auto job = [n, cancelled, jobCounter, payload, payloadSize, fault, gate, hangLimitMs]() {
        PoolResult r;
        if (fault == Fault::Crash)
            std::abort(); // a bug in code on a pool thread: the whole worker goes
        if (!cancelled->load()) {
            r.ran = true;
            r.startNs = steadyNowNs();
            if (fault == Fault::Hang)
                r.hung = !gate->wait(hangLimitMs);
            if (payloadSize > 0)
                r.checksum = payloadChecksum(reinterpret_cast<const unsigned char*>(payload.constData()), payloadSize);
            // An exception stays on its pool thread: the job catches it and
            // the request gets 500; the worker and the thread serve on.
            try {
                r.value = fault == Fault::Throw ? throwingFib(n) : fib(n);
            } catch (const std::exception& e) {
                r.threw = e.what();
            }
            r.endNs = steadyNowNs();
            r.threadId = static_cast<std::uint64_t>(std::hash<std::thread::id>()(std::this_thread::get_id()));
        }
        --*jobCounter;
        return r;
    };
    // Owned by the context (the connection): a connection that goes drops
    // the watcher, and with it the reply.
    auto* watcher = new QFutureWatcher<PoolResult>(context);
    const std::int64_t headersNs = request.headersCompleteNs;
    const int payloadMb = plan.payloadMb;
    QObject::connect(watcher, &QFutureWatcher<PoolResult>::finished, context,
                     [watcher, n, json, headersNs, payloadMb, hangLimitMs, id, done = std::move(done)]() {
        watcher->deleteLater();
        const PoolResult r = watcher->result();
        Outcome o;
        o.times.path = PathId::Thread;
        o.times.computeStartNs = r.startNs;
        o.times.computeEndNs = r.endNs;
        o.times.threadOrTask = r.threadId;
        o.timing = ResponseTiming { msBetween(headersNs, r.startNs), msBetween(r.startNs, r.endNs), 0 };
        if (r.hung) {
            o.response = errorResponse(504, "the job hung past its " + QByteArray::number(hangLimitMs) + " ms limit", json);
        } else if (!r.threw.empty()) {
            o.response = errorResponse(500, "the computation threw on its pool thread: " + QByteArray::fromStdString(r.threw), json);
        } else {
            ComputeResult c { "/worker", n, r.value, PathId::Thread };
            c.payloadMb = payloadMb;
            c.payloadChecksum = r.checksum;
            o.response = computeResponse(c, id, o.timing, json);
        }
        done(std::move(o));
    });
    watcher->setFuture(QtConcurrent::run(server->threadPool(), job));
    return handle;
}

Handle inChild(WorkerServer* server, QObject* context, const Router::Plan& plan, const HttpRequest& request,
               const ResponseIdentity& id, Done done)
{
    const bool json = request.acceptsJson();
    const int n = plan.n;
    TaskOptions options;
    options.fault = plan.fault;
    if (plan.payloadMb > 0) {
        options.payload = server->payload(plan.payloadMb);
        options.payloadSize = static_cast<qsizetype>(plan.payloadMb) * 1024 * 1024;
    }
    Handle handle;
    ChildTask* task = server->taskPool()->submit(n, context, options);
    if (task == nullptr) {
        qCInfo(lcHttp) << "503: the child-process limit and its queue are full";
        done(full("the child-process limit and its queue are full", json));
        return handle;
    }
    handle.task = task;
    const std::int64_t headersNs = request.headersCompleteNs;
    const int payloadMb = plan.payloadMb;
    QObject::connect(task, &ChildTask::finished, context,
                     [task, n, json, headersNs, payloadMb, id, done = std::move(done)](const ChildOutcome& c) {
        task->deleteLater();
        Outcome o;
        o.timing.queueMs = msBetween(headersNs, c.spawnRequestedNs);
        o.times.path = PathId::Child;
        o.times.queuedNs = c.spawnRequestedNs;
        o.times.threadOrTask = static_cast<std::uint64_t>(c.taskPid);
        if (c.kind != ChildOutcome::Kind::Ok) {
            o.timing.spawnMs = msBetween(c.spawnRequestedNs, c.exitSeenNs);
            o.response = errorResponse(c.httpStatus(), c.detail, json);
            done(std::move(o));
            return;
        }
        o.timing.computeMs = msBetween(c.computeStartNs, c.computeEndNs);
        // Spawn = everything the child path adds around the computation:
        // fork/exec and start-up (and reading a payload), then exit and
        // reaping.
        o.timing.spawnMs = msBetween(c.spawnRequestedNs, c.computeStartNs) + msBetween(c.computeEndNs, c.exitSeenNs);
        o.times.computeStartNs = c.computeStartNs;
        o.times.computeEndNs = c.computeEndNs;
        o.times.spawnNs = (c.computeStartNs - c.spawnRequestedNs) + (c.exitSeenNs - c.computeEndNs);
        ComputeResult r { "/child", n, c.result, PathId::Child };
        r.payloadMb = payloadMb;
        r.payloadChecksum = c.payloadChecksum;
        r.taskPeakRssKiB = c.peakRssKiB;
        o.response = computeResponse(r, id, o.timing, json);
        done(std::move(o));
    });
    return handle;
}

} // namespace

Handle run(WorkerServer* server, QObject* context, const Router::Plan& plan, const HttpRequest& request,
           const ResponseIdentity& id, Done done)
{
    switch (plan.work) {
    case Router::Work::Main:
        onMain(plan, request, id, done);
        return {};
    case Router::Work::Pool:
        return onPool(server, context, plan, request, id, std::move(done));
    case Router::Work::Child:
        return inChild(server, context, plan, request, id, std::move(done));
    case Router::Work::None:
        break;
    }
    return {};
}

} // namespace clusterlab::computepaths
