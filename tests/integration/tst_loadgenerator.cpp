// SPDX-License-Identifier: GPL-3.0-or-later
// The load generator against a real worker, a real cluster, and small
// misbehaving servers (each a QTcpServer in this process) — and the
// `clusterlab bench` command line with its JSON and CSV.
#include "cluster/cluster.h"
#include "load/loadgenerator.h"
#include "load/pacer.h"
#include "load/routemix.h"
#include "offthread.h"
#include "rawhttpclient.h"
#include "workerprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#if defined(Q_OS_LINUX)
#include <sys/resource.h>
#endif

using namespace clusterlab;
using namespace clusterlab::test;

namespace {

// A deliberately bad (or good) HTTP server for one test.
class TestServer : public QTcpServer
{
public:
    enum class Mode { Ok, ResetMidResponse, Garbage, Silent, CloseAfterHeaders, StallOnce, Http10Close, CloseWhenIdle,
                      StreamHeaderLines, StreamHeaderValue, StreamBody };
    explicit TestServer(Mode mode, int stallAt = -1, int stallMs = 0)
        : m_mode(mode)
        , m_stallAt(stallAt)
        , m_stallMs(stallMs)
    {
        connect(this, &QTcpServer::newConnection, this, [this]() {
            while (QTcpSocket* s = nextPendingConnection()) {
                const int id = ++m_connections;
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                connect(s, &QTcpSocket::readyRead, this, [this, s, id]() { onData(s, id); });
            }
        });
    }
    int requests = 0;

private:
    void onData(QTcpSocket* s, int id)
    {
        QByteArray& buf = m_buffers[s];
        buf += s->readAll();
        // Test servers frame requests by their blank line; they never get bodies.
        qsizetype end;
        while ((end = buf.indexOf("\r\n\r\n")) >= 0) {
            buf.remove(0, end + 4);
            respond(s, id, ++requests);
        }
    }
    void respond(QTcpSocket* s, int id, int n)
    {
        const QByteArray ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Worker-Pid: 4242\r\nX-Connection-Id: "
            + QByteArray::number(id) + "\r\n\r\nok";
        switch (m_mode) {
        case Mode::Ok:
            s->write(ok);
            break;
        case Mode::StallOnce:
            if (n == m_stallAt) {
                QPointer<QTcpSocket> guard(s);
                QTimer::singleShot(m_stallMs, s, [guard, ok]() {
                    if (guard)
                        guard->write(ok);
                });
            } else {
                s->write(ok);
            }
            break;
        case Mode::ResetMidResponse: {
            s->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
            s->flush();
            resetOnClose(s->socketDescriptor()); // close with RST, not FIN
            s->abort();
            break;
        }
        case Mode::Garbage:
            s->write("THIS IS NOT HTTP AT ALL\r\n\r\n");
            break;
        case Mode::Silent:
            break;
        case Mode::CloseAfterHeaders:
            s->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
            s->disconnectFromHost();
            break;
        case Mode::Http10Close:
            // No length: the body ends where the connection does.
            s->write("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body, delimited by the close");
            s->disconnectFromHost();
            break;
        case Mode::CloseWhenIdle:
            // A keep-alive answer, then the server's idle timeout closes the
            // connection before the client's next request.
            s->write(ok);
            s->disconnectFromHost();
            break;
        case Mode::StreamHeaderLines:
            stream(s, "HTTP/1.1 200 OK\r\n", QByteArray("X-Pad: 0123456789\r\n").repeated(2048));
            break;
        case Mode::StreamHeaderValue:
            stream(s, "HTTP/1.1 200 OK\r\nX-Worker-Pid: 1", QByteArray(32768, '1'));
            break;
        case Mode::StreamBody:
            stream(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n", QByteArray(32768, 'b'));
            break;
        }
    }
    // Writes `head`, then `piece` again and again for as long as the client
    // reads (a hostile server that never ends its response).
    void stream(QTcpSocket* s, const QByteArray& head, const QByteArray& piece)
    {
        s->write(head);
        auto more = [s, piece]() {
            while (s->state() == QAbstractSocket::ConnectedState && s->bytesToWrite() < 4 * piece.size())
                s->write(piece);
        };
        connect(s, &QTcpSocket::bytesWritten, s, more);
        more();
    }
    Mode m_mode;
    int m_stallAt;
    int m_stallMs;
    int m_connections = 0;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};

// Two round-robin workers on a free port, one pool thread each.
ClusterConfig twoWorkers()
{
    ClusterConfig cc;
    cc.workers = 2;
    cc.port = 0;
    cc.poolThreads = 1;
    return cc;
}

bool startAndWait(Cluster* cluster)
{
    QSignalSpy ready(cluster, &Cluster::allListening);
    QString error;
    return cluster->start(&error) && ready.wait(20000);
}

LoadConfig configFor(quint16 port, std::int64_t requests, int connections, bool keepAlive = true)
{
    LoadConfig c;
    c.host = QStringLiteral("127.0.0.1");
    c.port = port;
    c.routes = { RouteWeight { "/", 1 } };
    c.requests = requests;
    c.connections = connections;
    c.keepAlive = keepAlive;
    return c;
}

bool runToEnd(LoadGenerator& g, const LoadConfig& c, LoadSummary* out, int timeoutMs = 60000)
{
    QSignalSpy done(&g, &LoadGenerator::finished);
    QString error;
    if (!g.start(c, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    if (!done.wait(timeoutMs))
        return false;
    *out = done.constFirst().constFirst().value<LoadSummary>();
    return true;
}

void checkAccounting(const LoadSummary& s)
{
    QCOMPARE(s.sent, s.succeeded + s.failed);
    std::int64_t errors = 0;
    for (std::int64_t e : s.errors)
        errors += e;
    QCOMPARE(errors, s.failed);
    std::int64_t statuses = 0;
    for (std::int64_t n : s.statuses)
        statuses += n;
    QCOMPARE(statuses, s.succeeded);
}

} // namespace

class TestLoadGenerator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void countsAgainstARealWorker_data();
    void countsAgainstARealWorker();
    void routeMixFollowsTheWeights();
    void distributionMatchesTheCluster();
    void misbehavingServers_data();
    void misbehavingServers();
    void refusedConnections();
    void closeDelimitedResponsesSucceed();
    void idleConnectionsClosedByTheServerAreNotFailures();
    void routeMixDoesNotAliasWithRoundRobin();
    void pacedRunsEndAtTheirDeadline();
    void pacingWaitsAreExact();
    void descriptorLimitIsRaisedOrRefusedClearly();
    void benchSendsNoProbe();
    void coordinatedOmissionIsCorrected();
    void cancelStopsAndStillAccounts();
    void cancelWhileAServerStreams();
    void badConfigIsRefused();
    void benchJsonAndCsvAgree();
    void benchExitCodes();
    void benchFitsItsPeers();
};

void TestLoadGenerator::countsAgainstARealWorker_data()
{
    QTest::addColumn<bool>("keepAlive");
    QTest::addRow("keep-alive") << true;
    QTest::addRow("new connection per request") << false;
}

void TestLoadGenerator::countsAgainstARealWorker()
{
    QFETCH(bool, keepAlive);
    WorkerProcess worker;
    QVERIFY(worker.start());
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, configFor(worker.port(), 600, 8, keepAlive), &s));
    checkAccounting(s);
    QCOMPARE(s.sent, 600);
    QCOMPARE(s.succeeded, 600);
    QCOMPARE(s.statuses.value(200), 600);
    QCOMPARE(s.perWorker.value(worker.pid()), 600);
    QCOMPARE(s.perWorker.size(), 1);
    QCOMPARE(s.clientConnectionsOpened, keepAlive ? 8 : 600);
    QCOMPARE(s.serverConnections, keepAlive ? 8 : 600);
    QCOMPARE(s.latency.totalCount(), std::int64_t(600));
    QVERIFY(s.requestsPerSecond > 0);
    const std::vector<LoadRecord> records = g.takeRecords();
    QCOMPARE(records.size(), std::size_t(600));
    int withConnect = 0;
    for (const LoadRecord& r : records) {
        QCOMPARE(r.status, 200);
        QVERIFY(r.endNs >= r.firstByteNs && r.firstByteNs >= r.startNs);
        withConnect += r.connectNs >= 0;
    }
    // A connect time only where a connection was opened for the request.
    QCOMPARE(withConnect, keepAlive ? 8 : 600);
    // The server's own count agrees: 600, plus the /healthz asking.
    ParsedResponse health;
    QVERIFY(RawHttpClient::get(worker.port(), "/healthz", &health));
    QCOMPARE(QJsonDocument::fromJson(health.body).object().value(QStringLiteral("requests")).toInt(), 601);
}

void TestLoadGenerator::routeMixFollowsTheWeights()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    LoadConfig c = configFor(worker.port(), 400, 4);
    c.routes = { RouteWeight { "/", 3 }, RouteWeight { "/main?n=5", 1 } };
    c.seed = 12345;
    // The draw is a pure function of (seed, request number): this is what
    // the run must have sent, whatever the timing.
    const RouteMix mix({ 3, 1 }, 12345);
    int expected[2] = { 0, 0 };
    for (std::uint64_t k = 0; k < 400; ++k)
        ++expected[mix.routeFor(k)];
    QVERIFY(expected[0] > 250 && expected[0] < 350); // ~ the weights (3:1)
    for (int round = 0; round < 2; ++round) { // the same seed twice: the same run
        LoadGenerator g;
        LoadSummary s;
        QVERIFY(runToEnd(g, c, &s));
        QCOMPARE(s.succeeded, 400);
        QCOMPARE(s.seed, std::uint64_t(12345));
        int perRoute[2] = { 0, 0 };
        for (const LoadRecord& r : g.takeRecords())
            ++perRoute[r.route];
        QCOMPARE(perRoute[0], expected[0]);
        QCOMPARE(perRoute[1], expected[1]);
    }
}

void TestLoadGenerator::distributionMatchesTheCluster()
{
    // The client's view (X-Worker-Pid) against the server's own account
    // (the round-robin acceptor's per-worker counts).
    Cluster cluster(twoWorkers());
    QVERIFY(startAndWait(&cluster));
    LoadGenerator g;
    LoadSummary s;
    // One connection at a time: each worker has acknowledged its last
    // hand-over before the next arrives, so Node's round-robin alternates
    // exactly (with more at once, a worker still busy is skipped).
    QVERIFY(runToEnd(g, configFor(cluster.port(), 200, 1, false), &s));
    QCOMPARE(s.succeeded, 200);
    const QHash<qint64, quint64> handed = cluster.handedByPid();
    QCOMPARE(s.perWorker.size(), 2);
    for (auto it = s.perWorker.cbegin(); it != s.perWorker.cend(); ++it)
        QCOMPARE(static_cast<quint64>(it.value()), handed.value(it.key()));
    QCOMPARE(s.perWorker.first(), 100); // round-robin: exactly half each
}

void TestLoadGenerator::misbehavingServers_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("kind");
    QTest::addRow("resets mid-response") << int(TestServer::Mode::ResetMidResponse) << int(LoadError::Reset);
    QTest::addRow("sends garbage") << int(TestServer::Mode::Garbage) << int(LoadError::Malformed);
    QTest::addRow("never answers") << int(TestServer::Mode::Silent) << int(LoadError::Timeout);
    QTest::addRow("closes after the headers") << int(TestServer::Mode::CloseAfterHeaders) << int(LoadError::ClosedEarly);
    // Issue 22: a server that kept sending header lines held bench past its
    // --timeout and Ctrl-C (one read loop never returned), and an endless
    // header value grew without bound (2 GiB in 12 s).
    QTest::addRow("streams header lines without end") << int(TestServer::Mode::StreamHeaderLines) << int(LoadError::HeaderTooLong);
    QTest::addRow("streams one header value without end") << int(TestServer::Mode::StreamHeaderValue) << int(LoadError::HeaderTooLong);
    QTest::addRow("streams a body without end") << int(TestServer::Mode::StreamBody) << int(LoadError::Timeout);
}

void TestLoadGenerator::misbehavingServers()
{
    QFETCH(int, mode);
    QFETCH(int, kind);
    TestServer server(static_cast<TestServer::Mode>(mode));
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadConfig c = configFor(server.serverPort(), 20, 4);
    c.timeoutMs = 300;
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    checkAccounting(s);
    QCOMPARE(s.sent, 20);
    QCOMPARE(s.succeeded, 0);
    QCOMPARE(s.errors[static_cast<std::size_t>(kind)], 20);
    for (const LoadRecord& r : g.takeRecords())
        QCOMPARE(int(r.error), kind);
}

void TestLoadGenerator::refusedConnections()
{
    quint16 port = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        port = closed.serverPort();
    } // nothing listens there now
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, configFor(port, 30, 3, false), &s));
    checkAccounting(s);
    // Each connection tried once and was refused, nothing ever worked: the
    // run stops and says the target is unreachable (no 30 refusals, no spin).
    QVERIFY(s.unreachable);
    QCOMPARE(s.sent, 3);
    QCOMPARE(s.errors[static_cast<std::size_t>(LoadError::Refused)], 3);
    QVERIFY(!s.unreachableReason.isEmpty());
}

// Regression: llhttp_finish reports the pause of our message-complete
// callback; a response delimited by the connection's close counted as a
// failure (an HTTP/1.0 server got 0 answered).
void TestLoadGenerator::closeDelimitedResponsesSucceed()
{
    TestServer server(TestServer::Mode::Http10Close);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, configFor(server.serverPort(), 20, 2), &s));
    checkAccounting(s);
    QCOMPARE(s.succeeded, 20);
    QCOMPARE(s.statuses.value(200), 20);
}

// Regression: an idle keep-alive connection that the server had closed was
// reused and its request counted as "closed-early".
void TestLoadGenerator::idleConnectionsClosedByTheServerAreNotFailures()
{
    TestServer server(TestServer::Mode::CloseWhenIdle);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadConfig c = configFor(server.serverPort(), 10, 1);
    c.rate = 50; // 20 ms apart: the server's close arrives in between
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    checkAccounting(s);
    QCOMPARE(s.succeeded, 10);
    QCOMPARE(s.failed, 0);
    QCOMPARE(s.clientConnectionsOpened, 10);
}

// Regression: the weighted mix was a fixed cycle; with 2 round-robin
// workers and a new connection per request, every /main went to one worker
// and every / to the other. Drawn at random, each route reaches both.
void TestLoadGenerator::routeMixDoesNotAliasWithRoundRobin()
{
    Cluster cluster(twoWorkers());
    QVERIFY(startAndWait(&cluster));
    LoadConfig c = configFor(cluster.port(), 400, 1, false);
    c.routes = { RouteWeight { "/", 1 }, RouteWeight { "/main?n=1", 1 }, RouteWeight { "/worker?n=1", 1 },
                 RouteWeight { "/child?n=1", 1 } };
    c.seed = 7;
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    QCOMPARE(s.succeeded, 400);
    QHash<int, QSet<qint64>> workersByRoute;
    for (const LoadRecord& r : g.takeRecords())
        workersByRoute[r.route].insert(r.workerPid);
    for (int route = 0; route < 4; ++route)
        QCOMPARE(workersByRoute.value(route).size(), 2);
}

// Regression: `-z 5 --rate 0.1` ran 10 s: a paced request was scheduled
// past the end of the run.
void TestLoadGenerator::pacedRunsEndAtTheirDeadline()
{
    TestServer server(TestServer::Mode::Ok);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadConfig c = configFor(server.serverPort(), 0, 1);
    c.durationMs = 500;
    c.rate = 1; // the second request would be due at 1 s
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    checkAccounting(s);
    QCOMPARE(s.sent, 1);
    QCOMPARE(s.succeeded, 1);
}

// The pacer: due times from the request number (no drift), waits exact to
// the nanosecond (a wait rounded up to a millisecond was the generator's
// own lateness, booked as the server's by the correction).
void TestLoadGenerator::pacingWaitsAreExact()
{
    const std::int64_t t0 = 1000000000;
    const Pacer p(3000, t0); // 333,333.33 ns apart
    QCOMPARE(p.dueNs(0, 0), t0);
    QCOMPARE(p.dueNs(1, 0), t0 + 333333);
    QCOMPARE(p.dueNs(3, 0), t0 + 1000000);
    QCOMPARE(p.dueNs(3000000, 0), t0 + 1000000000000LL); // an hour of requests, not a nanosecond of drift
    QCOMPARE(Pacer::waitNs(t0, t0 + 333333), std::int64_t(333333)); // not 1 ms
    QCOMPARE(Pacer::waitNs(t0 + 5, t0), std::int64_t(0));
    QVERIFY(!Pacer().paced());
    QCOMPARE(Pacer().dueNs(7, 42), std::int64_t(42));
    // The generator's lateness is kept apart: a paced run against a real
    // worker records it for every answered request.
    WorkerProcess worker;
    QVERIFY(worker.start());
    LoadConfig c = configFor(worker.port(), 50, 1);
    c.rate = 500;
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    QCOMPARE(s.succeeded, 50);
    QCOMPARE(s.sendLag.totalCount(), std::int64_t(50));
    for (const LoadRecord& r : g.takeRecords())
        QVERIFY(r.startNs >= r.intendedNs); // never sent early
}

// Regression: -c above the descriptor limit made every connect fail at
// once, and the failures recursed (ASan: a stack overflow) or spun. The
// soft limit is raised to what -c needs; a hard limit too low is said.
void TestLoadGenerator::descriptorLimitIsRaisedOrRefusedClearly()
{
#if !defined(Q_OS_LINUX)
    QSKIP("sets resource limits of a child process");
#else
    WorkerProcess worker;
    QVERIFY(worker.start());
    auto bench = [&](rlim_t soft, rlim_t hard, QByteArray* err) {
        QProcess p;
        p.setChildProcessModifier([soft, hard]() {
            rlimit rl { soft, hard };
            ::setrlimit(RLIMIT_NOFILE, &rl);
        });
        p.start(WorkerProcess::binary(QStringLiteral("clusterlab")),
                { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()),
                  QStringLiteral("-n"), QStringLiteral("400"), QStringLiteral("-c"), QStringLiteral("200") });
        if (!p.waitForFinished(60000))
            return -1;
        *err = p.readAllStandardError();
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    };
    QByteArray err;
    QCOMPARE(bench(64, 4096, &err), 0); // the soft limit is raised
    QCOMPARE(bench(64, 64, &err), 1);    // the hard one cannot be
    QVERIFY2(err.contains("hard limit is 64"), err.constData());
#endif
}

// Regression: bench opened a probe connection first, which took a turn of
// the round-robin rotation (and showed up in the cluster's counts).
void TestLoadGenerator::benchSendsNoProbe()
{
    Cluster cluster(twoWorkers());
    QVERIFY(startAndWait(&cluster));
    QVERIFY(offThread([&]() {
        QProcess p;
        p.start(WorkerProcess::binary(QStringLiteral("clusterlab")),
                { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(cluster.port()),
                  QStringLiteral("-n"), QStringLiteral("100"), QStringLiteral("-c"), QStringLiteral("1"),
                  QStringLiteral("--no-keepalive") });
        return p.waitForFinished(60000) && p.exitCode() == 0;
    }));
    quint64 handed = 0;
    for (quint64 n : cluster.handedByPid())
        handed += n;
    QCOMPARE(handed, quint64(100));
}

void TestLoadGenerator::coordinatedOmissionIsCorrected()
{
    // 100 requests/s on one keep-alive connection; request 50 stalls for a
    // second. Corrected latency counts the ~100 requests that were due
    // during the stall; the service time only sees one slow request.
    TestServer server(TestServer::Mode::StallOnce, 50, 1000);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadConfig c = configFor(server.serverPort(), 0, 1);
    c.durationMs = 3000;
    c.rate = 100;
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, c, &s));
    checkAccounting(s);
    QVERIFY(s.constantRate);
    QCOMPARE(s.failed, 0);
    QVERIFY2(s.sent > 150, qPrintable(QString::number(s.sent)));
    const double corrected99 = s.latency.percentileMs(99);
    const double service99 = s.service.percentileMs(99);
    const double serviceMax = s.service.maxMs();
    QVERIFY2(serviceMax >= 900, qPrintable(QString::number(serviceMax))); // the stall itself was seen
    QVERIFY2(corrected99 >= 500, qPrintable(QStringLiteral("corrected p99 %1 ms").arg(corrected99)));
    QVERIFY2(service99 < corrected99 / 4, qPrintable(QStringLiteral("service p99 %1 ms").arg(service99)));
}

// Starts a long run against a server in `mode` with `connections`, cancels
// it once it is under way, and checks that every request in flight is
// accounted as cancelled.
void cancelMidRun(TestServer::Mode mode, int connections)
{
    TestServer server(mode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    LoadConfig c = configFor(server.serverPort(), 0, connections);
    c.durationMs = 600000;
    c.timeoutMs = 600000;
    LoadGenerator g;
    QSignalSpy done(&g, &LoadGenerator::finished);
    QSignalSpy progress(&g, &LoadGenerator::progress);
    QString error;
    QVERIFY(g.start(c, &error));
    QVERIFY(progress.wait(10000));
    g.cancel();
    QVERIFY(done.wait(10000));
    const LoadSummary s = done.constFirst().constFirst().value<LoadSummary>();
    QVERIFY(s.cancelled);
    checkAccounting(s);
    QCOMPARE(s.errors[static_cast<std::size_t>(LoadError::Cancelled)], connections);
    QVERIFY(!g.isRunning());
}

void TestLoadGenerator::cancelStopsAndStillAccounts()
{
    cancelMidRun(TestServer::Mode::Silent, 5);
}

// Issue 22: cancel (bench's Ctrl-C) is honoured while a server streams
// without end: the read loop gives the run back between chunks.
void TestLoadGenerator::cancelWhileAServerStreams()
{
    cancelMidRun(TestServer::Mode::StreamBody, 2);
}

void TestLoadGenerator::badConfigIsRefused()
{
    LoadGenerator g;
    QString error;
    LoadConfig c = configFor(80, 0, 1);
    QVERIFY(!g.start(c, &error));
    QVERIFY(error.contains(QStringLiteral("number of requests or a duration")));
    c = configFor(80, 5, 10);
    QVERIFY(!g.start(c, &error));
    QVERIFY(error.contains(QStringLiteral("more connections")));
    QVERIFY(!LoadConfig::fromUrl(QStringLiteral("https://example.org/"), &c, &error));
    QVERIFY(error.contains(QStringLiteral("only http://")));
    QVERIFY(LoadConfig::fromUrl(QStringLiteral("http://127.0.0.1:3000/main?n=3"), &c, &error));
    QCOMPARE(c.port, quint16(3000));
    QCOMPARE(c.routes.constFirst().path, QByteArray("/main?n=3"));
}

void TestLoadGenerator::benchJsonAndCsvAgree()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("s.json"));
    const QString csv = dir.filePath(QStringLiteral("r.csv"));
    QProcess bench;
    bench.start(WorkerProcess::binary(QStringLiteral("clusterlab")),
                { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"),
                  QStringLiteral("300"), QStringLiteral("-c"), QStringLiteral("6"), QStringLiteral("--route"),
                  QStringLiteral("/:2"), QStringLiteral("--route"), QStringLiteral("/nope:1"), QStringLiteral("--json"),
                  json, QStringLiteral("--csv"), csv, QStringLiteral("--seed"), QStringLiteral("99") });
    QVERIFY(bench.waitForFinished(60000));
    QCOMPARE(bench.exitCode(), 0);
    const QByteArray text = bench.readAllStandardOutput();
    QVERIFY(text.contains("Sent 300 = 300 answered + 0 failed"));
    QFile jf(json);
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(jf.readAll()).object();
    QCOMPARE(o.value(QStringLiteral("sent")).toInt(), 300);
    QCOMPARE(o.value(QStringLiteral("succeeded")).toInt(), 300);
    const RouteMix mix({ 2, 1 }, 99);
    int expectedOk = 0;
    for (std::uint64_t k = 0; k < 300; ++k)
        expectedOk += mix.routeFor(k) == 0 ? 1 : 0;
    QCOMPARE(o.value(QStringLiteral("seed")).toString(), QStringLiteral("99"));
    QVERIFY(text.contains("--seed 99"));
    QCOMPARE(o.value(QStringLiteral("statuses")).toObject().value(QStringLiteral("200")).toInt(), expectedOk);
    QCOMPARE(o.value(QStringLiteral("statuses")).toObject().value(QStringLiteral("404")).toInt(), 300 - expectedOk);
    QCOMPARE(o.value(QStringLiteral("perWorkerPid")).toObject().value(QString::number(worker.pid())).toInt(), 300);
    QVERIFY(o.value(QStringLiteral("latency")).toObject().value(QStringLiteral("p99Ms")).toDouble() > 0);
    QFile cf(csv);
    QVERIFY(cf.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = cf.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 301);
    QVERIFY(lines.constFirst().startsWith("seq,route,client_connection,"));
    int ok200 = 0;
    int notFound = 0;
    double maxLatency = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> f = lines[i].split(',');
        QCOMPARE(f.size(), 18); // 15 per request, then version, started_utc, seed
        QCOMPARE(f[12].toLongLong(), worker.pid());
        QCOMPARE(f[17], QByteArray("99"));
        ok200 += f[10] == "200";
        notFound += f[10] == "404";
        maxLatency = qMax(maxLatency, f[8].toDouble());
    }
    QCOMPARE(ok200, expectedOk);
    QCOMPARE(notFound, 300 - expectedOk);
    // The summary's max is the histogram's: the highest value equivalent to
    // the slowest request (at most 1/128 above it). The CSV and the JSON
    // each round to 1 µs, so they may differ by 1 µs, plus the doubles'
    // own error (1.832 − 0.001 is a hair above 1.831).
    const double maxMs = o.value(QStringLiteral("latency")).toObject().value(QStringLiteral("maxMs")).toDouble();
    QVERIFY2(maxMs >= maxLatency - 0.0015 && maxMs <= maxLatency * (1 + 1.0 / 128) + 0.0015,
             qPrintable(QStringLiteral("CSV max %1 ms, summary max %2 ms").arg(maxLatency).arg(maxMs)));
}

void TestLoadGenerator::benchExitCodes()
{
    quint16 deadPort = 0;
    {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        deadPort = closed.serverPort();
    }
    const QString program = WorkerProcess::binary(QStringLiteral("clusterlab"));
    QProcess p;
    p.start(program, { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(deadPort), QStringLiteral("-n"), QStringLiteral("5") });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardError().contains("cannot connect"));
    for (const QStringList& args : { QStringList { QStringLiteral("bench") },
                                     QStringList { QStringLiteral("bench"), QStringLiteral("ftp://x/") },
                                     QStringList { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:1/"), QStringLiteral("-n"), QStringLiteral("0") },
                                     QStringList { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:1/"), QStringLiteral("-n"), QStringLiteral("5"), QStringLiteral("-z"), QStringLiteral("1") },
                                     // Regression: a timeout past ~2.1 M s overflowed to a negative one.
                                     QStringList { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:1/"), QStringLiteral("--timeout"), QStringLiteral("3000000") },
                                     QStringList { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:1/"), QStringLiteral("--seed"), QStringLiteral("x") } }) {
        p.start(program, args);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(!p.readAllStandardError().isEmpty());
    }
}

// What a user of wrk, hey or ab expects of the command line (issue 27):
// --json - on standard output (the text then on standard error) and
// /dev/stdout as a file; -z with units; -H, -m, -d; a run in which nothing
// succeeded (every answer 4xx) exits 1 and says so; a route holding a
// comma is quoted in the CSV; the JSON says which program and version
// wrote it and when the run began; --help names the program and the
// subcommand.
void TestLoadGenerator::benchFitsItsPeers()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    const QString program = WorkerProcess::binary(QStringLiteral("clusterlab"));
    const QString url = QStringLiteral("http://127.0.0.1:%1/").arg(worker.port());
    auto bench = [&](const QStringList& args, QByteArray* out, QByteArray* err) {
        QProcess p;
        p.start(program, QStringList { QStringLiteral("bench") } + args);
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished();
            return -1;
        }
        *out = p.readAllStandardOutput();
        *err = p.readAllStandardError();
        return p.exitCode();
    };
    QByteArray out, err;
    // -z with a unit, JSON on standard output, the text on standard error.
    QCOMPARE(bench({ url, QStringLiteral("-z"), QStringLiteral("300ms"), QStringLiteral("-c"), QStringLiteral("2"),
                     QStringLiteral("-H"), QStringLiteral("X-Test: yes"), QStringLiteral("--json"), QStringLiteral("-") },
                   &out, &err),
             0);
    QJsonParseError parseError {};
    const QJsonObject j = QJsonDocument::fromJson(out, &parseError).object();
    QVERIFY2(parseError.error == QJsonParseError::NoError, out.constData());
    QVERIFY(err.contains("Summary:"));
    QCOMPARE(j.value(QStringLiteral("config")).toObject().value(QStringLiteral("durationMs")).toInt(), 300);
    QCOMPARE(j.value(QStringLiteral("config")).toObject().value(QStringLiteral("headers")).toArray().first().toString(),
             QStringLiteral("X-Test: yes"));
    QVERIFY(j.value(QStringLiteral("version")).toString().startsWith(QLatin1String("0.")));
    const QDateTime started = QDateTime::fromString(j.value(QStringLiteral("startedUtc")).toString(), Qt::ISODateWithMs);
    QVERIFY2(started.isValid() && qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 3600,
             qPrintable(j.value(QStringLiteral("startedUtc")).toString()));
    QVERIFY(j.value(QStringLiteral("succeeded")).toInteger() > 0);
    // /dev/stdout is a file that can be written in place.
    QCOMPARE(bench({ url, QStringLiteral("-n"), QStringLiteral("10"), QStringLiteral("-c"), QStringLiteral("1"),
                     QStringLiteral("-m"), QStringLiteral("head"), QStringLiteral("--json"), QStringLiteral("/dev/stdout") },
                   &out, &err),
             0);
    QVERIFY2(out.contains("\"method\": \"HEAD\""), out.constData());
    QVERIFY2(out.contains("\"200\": 10"), out.constData()); // HEAD answers end at their head: none hangs
    // Every answer a 4xx (the worker takes only GET and HEAD): nothing
    // succeeded, exit 1, and the text says how many.
    QCOMPARE(bench({ url, QStringLiteral("-n"), QStringLiteral("20"), QStringLiteral("-c"), QStringLiteral("2"),
                     QStringLiteral("-m"), QStringLiteral("POST"), QStringLiteral("-d"), QStringLiteral("hello") },
                   &out, &err),
             1);
    QVERIFY2(out.contains("Success rate:  0.00%  (20 answers of 4xx or 5xx)"), out.constData());
    QVERIFY2(err.contains("no request succeeded (20 answered 4xx or 5xx, 0 failed)"), err.constData());
    // A route with a comma: quoted, so a CSV reader sees 18 fields.
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("r.csv"));
    QCOMPARE(bench({ url, QStringLiteral("-n"), QStringLiteral("4"), QStringLiteral("-c"), QStringLiteral("1"),
                     QStringLiteral("--route"), QStringLiteral("/main?n=5,x:1"), QStringLiteral("--csv"), csv },
                   &out, &err),
             1); // /main?n=5,x is a 400: nothing succeeded
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    QVERIFY(lines.size() >= 2);
    QVERIFY2(lines[1].contains(",\"/main?n=5,x\","), lines[1].constData());
    QCOMPARE(lines[1].count(',') - 1, 17); // 18 fields: 17 separators outside the quotes
    // Bad values: a usage error that names the option and the program.
    QCOMPARE(bench({ url, QStringLiteral("-z"), QStringLiteral("10x") }, &out, &err), 2);
    QVERIFY2(err.contains("-z: expected a duration"), err.constData());
    QVERIFY2(err.contains("(see clusterlab bench --help)"), err.constData());
    QCOMPARE(bench({ url, QStringLiteral("-H"), QStringLiteral("Host: elsewhere") }, &out, &err), 2);
    QVERIFY2(err.contains("written by the load generator itself"), err.constData());
    QCOMPARE(bench({ url, QStringLiteral("-H"), QStringLiteral("no colon") }, &out, &err), 2);
    QCOMPARE(bench({ url, QStringLiteral("-m"), QStringLiteral("BREW") }, &out, &err), 2);
    QVERIFY2(err.contains("the method must be one of"), err.constData());
    QCOMPARE(bench({ QStringLiteral("--help") }, &out, &err), 0);
    QVERIFY2(out.startsWith("Usage: clusterlab bench [options] URL"), out.left(80).constData());
}

QTEST_GUILESS_MAIN(TestLoadGenerator)
#include "tst_loadgenerator.moc"
