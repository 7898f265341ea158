// SPDX-License-Identifier: GPL-3.0-or-later
#include "workertelemetry.h"

#include "compute/clock.h"

#include "platform/processplatform.h"

#include <QCborArray>

namespace clusterlab {

namespace {
constexpr int kFlushMs = 50;
constexpr int kSampleMs = 100;
constexpr int kLagTickMs = 10;
// A batch never grows past this many records (96 bytes each: ~390 KiB, well
// inside the control channel's 1 MiB frame limit), however many requests
// one event-loop turn serves: the batch goes out as soon as it is full.
constexpr std::size_t kMaxRecordsPerBatch = 4096;

} // namespace

WorkerTelemetry::WorkerTelemetry(GaugeReader gauges, Sink sink, QObject* parent)
    : QObject(parent)
    , m_gauges(std::move(gauges))
    , m_sink(std::move(sink))
{
    m_pending.reserve(kMaxRecordsPerBatch);
    m_flushTimer.setInterval(kFlushMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &WorkerTelemetry::flush);
    m_flushTimer.start();
    m_sampleTimer.setInterval(kSampleMs);
    connect(&m_sampleTimer, &QTimer::timeout, this, &WorkerTelemetry::sample);
    m_sampleTimer.start();
    // Event-loop lag as Node's monitorEventLoopDelay measures it: a timer
    // that should fire every 10 ms; how late it fires is the lag.
    m_lagTimer.setTimerType(Qt::PreciseTimer);
    m_lagTimer.setInterval(kLagTickMs);
    connect(&m_lagTimer, &QTimer::timeout, this, &WorkerTelemetry::onLagTick);
    m_lastLagTickNs = steadyNowNs();
    m_lastCpuNs = platform::processCpuNs();
    m_lagTimer.start();
}

void WorkerTelemetry::add(const RequestRecord& record)
{
    m_pending.push_back(record);
    ++m_served;
    if (m_sharedServed != nullptr)
        m_sharedServed->store(m_served, std::memory_order_release);
    if (m_pending.size() >= kMaxRecordsPerBatch)
        flush();
}

void WorkerTelemetry::onLagTick()
{
    const std::int64_t now = steadyNowNs();
    const std::int64_t late = now - m_lastLagTickNs - static_cast<std::int64_t>(kLagTickMs) * 1000000;
    m_lastLagTickNs = now;
    const std::int64_t lag = late > 0 ? late : 0;
    m_lagMaxNs = qMax(m_lagMaxNs, lag);
    m_lagSumNs += lag;
    ++m_lagTicks;
}

void WorkerTelemetry::sample()
{
    // A blocked loop shows up here too: the tick that is due now has not
    // run, so count the time since the last tick as lag already.
    const std::int64_t now = steadyNowNs();
    const std::int64_t pending = now - m_lastLagTickNs - static_cast<std::int64_t>(kLagTickMs) * 1000000;
    const std::int64_t lagMax = qMax(m_lagMaxNs, pending);
    const std::int64_t cpu = platform::processCpuNs();
    QCborMap s;
    s.insert(QStringLiteral("t"), static_cast<qint64>(now));
    s.insert(QStringLiteral("lagMaxUs"), static_cast<qint64>(lagMax / 1000));
    s.insert(QStringLiteral("lagMeanUs"), static_cast<qint64>(m_lagTicks > 0 ? m_lagSumNs / m_lagTicks / 1000 : 0));
    s.insert(QStringLiteral("cpuUs"), static_cast<qint64>((cpu - m_lastCpuNs) / 1000));
    s.insert(QStringLiteral("rssKiB"), platform::residentKiB());
    const Gauges g = m_gauges ? m_gauges() : Gauges();
    s.insert(QStringLiteral("inFlight"), g.inFlight);
    s.insert(QStringLiteral("poolBusy"), g.poolBusy);
    s.insert(QStringLiteral("tasks"), g.tasks);
    s.insert(QStringLiteral("connections"), g.connections);
    m_samples.append(s);
    if (m_samples.size() > 64)
        m_samples.removeFirst(); // bounded even if the channel is stalled
    m_lastCpuNs = cpu;
    m_lagMaxNs = 0;
    m_lagSumNs = 0;
    m_lagTicks = 0;
}

void WorkerTelemetry::flush()
{
    if (m_pending.empty() && m_samples.isEmpty())
        return;
    QCborMap batch;
    batch.insert(QStringLiteral("type"), QStringLiteral("telemetry"));
    batch.insert(QStringLiteral("batch"), static_cast<qint64>(++m_batchSeq));
    batch.insert(QStringLiteral("served"), static_cast<qint64>(m_served));
    batch.insert(QStringLiteral("layout"), kRequestRecordLayout);
    batch.insert(QStringLiteral("records"), packRecords(m_pending));
    QCborArray samples;
    for (const QCborMap& s : std::as_const(m_samples))
        samples.append(s);
    batch.insert(QStringLiteral("samples"), samples);
    m_pending.clear();
    m_samples.clear();
    m_sink(batch);
}

} // namespace clusterlab
