// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/cluster.h"
#include "cluster/clusterfeed.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <memory>

namespace clusterlab {

class SessionController;

// The lab behind the window, with no widget in it: owns the lab's cluster
// (the engine, with issue 24), the feed every view draws from, the window's
// session and the event log, and wires them together. Panels are views of
// it: they ask it to act and listen to its signals and its feed. Tests and
// tools drive the lab through it. GUI thread.
class LabController : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxEventLines = 5000;

    explicit LabController(QObject* parent = nullptr);
    ~LabController() override; // stops the feed, then kills and reaps the workers

    // Starts the lab's cluster (a running one is left as it is). False with
    // the reason, also reported through problem().
    bool start(const ClusterConfig& config, QString* error = nullptr);
    // Graceful: in-flight requests finish; stopped() once the workers are gone.
    void stop();
    bool isRunning() const;
    const Cluster* cluster() const { return m_cluster.get(); }
    // The last configuration started (what a restart after experiments uses).
    const ClusterConfig& lastConfig() const { return m_lastConfig; }

    bool killWorker(int index, int signal = 9);
    bool reviveWorker(int index);
    void scaleBy(int delta);
    void rollingRestart();

    // Experiments run clusters of their own: the lab's gives them the
    // machine (stops, then `go`), and comes back as it was afterwards.
    void pauseFor(std::function<void()> go);
    void resumeAfterPause();

    ClusterFeed* feed() const { return m_feed; }
    SessionController* sessions() const { return m_sessions; }

    QStringList eventLog() const { return m_events; }
    void logEvent(const QString& line);

Q_SIGNALS:
    // The cluster object was created or destroyed (null).
    void clusterChanged(const clusterlab::Cluster* cluster);
    void clusterListening();
    void clusterStopped();
    // The cluster's URL once started ("" once stopping), with a status line.
    void urlChanged(const QString& url, const QString& status);
    void eventLogged(const QString& line);
    void problem(const QString& what, const QString& reason);

private:
    ClusterFeed* m_feed = nullptr;
    SessionController* m_sessions = nullptr;
    std::unique_ptr<Cluster> m_cluster;
    ClusterConfig m_lastConfig;
    QStringList m_events;
    bool m_resumeAfterPause = false;
};

} // namespace clusterlab
