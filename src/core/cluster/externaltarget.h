// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "engine.h"

#include <QHash>
#include <QMutex>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <vector>

class QProcess;

namespace clusterlab {

namespace platform {
class ConnectionOwners;
}

// A server ClusterLab did not start (DESIGN.md, "Engines and targets"):
// whoever listens on a port of this machine, or a command the lab starts
// for the user (its process group, stopped with the target). Its
// "workers" are the processes of its tree (the listener's owner and its
// descendants), one slot each as they are first seen, sampled every 100 ms
// from outside (CPU, resident memory, connections to the port; the event
// loop's lag cannot be known from outside and is reported as -1, never as
// 0). What it served is what the load generator saw, each request given to
// the process holding its connection (LoadConfig::attribute): the load
// generator hands its records to clientRecord(). The server is not ours:
// scale and rolling restart do nothing (said as an event); kill signals
// the process. Lives on its creator's thread; clientRecord() may be called
// from any thread.
class ExternalTarget : public Engine
{
    Q_OBJECT
public:
    // `command` empty: the server on `port`; else the command is started and
    // the target is ready once something of its tree listens on `port`.
    ExternalTarget(quint16 port, const QStringList& command, QObject* parent = nullptr);
    ~ExternalTarget() override; // a started command's group is stopped

    bool start(QString* error) override;
    void stop() override;
    void setWorkerCount(int count) override;
    void rollingRestart() override;
    bool killWorker(int index, int signal = 9) override;
    bool reviveWorker(int index) override;

    bool isRunning() const override { return m_running; }
    quint16 port() const override { return m_port; }
    const ClusterConfig& config() const override { return m_config; }
    int workerCount() const override { return static_cast<int>(m_slots.size()); }
    QList<WorkerInfo> workers() const override;
    TelemetryAggregator* telemetry() const override { return m_telemetry; }
    QString engineName() const override { return QStringLiteral("external"); }
    QString runtime() const override { return m_description; }
    bool needsAttribution() const override { return true; }
    void clientRecord(const ClientRecord& record) override;

    // The most processes followed at once; further ones are not shown (nor
    // are processes past the telemetry's worker indexes, in all).
    static constexpr int kMaxProcesses = 256;
    // Client records waiting for the next 100 ms tick at most; past it the
    // oldest are dropped (counted).
    static constexpr std::size_t kMaxPendingRecords = 1 << 18;
    std::int64_t droppedRecords() const;

private:
    struct Slot
    {
        qint64 pid = 0;
        qint64 parentPid = 0;
        QString name;
        bool listens = false;
        int threads = -1;
        bool alive = true;
        std::int64_t lastCpuNs = -1;
        std::uint64_t batch = 0;
        std::uint64_t seq = 0;
    };
    void tick();
    void say(ClusterEvent::Kind kind, int index, qint64 pid, const QString& detail);

    quint16 m_port;
    QStringList m_command;
    ClusterConfig m_config;
    QString m_description;
    bool m_running = false;
    bool m_listening = false;
    std::unique_ptr<platform::ConnectionOwners> m_owners;
    QProcess* m_process = nullptr;
    TelemetryAggregator* m_telemetry = nullptr;
    QTimer m_timer;
    std::vector<Slot> m_slots;
    QHash<qint64, int> m_slotOfPid; // the live processes' slots
    mutable QMutex m_mutex; // guards the two below
    std::vector<ClientRecord> m_pending;
    std::int64_t m_dropped = 0;
};

} // namespace clusterlab
