// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcontroller.h"

#include "sessioncontroller.h"

#include "compute/clock.h"

namespace clusterlab {

LabController::LabController(QObject* parent)
    : QObject(parent)
    , m_feed(new ClusterFeed(this))
    , m_sessions(new SessionController(this)) // everything the lab records goes into its session, from the start
{
}

LabController::~LabController()
{
    m_feed->stop();
    m_feed->setCluster(nullptr);
    m_cluster.reset(); // kills and reaps every worker
}

bool LabController::isRunning() const
{
    return m_cluster && m_cluster->isRunning();
}

bool LabController::start(const ClusterConfig& config, QString* errorOut)
{
    if (isRunning())
        return true;
    if (m_cluster) {
        m_feed->setCluster(nullptr);
        Q_EMIT clusterChanged(nullptr);
    }
    m_lastConfig = config;
    m_cluster = std::make_unique<Cluster>(config);
    connect(m_cluster.get(), &Cluster::clusterEvent, this, [this](const ClusterEvent& e) { logEvent(e.toLine()); });
    connect(m_cluster.get(), &Cluster::allListening, this, &LabController::clusterListening);
    QString error;
    if (!m_cluster->start(&error)) {
        m_cluster.reset();
        Q_EMIT problem(tr("Cannot start the cluster"), error);
        Q_EMIT urlChanged(QString(), tr("Cluster stopped: %1").arg(error));
        if (errorOut != nullptr)
            *errorOut = error;
        return false;
    }
    m_feed->setCluster(m_cluster.get());
    m_sessions->attach(m_cluster.get());
    Q_EMIT clusterChanged(m_cluster.get());
    const QString note = m_cluster->port() != config.port ? tr(" (port %1 was busy)").arg(config.port) : QString();
    Q_EMIT urlChanged(m_cluster->url(), tr("Cluster on %1/ — %2, %3 workers%4")
                                            .arg(m_cluster->url(), policyName(config.policy))
                                            .arg(m_cluster->workerCount())
                                            .arg(note));
    return true;
}

void LabController::stop()
{
    if (!m_cluster)
        return;
    connect(m_cluster.get(), &Cluster::stopped, this,
            [this]() {
                Q_EMIT urlChanged(QString(), tr("Cluster stopped."));
                Q_EMIT clusterStopped();
            },
            Qt::SingleShotConnection);
    m_cluster->stop();
    Q_EMIT urlChanged(QString(), tr("Cluster stopping…"));
}

bool LabController::killWorker(int index, int signal)
{
    return m_cluster && index >= 0 && m_cluster->killWorker(index, signal);
}

bool LabController::reviveWorker(int index)
{
    return m_cluster && index >= 0 && m_cluster->reviveWorker(index);
}

void LabController::scaleBy(int delta)
{
    if (isRunning())
        m_cluster->setWorkerCount(qMax(1, m_cluster->workerCount() + delta));
}

void LabController::rollingRestart()
{
    if (isRunning())
        m_cluster->rollingRestart();
}

void LabController::pauseFor(std::function<void()> go)
{
    m_resumeAfterPause = isRunning();
    if (!m_resumeAfterPause) {
        go();
        return;
    }
    logEvent(tr("experiments: the lab's cluster stops while they run"));
    connect(m_cluster.get(), &Cluster::stopped, this, [go]() { go(); }, Qt::SingleShotConnection);
    stop();
}

void LabController::resumeAfterPause()
{
    if (!m_resumeAfterPause)
        return;
    m_resumeAfterPause = false;
    logEvent(tr("experiments done: the lab's cluster starts again"));
    start(m_lastConfig);
}

void LabController::logEvent(const QString& line)
{
    const double t = static_cast<double>(steadyNowNs() - m_feed->originNs()) / 1e9;
    const QString stamped = QStringLiteral("[%1] %2").arg(t, 8, 'f', 3).arg(line);
    m_events.append(stamped);
    if (m_events.size() > kMaxEventLines)
        m_events.removeFirst();
    Q_EMIT eventLogged(stamped);
}

} // namespace clusterlab
