// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/engine.h"
#include "telemetry/telemetryaggregator.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointF>
#include <QTimer>

#include <array>
#include <memory>

class QIODevice;

namespace clusterlab {

// Everything a live view draws from, complete and immutable once published:
// the telemetry snapshot, the workers and their states, what the cluster
// runs with, and the short histories (bounded) that a snapshot alone does
// not keep. Times are seconds since the feed started.
struct ChartFeed
{
    std::shared_ptr<const TelemetrySnapshot> snapshot; // null before the first
    QList<Engine::WorkerInfo> workers;
    bool running = false;
    QString policy;       // empty when stopped
    QString url;          // http://127.0.0.1:port, empty when stopped
    quint16 port = 0;     // 0 when stopped
    // A server the lab did not start (Engine::needsAttribution): its
    // processes are seen from outside, so its own times (the breakdown),
    // its loop's lag and its slots are not known.
    bool seenFromOutside = false;
    int poolThreads = 1;  // per worker, resolved (never 0)
    int maxChildren = 1;  // per worker, resolved
    double nowSeconds = 0;
    double timeWindowSeconds = 120; // what the time charts show, up to now (a replayed session: all of it)
    quint64 sequence = 0; // 1, 2, 3… per published feed

    QHash<int, QList<QPointF>> throughput;              // by worker index: (s, req/s)
    QHash<int, QList<QPointF>> lagMs;                   // by worker index: (s, worst lag per 100 ms)
    QHash<int, double> lagP99Ms;                        // by worker index, over the last 10 s
    std::array<QList<QPointF>, kRouteCount> latencyP99; // by route: (s, ms), 10 s window
    QHash<QPair<qint64, quint64>, qint64> loadTestConnections; // last load test: (pid, conn) -> requests

    // Per series: the two minutes the time charts show, at 10 Hz.
    static constexpr qsizetype kMaxPoints = 1200;
    static void append(QList<QPointF>* series, QPointF p);
};

// The telemetry side of every live view: at a fixed rate (10 Hz) it reads
// the cluster once and publishes a complete ChartFeed; charts, tables and
// the topology listen to `updated` and never reach into the cluster or its
// aggregator themselves. Also the door to the live summary's export.
// Primary thread.
class ClusterFeed : public QObject
{
    Q_OBJECT
public:
    static constexpr int kIntervalMs = 100;

    explicit ClusterFeed(QObject* parent = nullptr);

    // The cluster to follow (null: the feed says "stopped"). The cluster
    // must outlive its use here or be replaced first.
    void setCluster(const Engine* cluster);
    // The last load test's requests per server connection.
    void setLoadTestConnections(QHash<QPair<qint64, quint64>, qint64> connections);
    void start();
    void stop();
    // Builds and publishes a feed now (also what the timer calls).
    void publish();
    // The last feed published (an empty one before the first): never null.
    std::shared_ptr<const ChartFeed> latest() const { return m_latest; }
    std::int64_t originNs() const { return m_originNs; }

    // The live summary as JSON (empty string, or the reason). The raw
    // records are in the window's session (SessionController).
    QString writeSummary(const QString& path) const;

Q_SIGNALS:
    void updated(std::shared_ptr<const clusterlab::ChartFeed> feed);

private:
    const Engine* m_cluster = nullptr;
    QTimer m_timer;
    bool m_statePending = false; // a feed for a state change is queued
    std::int64_t m_originNs = 0;
    ChartFeed m_state; // histories accumulate here; each publish copies it
    QHash<int, std::int64_t> m_lastLagSampleNs; // by worker index
    std::shared_ptr<const ChartFeed> m_latest;
};

} // namespace clusterlab

Q_DECLARE_METATYPE(std::shared_ptr<const clusterlab::ChartFeed>)
