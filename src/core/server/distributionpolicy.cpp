// SPDX-License-Identifier: GPL-3.0-or-later
#include "distributionpolicy.h"

namespace clusterlab {

QString policyName(DistributionPolicy policy)
{
    switch (policy) {
    case DistributionPolicy::RoundRobin: return QStringLiteral("round-robin");
    case DistributionPolicy::Shared: return QStringLiteral("shared");
    case DistributionPolicy::ReusePort: return QStringLiteral("reuseport");
    }
    return QString();
}

std::optional<DistributionPolicy> policyFromName(const QString& name)
{
    for (DistributionPolicy p : { DistributionPolicy::RoundRobin, DistributionPolicy::Shared, DistributionPolicy::ReusePort }) {
        if (policyName(p) == name)
            return p;
    }
    return std::nullopt;
}

QString policyUnsupportedReason(DistributionPolicy policy)
{
#if defined(Q_OS_LINUX)
    Q_UNUSED(policy);
    return QString();
#else
    if (policy == DistributionPolicy::ReusePort) {
        return QStringLiteral("the reuseport policy needs Linux: on macOS SO_REUSEPORT does not balance "
                              "(the last socket bound gets every connection) and Windows has no "
                              "SO_REUSEPORT; use round-robin or shared");
    }
    return QString();
#endif
}

} // namespace clusterlab
