// SPDX-License-Identifier: GPL-3.0-or-later
#include "router.h"

#include "http/fibquery.h"
#include "taskpool.h"
#include "workerserver.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

namespace clusterlab {

Router::Router(const WorkerServer* server)
    : m_server(server)
    , m_hosts(server->config().host, server->config().allowedHosts)
{
}

RouteId Router::routeOf(const QByteArray& path)
{
    const auto is = [&path](const char* s, qsizetype n) { return path.size() == n && std::memcmp(path.constData(), s, static_cast<std::size_t>(n)) == 0; };
    switch (path.size()) {
    case 1: return is("/", 1) ? RouteId::Root : RouteId::Other;
    case 5: return is("/main", 5) ? RouteId::Main : RouteId::Other;
    case 6: return is("/child", 6) ? RouteId::Child : RouteId::Other;
    case 7: return is("/worker", 7) ? RouteId::Worker : RouteId::Other;
    case 8: return is("/healthz", 8) ? RouteId::Healthz : RouteId::Other;
    default: return RouteId::Other;
    }
}

Router::Plan Router::plan(const HttpRequest& request, const ResponseIdentity& id) const
{
    Plan p;
    p.route = routeOf(request.path);
    const bool json = request.acceptsJson();
    const bool read = (p.route == RouteId::Root || p.route == RouteId::Healthz)
        && (request.method == "GET" || request.method == "HEAD");
    if (const HostPolicy::Verdict v = m_hosts.check(request, read); v != HostPolicy::Verdict::Allowed) {
        p.response = errorResponse(HostPolicy::status(v), m_hosts.message(v), json);
        return p;
    }
    if (p.route == RouteId::Other) {
        p.response = errorResponse(404, "no route " + request.path.left(64) + "; try /", json);
        return p;
    }
    if (request.method != "GET" && request.method != "HEAD") {
        p.response = errorResponse(405, "only GET and HEAD are allowed here", json);
        p.response.addHeader("Allow", "GET, HEAD");
        return p;
    }
    switch (p.route) {
    case RouteId::Root:
        p.response = helloResponse(id, json);
        return p;
    case RouteId::Healthz:
        p.response = health();
        return p;
    default:
        break;
    }
    const FibQuery q = parseFibQuery(request.query);
    if (!q.ok) {
        p.response = errorResponse(400, q.error, json);
        return p;
    }
    if (q.hasExperimentParameter) {
        if (!m_server->config().faultInjection) {
            p.response = errorResponse(400,
                                       "fault= and payload= are experiment parameters: this worker was not "
                                       "started with --fault-injection",
                                       json);
            return p;
        }
        if (p.route == RouteId::Main) {
            p.response = errorResponse(400, "fault= and payload= are for /worker and /child", json);
            return p;
        }
    }
    p.n = q.n;
    p.fault = q.fault;
    p.payloadMb = q.payloadMb;
    p.work = p.route == RouteId::Main ? Work::Main : p.route == RouteId::Worker ? Work::Pool : Work::Child;
    return p;
}

HttpResponse Router::health() const
{
    const WorkerServer* server = m_server;
    QJsonObject o;
    o.insert(QStringLiteral("status"), QStringLiteral("ok"));
    o.insert(QStringLiteral("pid"), server->pid());
    o.insert(QStringLiteral("workerIndex"), server->config().workerIndex);
    o.insert(QStringLiteral("uptimeMs"), server->uptimeMs());
    o.insert(QStringLiteral("openConnections"), server->openConnections());
    o.insert(QStringLiteral("inFlight"), server->inFlight());
    o.insert(QStringLiteral("requests"), static_cast<qint64>(server->requestsServed()));
    o.insert(QStringLiteral("poolThreads"), server->threadPool()->maxThreadCount());
    o.insert(QStringLiteral("poolJobs"), server->poolJobCount());
    o.insert(QStringLiteral("tasksRunning"), server->taskPool()->running());
    o.insert(QStringLiteral("tasksQueued"), server->taskPool()->queued());
    o.insert(QStringLiteral("maxChildren"), server->taskPool()->maxRunning());
    HttpResponse r;
    r.contentType = "application/json";
    r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    return r;
}

} // namespace clusterlab
