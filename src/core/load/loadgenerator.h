#pragma once

#include "loadconfig.h"
#include "loadresult.h"

#include <QObject>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace clusterlab {

// A closed-loop (or constant-rate) HTTP/1.1 load generator on a thread of
// its own with raw non-blocking sockets: C connections, keep-alive on or
// off, no pipelining, any http:// target. With a rate, latency is measured
// from each request's intended send time (coordinated omission corrected,
// as wrk2 and oha do); the plain service time is kept as well.
// start(), cancel() and isRunning() may be called from the owner's thread;
// progress() and finished() arrive there (queued). cancel() is thread-safe.
class LoadGenerator : public QObject
{
    Q_OBJECT
public:
    explicit LoadGenerator(QObject* parent = nullptr);
    ~LoadGenerator() override; // cancels and joins

    // Resolves the host and starts. False with a one-line reason when the
    // config is unusable or a run is already going.
    bool start(const LoadConfig& config, QString* error);
    void cancel();
    bool isRunning() const { return m_running.load(); }
    // The per-request records of the last finished run (moved out).
    std::vector<LoadRecord> takeRecords();
    const LoadConfig& config() const { return m_config; }

Q_SIGNALS:
    void progress(const clusterlab::LoadProgress& progress);
    void finished(const clusterlab::LoadSummary& summary);

private:
    void join();

    LoadConfig m_config;
    std::thread m_thread;
    std::atomic<bool> m_running { false };
    std::atomic<bool> m_cancel { false };
    std::vector<LoadRecord> m_records;
};

} // namespace clusterlab
