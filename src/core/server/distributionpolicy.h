// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <optional>

namespace clusterlab {

// How connections reach workers. The names are a contract (command line,
// settings, exports): "round-robin", "shared", "reuseport".
enum class DistributionPolicy {
    RoundRobin, // the primary accepts and hands each connection to the next ready worker
    Shared,     // one listening socket shared by all workers; the OS picks
    ReusePort,  // one SO_REUSEPORT socket per worker; the kernel hashes (Linux only)
};

QString policyName(DistributionPolicy policy);
std::optional<DistributionPolicy> policyFromName(const QString& name);
// Empty when the policy works on this platform, else why not.
QString policyUnsupportedReason(DistributionPolicy policy);

} // namespace clusterlab
