// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "httprequest.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <memory>

namespace clusterlab {

// The version of llhttp (Node.js's HTTP parser) this build parses with.
QString httpParserVersion();

// Incremental HTTP/1.x request parser: the one place that talks to llhttp
// (the parser Node.js uses). Feed it bytes as they arrive; it stops after
// each complete request so the caller can apply back-pressure and keep
// pipelined responses in order. Enforces the size limits of the HTTP
// contract. Not thread-safe: one parser per connection.
class HttpRequestParser
{
public:
    struct Limits
    {
        int maxHeadBytes = 16 * 1024;      // request line + headers -> 431
        int maxUriBytes = 8 * 1024;        // request-target -> 414
        std::int64_t maxBodyBytes = 1 << 20; // read and discarded; beyond -> 413 (counted on the wire: chunk framing and extensions included)
    };

    enum class Result {
        NeedMore, // all input consumed, no complete request yet
        Request,  // a request is complete: request() or takeRequest(); call feed again with the rest
        Error,    // the stream is unusable: answer errorStatus() and close
    };

    HttpRequestParser();
    explicit HttpRequestParser(const Limits& limits);
    ~HttpRequestParser();
    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    // Parses from data[0..len). *consumed tells how many bytes were used;
    // after Request, the rest belongs to the next request.
    Result feed(const char* data, std::size_t len, std::size_t* consumed);
    HttpRequest takeRequest();
    // The request just completed, without a copy: valid until the next
    // feed() (whose next request reuses its buffers).
    const HttpRequest& request() const;

    // After Error: the HTTP status to answer (400, 413, 414, 431) and a
    // one-line reason.
    int errorStatus() const { return m_errorStatus; }
    QByteArray errorReason() const { return m_errorReason; }

    // A request has started (at least one byte) and is not complete yet.
    bool inMessage() const { return m_inMessage; }
    // Its head is still arriving (what the header timeout watches).
    bool inHead() const { return m_inMessage && !m_headComplete; }

    const Limits& limits() const { return m_limits; }

private:
    struct Impl;
    friend struct Impl;
    std::unique_ptr<Impl> d;
    Limits m_limits;
    HttpRequest m_current;
    qsizetype m_fieldStart = -1; // offsets into m_current.headerBlock
    qsizetype m_fieldEnd = -1;
    qsizetype m_valueStart = -1;
    bool m_inMessage = false;
    bool m_headComplete = false;
    int m_headBytes = 0;
    std::int64_t m_bodyWireBytes = 0; // this message's bytes after its head, as sent
    int m_errorStatus = 0;
    QByteArray m_errorReason;
};

} // namespace clusterlab
