// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QTcpSocket>

#include <memory>

namespace clusterlab::test {

struct ParsedResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    bool keepAlive = true; // as the response's framing says

    QByteArray header(const QByteArray& name) const;
};

// A raw-socket HTTP/1.1 client for what a high-level client cannot do:
// pipelining, partial heads, garbage, aborts. Blocking waits with timeouts
// are fine here: the server is another process. Responses are parsed with
// llhttp in response mode.
class RawHttpClient
{
public:
    RawHttpClient();
    ~RawHttpClient();

    bool connectTo(quint16 port, int timeoutMs = 5000);
    bool send(const QByteArray& bytes);
    // Reads one response. `head`: the request was HEAD (no body follows).
    // False on timeout, close or a malformed response.
    bool readResponse(ParsedResponse* out, bool head = false, int timeoutMs = 30000);
    // True when the server closes the connection within the timeout
    // (after any bytes still unread are discarded).
    bool waitForClose(int timeoutMs = 10000);
    // A real abort: the connection is reset (RST), as by a client that
    // crashed or gave up.
    void abort();
    // Shuts down our write side (FIN) and keeps reading: a client that has
    // said all it has to say and waits for its answers.
    void halfClose();
    QTcpSocket& socket() { return m_socket; }

    // One request on a fresh connection, "Connection: close".
    static bool get(quint16 port, const QByteArray& target, ParsedResponse* out,
                    const QByteArray& extraHeaders = {});

private:
    struct Parser;
    QTcpSocket m_socket;
    QByteArray m_buffer;
    std::unique_ptr<Parser> m_parser;
};

} // namespace clusterlab::test
