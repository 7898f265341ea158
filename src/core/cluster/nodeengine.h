// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "engine.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>

namespace clusterlab {

// The Node.js engine (DESIGN.md, "Engines and targets"): runs
// `node clusterlab-node.js …` (src/node/, plain JavaScript) as a child
// process, which is Node's own cluster primary with Node's own scheduling,
// worker_threads and child_process; reads its line protocol from the
// child's stdout (docs/NODE-ENGINE.md: hello, events, 50 ms telemetry
// batches, errors) and writes commands to its stdin (stop, scale, rolling,
// revive, kill). The events, the worker table and the telemetry are the
// same as the native engine's, so every view works unchanged.
//
// Bounds: a protocol line is at most kMaxLineBytes (a longer one is
// skipped and counted, the engine goes on); malformed lines are counted and
// the first kMaxReportedProtocolErrors become events. start() waits at most
// kStartTimeoutMs for Node's hello. The Node primary exits when its stdin
// closes, killing its workers, so this process dying (even by SIGKILL)
// leaves nothing behind.
class NodeEngine : public Engine
{
    Q_OBJECT
public:
    static constexpr qsizetype kMaxLineBytes = 4 * 1024 * 1024;
    static constexpr int kStartTimeoutMs = 15000;
    static constexpr int kMaxReportedProtocolErrors = 10;

    explicit NodeEngine(const ClusterConfig& config, QObject* parent = nullptr);
    ~NodeEngine() override; // closes Node's stdin: it kills its workers and exits

    bool start(QString* error) override;
    void stop() override;
    void setWorkerCount(int count) override;
    void rollingRestart() override;
    bool killWorker(int index, int signal = 9) override;
    bool reviveWorker(int index) override;

    bool isRunning() const override { return m_running; }
    quint16 port() const override { return m_port; }
    const ClusterConfig& config() const override { return m_config; }
    int workerCount() const override { return m_config.workers; }
    QList<WorkerInfo> workers() const override;
    TelemetryAggregator* telemetry() const override { return m_telemetry; }
    QString runtime() const override;

    // The Node primary's pid (0 when not running), and how many protocol
    // lines could not be read: for diagnostics and tests.
    qint64 primaryPid() const;
    // How Node's primary hands out connections, as it said in its hello:
    // "rr" (SCHED_RR), "none" (SCHED_NONE: the OS), "reuseport".
    QString scheduling() const { return m_scheduling; }
    quint64 protocolErrors() const { return m_protocolErrors; }
    // Feeds protocol bytes as if Node had written them (tests of the reader).
    void feedForTest(const QByteArray& bytes) { consume(bytes); }

private:
    void consume(const QByteArray& bytes);
    void handleLine(const QByteArray& line);
    void protocolError(const QString& what);
    void onEvent(const QJsonObject& o);
    void onTelemetry(const QJsonObject& o);
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void send(const QJsonObject& command);
    WorkerInfo& slot(int index);
    void emitInfo(const QString& detail);

    ClusterConfig m_config;
    QProcess* m_process = nullptr;
    TelemetryAggregator* m_telemetry = nullptr;
    quint16 m_port = 0;
    bool m_running = false;
    bool m_stopping = false;
    bool m_allListeningEmitted = false;
    bool m_helloSeen = false;
    QString m_fatal;        // the engine's own "error" line
    QString m_nodeVersion;  // "v20.20.2"
    QString m_scheduling;
    QByteArray m_buffer;    // an incomplete line
    bool m_discarding = false; // inside a line past kMaxLineBytes
    quint64 m_protocolErrors = 0;
    QList<WorkerInfo> m_workers; // by index
    QTimer m_stopDeadline;
};

} // namespace clusterlab
