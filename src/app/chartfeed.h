#pragma once

#include "cluster/clusterfeed.h"

#include <QColor>

namespace clusterlab {

// A stable colour per worker index, and per route.
QColor workerColor(int index);
QColor routeColor(int route);

} // namespace clusterlab
