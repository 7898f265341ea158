// SPDX-License-Identifier: GPL-3.0-or-later
#include "httprequestparser.h"

#include "compute/clock.h"

#include <llhttp.h>

#include <QStringBuilder>

#include <cstring>

namespace clusterlab {

QString httpParserVersion()
{
    return QStringLiteral("%1.%2.%3").arg(LLHTTP_VERSION_MAJOR).arg(LLHTTP_VERSION_MINOR).arg(LLHTTP_VERSION_PATCH);
}

namespace {
// Per header line: ": " and CRLF, which the data callbacks never see.
constexpr int kHeaderLineOverhead = 4;
// Request line overhead beyond method and target: " HTTP/1.1\r\n" and a space.
constexpr int kRequestLineOverhead = 12;
} // namespace

QByteArray HttpRequest::header(const QByteArray& name) const
{
    std::size_t lineStart = 0;
    while (lineStart < headerBlock.size()) {
        const std::size_t lineEnd = headerBlock.find("\r\n", lineStart);
        const std::size_t colon = headerBlock.find(": ", lineStart);
        if (lineEnd == std::string::npos || colon == std::string::npos)
            break;
        if (colon - lineStart == static_cast<std::size_t>(name.size())
            && qstrnicmp(headerBlock.data() + lineStart, name.size(), name.constData(), name.size()) == 0)
            return QByteArray(headerBlock.data() + colon + 2, static_cast<qsizetype>(lineEnd - colon - 2)).trimmed();
        lineStart = lineEnd + 2;
    }
    return {};
}


struct HttpRequestParser::Impl
{
    llhttp_t parser;
    llhttp_settings_t settings;
    HttpRequestParser* q = nullptr;

    static HttpRequestParser* self(llhttp_t* p) { return static_cast<Impl*>(p->data)->q; }

    // Fails the message with our own status; llhttp then reports HPE_USER.
    static int fail(HttpRequestParser* q, int status, const char* reason)
    {
        q->m_errorStatus = status;
        q->m_errorReason = QByteArray(reason);
        return -1;
    }

    // Empties a buffer and keeps its capacity (clear() would free it): the
    // next request's bytes reuse the previous one's allocation.
    static void reuse(QByteArray& a) { a.resize(0); }

    static int onMessageBegin(llhttp_t* p)
    {
        auto* q = self(p);
        HttpRequest& r = q->m_current;
        reuse(r.method);
        reuse(r.target);
        reuse(r.path);
        reuse(r.query);
        r.headerBlock.clear(); // std::string keeps its capacity
        r.versionMajor = 1;
        r.versionMinor = 1;
        r.keepAlive = true;
        r.upgrade = false;
        r.wantsJson = false;
        r.bodyBytes = 0;
        r.headersCompleteNs = 0;
        r.firstByteNs = steadyNowNs();
        q->m_fieldStart = q->m_fieldEnd = q->m_valueStart = -1;
        q->m_inMessage = true;
        q->m_headComplete = false;
        q->m_headBytes = kRequestLineOverhead;
        q->m_bodyWireBytes = 0;
        return 0;
    }

    static int countHead(HttpRequestParser* q, std::size_t len)
    {
        q->m_headBytes += static_cast<int>(len);
        if (q->m_headBytes > q->m_limits.maxHeadBytes)
            return fail(q, 431, "request header fields too large");
        return 0;
    }

    static int onMethod(llhttp_t* p, const char* at, std::size_t len)
    {
        auto* q = self(p);
        q->m_current.method.append(at, static_cast<qsizetype>(len));
        return countHead(q, len);
    }

    static int onUrl(llhttp_t* p, const char* at, std::size_t len)
    {
        auto* q = self(p);
        q->m_current.target.append(at, static_cast<qsizetype>(len));
        if (q->m_current.target.size() > q->m_limits.maxUriBytes)
            return fail(q, 414, "request-target too long");
        return countHead(q, len);
    }

    // RFC 9110 5.6.2 tchar. llhttp 8.1 lets a space through in a field
    // name ("Bad Header: x"); we do not.
    struct TokenTable
    {
        bool ok[256] = {};
        TokenTable()
        {
            for (int c = 0; c < 256; ++c)
                ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
        }
    };
    static bool isToken(QByteArrayView s)
    {
        static const TokenTable table;
        if (s.isEmpty())
            return false;
        for (const char c : s) {
            if (!table.ok[static_cast<unsigned char>(c)])
                return false;
        }
        return true;
    }

    // Closes the header line in progress (if any): checks its name, notes
    // an Accept: application/json, ends the line.
    static bool finishHeader(HttpRequestParser* q)
    {
        if (q->m_valueStart < 0)
            return true;
        std::string& block = q->m_current.headerBlock;
        const QByteArrayView field(block.data() + q->m_fieldStart, q->m_fieldEnd - q->m_fieldStart);
        if (!isToken(field))
            return false;
        const QByteArrayView value(block.data() + q->m_valueStart, static_cast<qsizetype>(block.size()) - q->m_valueStart);
        if (field.size() == 6 && qstrnicmp(field.data(), 6, "accept", 6) == 0 && value.contains(QByteArrayView("application/json")))
            q->m_current.wantsJson = true;
        block.append("\r\n", 2);
        q->m_fieldStart = q->m_fieldEnd = q->m_valueStart = -1;
        return true;
    }

    // Header names and values go straight into one buffer; llhttp's
    // *_complete callbacks delimit them even when a value is empty or a
    // name arrives in pieces.
    static int onHeaderField(llhttp_t* p, const char* at, std::size_t len)
    {
        auto* q = self(p);
        std::string& block = q->m_current.headerBlock;
        if (q->m_fieldStart < 0) {
            q->m_headBytes += kHeaderLineOverhead;
            q->m_fieldStart = static_cast<qsizetype>(block.size());
        }
        block.append(at, len);
        return countHead(q, len);
    }

    static int onHeaderFieldComplete(llhttp_t* p)
    {
        auto* q = self(p);
        std::string& block = q->m_current.headerBlock;
        if (q->m_fieldStart < 0)
            q->m_fieldStart = static_cast<qsizetype>(block.size());
        q->m_fieldEnd = static_cast<qsizetype>(block.size());
        block.append(": ", 2);
        q->m_valueStart = static_cast<qsizetype>(block.size());
        return 0;
    }

    static int onHeaderValue(llhttp_t* p, const char* at, std::size_t len)
    {
        auto* q = self(p);
        q->m_current.headerBlock.append(at, len);
        return countHead(q, len);
    }

    static int onHeaderValueComplete(llhttp_t* p)
    {
        auto* q = self(p);
        if (!finishHeader(q))
            return fail(q, 400, "malformed request: invalid header name");
        return 0;
    }

    static int onHeadersComplete(llhttp_t* p)
    {
        auto* q = self(p);
        if (!finishHeader(q)) // normally closed by onHeaderValueComplete already
            return fail(q, 400, "malformed request: invalid header name");
        HttpRequest& r = q->m_current;
        r.headersCompleteNs = steadyNowNs();
        r.versionMajor = p->http_major;
        r.versionMinor = p->http_minor;
        r.keepAlive = llhttp_should_keep_alive(p) != 0;
        r.upgrade = p->upgrade != 0;
        if (r.upgrade)
            r.keepAlive = false; // we never switch protocols: answer, then close
        q->m_headComplete = true;
        if (r.versionMajor != 1)
            return fail(q, 505, "only HTTP/1.0 and HTTP/1.1 are served");
        if ((p->flags & F_CONTENT_LENGTH) != 0
            && p->content_length > static_cast<std::uint64_t>(q->m_limits.maxBodyBytes))
            return fail(q, 413, "request body too large");

        // Split the target into path and query; reduce absolute-form
        // ("http://host/path") to its path, as RFC 9112 3.2.2 asks.
        QByteArray target = r.target;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            const qsizetype authorityStart = target.indexOf("//") + 2;
            const qsizetype slash = target.indexOf('/', authorityStart);
            target = slash < 0 ? QByteArray("/") : target.mid(slash);
        }
        if (!target.startsWith('/')) {
            if (!(r.method == "OPTIONS" && target == "*"))
                return fail(q, 400, "request-target must be an absolute path");
        }
        const qsizetype qm = target.indexOf('?');
        r.path.append(target.constData(), qm < 0 ? target.size() : qm);
        if (qm >= 0) {
            const qsizetype hash = target.indexOf('#', qm + 1);
            r.query.append(target.constData() + qm + 1, (hash < 0 ? target.size() : hash) - qm - 1);
        }
        return 0;
    }

    static int onBody(llhttp_t* p, const char*, std::size_t len)
    {
        auto* q = self(p);
        q->m_current.bodyBytes += static_cast<std::int64_t>(len);
        if (q->m_current.bodyBytes > q->m_limits.maxBodyBytes)
            return fail(q, 413, "request body too large");
        return 0;
    }

    static int onMessageComplete(llhttp_t* p)
    {
        auto* q = self(p);
        q->m_inMessage = false;
        // Stop after every request: the caller decides whether to go on.
        return HPE_PAUSED;
    }
};

HttpRequestParser::HttpRequestParser()
    : HttpRequestParser(Limits())
{
}

HttpRequestParser::HttpRequestParser(const Limits& limits)
    : d(std::make_unique<Impl>())
    , m_limits(limits)
{
    d->q = this;
    llhttp_settings_init(&d->settings);
    d->settings.on_message_begin = &Impl::onMessageBegin;
    d->settings.on_method = &Impl::onMethod;
    d->settings.on_url = &Impl::onUrl;
    d->settings.on_header_field = &Impl::onHeaderField;
    d->settings.on_header_field_complete = &Impl::onHeaderFieldComplete;
    d->settings.on_header_value = &Impl::onHeaderValue;
    d->settings.on_header_value_complete = &Impl::onHeaderValueComplete;
    d->settings.on_headers_complete = &Impl::onHeadersComplete;
    d->settings.on_body = &Impl::onBody;
    d->settings.on_message_complete = &Impl::onMessageComplete;
    llhttp_init(&d->parser, HTTP_REQUEST, &d->settings);
    d->parser.data = d.get();
}

HttpRequestParser::~HttpRequestParser() = default;

HttpRequestParser::Result HttpRequestParser::feed(const char* data, std::size_t len, std::size_t* consumed)
{
    *consumed = 0;
    if (m_errorStatus != 0)
        return Result::Error;
    if (len == 0)
        return Result::NeedMore;
    // Bytes fed while the body is under way count against the body limit
    // as they arrive on the wire: chunk sizes, extensions and trailers
    // included, which on_body alone would never see.
    const bool inBody = m_inMessage && m_headComplete;
    const llhttp_errno_t err = llhttp_execute(&d->parser, data, len);
    if (inBody && m_errorStatus == 0) {
        const std::size_t used = err == HPE_OK ? len
            : err == HPE_PAUSED ? static_cast<std::size_t>(llhttp_get_error_pos(&d->parser) - data)
                                : 0;
        m_bodyWireBytes += static_cast<std::int64_t>(used);
        if (m_bodyWireBytes > m_limits.maxBodyBytes) {
            m_errorStatus = 413;
            m_errorReason = "request body too large";
            m_inMessage = false;
            *consumed = 0; // as for every error: the stream is done
            return Result::Error;
        }
    }
    switch (err) {
    case HPE_OK:
        *consumed = len;
        return Result::NeedMore;
    case HPE_PAUSED:
        *consumed = static_cast<std::size_t>(llhttp_get_error_pos(&d->parser) - data);
        llhttp_resume(&d->parser);
        return Result::Request;
    case HPE_PAUSED_UPGRADE:
        // The request before the upgrade is complete; we never switch
        // protocols, so the caller answers it and closes.
        *consumed = static_cast<std::size_t>(llhttp_get_error_pos(&d->parser) - data);
        m_current.upgrade = true;
        m_current.keepAlive = false;
        return Result::Request;
    default:
        if (m_errorStatus == 0) {
            m_errorStatus = 400;
            m_errorReason = QByteArray("malformed request: ") + llhttp_get_error_reason(&d->parser);
        }
        m_inMessage = false;
        return Result::Error;
    }
}

HttpRequest HttpRequestParser::takeRequest()
{
    return std::move(m_current);
}

const HttpRequest& HttpRequestParser::request() const
{
    return m_current;
}

} // namespace clusterlab
