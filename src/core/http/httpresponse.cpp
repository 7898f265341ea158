#include "httpresponse.h"

#include <QJsonDocument>
#include <QStringBuilder>
#include <QJsonObject>
#include <QString>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace clusterlab {

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
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

QByteArray HttpResponse::serialize(bool headOnly) const
{
    QByteArray out;
    out.reserve(256 + body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\nServer: ClusterLab\r\nDate: ";
    out += httpDate();
    out += "\r\nContent-Type: ";
    out += contentType;
    out += "\r\nContent-Length: ";
    out += QByteArray::number(body.size());
    out += "\r\n";
    for (const auto& h : headers) {
        out += h.first;
        out += ": ";
        out += h.second;
        out += "\r\n";
    }
    if (!keepAlive)
        out += "Connection: close\r\n";
    else if (http10Client)
        out += "Connection: keep-alive\r\n";
    out += "\r\n";
    if (!headOnly)
        out += body;
    return out;
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
