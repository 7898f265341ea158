// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

namespace clusterlab::experiment {

// The seed's Q2 ("10 requests come to port 3000: which server?") as
// numbers: which worker served each of k new connections, in order, and
// what that sequence says about who distributes them. Plain functions of a
// sequence, so the distribution experiment's rules are tested on synthetic
// ones (tst_verdict).
struct DistributionStats
{
    int connections = 0;     // attributed connections in the sequence
    int unattributed = 0;    // served by a pid that is not one of the workers
    int workers = 0;         // the cluster's workers (a worker that got none counts)
    // Of the connections after the first `workers`, the fraction that
    // follow strict rotation: the worker `workers` places back, and not the
    // previous one (1.0 for W1 W2 W1 W2 …).
    double strictRotation = 0;
    int longestRun = 0;      // most consecutive connections on one worker
    int repeats = 0;         // consecutive pairs on the same worker
    double jain = 0;         // Jain's fairness index of the per-worker counts: 1 even, 1/workers all on one
    double maxShare = 0;     // the busiest worker's share of the connections
};

DistributionStats analyzeDistribution(const QList<qint64>& servedBy, const QList<qint64>& workers);

// A primary's rotation with a hiccup on a busy machine (a worker not yet
// free again shifts the phase: up to workers + 1 misses) stays above this
// over 20 connections a worker; the OS's spread over two workers follows the
// rotation 0.5-0.8 of the time (measured).
constexpr double kStrictRotationAtLeast = 0.85;

// Who hands out connections, as the sequence shows it.
enum class Distribution {
    TooFew,         // fewer than two workers, or fewer than two connections per worker: not decided
    StrictRotation, // strictRotation >= kStrictRotationAtLeast: a primary deals them out in turn (Node's SCHED_RR, our round-robin)
    OneWorker,      // maxShare > 0.75: one worker takes most (a kernel's hash, or a busy sibling)
    KernelSpread,   // otherwise: spread, with repeats: the OS picks (SCHED_NONE, a shared socket)
};
Distribution classifyDistribution(const DistributionStats& s);
QString distributionName(Distribution d); // "strict rotation", …

} // namespace clusterlab::experiment
