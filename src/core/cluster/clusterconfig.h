// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "server/distributionpolicy.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace clusterlab {

// The two engines (contract names: "native", "node"), and a server the lab
// did not start ("external": ExternalTarget, not an engine a command line
// names; parseEngineKind does not accept it).
enum class EngineKind { Native, Node, External };
QString engineKindName(EngineKind kind);
bool parseEngineKind(const QString& name, EngineKind* out);

// The Node engine's /worker and /child (contract names: "per-request", "pool").
enum class OffloadMode { PerRequest, Pool };
QString offloadModeName(OffloadMode mode);
bool parseOffloadMode(const QString& name, OffloadMode* out);

// What a cluster is asked to be, whichever engine runs it. Value type.
struct ClusterConfig
{
    int workers = 0; // 0 -> one per core
    DistributionPolicy policy = DistributionPolicy::RoundRobin;
    QHostAddress host = QHostAddress(QHostAddress::LocalHost);
    QStringList allowedHosts; // Host names the workers answer besides the address (HostPolicy)
    quint16 port = 3000; // 0 -> any free port
    int portAttempts = 1; // the port busy: try the next ones, this many ports in all (the bind itself decides: no race)
    int poolThreads = 0; // per worker; 0 -> worker default
    int maxChildren = 0; // per worker; 0 -> worker default
    QStringList extraWorkerArgs;   // passed through to every worker (the Node engine: to its primary)
    QString workerProgram;         // empty -> clusterlab-worker beside this executable
    int gracefulStopMs = 10000;    // in-flight requests get this long on a stop
    // Restart rules (RestartPolicy): a worker that served is replaced at
    // once; quick failures back off x1.5 from restartBackoffMs, capped.
    int restartBackoffMs = 100;
    int restartBackoffCapMs = 15000;
    int healthyResetMs = 30000;    // a worker up this long resets the back-off
    int quickFailureMs = 1000;     // died before listening, or within this of it: "quick"
    int crashLoopLimit = 5;        // this many quick failures in a row -> errored
    int erroredRetryMs = 60000;    // an errored slot is tried again after this (0: only when revived)
    int noWorkerGraceMs = 2000;    // round-robin: a connection parked with no worker listening gets 503 after this
    bool telemetry = true;         // per-request records and health samples from every worker
    bool faultInjection = false;   // workers accept fault= and payload= (experiments; never by default)

    // Which engine runs the workers (DESIGN.md, "Engines and targets").
    EngineKind engine = EngineKind::Native;
    // The Node engine's offload paths: a new Worker / child per request (the
    // seed's code) or a reused, bounded pool.
    OffloadMode threads = OffloadMode::PerRequest;
    OffloadMode children = OffloadMode::PerRequest;
    QString nodeProgram; // empty -> `node` on the PATH
    QString nodeScript;  // empty -> clusterlab-node.js where this build or install keeps it
    // External: the server on `port`, or this command started for the user.
    QStringList externalCommand;

    // The defaults filled in: one worker per core, the worker program beside
    // this executable, the worker's pool and child limits.
    ClusterConfig resolved() const;
};

} // namespace clusterlab
