// SPDX-License-Identifier: GPL-3.0-or-later
#include "httpresponse.h"

#include <QJsonDocument>
#include <QStringBuilder>
#include <QJsonObject>
#include <QString>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

namespace clusterlab {

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

QByteArray httpDate()
{
    static std::mutex mutex;
    static std::time_t cachedSecond = 0;
    static QByteArray cached;
    const std::time_t now = std::time(nullptr);
    std::lock_guard<std::mutex> lock(mutex);
    if (now != cachedSecond) {
        std::tm tm {};
#if defined(_WIN32)
        gmtime_s(&tm, &now);
#else
        gmtime_r(&now, &tm);
#endif
        static const char* const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char* const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        char buf[40];
        std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                      months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached = QByteArray(buf);
        cachedSecond = now;
    }
    return cached;
}

namespace {

// Appends to a raw buffer without a QByteArray operation per piece: the
// response head is built on the hot path of every request.
struct Writer
{
    char* p;
    void put(const char* s, std::size_t n)
    {
        std::memcpy(p, s, n);
        p += n;
    }
    void put(const char* s) { put(s, std::strlen(s)); }
    void put(const QByteArray& b) { put(b.constData(), static_cast<std::size_t>(b.size())); }
    void number(std::int64_t v)
    {
        char tmp[24];
        int n = 0;
        const bool negative = v < 0;
        std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        do {
            tmp[n++] = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (negative)
            *p++ = '-';
        while (n > 0)
            *p++ = tmp[--n];
    }
};

} // namespace

void HttpResponse::addHeader(const char* name, const QByteArray& value)
{
    extraHeaders.append(name).append(": ", 2).append(value).append("\r\n", 2);
}

void HttpResponse::addHeader(const char* name, std::int64_t value)
{
    char buf[24];
    Writer w { buf };
    w.number(value);
    extraHeaders.append(name).append(": ", 2).append(buf, static_cast<qsizetype>(w.p - buf)).append("\r\n", 2);
}

QByteArray HttpResponse::serialize(bool headOnly) const
{
    QByteArray out;
    serializeInto(&out, headOnly);
    return out;
}

void HttpResponse::serializeInto(QByteArray* target, bool headOnly) const
{
    const QByteArray date = httpDate();
    const char* reason = reasonPhrase(status);
    const qsizetype headMax = 160 + static_cast<qsizetype>(std::strlen(reason)) + date.size() + contentType.size()
        + extraHeaders.size() + stampSize;
    QByteArray& out = *target;
    out.resize(headMax + (headOnly ? 0 : body.size())); // a buffer used before keeps its storage
    Writer w { out.data() };
    w.put("HTTP/1.1 ", 9);
    w.number(status);
    w.put(" ", 1);
    w.put(reason);
    w.put("\r\nServer: ClusterLab\r\nDate: ");
    w.put(date);
    w.put("\r\nContent-Type: ");
    w.put(contentType);
    w.put("\r\nContent-Length: ");
    w.number(body.size());
    w.put("\r\n", 2);
    w.put(stamp.data(), stampSize);
    w.put(extraHeaders);
    if (!keepAlive)
        w.put("Connection: close\r\n");
    else if (http10Client)
        w.put("Connection: keep-alive\r\n");
    w.put("\r\n", 2);
    if (!headOnly)
        w.put(body);
    out.truncate(w.p - out.constData());
}

HttpResponse errorResponse(int status, const QByteArray& reason, bool json)
{
    HttpResponse r;
    r.status = status;
    if (json) {
        r.contentType = "application/json";
        QJsonObject o;
        o.insert(QStringLiteral("status"), status);
        o.insert(QStringLiteral("error"), QString::fromUtf8(reason));
        r.body = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    } else {
        r.body = QByteArray::number(status) + ' ' + reasonPhrase(status) + ": " + reason + '\n';
    }
    return r;
}

} // namespace clusterlab
