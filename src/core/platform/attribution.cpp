// SPDX-License-Identifier: GPL-3.0-or-later
// The parts of attribution.h that are the same on every system.
#include "platform/attribution.h"

#include <QSet>

#include <algorithm>

namespace clusterlab::platform {

QList<qint64> processTree(const QList<qint64>& roots, const QHash<qint64, qint64>& parents)
{
    QHash<qint64, QList<qint64>> children;
    for (auto it = parents.cbegin(); it != parents.cend(); ++it) {
        if (it.key() != it.value()) // Windows' idle process is its own parent
            children[it.value()].append(it.key());
    }
    QList<qint64> tree;
    QSet<qint64> seen;
    for (qint64 r : roots) {
        if (parents.contains(r) && !seen.contains(r)) {
            tree.append(r);
            seen.insert(r);
        }
    }
    const auto rootCount = tree.size();
    for (qsizetype i = 0; i < tree.size(); ++i) {
        const QList<qint64> kids = children.value(tree[i]);
        for (qint64 k : kids) {
            if (!seen.contains(k)) {
                seen.insert(k);
                tree.append(k);
            }
        }
    }
    std::sort(tree.begin() + rootCount, tree.end());
    return tree;
}

namespace {
bool isAncestor(qint64 a, qint64 b, const QHash<qint64, qint64>& parents)
{
    int depth = 0; // a bound, should the table hold a cycle (pid reuse between reads)
    for (qint64 p = parents.value(b, 0); p > 1 && depth < 4096; p = parents.value(p, 0), ++depth) {
        if (p == a)
            return true;
    }
    return false;
}
} // namespace

qint64 chooseHolder(const QList<qint64>& holders, const QHash<qint64, qint64>& parents, const QList<qint64>& listenerOwners)
{
    if (holders.size() == 1)
        return holders.constFirst();
    QList<qint64> deepest;
    for (qint64 a : holders) {
        bool ancestorOfAnother = false;
        for (qint64 b : holders)
            ancestorOfAnother = ancestorOfAnother || (a != b && isAncestor(a, b, parents));
        if (!ancestorOfAnother)
            deepest.append(a);
    }
    if (deepest.size() == 1)
        return deepest.constFirst();
    QList<qint64> notListening;
    for (qint64 a : deepest) {
        if (!listenerOwners.contains(a))
            notListening.append(a);
    }
    return notListening.size() == 1 ? notListening.constFirst() : 0;
}

} // namespace clusterlab::platform
