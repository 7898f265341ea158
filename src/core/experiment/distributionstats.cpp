// SPDX-License-Identifier: GPL-3.0-or-later
#include "distributionstats.h"

#include "stats.h"

#include <QHash>

#include <algorithm>

namespace clusterlab::experiment {

DistributionStats analyzeDistribution(const QList<qint64>& servedBy, const QList<qint64>& workers)
{
    DistributionStats s;
    s.workers = static_cast<int>(workers.size());
    QList<qint64> seq;
    for (qint64 pid : servedBy) {
        if (workers.contains(pid))
            seq.append(pid);
        else
            ++s.unattributed;
    }
    s.connections = static_cast<int>(seq.size());
    if (seq.isEmpty())
        return s;
    QHash<qint64, int> counts;
    int run = 0;
    for (qsizetype i = 0; i < seq.size(); ++i) {
        ++counts[seq[i]];
        const bool same = i > 0 && seq[i] == seq[i - 1];
        run = same ? run + 1 : 1;
        s.longestRun = std::max(s.longestRun, run);
        s.repeats += same ? 1 : 0;
    }
    const qsizetype w = workers.size();
    if (w > 0 && seq.size() > w) {
        qsizetype rotating = 0;
        for (qsizetype i = w; i < seq.size(); ++i)
            rotating += seq[i] == seq[i - w] && seq[i] != seq[i - 1] ? 1 : 0;
        s.strictRotation = static_cast<double>(rotating) / static_cast<double>(seq.size() - w);
    }
    QList<double> shares;
    int most = 0;
    for (qint64 pid : workers) {
        shares.append(counts.value(pid));
        most = std::max(most, counts.value(pid));
    }
    s.jain = jainIndex(shares);
    s.maxShare = static_cast<double>(most) / static_cast<double>(seq.size());
    return s;
}

Distribution classifyDistribution(const DistributionStats& s)
{
    if (s.workers < 2 || s.connections < 2 * s.workers)
        return Distribution::TooFew;
    if (s.strictRotation >= kStrictRotationAtLeast)
        return Distribution::StrictRotation;
    if (s.maxShare > 0.75)
        return Distribution::OneWorker;
    return Distribution::KernelSpread;
}

QString distributionName(Distribution d)
{
    switch (d) {
    case Distribution::TooFew: return QStringLiteral("too few connections to tell");
    case Distribution::StrictRotation: return QStringLiteral("strict rotation");
    case Distribution::OneWorker: return QStringLiteral("mostly one worker");
    case Distribution::KernelSpread: return QStringLiteral("spread by the OS, with repeats");
    }
    return QString();
}

} // namespace clusterlab::experiment
