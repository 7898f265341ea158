// SPDX-License-Identifier: GPL-3.0-or-later
#include "attributedclient.h"

#include "compute/clock.h"
#include "platform/attribution.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <llhttp.h>

#include <utility>

namespace clusterlab {

namespace {
constexpr int kLookupRetryMs = 4;
constexpr int kLookupTries = 50; // ~200 ms for a hand-over to settle
} // namespace

struct AttributedClient::Exchange : public QObject
{
    QTcpSocket* socket = nullptr;
    llhttp_t parser {};
    Answer answer;
    QByteArray target;
    bool keepAlive = false;
    Done done;
    qint64 maxBody = 0;
    QByteArray field, value;
    bool inValue = false;
    bool complete = false;
    bool lookupDone = false; // the owner is known, or it will not be
    bool finished = false;
    std::int64_t answeredNs = 0; // the first byte of the answer arrived
    int tries = 0;
    QTimer timeout;
    QElapsedTimer clock;

    void flushHeader()
    {
        if (!field.isEmpty())
            answer.headers.append({ field, value });
        field.clear();
        value.clear();
        inValue = false;
    }
};

namespace {
AttributedClient::Answer& answerOf(llhttp_t* p);

struct Callbacks
{
    llhttp_settings_t settings {};
    Callbacks()
    {
        llhttp_settings_init(&settings);
        settings.on_status = [](llhttp_t* p, const char* at, size_t n) {
            answerOf(p).reason += QString::fromLatin1(at, static_cast<qsizetype>(n));
            return 0;
        };
        settings.on_header_field = [](llhttp_t* p, const char* at, size_t n) {
            auto* x = static_cast<AttributedClient::Exchange*>(p->data);
            if (x->inValue)
                x->flushHeader();
            x->field.append(at, static_cast<qsizetype>(n));
            return 0;
        };
        settings.on_header_value = [](llhttp_t* p, const char* at, size_t n) {
            auto* x = static_cast<AttributedClient::Exchange*>(p->data);
            x->inValue = true;
            x->value.append(at, static_cast<qsizetype>(n));
            return 0;
        };
        settings.on_headers_complete = [](llhttp_t* p) {
            auto* x = static_cast<AttributedClient::Exchange*>(p->data);
            x->flushHeader();
            x->answer.status = p->status_code;
            return 0;
        };
        settings.on_body = [](llhttp_t* p, const char* at, size_t n) {
            auto* x = static_cast<AttributedClient::Exchange*>(p->data);
            const qint64 room = x->maxBody - x->answer.body.size();
            if (static_cast<qint64>(n) > room) {
                x->answer.body.append(at, static_cast<qsizetype>(room));
                x->answer.truncated = true;
                return -1; // stop: the rest is not read
            }
            x->answer.body.append(at, static_cast<qsizetype>(n));
            return 0;
        };
        settings.on_message_complete = [](llhttp_t* p) {
            static_cast<AttributedClient::Exchange*>(p->data)->complete = true;
            return static_cast<int>(HPE_PAUSED);
        };
    }
};

const llhttp_settings_t* callbacks()
{
    static const Callbacks c;
    return &c.settings;
}

AttributedClient::Answer& answerOf(llhttp_t* p)
{
    return static_cast<AttributedClient::Exchange*>(p->data)->answer;
}
} // namespace

AttributedClient::AttributedClient(const QString& host, quint16 port, qint64 maxBody, int timeoutMs, QObject* parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
    , m_maxBody(maxBody)
    , m_timeoutMs(timeoutMs)
{
}

AttributedClient::~AttributedClient() = default; // exchanges and sockets are children: no callback runs after this

void AttributedClient::get(const QByteArray& target, bool keepAlive, Done done)
{
    auto* x = new Exchange;
    x->setParent(this);
    x->target = target;
    x->keepAlive = keepAlive;
    x->done = std::move(done);
    x->maxBody = m_maxBody;
    x->clock.start();
    ++m_open;
    m_exchanges.append(x);
    if (m_open > kMaxOpen) {
        QMetaObject::invokeMethod(
            x, [this, x]() { finish(x, tr("%1 requests are still waiting for an answer").arg(kMaxOpen)); },
            Qt::QueuedConnection);
        return;
    }
    if (!m_owners)
        m_owners = std::make_unique<platform::ConnectionOwners>(m_port);
    if (keepAlive && m_idle != nullptr && m_idle->state() == QAbstractSocket::ConnectedState) {
        // The kept connection, and the process that holds it.
        x->socket = m_idle;
        x->socket->disconnect(this);
        x->socket->setParent(x);
        x->answer.servedBy = m_idleOwner;
        x->answer.servedByName = m_idleOwnerName;
        x->answer.connection = m_idleSerial;
        x->answer.reusedConnection = true;
        x->lookupDone = m_idleOwner != 0;
        m_idle = nullptr;
    } else {
        dropIdle(); // gone, or keep-alive is off now
        x->socket = new QTcpSocket(x);
        x->answer.connection = ++m_serial;
    }
    start(x);
}

void AttributedClient::cancelAll(const QString& reason)
{
    const QList<Exchange*> open = m_exchanges;
    for (Exchange* x : open)
        finish(x, reason);
    dropIdle();
}

void AttributedClient::dropIdle()
{
    QTcpSocket* idle = std::exchange(m_idle, nullptr); // abort() below says disconnected(): m_idle is already clear
    if (idle != nullptr) {
        idle->abort();
        idle->deleteLater();
    }
}

void AttributedClient::start(Exchange* x)
{
    llhttp_init(&x->parser, HTTP_RESPONSE, callbacks());
    x->parser.data = x;
    x->timeout.setSingleShot(true);
    connect(&x->timeout, &QTimer::timeout, x,
            [this, x]() { finish(x, tr("no answer within %1 s").arg(m_timeoutMs / 1000)); });
    x->timeout.start(m_timeoutMs);
    connect(x->socket, &QTcpSocket::readyRead, x, [this, x]() { onRead(x); });
    connect(x->socket, &QAbstractSocket::errorOccurred, x, [this, x](QAbstractSocket::SocketError e) {
        if (x->complete)
            return;
        if (e == QAbstractSocket::RemoteHostClosedError && x->answer.status != 0) {
            llhttp_finish(&x->parser); // an answer whose end is the connection's end completes now
            if (x->complete) {
                lookUp(x, true);
                return;
            }
        }
        finish(x, e == QAbstractSocket::RemoteHostClosedError ? tr("the server closed the connection before answering")
                                                               : x->socket->errorString());
    });
    // No "Connection: close": the server keeps its side until the owner is
    // looked up; without keep-alive the client closes (finish).
    const QByteArray request = "GET " + x->target + " HTTP/1.1\r\nHost: " + m_host.toLatin1() + ':'
        + QByteArray::number(m_port) + "\r\nUser-Agent: ClusterLab\r\nAccept: */*\r\n\r\n";
    if (x->socket->state() == QAbstractSocket::ConnectedState) {
        x->socket->write(request);
        return;
    }
    connect(x->socket, &QAbstractSocket::connected, x, [this, x, request]() {
        x->socket->write(request);
        // Asked early too: a server that closes right after its answer
        // leaves nothing to find once the answer is read.
        lookUp(x, false);
    });
    x->socket->connectToHost(m_host, m_port);
}

void AttributedClient::onRead(Exchange* x)
{
    if (x->finished)
        return;
    const QByteArray data = x->socket->readAll();
    if (x->answeredNs == 0)
        x->answeredNs = steadyNowNs();
    const llhttp_errno_t e = llhttp_execute(&x->parser, data.constData(), static_cast<size_t>(data.size()));
    if (x->answer.truncated) {
        x->keepAlive = false; // the rest of the body is still on its way: the connection cannot serve again
        lookUp(x, true);
        return;
    }
    if (e != HPE_OK && e != HPE_PAUSED) {
        finish(x, tr("not an HTTP answer: %1").arg(QString::fromLatin1(llhttp_get_error_reason(&x->parser))));
        return;
    }
    lookUp(x, x->complete);
}

void AttributedClient::lookUp(Exchange* x, bool last)
{
    if (x->finished)
        return;
    if (!x->lookupDone) {
        qint64 pid = 0;
        const auto found = m_owners->ownerOf(x->socket->socketDescriptor(), &pid,
                                             platform::ConnectionOwners::Rescan::Now, x->answeredNs);
        switch (found) {
        case platform::ConnectionOwners::Lookup::Found: {
            x->answer.servedBy = pid;
            platform::ProcessSample p;
            if (platform::sampleProcess(pid, &p))
                x->answer.servedByName = p.name;
            x->lookupDone = true;
            break;
        }
        case platform::ConnectionOwners::Lookup::Gone:
            x->answer.attributionNote = tr("the server's side of the connection was gone before it could be looked up");
            x->lookupDone = true;
            break;
        case platform::ConnectionOwners::Lookup::Failed:
            x->answer.attributionNote = m_owners->note();
            x->lookupDone = true;
            break;
        case platform::ConnectionOwners::Lookup::NotYet:
            if (last && ++x->tries >= kLookupTries) {
                x->answer.attributionNote = tr("no single process of the server held the connection");
                x->lookupDone = true;
            }
            break;
        }
    }
    if (!last)
        return;
    if (x->lookupDone) {
        finish(x);
        return;
    }
    // A hand-over in progress (a primary still holds it): ask again shortly.
    QTimer::singleShot(kLookupRetryMs, x, [this, x]() { lookUp(x, true); });
}

void AttributedClient::finish(Exchange* x, const QString& error)
{
    if (x->finished)
        return;
    x->finished = true;
    x->timeout.stop();
    Answer a = std::move(x->answer);
    a.ms = static_cast<double>(x->clock.nsecsElapsed()) / 1e6;
    a.error = error; // with a status too: an answer began but did not end well
    QTcpSocket* socket = x->socket;
    if (socket != nullptr) {
        socket->disconnect(x);
        const bool keep = error.isEmpty() && x->keepAlive && x->complete && llhttp_should_keep_alive(&x->parser) != 0
            && m_idle == nullptr && socket->state() == QAbstractSocket::ConnectedState;
        if (keep) {
            socket->setParent(this);
            m_idle = socket;
            m_idleOwner = a.servedBy;
            m_idleOwnerName = a.servedByName;
            m_idleSerial = a.connection;
            // The server may close it while it waits: then it is dropped.
            connect(socket, &QAbstractSocket::disconnected, this, [this, socket]() {
                if (m_idle == socket) {
                    m_idle = nullptr;
                    socket->deleteLater();
                }
            });
        } else {
            socket->abort(); // one connection per request: ours to close
        }
    }
    --m_open;
    m_exchanges.removeOne(x);
    Done done = std::move(x->done);
    x->deleteLater();
    if (done)
        done(a);
}

} // namespace clusterlab
