// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>

namespace clusterlab {

// A stable colour per worker index, and per route (RouteId), the same in
// every chart, the topology, the table and the reports.
QColor workerColor(int index);
QColor routeColor(int route);

} // namespace clusterlab
