// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadresult.h"
#include "telemetry/telemetryaggregator.h"

#include <QJsonObject>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class QThread;

namespace clusterlab {

class SessionWriter; // the writer thread's side (sessionrecorder.cpp)
struct ClusterConfig;

class Engine;

// Records everything `cluster` reports into `recorder`: each request its
// workers serve, their health samples and the cluster's events. Its
// telemetry then keeps no raw record in memory.
void recordCluster(class SessionRecorder* recorder, Engine* cluster);

// A session's settings (meta.settings) for a cluster: policy, workers,
// port, pool threads and task slots per worker (resolved), telemetry.
QJsonObject clusterSettingsJson(const ClusterConfig& config, quint16 port);

// Records a run into a session file (session::schemaStatements()) on a
// writer thread of its own: the add* calls only copy into a queue (any
// thread; the load generator calls addLoadRecord from its own), and every
// 100 ms the writer puts what is queued into the file in one transaction.
// No database call ever runs on the caller's thread.
//
// Bounds: at most Options::maxQueued items of each kind wait for the
// writer; beyond that they are dropped and counted (dropped()). The file
// grows to Options::maxBytes at most. When the file cannot be written (its
// limit, a full disk, the file went away), recording
// stops with stopped(reason): the run goes on, what was written stays
// (each transaction is whole or absent), and later items are counted as
// dropped.
class SessionRecorder : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString source = QStringLiteral("window"); // what recorded it: window, serve, bench
        QJsonObject machine;
        QJsonObject settings;
        qsizetype maxQueued = 1 << 21; // per kind (requests, samples, load requests): ~120 MB of requests
        // The file's size limit (0: none but the disk's). At the limit
        // recording stops as on a full disk: the run goes on, what was
        // written stays.
        qint64 maxBytes = 0;
        int flushMs = 100;
    };

    explicit SessionRecorder(QObject* parent = nullptr);
    ~SessionRecorder() override; // finish()

    // Creates `path` (replacing a file there) and starts the writer. False
    // with a reason when the folder cannot be written or SQLite is missing;
    // a failure of the file itself arrives as stopped().
    bool start(const QString& path, const Options& options, QString* error);
    // Writes what is queued, folds the journal into the file, and stops the
    // writer (blocks until then). The file is then a complete session.
    void finish();
    bool isRecording() const { return m_thread != nullptr && !m_failed.load(); }
    QString path() const { return m_path; }
    QString failure() const;

    // Thread-safe; each copies one item into the queue.
    void addRecord(const StoredRecord& r);
    void addSample(int worker, qint64 pid, const WorkerSample& s);
    void addEvent(std::int64_t tNs, const QString& text);
    // A load test: its id, then its requests (as the client saw them), then
    // its summary (the `bench --json` object).
    int beginLoadTest(const QString& target, const QJsonObject& config, const QStringList& routes);
    void addLoadRecord(int loadTest, const LoadRecord& r);
    void endLoadTest(int loadTest, const QJsonObject& summary);
    void addExperiments(const QJsonObject& report);
    void setMeta(const QString& key, const QString& value);

    // Writes everything queued so far, then calls `done` on `context`'s
    // thread with an empty string or the reason.
    void flush(QObject* context, std::function<void(const QString&)> done);
    // A consistent copy of everything recorded so far, as a complete session
    // file at `path` (replaced). `done` as for flush().
    void saveCopy(const QString& path, QObject* context, std::function<void(const QString&)> done);

    quint64 requestsWritten() const { return m_requestsWritten.load(); }
    quint64 loadRequestsWritten() const { return m_loadWritten.load(); }
    quint64 dropped() const { return m_dropped.load(); }
    // Tests: while paused the writer takes nothing from the queue (so that a
    // test can reach the queue's bound).
    void setPausedForTest(bool paused);

Q_SIGNALS:
    // Recording stopped for good: why, for the user.
    void stopped(const QString& reason);

private:
    struct SampleRow
    {
        int worker;
        qint64 pid;
        WorkerSample s;
    };
    struct LoadRow
    {
        int loadTest;
        LoadRecord r;
    };
    struct Batch
    {
        std::vector<StoredRecord> records;
        std::vector<SampleRow> samples;
        std::vector<QPair<std::int64_t, QString>> events;
        std::vector<LoadRow> loadRecords;
        // In order, after the rows: statements and callbacks.
        std::vector<std::function<void(SessionWriter&)>> ops;
        bool empty() const { return records.empty() && samples.empty() && events.empty() && loadRecords.empty() && ops.empty(); }
    };
    void run();
    void post(std::function<void(SessionWriter&)> op);
    void fail(const QString& reason);
    friend class SessionWriter;

    QString m_path;
    Options m_options;
    QThread* m_thread = nullptr;
    mutable std::mutex m_lock;
    std::condition_variable m_wake;
    Batch m_pending;
    bool m_stop = false;
    bool m_flushNow = false;
    bool m_paused = false;
    QString m_failure;
    std::atomic<bool> m_failed { false };
    std::atomic<int> m_nextLoadTest { 1 };
    std::atomic<quint64> m_requestsWritten { 0 };
    std::atomic<quint64> m_loadWritten { 0 };
    std::atomic<quint64> m_dropped { 0 };
};

} // namespace clusterlab
