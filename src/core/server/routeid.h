// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>

namespace clusterlab {

// Which route a request hit (decided by Router::routeOf), and where its
// computation ran (the compute paths). One enum each, used by the router,
// the compute paths, the response bodies, telemetry records and sessions.
enum class RouteId : std::uint8_t { Root = 0, Main, Worker, Child, Healthz, Other };
enum class PathId : std::uint8_t { None = 0, Main, Thread, Child };
constexpr int kRouteCount = 6;
const char* routeName(RouteId r);  // "/", "/main", "/worker", "/child", "/healthz", "other"
const char* pathIdName(PathId p);  // "", "main", "thread", "child" (the JSON body's "path")

} // namespace clusterlab
