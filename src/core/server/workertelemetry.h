// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "requestrecord.h"

#include <QCborMap>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <atomic>
#include <functional>
#include <vector>

namespace clusterlab {

// One worker's telemetry: per-request records as responses are written,
// health samples every 100 ms (event-loop lag as timer drift, CPU time,
// resident memory, in-flight requests, busy pool threads, running tasks,
// open connections), and a batch every 50 ms handed to `sink` (the control
// channel). Batches carry a sequence number and the running count of
// responses written, so the primary can tell a gap from silence. Worker
// main thread; not thread-safe.
class WorkerTelemetry : public QObject
{
    Q_OBJECT
public:
    using Sink = std::function<void(const QCborMap& batch)>;
    // What the server can say of itself at a sample: read through a
    // callback, so that telemetry knows nothing of the server that feeds it.
    struct Gauges
    {
        int inFlight = 0;
        int poolBusy = 0;
        int tasks = 0;
        int connections = 0;
    };
    using GaugeReader = std::function<Gauges()>;

    WorkerTelemetry(GaugeReader gauges, Sink sink, QObject* parent = nullptr);

    void add(const RequestRecord& record);
    // Sends what is pending now (also called on a graceful stop).
    void flush();
    // A counter in memory the primary can read after we die (see
    // ServedCounter); may be null.
    void setSharedServedCounter(std::atomic<std::uint64_t>* counter) { m_sharedServed = counter; }

private:
    void sample();
    void onLagTick();

    GaugeReader m_gauges;
    Sink m_sink;
    std::vector<RequestRecord> m_pending;
    QList<QCborMap> m_samples;
    std::uint64_t m_batchSeq = 0;
    std::uint64_t m_served = 0;
    std::atomic<std::uint64_t>* m_sharedServed = nullptr;
    QTimer m_flushTimer;
    QTimer m_sampleTimer;
    QTimer m_lagTimer;
    std::int64_t m_lastLagTickNs = 0;
    std::int64_t m_lagMaxNs = 0;    // in the current 100 ms window
    std::int64_t m_lagSumNs = 0;
    int m_lagTicks = 0;
    std::int64_t m_lastCpuNs = 0;
};

} // namespace clusterlab
