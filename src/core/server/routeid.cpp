// SPDX-License-Identifier: GPL-3.0-or-later
#include "routeid.h"

namespace clusterlab {

const char* routeName(RouteId r)
{
    switch (r) {
    case RouteId::Root: return "/";
    case RouteId::Main: return "/main";
    case RouteId::Worker: return "/worker";
    case RouteId::Child: return "/child";
    case RouteId::Healthz: return "/healthz";
    case RouteId::Other: return "other";
    }
    return "other";
}

const char* pathIdName(PathId p)
{
    switch (p) {
    case PathId::None: return "";
    case PathId::Main: return "main";
    case PathId::Thread: return "thread";
    case PathId::Child: return "child";
    }
    return "";
}

} // namespace clusterlab
