// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "loadconfig.h"
#include "loadresult.h"

#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace clusterlab {

// A closed-loop (or constant-rate) HTTP/1.1 load generator on a thread of
// its own (the engine: loadengine.h; the system calls: loadplatform.h): C
// connections, keep-alive on or off, no pipelining, any http:// target,
// routes drawn at random by weight from a seed. With a rate, latency is
// measured from each request's intended send time (coordinated omission
// corrected, as wrk2 and oha do); the plain service time and the
// generator's own lateness are kept apart.
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
    // The per-request records of the last finished run (moved out), when
    // LoadConfig::keepRecords asked for them.
    std::vector<LoadRecord> takeRecords();
    // Called for every record as it completes, on the generator's thread
    // (e.g. to stream them to a file: nothing is held in memory). Set it
    // before start(); the callee must not touch what the owner's thread uses.
    void setRecordSink(std::function<void(const LoadRecord&)> sink) { m_recordSink = std::move(sink); }
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
    std::function<void(const LoadRecord&)> m_recordSink;
};

} // namespace clusterlab
