// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>

class QTcpSocket;

namespace clusterlab {

namespace platform {
class ConnectionOwners;
}

// Click-to-send for a server the lab did not start, which does not say who
// served it: each GET on a socket of the client's own, so that the OS can
// say which process holds the other end (platform::ConnectionOwners), and
// the answer parsed by llhttp. The owner is looked up once the answer
// begins, while the server still holds the connection: the request never
// asks the server to close, and without keep-alive the client closes the
// connection itself after the answer (one connection per request, as seen
// from the server). With keep-alive one idle connection is kept for the
// next request, as a browser keeps one, and its owner with it. Bounded: an
// answer's body up to `maxBody` (then cut), `timeoutMs` for the whole
// exchange, at most kMaxOpen requests at once (more are answered at once
// with an error). GUI thread (any thread with an event loop).
class AttributedClient : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxOpen = 32;

    struct Answer
    {
        int status = 0; // 0: no HTTP answer (see error)
        QString reason;
        QList<QPair<QByteArray, QByteArray>> headers;
        QByteArray body;
        bool truncated = false;
        QString error;
        qint64 servedBy = 0;       // the process holding the server side, 0 when not known
        QString servedByName;      // its executable's short name
        QString attributionNote;   // why it is not known
        quint64 connection = 0;    // which of this client's connections (1, 2, 3…)
        bool reusedConnection = false;
        double ms = 0;             // connect (or send, on a kept connection) -> answer complete
    };
    using Done = std::function<void(const Answer&)>;

    // The server on `port` of `host` (an address of this machine).
    AttributedClient(const QString& host, quint16 port, qint64 maxBody, int timeoutMs, QObject* parent = nullptr);
    ~AttributedClient() override;

    // Sends GET `target`; `done` is called exactly once, later (never from
    // inside get), unless the client is destroyed first (cancelAll first
    // when that matters).
    void get(const QByteArray& target, bool keepAlive, Done done);
    int openRequests() const { return m_open; }
    // Ends every open request with `reason` as its error (their `done` runs
    // now), and drops the kept connection.
    void cancelAll(const QString& reason);
    // True while an idle kept-alive connection waits for the next request.
    bool hasIdleConnection() const { return m_idle != nullptr; }

    struct Exchange; // one request in flight (the parser's callbacks reach it)

private:
    void start(Exchange* x);
    void onRead(Exchange* x);
    void lookUp(Exchange* x, bool last);
    void finish(Exchange* x, const QString& error = QString());
    void dropIdle();

    QString m_host;
    quint16 m_port;
    qint64 m_maxBody;
    int m_timeoutMs;
    std::unique_ptr<platform::ConnectionOwners> m_owners;
    QTcpSocket* m_idle = nullptr;    // a kept-alive connection between requests
    qint64 m_idleOwner = 0;
    QString m_idleOwnerName;
    quint64 m_idleSerial = 0;
    quint64 m_serial = 0;
    int m_open = 0;
    QList<Exchange*> m_exchanges; // open
};

} // namespace clusterlab
