// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "histogram.h"
#include "server/requestrecord.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

class QCborMap;
class QIODevice;

namespace clusterlab {

// A request as the primary keeps it for export: 56 bytes (the streamed
// record is 96). Times are 100 ns ticks after headersNs (max 429 s).
struct StoredRecord
{
    std::int64_t headersNs = 0;
    std::uint32_t queued = 0, computeStart = 0, computeEnd = 0, written = 0, spawn = 0; // 100 ns ticks
    std::uint32_t requestSeq = 0;
    std::uint32_t connectionId = 0;
    std::uint32_t threadOrTask = 0;
    std::int32_t pid = 0;
    std::uint32_t bytes = 0;
    std::uint16_t workerIndex = 0;
    std::uint16_t status = 0;
    std::int8_t n = -1;
    RouteId route = RouteId::Other;
    PathId path = PathId::None;
};

// Every record kept for export, in fixed chunks: growing never moves what
// is already stored (a plain vector would copy ~100 MB at a million
// records, stalling the GUI thread the aggregator runs on).
class RecordStore
{
public:
    static constexpr std::size_t kChunk = 16384; // records per chunk (~900 KiB)

    void push_back(const StoredRecord& r)
    {
        if (m_size % kChunk == 0)
            m_chunks.push_back(std::make_unique<StoredRecord[]>(kChunk));
        m_chunks.back()[m_size % kChunk] = r;
        ++m_size;
    }
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    const StoredRecord& operator[](std::size_t i) const { return m_chunks[i / kChunk][i % kChunk]; }

    class const_iterator
    {
    public:
        const_iterator(const RecordStore* store, std::size_t i)
            : m_store(store)
            , m_i(i)
        {
        }
        const StoredRecord& operator*() const { return (*m_store)[m_i]; }
        const StoredRecord* operator->() const { return &(*m_store)[m_i]; }
        const_iterator& operator++()
        {
            ++m_i;
            return *this;
        }
        bool operator!=(const const_iterator& o) const { return m_i != o.m_i; }
        bool operator==(const const_iterator& o) const { return m_i == o.m_i; }

    private:
        const RecordStore* m_store;
        std::size_t m_i;
    };
    const_iterator begin() const { return { this, 0 }; }
    const_iterator end() const { return { this, m_size }; }

private:
    std::vector<std::unique_ptr<StoredRecord[]>> m_chunks;
    std::size_t m_size = 0;
};

// One health sample of one worker (every 100 ms).
struct WorkerSample
{
    std::int64_t t = 0; // steady ns
    std::int64_t lagMaxUs = 0, lagMeanUs = 0, cpuUs = 0, rssKiB = 0;
    int inFlight = 0, poolBusy = 0, tasks = 0, connections = 0;
};

// What each worker said it served against what arrived.
struct WorkerAccount
{
    int index = 0;
    qint64 pid = 0;
    std::uint64_t batches = 0;         // received
    std::uint64_t missingBatches = 0;  // sequence gaps
    std::uint64_t records = 0;         // received
    std::uint64_t servedReported = 0;  // the worker's count in its last batch
    std::uint64_t maxRequestSeq = 0;
    bool exited = false;
    bool servedAtExitKnown = false;
    std::uint64_t servedAtExit = 0;    // from shared memory, read after it died
    // Responses written but never reported (known once the worker exited).
    std::int64_t unreported() const { return servedAtExitKnown ? static_cast<std::int64_t>(servedAtExit) - static_cast<std::int64_t>(records) : -1; }
};

// An immutable picture for the GUI (charts) and `serve --stats`.
struct TelemetrySnapshot
{
    std::int64_t takenNs = 0;
    std::uint64_t totalRecords = 0;
    QList<WorkerAccount> accounts;
    // requests by worker index x route x path (status 0 = dropped excluded)
    QHash<int, std::array<std::array<std::uint64_t, 4>, kRouteCount>> counts;
    std::array<HdrHistogram, kRouteCount> latencyAll;    // headers -> written, whole run
    std::array<HdrHistogram, kRouteCount> latencyWindow; // the last 10 s
    // Mean breakdown per route, ms: queue, compute, spawn, transport.
    std::array<std::array<double, 4>, kRouteCount> breakdownMs {};
    QHash<int, WorkerSample> lastSample; // by worker index
    QHash<int, double> recentRps;        // by worker index, over the last second
};

// Aggregates what every worker streams (primary thread; not thread-safe):
// counters per worker x route x path and per connection, latency
// histograms per route for the whole run and a 10 s sliding window, time
// series at 100 ms resolution for 10 minutes in bounded memory, mean time
// breakdown per route, and every raw record for export. Publishes a
// snapshot at most 10 times a second while data arrives.
class TelemetryAggregator : public QObject
{
    Q_OBJECT
public:
    explicit TelemetryAggregator(QObject* parent = nullptr);

    void workerStarted(int index, qint64 pid);
    void ingest(int index, qint64 pid, const QCborMap& batch);
    void workerExited(qint64 pid, std::uint64_t servedAtExit, bool known);

    // Raw records are kept for export only when asked (the window, until
    // sessions stream them to disk); `serve` keeps none: its --record sink
    // writes each one as it arrives. Everything else here is bounded.
    void setKeepRecords(bool keep) { m_keepRecords = keep; }
    bool keepsRecords() const { return m_keepRecords; }
    const RecordStore& records() const { return m_records; }
    // Bounds of the per-connection table and of the accounts of workers that
    // exited (the oldest go first).
    static constexpr qsizetype kMaxConnectionsTracked = 50000;
    static constexpr qsizetype kMaxExitedAccounts = 256;
    static constexpr int kMaxWorkerIndex = 4096; // a worker index beyond this is rejected
    // Records rejected because a field was out of range (a worker bug or a
    // corrupt batch), never used as an index.
    std::uint64_t rejectedRecords() const { return m_rejected; }
    QList<WorkerAccount> accounts() const;
    std::shared_ptr<const TelemetrySnapshot> snapshot() const;
    // Health samples of one worker index, oldest first (at most 10 min).
    const std::deque<WorkerSample>& samples(int index) const;
    // Requests per connection (pid, connection id).
    const QHash<QPair<qint64, quint64>, std::uint64_t>& perConnection() const { return m_perConnection; }
    // Called for every record as it arrives (serve --record).
    void setRecordSink(std::function<void(const StoredRecord&)> sink) { m_sink = std::move(sink); }
    // Called for every health sample as it arrives (sessions record them).
    void setSampleSink(std::function<void(int index, qint64 pid, const WorkerSample&)> sink) { m_sampleSink = std::move(sink); }
    std::uint64_t malformedBatches() const { return m_malformed; }

    // serve --record FILE.csv and the window's raw-records export: a header
    // row, then one row per record (RFC 4180). The last two columns are the
    // recording's: version and started_utc (ISO 8601, UTC), the same in
    // every row; csvRunColumns makes them once.
    static QByteArray csvHeader();
    static QByteArray csvRunColumns(const QString& version, const QString& startedUtc);
    static QByteArray csvRow(const StoredRecord& r, const QByteArray& runColumns);
    // The same records as a JSON array of objects (the CSV's column names),
    // streamed: nothing but a 1 MiB buffer is held.
    static QByteArray jsonRow(const StoredRecord& r);
    bool writeJson(QIODevice* out) const;
    QJsonObject summaryJson() const;

Q_SIGNALS:
    void snapshotReady(std::shared_ptr<const clusterlab::TelemetrySnapshot> snapshot);

private:
    void add(const RequestRecord& r);
    void publish();
    WorkerAccount& account(qint64 pid);

    RecordStore m_records;
    QHash<qint64, WorkerAccount> m_accounts;
    QHash<int, std::array<std::array<std::uint64_t, 4>, kRouteCount>> m_counts;
    QHash<QPair<qint64, quint64>, std::uint64_t> m_perConnection;
    std::array<HdrHistogram, kRouteCount> m_latencyAll;
    // Sliding window: one histogram per second per route, the last 10.
    struct Second
    {
        std::int64_t second = -1;
        std::array<HdrHistogram, kRouteCount> latency;
    };
    std::array<Second, 10> m_window;
    std::array<std::array<double, 4>, kRouteCount> m_breakdownSum {};
    std::array<std::uint64_t, kRouteCount> m_breakdownCount {};
    QHash<int, std::deque<WorkerSample>> m_samples;
    QHash<int, std::deque<std::int64_t>> m_recentWrites; // written ns, last second, by index
    std::function<void(const StoredRecord&)> m_sink;
    std::function<void(int, qint64, const WorkerSample&)> m_sampleSink;
    std::uint64_t m_malformed = 0;
    std::uint64_t m_rejected = 0;
    std::uint64_t m_totalRecords = 0;
    bool m_keepRecords = true;
    std::deque<QPair<qint64, quint64>> m_connectionOrder; // insertion order of m_perConnection
    std::deque<qint64> m_exitedOrder;                      // pids of exited workers, oldest first
    QTimer m_publishTimer;
    bool m_dirty = false;
    std::shared_ptr<const TelemetrySnapshot> m_snapshot;
};

} // namespace clusterlab

Q_DECLARE_METATYPE(std::shared_ptr<const clusterlab::TelemetrySnapshot>)
