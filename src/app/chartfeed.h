#pragma once

#include "cluster/cluster.h"
#include "telemetry/telemetryaggregator.h"

#include <QHash>
#include <QList>
#include <QPointF>

#include <array>
#include <memory>

namespace clusterlab {

// Everything the charts draw from, refreshed by the main window at most 10
// times a second from the telemetry snapshot: immutable snapshot data plus
// short histories (bounded) that the snapshot alone does not keep.
struct ChartFeed
{
    std::shared_ptr<const TelemetrySnapshot> snapshot;
    const TelemetryAggregator* telemetry = nullptr;
    QList<Cluster::WorkerInfo> workers;
    double nowSeconds = 0;                            // since the window opened
    std::int64_t originNs = 0;                        // steady ns of nowSeconds == 0
    QHash<int, QList<QPointF>> throughput;            // by worker index: (s, req/s)
    std::array<QList<QPointF>, kRouteCount> latencyP99; // by route: (s, ms), 10 s window
    QHash<QPair<qint64, quint64>, qint64> loadTestConnections; // last load test: (pid, conn) -> requests

    static constexpr int kMaxPoints = 6000; // per series: 10 minutes at 10 Hz
    static void append(QList<QPointF>* series, QPointF p)
    {
        series->append(p);
        if (series->size() > kMaxPoints)
            series->remove(0, series->size() - kMaxPoints);
    }
};

// A stable colour per worker index, and per route.
QColor workerColor(int index);
QColor routeColor(int route);

} // namespace clusterlab
