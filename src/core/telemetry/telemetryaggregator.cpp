// SPDX-License-Identifier: GPL-3.0-or-later
#include "telemetryaggregator.h"
#include "csv.h"

#include "logging.h"

#include "compute/clock.h"

#include <QCborArray>
#include <QCborMap>
#include <QIODevice>
#include <QJsonArray>

#include <climits>
#include <cstdio>

namespace clusterlab {

namespace {
constexpr std::size_t kMaxSamples = 6000; // 10 minutes at 100 ms
// No request of ours takes a day: a span beyond that is a corrupt record.
constexpr std::int64_t kMaxSpanNs = 86400LL * 1000000000LL;

// A CBOR integer, or `fallback` for anything else (a double out of range
// would be undefined behaviour in QCborValue::toInteger()).
qint64 cborInt(const QCborValue& v, qint64 fallback = 0)
{
    return v.isInteger() ? v.toInteger() : fallback;
}

// A non-negative count that fits an int.
int cborCount(const QCborValue& v)
{
    const qint64 n = cborInt(v);
    return n < 0 ? 0 : n > INT_MAX ? INT_MAX : static_cast<int>(n);
}

// Every timestamp is 0 (not reached) or within a day after the head.
bool plausible(const RequestRecord& r)
{
    if (r.headersNs <= 0 || r.writtenNs < r.headersNs || r.writtenNs - r.headersNs > kMaxSpanNs)
        return false;
    for (std::int64_t t : { r.queuedNs, r.computeStartNs, r.computeEndNs }) {
        if (t != 0 && (t < r.headersNs || t - r.headersNs > kMaxSpanNs))
            return false;
    }
    if (r.computeEndNs != 0 && r.computeEndNs < r.computeStartNs)
        return false;
    return r.spawnNs >= 0 && r.spawnNs <= kMaxSpanNs;
}
constexpr int kPublishMs = 100;           // at most 10 snapshots a second

std::uint32_t ticks(std::int64_t from, std::int64_t to)
{
    if (to <= from || from == 0 || to == 0)
        return 0;
    const std::int64_t t = (to - from) / 100;
    return t > 0xffffffffLL ? 0xffffffffu : static_cast<std::uint32_t>(t);
}
} // namespace

TelemetryAggregator::TelemetryAggregator(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const clusterlab::TelemetrySnapshot>>();
    m_publishTimer.setInterval(kPublishMs);
    connect(&m_publishTimer, &QTimer::timeout, this, &TelemetryAggregator::publish);
    m_publishTimer.start();
    m_snapshot = std::make_shared<TelemetrySnapshot>();
}

WorkerAccount& TelemetryAggregator::account(qint64 pid)
{
    return m_accounts[pid];
}

void TelemetryAggregator::workerStarted(int index, qint64 pid)
{
    WorkerAccount& a = account(pid);
    a.index = index;
    a.pid = pid;
}

void TelemetryAggregator::ingest(int index, qint64 pid, const QCborMap& batch)
{
    if (index < 0 || index >= kMaxWorkerIndex) {
        ++m_malformed;
        qCWarning(lcTelemetry) << "batch from worker index" << index << "refused: index out of range";
        return;
    }
    WorkerAccount& a = account(pid);
    a.index = index;
    a.pid = pid;
    const auto seq = static_cast<std::uint64_t>(qMax<qint64>(0, cborInt(batch.value(QStringLiteral("batch")))));
    if (seq > a.batches + a.missingBatches + 1) {
        qCWarning(lcTelemetry) << "worker" << index << "pid" << pid << ":" << seq - (a.batches + a.missingBatches + 1)
                               << "batch(es) missing before batch" << seq;
        a.missingBatches += seq - (a.batches + a.missingBatches + 1);
    }
    ++a.batches;
    a.servedReported = static_cast<std::uint64_t>(qMax<qint64>(0, cborInt(batch.value(QStringLiteral("served")))));
    std::vector<RequestRecord> records;
    if (cborInt(batch.value(QStringLiteral("layout")), -1) != kRequestRecordLayout
        || !unpackRecords(batch.value(QStringLiteral("records")).toByteArray(), &records)) {
        ++m_malformed;
        qCWarning(lcTelemetry) << "batch" << seq << "of worker" << index << "pid" << pid << "is malformed: skipped";
        return;
    }
    qCDebug(lcTelemetry) << "batch" << seq << "of worker" << index << ":" << records.size() << "records";
    for (const RequestRecord& r : records) {
        // Every field is checked before it is used: route and path index
        // arrays, the worker index keys tables, timestamps pick a slot of
        // the sliding window.
        if (static_cast<int>(r.route) >= kRouteCount || static_cast<int>(r.path) > static_cast<int>(PathId::Child)
            || r.workerIndex != index || r.pid != pid || !plausible(r)) {
            ++m_rejected;
            qCWarning(lcTelemetry) << "record" << r.requestSeq << "of worker" << index << "refused: a field out of range";
            continue;
        }
        ++a.records;
        a.maxRequestSeq = qMax<std::uint64_t>(a.maxRequestSeq, r.requestSeq);
        add(r);
    }
    const QCborArray samples = batch.value(QStringLiteral("samples")).toArray();
    std::deque<WorkerSample>& series = m_samples[index];
    for (const QCborValue& v : samples) {
        const QCborMap m = v.toMap();
        WorkerSample s;
        s.t = cborInt(m.value(QStringLiteral("t")));
        s.lagMaxUs = cborInt(m.value(QStringLiteral("lagMaxUs")));
        s.lagMeanUs = cborInt(m.value(QStringLiteral("lagMeanUs")));
        s.cpuUs = cborInt(m.value(QStringLiteral("cpuUs")));
        s.rssKiB = cborInt(m.value(QStringLiteral("rssKiB")));
        s.inFlight = cborCount(m.value(QStringLiteral("inFlight")));
        s.poolBusy = cborCount(m.value(QStringLiteral("poolBusy")));
        s.tasks = cborCount(m.value(QStringLiteral("tasks")));
        s.connections = cborCount(m.value(QStringLiteral("connections")));
        series.push_back(s);
        if (series.size() > kMaxSamples)
            series.pop_front();
        if (m_sampleSink)
            m_sampleSink(index, pid, s);
    }
    m_dirty = true;
}

void TelemetryAggregator::add(const RequestRecord& r)
{
    StoredRecord s;
    s.headersNs = r.headersNs;
    s.queued = ticks(r.headersNs, r.queuedNs);
    s.computeStart = ticks(r.headersNs, r.computeStartNs);
    s.computeEnd = ticks(r.headersNs, r.computeEndNs);
    s.written = ticks(r.headersNs, r.writtenNs);
    s.spawn = r.spawnNs > 0 ? static_cast<std::uint32_t>(qMin<std::int64_t>(r.spawnNs / 100, 0xffffffffLL)) : 0;
    s.requestSeq = static_cast<std::uint32_t>(r.requestSeq);
    s.connectionId = static_cast<std::uint32_t>(r.connectionId);
    s.threadOrTask = static_cast<std::uint32_t>(r.threadOrTask);
    s.pid = r.pid;
    s.bytes = r.bytes;
    s.workerIndex = r.workerIndex;
    s.status = r.status;
    s.n = r.n;
    s.route = r.route;
    s.path = r.path;
    ++m_totalRecords;
    if (m_keepRecords)
        m_records.push_back(s);
    if (m_sink)
        m_sink(s);
    if (r.status == 0)
        return; // dropped: its client left; accounted, not a latency
    const int route = static_cast<int>(r.route);
    ++m_counts[r.workerIndex][static_cast<std::size_t>(route)][static_cast<std::size_t>(r.path)];
    const QPair<qint64, quint64> key { r.pid, r.connectionId };
    auto conn = m_perConnection.find(key);
    if (conn == m_perConnection.end()) {
        conn = m_perConnection.insert(key, 0);
        m_connectionOrder.push_back(key);
        if (m_connectionOrder.size() > static_cast<std::size_t>(kMaxConnectionsTracked)) {
            m_perConnection.remove(m_connectionOrder.front());
            m_connectionOrder.pop_front();
            conn = m_perConnection.find(key);
        }
    }
    ++conn.value();
    const std::int64_t total = r.writtenNs - r.headersNs;
    m_latencyAll[static_cast<std::size_t>(route)].recordNs(total);
    const std::int64_t second = r.writtenNs / 1000000000LL;
    Second& slot = m_window[static_cast<std::size_t>(second % 10)];
    if (slot.second != second) {
        slot.second = second;
        for (HdrHistogram& h : slot.latency)
            h.reset();
    }
    slot.latency[static_cast<std::size_t>(route)].recordNs(total);
    // Breakdown: queue (head -> compute start), compute, spawn (child
    // overhead), transport (compute end -> written, less spawn).
    // The child path's queue ends when its task is spawned; the spawn
    // overhead (before and after the computation) is its own part.
    double queue = 0, compute = 0, spawn = 0;
    if (r.computeStartNs > 0) {
        queue = static_cast<double>((r.path == PathId::Child ? r.queuedNs : r.computeStartNs) - r.headersNs);
        compute = static_cast<double>(r.computeEndNs - r.computeStartNs);
        spawn = static_cast<double>(r.spawnNs);
    }
    const double transport = qMax(0.0, static_cast<double>(total) - queue - compute - spawn);
    auto& sums = m_breakdownSum[static_cast<std::size_t>(route)];
    sums[0] += queue / 1e6;
    sums[1] += compute / 1e6;
    sums[2] += spawn / 1e6;
    sums[3] += transport / 1e6;
    ++m_breakdownCount[static_cast<std::size_t>(route)];
    std::deque<std::int64_t>& recent = m_recentWrites[r.workerIndex];
    recent.push_back(r.writtenNs);
    while (!recent.empty() && recent.front() < r.writtenNs - 1000000000LL)
        recent.pop_front();
}

void TelemetryAggregator::workerExited(qint64 pid, std::uint64_t servedAtExit, bool known)
{
    WorkerAccount& a = account(pid);
    a.pid = pid;
    if (!a.exited)
        m_exitedOrder.push_back(pid);
    a.exited = true;
    a.servedAtExitKnown = known;
    a.servedAtExit = servedAtExit;
    // A restart storm makes a new account per worker: keep the latest only.
    while (m_exitedOrder.size() > static_cast<std::size_t>(kMaxExitedAccounts)) {
        m_accounts.remove(m_exitedOrder.front());
        m_exitedOrder.pop_front();
    }
    m_dirty = true;
}

QList<WorkerAccount> TelemetryAggregator::accounts() const
{
    QList<WorkerAccount> out;
    for (const WorkerAccount& a : m_accounts)
        out.append(a);
    std::sort(out.begin(), out.end(), [](const WorkerAccount& x, const WorkerAccount& y) { return x.pid < y.pid; });
    return out;
}

const std::deque<WorkerSample>& TelemetryAggregator::samples(int index) const
{
    static const std::deque<WorkerSample> none;
    const auto it = m_samples.constFind(index);
    return it == m_samples.constEnd() ? none : it.value();
}

std::shared_ptr<const TelemetrySnapshot> TelemetryAggregator::snapshot() const
{
    return m_snapshot;
}

void TelemetryAggregator::publish()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    auto s = std::make_shared<TelemetrySnapshot>();
    s->takenNs = steadyNowNs();
    s->totalRecords = m_totalRecords;
    s->accounts = accounts();
    s->counts = m_counts;
    s->latencyAll = m_latencyAll;
    const std::int64_t nowSecond = s->takenNs / 1000000000LL;
    for (const Second& sec : m_window) {
        if (sec.second >= 0 && nowSecond - sec.second < 10) {
            for (int r = 0; r < kRouteCount; ++r)
                s->latencyWindow[static_cast<std::size_t>(r)].add(sec.latency[static_cast<std::size_t>(r)]);
        }
    }
    for (int r = 0; r < kRouteCount; ++r) {
        const std::uint64_t n = m_breakdownCount[static_cast<std::size_t>(r)];
        for (int k = 0; k < 4; ++k)
            s->breakdownMs[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)]
                = n ? m_breakdownSum[static_cast<std::size_t>(r)][static_cast<std::size_t>(k)] / static_cast<double>(n) : 0;
    }
    for (auto it = m_samples.cbegin(); it != m_samples.cend(); ++it) {
        if (!it.value().empty())
            s->lastSample.insert(it.key(), it.value().back());
    }
    for (auto it = m_recentWrites.cbegin(); it != m_recentWrites.cend(); ++it) {
        const std::size_t n = std::count_if(it.value().begin(), it.value().end(),
                                            [&](std::int64_t t) { return t >= s->takenNs - 1000000000LL; });
        s->recentRps.insert(it.key(), static_cast<double>(n));
    }
    m_snapshot = s;
    Q_EMIT snapshotReady(m_snapshot);
}

QByteArray TelemetryAggregator::csvHeader()
{
    return "worker_index,pid,connection_id,request_seq,route,n,path,status,bytes,headers_ns,queue_ms,"
           "compute_ms,spawn_ms,total_ms,thread_or_task,version,started_utc\n";
}

QByteArray TelemetryAggregator::csvRunColumns(const QString& version, const QString& startedUtc)
{
    return csvField(version.toUtf8().left(64)) + ',' + csvField(startedUtc.toUtf8().left(64));
}

QByteArray TelemetryAggregator::csvRow(const StoredRecord& r, const QByteArray& runColumns)
{
    char line[448];
    const double tick = 1e-4; // 100 ns in ms
    const int n = std::snprintf(line, sizeof line, "%u,%d,%u,%u,%s,%d,%s,%u,%u,%lld,%.4f,%.4f,%.4f,%.4f,%u,%.*s\n",
                                r.workerIndex, r.pid, r.connectionId, r.requestSeq, routeName(r.route), r.n,
                                pathIdName(r.path), r.status, r.bytes, static_cast<long long>(r.headersNs),
                                (r.path == PathId::Child ? r.queued : r.computeStart) * tick,
                                r.computeEnd >= r.computeStart ? (r.computeEnd - r.computeStart) * tick : 0.0,
                                r.spawn * tick, r.written * tick, r.threadOrTask,
                                static_cast<int>(std::min<qsizetype>(runColumns.size(), 200)), runColumns.constData());
    return QByteArray(line, std::min(n, static_cast<int>(sizeof line) - 1));
}

QByteArray TelemetryAggregator::jsonRow(const StoredRecord& r)
{
    // The CSV's columns under the same names, written directly (one object
    // per record, no document built in memory): numbers stay numbers,
    // names stay strings.
    char line[384];
    const double tick = 1e-4; // 100 ns in ms
    const int n = std::snprintf(
        line, sizeof line,
        "{\"worker_index\":%u,\"pid\":%d,\"connection_id\":%u,\"request_seq\":%u,\"route\":\"%s\",\"n\":%d,"
        "\"path\":\"%s\",\"status\":%u,\"bytes\":%u,\"headers_ns\":%lld,\"queue_ms\":%.4f,\"compute_ms\":%.4f,"
        "\"spawn_ms\":%.4f,\"total_ms\":%.4f,\"thread_or_task\":%u}",
        r.workerIndex, r.pid, r.connectionId, r.requestSeq, routeName(r.route), r.n, pathIdName(r.path), r.status,
        r.bytes, static_cast<long long>(r.headersNs), (r.path == PathId::Child ? r.queued : r.computeStart) * tick,
        r.computeEnd >= r.computeStart ? (r.computeEnd - r.computeStart) * tick : 0.0, r.spawn * tick, r.written * tick,
        r.threadOrTask);
    return QByteArray(line, n);
}

bool TelemetryAggregator::writeJson(QIODevice* out) const
{
    QByteArray buf = "[";
    bool first = true;
    for (const StoredRecord& r : m_records) {
        if (!first)
            buf += ",\n";
        first = false;
        buf += jsonRow(r);
        if (buf.size() > (1 << 20)) {
            if (out->write(buf) != buf.size())
                return false;
            buf.clear();
        }
    }
    buf += "]\n";
    return out->write(buf) == buf.size();
}

QJsonObject TelemetryAggregator::summaryJson() const
{
    const auto s = m_snapshot;
    QJsonObject o;
    o.insert(QStringLiteral("records"), static_cast<qint64>(m_totalRecords));
    QJsonArray workers;
    for (const WorkerAccount& a : accounts()) {
        workers.append(QJsonObject { { QStringLiteral("index"), a.index },
                                     { QStringLiteral("pid"), a.pid },
                                     { QStringLiteral("records"), static_cast<qint64>(a.records) },
                                     { QStringLiteral("servedReported"), static_cast<qint64>(a.servedReported) },
                                     { QStringLiteral("missingBatches"), static_cast<qint64>(a.missingBatches) },
                                     { QStringLiteral("exited"), a.exited },
                                     { QStringLiteral("unreported"), static_cast<qint64>(a.unreported()) } });
    }
    o.insert(QStringLiteral("workers"), workers);
    QJsonObject routes;
    for (int r = 0; r < kRouteCount; ++r) {
        const HdrHistogram& h = m_latencyAll[static_cast<std::size_t>(r)];
        if (h.totalCount() == 0)
            continue;
        const auto n = m_breakdownCount[static_cast<std::size_t>(r)];
        const auto& sums = m_breakdownSum[static_cast<std::size_t>(r)];
        routes.insert(QLatin1String(routeName(static_cast<RouteId>(r))),
                      QJsonObject { { QStringLiteral("count"), static_cast<qint64>(h.totalCount()) },
                                    { QStringLiteral("p50Ms"), h.percentileMs(50) },
                                    { QStringLiteral("p99Ms"), h.percentileMs(99) },
                                    { QStringLiteral("maxMs"), h.maxMs() },
                                    { QStringLiteral("meanQueueMs"), n ? sums[0] / static_cast<double>(n) : 0 },
                                    { QStringLiteral("meanComputeMs"), n ? sums[1] / static_cast<double>(n) : 0 },
                                    { QStringLiteral("meanSpawnMs"), n ? sums[2] / static_cast<double>(n) : 0 },
                                    { QStringLiteral("meanTransportMs"), n ? sums[3] / static_cast<double>(n) : 0 } });
    }
    o.insert(QStringLiteral("routes"), routes);
    return o;
}

} // namespace clusterlab
