// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <cstdint>

namespace clusterlab {

// A request as a client saw it, for a target that knows nothing else of
// what it served (ExternalTarget): the load generator's record, reduced.
struct ClientRecord
{
    std::int64_t startNs = 0;        // steady clock: sent
    std::int64_t endNs = 0;          // answered
    qint64 pid = 0;                  // the process holding its connection (0: not known)
    std::uint32_t bytes = 0;
    std::uint32_t clientConnection = 0;
    std::uint16_t status = 0;        // 0: failed
    QByteArray path;                 // "/main?n=30"
};

} // namespace clusterlab
