// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/engine.h"
#include "load/loadconfig.h"
#include "load/loadresult.h"
#include "result.h"

#include <QJsonObject>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>


namespace clusterlab::experiment {

// What an experiment measures with: a real cluster it starts and stops, the
// real load generator against it, and plain HTTP GETs. Synchronous on
// purpose (each call runs a local event loop until its answer), so that an
// experiment reads as its method does. Lives on the runner's thread, never
// the GUI's. Every wait is bounded and ends early on cancel.
class Lab
{
public:
    using Progress = std::function<void(const QString& step, double fraction)>;
    using LoadWatch = std::function<void(const LoadProgress& progress)>;

    Lab(ExperimentSettings settings, const std::atomic<bool>* cancel, Progress progress);
    ~Lab(); // stops the cluster, if one runs
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    const ExperimentSettings& settings() const { return m_settings; }
    // The engine this run's clusters use (startCluster applies it).
    const EngineVariant& variant() const { return m_variant; }
    void setVariant(const EngineVariant& v) { m_variant = v; }
    bool onNode() const { return m_variant.engine == EngineKind::Node; }
    // What the last cluster started ran on ("Node.js v20.19.2"; the native
    // engine's is empty).
    const QString& runtime() const { return m_runtime; }
    bool cancelled() const { return m_cancel != nullptr && m_cancel->load(); }
    int cores() const { return m_cores; }
    // The cluster size for experiments that take the user's (--workers).
    int workers() const;
    int rounds() const { return m_settings.effectiveRounds(); }
    // A step's duration: quick or full, times the time scale (>= 50 ms).
    std::int64_t stepMs(double quickSeconds, double fullSeconds) const;
    // Repetitions of a cheap probe: quick or full.
    int repeats(int quick, int full) const { return m_settings.quick ? quick : full; }
    void progress(const QString& step, double fraction);
    // Called with the first load run's progress a few times a second (the
    // window's live chart of the running step).
    void setLoadWatch(LoadWatch watch) { m_loadWatch = std::move(watch); }

    // A fresh cluster on an ephemeral port (the previous one stopped first);
    // returns once every worker listens. False with the reason.
    bool startCluster(ClusterConfig config, QString* error);
    void stopCluster();
    Engine* cluster() const { return m_cluster.get(); }
    // Cluster events since startCluster().
    const QList<ClusterEvent>& events() const { return m_events; }

    // A load run against the cluster (host and port filled in here). Keeps
    // per-request records only when config.keepRecords.
    struct LoadRun
    {
        LoadSummary summary;
        std::vector<LoadRecord> records;
        QString error;
    };
    LoadRun load(LoadConfig config);
    // Several at once (e.g. a probe beside a heavy stream).
    std::vector<LoadRun> loadTogether(const std::vector<LoadConfig>& configs);
    // GET with "Accept: application/json": status (0 when the connection
    // failed), parsed body, and the round trip in ms.
    struct Response
    {
        int status = 0;
        QJsonObject json;
        double ms = 0;
        QString error;
    };
    Response get(const QByteArray& target, int timeoutMs = 30000);
    // Sends a GET and returns at once; the answer is collected by
    // waitForGet(). One at a time.
    void startGet(const QByteArray& target);
    Response waitForGet(int timeoutMs = 30000);

    // fib(n)'s cost in ms on this engine (Node's is JavaScript, ~5x the
    // native one): the median compute time of three /main?n=N answers of the
    // running cluster; without a cluster (native only), measured here.
    // -1 when the cluster did not answer.
    double fibCostMs(int n);

    // Runs the event loop until pred() holds, the timeout passes, or the
    // run is cancelled. True when pred() held.
    bool waitUntil(const std::function<bool()>& pred, int timeoutMs);

private:
    ExperimentSettings m_settings;
    EngineVariant m_variant;
    QString m_runtime;
    const std::atomic<bool>* m_cancel;
    Progress m_progress;
    LoadWatch m_loadWatch;
    int m_cores = 1;
    std::unique_ptr<Engine> m_cluster;
    QList<ClusterEvent> m_events;
    struct PendingGet;
    std::unique_ptr<PendingGet> m_pendingGet;
};

} // namespace clusterlab::experiment
