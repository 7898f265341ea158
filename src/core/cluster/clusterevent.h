// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>

#include <cstdint>

namespace clusterlab {

// A worker lifecycle event, named as Node.js's cluster module names them
// (forked, online, listening, disconnected, exited), plus what supervision
// adds (restarting, errored) and cluster-wide notes (info). Value type.
struct ClusterEvent
{
    enum class Kind { Forked, Online, Listening, Disconnected, Exited, Restarting, Errored, Info };
    Kind kind = Kind::Info;
    int index = -1;         // worker slot, -1 for the cluster itself
    qint64 pid = 0;
    bool crash = false;     // Exited: not asked for
    int exitCode = 0;       // Exited normally
    int signal = 0;         // Exited by a signal (Unix)
    int delayMs = 0;        // Restarting: back-off before the new fork
    std::int64_t steadyNs = 0;
    QString detail;         // human-readable, one line

    static QString kindName(Kind kind);
    // "worker 2 (pid 4242) exited: killed by signal 9, restarting in 150 ms"-style line.
    QString toLine() const;
};

} // namespace clusterlab

Q_DECLARE_METATYPE(clusterlab::ClusterEvent)
