#include "routes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringBuilder>
#include <QJsonObject>
#include <QString>

#include <cstdio>

namespace clusterlab {

const char* pathName(ComputePath path)
{
    switch (path) {
    case ComputePath::Main: return "main";
    case ComputePath::Thread: return "thread";
    case ComputePath::Child: return "child";
    }
    return "main";
}

QByteArray serverTimingValue(const ResponseTiming& t)
{
    char buf[128];
    const int len = std::snprintf(buf, sizeof buf, "queue;dur=%.3f, compute;dur=%.3f, spawn;dur=%.3f",
                                  t.queueMs, t.computeMs, t.spawnMs);
    return QByteArray(buf, len);
}

void stampResponse(HttpResponse* r, const ResponseIdentity& id, const ResponseTiming& t)
{
    r->addHeader("X-Worker-Pid", QByteArray::number(id.pid));
    r->addHeader("X-Worker-Index", QByteArray::number(id.workerIndex));
    r->addHeader("X-Connection-Id", QByteArray::number(id.connectionId));
    r->addHeader("X-Request-Seq", QByteArray::number(id.requestSeq));
    r->addHeader("Server-Timing", serverTimingValue(t));
}

HttpResponse helloResponse(const ResponseIdentity& id, bool json)
{
    HttpResponse r;
    if (json) {
        QJsonObject o;
        o.insert(QStringLiteral("route"), QStringLiteral("/"));
        o.insert(QStringLiteral("message"), QStringLiteral("Hello from worker %1").arg(id.pid));
        o.insert(QStringLiteral("pid"), id.pid);
        o.insert(QStringLiteral("workerIndex"), id.workerIndex);
        o.insert(QStringLiteral("connectionId"), static_cast<qint64>(id.connectionId));
        o.insert(QStringLiteral("requestSeq"), static_cast<qint64>(id.requestSeq));
        o.insert(QStringLiteral("routes"),
                 QJsonArray { QStringLiteral("/main?n=N"), QStringLiteral("/worker?n=N"),
                              QStringLiteral("/child?n=N"), QStringLiteral("/healthz") });
        r.contentType = "application/json";
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    } else {
        r.body = "Hello from worker " + QByteArray::number(id.pid)
            + "\nRoutes:\n"
              "  /main?n=N    fib(N) on this worker's event loop (blocks it)\n"
              "  /worker?n=N  fib(N) on this worker's thread pool\n"
              "  /child?n=N   fib(N) in a child process\n"
              "  /healthz     status as JSON\n"
              "N is an integer 0..45, default 30.\n";
    }
    return r;
}

HttpResponse computeResponse(const ComputeResult& c, const ResponseIdentity& id, const ResponseTiming& t,
                             bool json)
{
    HttpResponse r;
    if (json) {
        QJsonObject o;
        o.insert(QStringLiteral("route"), QString::fromLatin1(c.route));
        o.insert(QStringLiteral("n"), c.n);
        // fib(45) = 1134903170 fits a double exactly; JSON numbers are doubles.
        o.insert(QStringLiteral("result"), static_cast<qint64>(c.result));
        o.insert(QStringLiteral("path"), QString::fromLatin1(pathName(c.path)));
        o.insert(QStringLiteral("pid"), id.pid);
        o.insert(QStringLiteral("workerIndex"), id.workerIndex);
        o.insert(QStringLiteral("connectionId"), static_cast<qint64>(id.connectionId));
        o.insert(QStringLiteral("requestSeq"), static_cast<qint64>(id.requestSeq));
        o.insert(QStringLiteral("queueMs"), t.queueMs);
        o.insert(QStringLiteral("computeMs"), t.computeMs);
        o.insert(QStringLiteral("spawnMs"), t.spawnMs);
        r.contentType = "application/json";
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    } else {
        const char* where = c.path == ComputePath::Main ? "on the event loop"
            : c.path == ComputePath::Thread             ? "on the thread pool"
                                                        : "in a child process";
        r.body = "fib(" + QByteArray::number(c.n) + ") = " + QByteArray::number(static_cast<qulonglong>(c.result))
            + ", computed " + where + " of worker " + QByteArray::number(id.pid) + '\n';
    }
    return r;
}

} // namespace clusterlab
