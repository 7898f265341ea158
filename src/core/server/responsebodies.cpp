// SPDX-License-Identifier: GPL-3.0-or-later
#include "responsebodies.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QStringBuilder>
#include <QJsonObject>
#include <QString>

#include <cstdio>
#include <cstring>

namespace clusterlab {

namespace {
// "12.345" from milliseconds, rounded to microseconds, without printf's
// floating-point machinery (this runs for every response).
char* putMs(char* p, double ms)
{
    long long us = ms <= 0 ? 0 : static_cast<long long>(ms * 1000.0 + 0.5);
    char tmp[24];
    int n = 0;
    long long whole = us / 1000;
    const int frac = static_cast<int>(us % 1000);
    do {
        tmp[n++] = static_cast<char>('0' + whole % 10);
        whole /= 10;
    } while (whole != 0);
    while (n > 0)
        *p++ = tmp[--n];
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac / 100);
    *p++ = static_cast<char>('0' + frac / 10 % 10);
    *p++ = static_cast<char>('0' + frac % 10);
    return p;
}

// A literal's length is known at compile time: one memcpy, not a loop.
template <std::size_t N>
char* putText(char* p, const char (&s)[N])
{
    std::memcpy(p, s, N - 1);
    return p + N - 1;
}
} // namespace

QByteArray serverTimingValue(const ResponseTiming& t)
{
    char buf[160];
    char* p = putText(buf, "queue;dur=");
    p = putMs(p, t.queueMs);
    p = putText(p, ", compute;dur=");
    p = putMs(p, t.computeMs);
    p = putText(p, ", spawn;dur=");
    p = putMs(p, t.spawnMs);
    return QByteArray(buf, static_cast<qsizetype>(p - buf));
}

namespace {
char* putNumber(char* p, std::uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}
} // namespace

void stampResponse(HttpResponse* r, const ResponseIdentity& id, const ResponseTiming& t)
{
    // Every response carries these five: written in place, in the
    // response's own buffer (at most ~290 bytes: 64-bit numbers, 3 timings).
    char* const buf = r->stamp.data();
    char* p = putText(buf, "X-Worker-Pid: ");
    p = putNumber(p, static_cast<std::uint64_t>(id.pid));
    p = putText(p, "\r\nX-Worker-Index: ");
    p = putNumber(p, static_cast<std::uint64_t>(id.workerIndex));
    p = putText(p, "\r\nX-Connection-Id: ");
    p = putNumber(p, id.connectionId);
    p = putText(p, "\r\nX-Request-Seq: ");
    p = putNumber(p, id.requestSeq);
    p = putText(p, "\r\nServer-Timing: queue;dur=");
    p = putMs(p, t.queueMs);
    p = putText(p, ", compute;dur=");
    p = putMs(p, t.computeMs);
    p = putText(p, ", spawn;dur=");
    p = putMs(p, t.spawnMs);
    p = putText(p, "\r\n");
    r->stampSize = static_cast<std::uint16_t>(p - buf);
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
        // The same bytes for every request of this process: built once
        // (implicitly shared, so each response only takes a reference).
        static thread_local qint64 cachedPid = -1;
        static thread_local QByteArray cached;
        if (cachedPid != id.pid) {
            cached = "Hello from worker " + QByteArray::number(id.pid)
                + "\nRoutes:\n"
                  "  /main?n=N    fib(N) on this worker's event loop (blocks it)\n"
                  "  /worker?n=N  fib(N) on this worker's thread pool\n"
                  "  /child?n=N   fib(N) in a child process\n"
                  "  /healthz     status as JSON\n"
                  "N is an integer 0..45, default 30.\n";
            cachedPid = id.pid;
        }
        r.body = cached;
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
        o.insert(QStringLiteral("path"), QString::fromLatin1(pathIdName(c.path)));
        o.insert(QStringLiteral("pid"), id.pid);
        o.insert(QStringLiteral("workerIndex"), id.workerIndex);
        o.insert(QStringLiteral("connectionId"), static_cast<qint64>(id.connectionId));
        o.insert(QStringLiteral("requestSeq"), static_cast<qint64>(id.requestSeq));
        o.insert(QStringLiteral("queueMs"), t.queueMs);
        o.insert(QStringLiteral("computeMs"), t.computeMs);
        o.insert(QStringLiteral("spawnMs"), t.spawnMs);
        if (c.payloadMb > 0) {
            o.insert(QStringLiteral("payloadMb"), c.payloadMb);
            o.insert(QStringLiteral("payloadChecksum"), QString::number(c.payloadChecksum, 16));
        }
        if (c.taskPeakRssKiB >= 0)
            o.insert(QStringLiteral("taskPeakRssKiB"), c.taskPeakRssKiB);
        r.contentType = "application/json";
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    } else {
        const char* where = c.path == PathId::Main ? "on the event loop"
            : c.path == PathId::Thread             ? "on the thread pool"
                                                        : "in a child process";
        r.body = "fib(" + QByteArray::number(c.n) + ") = " + QByteArray::number(static_cast<qulonglong>(c.result))
            + ", computed " + where + " of worker " + QByteArray::number(id.pid) + '\n';
    }
    return r;
}

} // namespace clusterlab
