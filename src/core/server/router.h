// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "http/fibquery.h"
#include "http/httprequest.h"
#include "http/httpresponse.h"
#include "hostpolicy.h"
#include "responsebodies.h"
#include "requestrecord.h"

namespace clusterlab {

class WorkerServer;

// What answers a request, decided once: the route (one switch over the
// path), after the HostPolicy's word on who is asking, and either the finished response (/, /healthz, every 4xx) or the
// compute path to run with its N. The connection owns the transport
// (bytes, pipelining order, timers) and the asynchronous work; the router
// owns the HTTP surface. Worker main thread; not thread-safe.
class Router
{
public:
    // Reads the server's configuration (its address and allowed names) once.
    explicit Router(const WorkerServer* server);

    enum class Work { None, Main, Pool, Child };
    struct Plan
    {
        RouteId route = RouteId::Other;
        Work work = Work::None;
        int n = 0;
        Fault fault = Fault::None; // Pool and Child only, with --fault-injection
        int payloadMb = 0;         // likewise
        HttpResponse response; // Work::None: the answer
    };

    static RouteId routeOf(const QByteArray& path);
    Plan plan(const HttpRequest& request, const ResponseIdentity& id) const;

private:
    HttpResponse health() const;

    const WorkerServer* m_server;
    HostPolicy m_hosts;
};

} // namespace clusterlab
