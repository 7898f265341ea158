// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/engine.h"

#include <QMutex>
#include "cluster/clusterfeed.h"
#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QStringList>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace clusterlab {

class AttributedClient;
class LoadGenerator;
class SessionController;

// One request sent from the window, answered (or not).
struct RequestOutcome
{
    QString target;       // "/main?n=30"
    int status = 0;       // 0: no HTTP answer (see error)
    QString reason;       // the status line's phrase
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;      // at most kMaxRequestBody bytes
    bool truncated = false;
    double ms = 0;        // sent -> finished, as the window measured it
    QString error;        // why there is no answer
    qint64 workerPid = 0; // X-Worker-Pid, else (a server the lab did not start) the process found through the OS; 0: not known
    bool foundThroughOs = false; // workerPid is the OS's answer, not the server's own
    qint64 osPid = 0;     // the OS's answer (a server the lab did not start), 0: not asked or not known
    QString processName;  // then: its executable's short name
    QString attributionNote; // why the serving process is not known
    quint64 connection = 0;  // which of the window's connections (through the OS only)
    bool reusedConnection = false;
    QByteArray header(const char* name) const;
};

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
    const Engine* cluster() const { return m_cluster.get(); }
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

    // A load test (against the lab's cluster or any URL), one at a time: its
    // engine runs on its own thread; the window's session records it, the
    // feed's routing chart gets its connections. False with the reason.
    bool startLoad(const LoadConfig& config, QString* error);
    void cancelLoad();
    bool loadRunning() const;
    LoadGenerator* loadGenerator() const { return m_load; }

    // One GET to the lab's cluster, asynchronous: requestAnswered() follows,
    // whatever happens. At most kMaxRequestsInFlight at once (more are
    // answered at once with an error); a body past kMaxRequestBody is cut.
    static constexpr int kMaxRequestsInFlight = 32;
    static constexpr qint64 kMaxRequestBody = 1 << 20;
    void sendRequest(const QString& target, bool keepAlive);

Q_SIGNALS:
    // The cluster object was created or destroyed (null).
    void clusterChanged(const clusterlab::Engine* cluster);
    void clusterListening();
    void clusterStopped();
    // The cluster's URL once started ("" once stopping), with a status line.
    void urlChanged(const QString& url, const QString& status);
    void eventLogged(const QString& line);
    void problem(const QString& what, const QString& reason);
    void loadProgress(const clusterlab::LoadProgress& progress);
    void loadFinished(const clusterlab::LoadConfig& config, const clusterlab::LoadSummary& summary);
    void requestAnswered(const clusterlab::RequestOutcome& outcome);

private:
    // The load generator's records reach an external target (which knows
    // what it served only through them) on the generator's thread: the
    // engine is reached under this lock, and unhooked under it before it
    // goes away.
    struct RecordForward
    {
        QMutex mutex;
        Engine* engine = nullptr;
    };
    void forwardRecordsTo(Engine* engine);
    void sendAttributed(const QString& target, bool keepAlive);
    void dropAttributedClient(const QString& reason);

    std::shared_ptr<RecordForward> m_forward = std::make_shared<RecordForward>();
    ClusterFeed* m_feed = nullptr;
    SessionController* m_sessions = nullptr;
    std::unique_ptr<Engine> m_cluster;
    ClusterConfig m_lastConfig;
    QStringList m_events;
    bool m_resumeAfterPause = false;
    LoadGenerator* m_load = nullptr;
    QNetworkAccessManager* m_network = nullptr;
    // Click-to-send to a server the lab did not start: on sockets of its
    // own, so that the OS can say who served (QNetworkAccessManager hides
    // its sockets). One per target, replaced with it.
    std::unique_ptr<AttributedClient> m_attributedClient;
    int m_requestsInFlight = 0;
};

} // namespace clusterlab
