// SPDX-License-Identifier: GPL-3.0-or-later
#include "clusterfeed.h"

#include "compute/clock.h"
#include "server/distributionpolicy.h"

#include <QJsonDocument>
#include <QSaveFile>
#include <QThread>

#include <algorithm>

namespace clusterlab {

void ChartFeed::append(QList<QPointF>* series, QPointF p)
{
    series->append(p);
    if (series->size() > kMaxPoints)
        series->remove(0, series->size() - kMaxPoints);
}

ClusterFeed::ClusterFeed(QObject* parent)
    : QObject(parent)
    , m_originNs(steadyNowNs())
    , m_latest(std::make_shared<const ChartFeed>())
{
    qRegisterMetaType<std::shared_ptr<const ChartFeed>>();
    m_timer.setInterval(kIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &ClusterFeed::publish);
}

void ClusterFeed::setCluster(const Engine* cluster)
{
    if (m_cluster != nullptr)
        disconnect(m_cluster, nullptr, this, nullptr);
    m_cluster = cluster;
    // A worker's state change (forked, listening, exited, restarting,
    // errored) reaches the views when it happens, not at the next tick: a
    // feed is published once the event's turn of the event loop is over (a
    // burst of events is one feed). The 10 Hz publication stays for the
    // figures.
    if (m_cluster != nullptr) {
        connect(m_cluster, &Engine::clusterEvent, this, [this]() {
            if (m_statePending || !m_timer.isActive())
                return;
            m_statePending = true;
            QMetaObject::invokeMethod(this, [this]() {
                m_statePending = false;
                if (m_timer.isActive())
                    publish();
            }, Qt::QueuedConnection);
        });
    }
}

void ClusterFeed::setLoadTestConnections(QHash<QPair<qint64, quint64>, qint64> connections)
{
    m_state.loadTestConnections = std::move(connections);
}

void ClusterFeed::start()
{
    m_timer.start();
}

void ClusterFeed::stop()
{
    m_timer.stop();
}

void ClusterFeed::publish()
{
    ChartFeed& s = m_state;
    s.nowSeconds = static_cast<double>(steadyNowNs() - m_originNs) / 1e9;
    ++s.sequence;
    if (m_cluster == nullptr) {
        s.workers.clear();
        s.running = false;
        s.policy.clear();
        s.url.clear();
        s.port = 0;
        s.seenFromOutside = false;
    } else {
        s.workers = m_cluster->workers();
        s.running = m_cluster->isRunning();
        s.policy = s.running ? policyName(m_cluster->config().policy) : QString();
        s.url = s.running ? m_cluster->url() : QString();
        s.port = s.running ? m_cluster->port() : 0;
        s.seenFromOutside = m_cluster->needsAttribution();
        const ClusterConfig& c = m_cluster->config(); // resolved by the cluster
        s.poolThreads = c.poolThreads;
        s.maxChildren = c.maxChildren;
    }
    const TelemetryAggregator* telemetry = m_cluster != nullptr ? m_cluster->telemetry() : nullptr;
    if (telemetry != nullptr) {
        const auto snapshot = telemetry->snapshot();
        const bool fresh = snapshot != s.snapshot;
        s.snapshot = snapshot;
        for (const Engine::WorkerInfo& w : std::as_const(s.workers)) {
            if (fresh)
                ChartFeed::append(&s.throughput[w.index], QPointF(s.nowSeconds, snapshot->recentRps.value(w.index)));
            // The worker's lag samples that arrived since the last feed.
            const std::deque<WorkerSample>& samples = telemetry->samples(w.index);
            std::int64_t& last = m_lastLagSampleNs[w.index];
            auto from = std::upper_bound(samples.begin(), samples.end(), last,
                                         [](std::int64_t t, const WorkerSample& x) { return t < x.t; });
            QList<QPointF>& lag = s.lagMs[w.index];
            for (auto it = from; it != samples.end(); ++it) {
                if (it->lagMaxUs >= 0) // -1: not known (an external server), drawn as nothing rather than 0
                    ChartFeed::append(&lag, QPointF(static_cast<double>(it->t - m_originNs) / 1e9,
                                                    static_cast<double>(it->lagMaxUs) / 1000.0));
                last = it->t;
            }
            // p99 of the last 10 s of those 100 ms samples.
            QList<double> recent;
            for (qsizetype i = std::max<qsizetype>(0, lag.size() - 100); i < lag.size(); ++i)
                recent.append(lag[i].y());
            if (!recent.isEmpty()) {
                std::sort(recent.begin(), recent.end());
                s.lagP99Ms[w.index] = recent[std::min<qsizetype>(recent.size() - 1, recent.size() * 99 / 100)];
            }
        }
        if (fresh) {
            for (int r = 0; r < kRouteCount; ++r) {
                const HdrHistogram& h = snapshot->latencyWindow[static_cast<std::size_t>(r)];
                if (h.totalCount() > 0)
                    ChartFeed::append(&s.latencyP99[static_cast<std::size_t>(r)],
                                      QPointF(s.nowSeconds, h.percentileMs(99)));
            }
        }
    }
    // A shallow copy: the lists are shared until the next append detaches them.
    m_latest = std::make_shared<const ChartFeed>(s);
    Q_EMIT updated(m_latest);
}

QString ClusterFeed::writeSummary(const QString& path) const
{
    const TelemetryAggregator* telemetry = m_cluster != nullptr ? m_cluster->telemetry() : nullptr;
    if (telemetry == nullptr)
        return tr("no telemetry to export: the cluster is not running");
    QSaveFile f(path);
    const bool ok = f.open(QIODevice::WriteOnly)
        && f.write(QJsonDocument(telemetry->summaryJson()).toJson(QJsonDocument::Indented)) >= 0 && f.commit();
    return ok ? QString() : tr("could not write %1: %2").arg(path, f.errorString());
}

} // namespace clusterlab
