// SPDX-License-Identifier: GPL-3.0-or-later
#include "rawhttpclient.h"

#if defined(Q_OS_UNIX)
#include <sys/socket.h>
#endif

#include <QDeadlineTimer>
#include <QStringBuilder>

#include <llhttp.h>

namespace clusterlab::test {

QByteArray ParsedResponse::header(const QByteArray& name) const
{
    for (const auto& h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

struct RawHttpClient::Parser
{
    llhttp_t parser {};
    llhttp_settings_t settings {};
    ParsedResponse current;
    QByteArray field;
    QByteArray value;
    bool inValue = false;
    bool head = false;
    bool complete = false;

    static Parser* self(llhttp_t* p) { return static_cast<Parser*>(p->data); }
    void flushHeader()
    {
        if (inValue) {
            current.headers.append({ field, value });
            field.clear();
            value.clear();
            inValue = false;
        }
    }

    Parser()
    {
        llhttp_settings_init(&settings);
        settings.on_message_begin = [](llhttp_t* p) {
            self(p)->current = ParsedResponse();
            return 0;
        };
        settings.on_header_field = [](llhttp_t* p, const char* at, size_t len) {
            auto* s = self(p);
            s->flushHeader();
            s->field.append(at, static_cast<qsizetype>(len));
            return 0;
        };
        settings.on_header_value = [](llhttp_t* p, const char* at, size_t len) {
            auto* s = self(p);
            s->inValue = true;
            s->value.append(at, static_cast<qsizetype>(len));
            return 0;
        };
        settings.on_headers_complete = [](llhttp_t* p) {
            auto* s = self(p);
            s->flushHeader();
            s->current.status = p->status_code;
            s->current.keepAlive = llhttp_should_keep_alive(p) != 0;
            return s->head ? 1 : 0;
        };
        settings.on_body = [](llhttp_t* p, const char* at, size_t len) {
            self(p)->current.body.append(at, static_cast<qsizetype>(len));
            return 0;
        };
        settings.on_message_complete = [](llhttp_t* p) {
            self(p)->complete = true;
            return static_cast<int>(HPE_PAUSED);
        };
        llhttp_init(&parser, HTTP_RESPONSE, &settings);
        parser.data = this;
    }
};

RawHttpClient::RawHttpClient()
    : m_parser(std::make_unique<Parser>())
{
}

RawHttpClient::~RawHttpClient() = default;

bool RawHttpClient::connectTo(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    return m_socket.waitForConnected(timeoutMs);
}

bool RawHttpClient::send(const QByteArray& bytes)
{
    if (m_socket.write(bytes) != bytes.size())
        return false;
    while (m_socket.bytesToWrite() > 0) {
        if (!m_socket.waitForBytesWritten(10000))
            return false;
    }
    return true;
}

bool RawHttpClient::readResponse(ParsedResponse* out, bool head, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    m_parser->head = head;
    m_parser->complete = false;
    for (;;) {
        if (!m_buffer.isEmpty()) {
            const llhttp_errno_t err = llhttp_execute(&m_parser->parser, m_buffer.constData(),
                                                      static_cast<size_t>(m_buffer.size()));
            if (err == HPE_PAUSED) {
                const qsizetype used = llhttp_get_error_pos(&m_parser->parser) - m_buffer.constData();
                m_buffer.remove(0, used);
                llhttp_resume(&m_parser->parser);
                *out = m_parser->current;
                return true;
            }
            if (err != HPE_OK)
                return false;
            m_buffer.clear();
        }
        if (m_socket.bytesAvailable() == 0) {
            if (m_socket.state() != QAbstractSocket::ConnectedState || deadline.hasExpired())
                return false;
            if (!m_socket.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime()))))
                return false;
        }
        m_buffer += m_socket.readAll();
    }
}

bool RawHttpClient::waitForClose(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() == QAbstractSocket::ConnectedState) {
        m_socket.readAll();
        if (deadline.hasExpired())
            return false;
        if (!m_socket.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime())))) {
            if (m_socket.state() == QAbstractSocket::ConnectedState && deadline.hasExpired())
                return false;
        }
    }
    return true;
}

bool RawHttpClient::get(quint16 port, const QByteArray& target, ParsedResponse* out, const QByteArray& extraHeaders)
{
    RawHttpClient c;
    if (!c.connectTo(port))
        return false;
    const QByteArray req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders
        + "Connection: close\r\n\r\n";
    return c.send(req) && c.readResponse(out);
}

} // namespace clusterlab::test

namespace clusterlab::test {

void RawHttpClient::abort()
{
#if defined(Q_OS_UNIX)
    if (m_socket.socketDescriptor() >= 0) {
        linger l {};
        l.l_onoff = 1;
        l.l_linger = 0; // close() then sends RST
        ::setsockopt(static_cast<int>(m_socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
#endif
    m_socket.abort();
}

void RawHttpClient::halfClose()
{
    m_socket.flush();
#if defined(Q_OS_UNIX)
    ::shutdown(static_cast<int>(m_socket.socketDescriptor()), SHUT_WR);
#endif
}

} // namespace clusterlab::test
