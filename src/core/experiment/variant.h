// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterconfig.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace clusterlab::experiment {

// What an experiment runs on: the native engine, or the Node.js engine
// with the seed's offloading (a new Worker / fork per request) or a pool.
// The ids are a contract (the JSON's "variant"): "native", "node",
// "node-pool".
struct EngineVariant
{
    EngineKind engine = EngineKind::Native;
    OffloadMode offload = OffloadMode::PerRequest; // the Node engine's /worker and /child alike

    QString id() const;
    QString label() const;      // "native", "Node.js, per request", "Node.js, pooled"
    QString shortLabel() const; // "native", "node", "node pool"
    QString engineLabel() const; // "native", "Node.js": the engine alone
    // Words for what /worker and /child run on, for methods and findings:
    // "the thread pool" / "a new Worker per request" / "a pool of Workers";
    // "child processes" / "a new fork() per request" / "a pool of forked
    // children". onPath: "on the thread pool", "in child processes".
    QString pathNoun(const QString& path) const;
    QString onPath(const QString& path) const;
    // One unit of it: "pool thread", "Worker thread", "child task", "forked child".
    QString unit(const QString& path) const;
    // What a /child request runs: "clusterlab-task, a separate program".
    QString childProgram() const;
    // The variant a result was measured on (native for files that predate engines).
    static EngineVariant of(const QString& id);

    // Applies the variant to a cluster the experiment asks for.
    void applyTo(ClusterConfig& config) const;
    // How much longer an experiment takes on it than on the native engine
    // (Node's processes start slower), for estimates.
    double costFactor() const { return engine == EngineKind::Native ? 1.0 : 1.3; }
    bool operator==(const EngineVariant& o) const { return engine == o.engine && (engine == EngineKind::Native || offload == o.offload); }

    static EngineVariant native() { return {}; }
    static bool fromId(const QString& id, EngineVariant* out);
    // The variants of these engines, in the table's order: native, then
    // Node per request, then Node pooled.
    static QList<EngineVariant> forEngines(const QList<EngineKind>& engines);
    // "native,node" (the command line's) -> engines; false with the reason.
    static bool parseEngines(const QString& list, QList<EngineKind>* out, QString* error);
    // Why the Node engine cannot run here (no `node` on the PATH), or empty.
    static QString nodeUnavailableReason();
};

} // namespace clusterlab::experiment
