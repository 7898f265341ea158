// SPDX-License-Identifier: GPL-3.0-or-later
// A real clusterlab-worker process on an ephemeral port, driven over real
// sockets: every route, every error status, pipelining, keep-alive, HEAD,
// HTTP/1.0, client aborts, the task limit, and no process left behind.
#include "platform/eventdispatcher.h"
#include "compute/payload.h"
#include "rawhttpclient.h"
#include "workerprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QElapsedTimer>
#include <QtTest>

using namespace clusterlab::test;

namespace {

QByteArray get(const QByteArray& target, const QByteArray& extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

QJsonObject healthOf(quint16 port)
{
    ParsedResponse r;
    if (!RawHttpClient::get(port, "/healthz", &r) || r.status != 200)
        return {};
    return QJsonDocument::fromJson(r.body).object();
}

QProcessEnvironment envWith(const QString& key, const QString& value)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(key, value);
    return env;
}

} // namespace

class TestWorker : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void routes_data();
    void routes();
    void jsonVariant_data();
    void jsonVariant();
    void healthz();
    void eitherDispatcherServes_data();
    void eitherDispatcherServes();
    void badRequestsKeepTheConnection_data();
    void badRequestsKeepTheConnection();
    void notFoundAndMethodNotAllowed();
    void streamErrorsCloseOnlyThatConnection_data();
    void streamErrorsCloseOnlyThatConnection();
    void slowHeadersGet408();
    void idleKeepAliveIsClosed();
    void hostAndSiteRules_data();
    void hostAndSiteRules();
    void crossSiteRequestsCannotComputeOrInjectFaults();
    void allowedHostNames();
    void experimentParametersNeedFaultInjection_data();
    void experimentParametersNeedFaultInjection();
    void aCrashingTaskFailsOnlyItsRequest();
    void aCrashOnAPoolThreadTakesTheWorkerDown();
    void anExceptionOnAPoolThreadFailsOnlyItsRequest();
    void hungJobsAndTasksGet504();
    void payloadReadInPlaceOrThroughThePipe();
    void idleLimitCountsFromTheLastRequest();
    void pipelinedMixedPathsInOrder();
    void keepAliveReusesTheConnection();
    void headHasHeadersButNoBody();
    void http10();
    void connectionCloseIsHonoured();
    void bodyUpToLimitIsDiscarded();
    void threadPoolQueueFullGets503();
    void childLimitFullGets503();
    void connectionCapGets503();
    void clientAbortDuringWorker();
    void clientAbortDuringChild();
    void taskLimitBoundsRunningProcesses();
    void brokenTasksGive502And504_data();
    void brokenTasksGive502And504();

private:
    std::unique_ptr<WorkerProcess> m_worker; // the default worker of most tests
    quint16 port() const { return m_worker->port(); }
};

void TestWorker::initTestCase()
{
    m_worker = std::make_unique<WorkerProcess>(QStringList { QStringLiteral("--pool-threads"), QStringLiteral("2") });
    QVERIFY2(m_worker->start(), m_worker->stderrText().constData());
}

void TestWorker::cleanup()
{
    // Every test leaves the shared worker idle: no task process running, no
    // request in flight, and the worker itself still alive and serving.
    QVERIFY(m_worker->process().state() == QProcess::Running);
    if (canListChildren())
        QTRY_VERIFY_WITH_TIMEOUT(childPids(m_worker->pid()).isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(port()).value(QStringLiteral("inFlight")).toInt(), 1, 10000);
}

void TestWorker::cleanupTestCase()
{
    // After everything above, the worker still shuts down cleanly on
    // SIGTERM (under the asan preset, exit 0 also means no leak report).
    QCOMPARE(m_worker->stop(), 0);
    const QByteArray err = m_worker->stderrText();
    QVERIFY2(!err.contains("Sanitizer"), err.constData());
}

void TestWorker::routes_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("bodyStart");
    QTest::addRow("/") << QByteArray("/") << QByteArray("Hello from worker ");
    QTest::addRow("/main?n=10") << QByteArray("/main?n=10") << QByteArray("fib(10) = 55, computed on the event loop");
    QTest::addRow("/worker?n=20") << QByteArray("/worker?n=20") << QByteArray("fib(20) = 6765, computed on the thread pool");
    QTest::addRow("/child?n=21") << QByteArray("/child?n=21") << QByteArray("fib(21) = 10946, computed in a child process");
    QTest::addRow("/main default n") << QByteArray("/main") << QByteArray("fib(30) = 832040");
}

void TestWorker::routes()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, bodyStart);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(port(), target, &r));
    QCOMPARE(r.status, 200);
    QVERIFY2(r.body.startsWith(bodyStart), r.body.constData());
    QCOMPARE(r.header("X-Worker-Pid").toLongLong(), m_worker->pid());
    QCOMPARE(r.header("X-Worker-Index"), QByteArray("0"));
    QVERIFY(r.header("X-Connection-Id").toULongLong() > 0);
    QVERIFY(r.header("X-Request-Seq").toULongLong() > 0);
    static const QRegularExpression timing(
        QStringLiteral("^queue;dur=\\d+\\.\\d{3}, compute;dur=\\d+\\.\\d{3}, spawn;dur=\\d+\\.\\d{3}$"));
    QVERIFY2(timing.match(QString::fromLatin1(r.header("Server-Timing"))).hasMatch(), r.header("Server-Timing").constData());
    QCOMPARE(r.header("Content-Length").toInt(), r.body.size());
}

void TestWorker::jsonVariant_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("path");
    QTest::addColumn<qint64>("result");
    QTest::addRow("/main") << QByteArray("/main?n=15") << QStringLiteral("main") << qint64(610);
    QTest::addRow("/worker") << QByteArray("/worker?n=16") << QStringLiteral("thread") << qint64(987);
    QTest::addRow("/child") << QByteArray("/child?n=17") << QStringLiteral("child") << qint64(1597);
}

void TestWorker::jsonVariant()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, path);
    QFETCH(qint64, result);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(port(), target, &r, "Accept: application/json\r\n"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(o.value(QStringLiteral("path")).toString(), path);
    QCOMPARE(o.value(QStringLiteral("result")).toInteger(), result);
    QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), m_worker->pid());
    QCOMPARE(o.value(QStringLiteral("connectionId")).toInteger(), r.header("X-Connection-Id").toLongLong());
    QCOMPARE(o.value(QStringLiteral("requestSeq")).toInteger(), r.header("X-Request-Seq").toLongLong());
    for (const char* k : { "queueMs", "computeMs", "spawnMs" })
        QVERIFY2(o.value(QLatin1String(k)).toDouble(-1) >= 0, k);
    if (path == QLatin1String("child"))
        QVERIFY(o.value(QStringLiteral("spawnMs")).toDouble() > 0);
    else
        QCOMPARE(o.value(QStringLiteral("spawnMs")).toDouble(), 0.0);
}

void TestWorker::healthz()
{
    const QJsonObject o = healthOf(port());
    QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), m_worker->pid());
    QCOMPARE(o.value(QStringLiteral("poolThreads")).toInt(), 2);
    QVERIFY(o.value(QStringLiteral("requests")).toInteger() > 0);
}

void TestWorker::badRequestsKeepTheConnection_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("n=46") << QByteArray("/main?n=46") << QByteArray("at most 45");
    QTest::addRow("n=-1") << QByteArray("/worker?n=-1") << QByteArray("plain integer");
    QTest::addRow("n=abc") << QByteArray("/child?n=abc") << QByteArray("plain integer");
    QTest::addRow("n=") << QByteArray("/main?n=") << QByteArray("empty");
    QTest::addRow("n=1.5") << QByteArray("/main?n=1.5") << QByteArray("plain integer");
}

void TestWorker::badRequestsKeepTheConnection()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, reason);
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    QVERIFY(c.send(get(target) + get("/main?n=3")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.contains(reason), r.body.constData());
    QCOMPARE(r.body.count('\n'), 1);
    QVERIFY(r.keepAlive);
    // The stream is still in sync: the next request on it is served.
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith("fib(3) = 2"));
}

void TestWorker::notFoundAndMethodNotAllowed()
{
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    QVERIFY(c.send(get("/nope") + "POST /main HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc" + "DELETE /child HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   + get("/")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 404);
    QVERIFY(!r.header("X-Worker-Pid").isEmpty());
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 405);
    QCOMPARE(r.header("Allow"), QByteArray("GET, HEAD"));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 405);
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
}

// Issue 22: a web page must not drive the lab. DNS rebinding (a foreign
// Host) gets 421, a request a browser marks as cross-site may read / and
// /healthz only (403), and HTTP/1.1 needs exactly one Host (400).
void TestWorker::hostAndSiteRules_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("bodyHas");
    const QByteArray own = "127.0.0.1:" + QByteArray::number(port());
    auto req = [](const QByteArray& target, const QByteArray& headers) -> QByteArray { return "GET " + target + " HTTP/1.1\r\n" + headers + "\r\n"; };
    QTest::addRow("rebinding Host /healthz -> 421") << req("/healthz", "Host: rebind.evil.example\r\n") << 421 << QByteArray("answers requests for 127.0.0.1, localhost, [::1]");
    QTest::addRow("rebinding Host with port / -> 421") << req("/", "Host: rebind.evil.example:" + QByteArray::number(port()) + "\r\n") << 421 << QByteArray("421");
    QTest::addRow("Host 127.0.0.2 -> 421") << req("/", "Host: 127.0.0.2\r\n") << 421 << QByteArray("421");
    QTest::addRow("Host with a bad port -> 421") << req("/", "Host: localhost:x\r\n") << 421 << QByteArray("421");
    QTest::addRow("no Host on 1.1 -> 400") << req("/", "") << 400 << QByteArray("needs a Host");
    QTest::addRow("two Hosts -> 400") << req("/", "Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n") << 400 << QByteArray("more than one Host");
    QTest::addRow("1.0 without Host -> 200") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 200 << QByteArray("Hello from worker");
    QTest::addRow("Host localhost:port -> 200") << req("/main?n=3", "Host: localhost:" + QByteArray::number(port()) + "\r\n") << 200 << QByteArray("fib(3) = 2");
    QTest::addRow("Host [::1] -> 200") << req("/", "Host: [::1]:1\r\n") << 200 << QByteArray("Hello");
    QTest::addRow("Host LOCALHOST. -> 200") << req("/", "Host: LOCALHOST.\r\n") << 200 << QByteArray("Hello");
    QTest::addRow("cross-site / -> 200") << req("/", "Host: " + own + "\r\nSec-Fetch-Site: cross-site\r\n") << 200 << QByteArray("Hello");
    QTest::addRow("cross-site /healthz -> 200") << req("/healthz", "Host: " + own + "\r\nSec-Fetch-Site: cross-site\r\n") << 200 << QByteArray("\"status\"");
    QTest::addRow("cross-site /main -> 403") << req("/main?n=40", "Host: " + own + "\r\nSec-Fetch-Site: cross-site\r\n") << 403 << QByteArray("another web site");
    QTest::addRow("same-site /worker -> 403") << req("/worker?n=40", "Host: " + own + "\r\nSec-Fetch-Site: same-site\r\n") << 403 << QByteArray("another web site");
    QTest::addRow("cross-site /nope -> 403") << req("/nope", "Host: " + own + "\r\nSec-Fetch-Site: cross-site\r\n") << 403 << QByteArray("403");
    QTest::addRow("foreign Origin /child -> 403") << req("/child?n=40", "Host: " + own + "\r\nOrigin: http://evil.example\r\n") << 403 << QByteArray("another web site");
    QTest::addRow("Origin null /main -> 403") << req("/main?n=40", "Host: " + own + "\r\nOrigin: null\r\n") << 403 << QByteArray("403");
    QTest::addRow("another port's Origin /main -> 403") << req("/main?n=40", "Host: " + own + "\r\nOrigin: http://127.0.0.1:1\r\n") << 403 << QByteArray("403");
    QTest::addRow("own Origin /main -> 200") << req("/main?n=4", "Host: " + own + "\r\nOrigin: http://" + own + "\r\n") << 200 << QByteArray("fib(4) = 3");
    QTest::addRow("same-origin /main -> 200") << req("/main?n=5", "Host: " + own + "\r\nSec-Fetch-Site: same-origin\r\n") << 200 << QByteArray("fib(5) = 5");
    QTest::addRow("typed URL (none) /main -> 200") << req("/main?n=6", "Host: " + own + "\r\nSec-Fetch-Site: none\r\n") << 200 << QByteArray("fib(6) = 8");
    QTest::addRow("cross-site POST / -> 403")
        << QByteArray("POST / HTTP/1.1\r\nHost: " + own + "\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 0\r\n\r\n") << 403 << QByteArray("403");
}

void TestWorker::hostAndSiteRules()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, bodyHas);
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    // The refusal does not cost the connection: the next request is served.
    QVERIFY(c.send(request + get("/")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, status);
    QVERIFY2(r.body.contains(bodyHas), r.body.constData());
    if (status == 403 || status == 421)
        QVERIFY(r.header("Server-Timing").contains("compute;dur=0")); // nothing was computed
    if (request.startsWith("GET / HTTP/1.0"))
        return; // HTTP/1.0: the connection closes after it
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
}

// The window's workers once ran with fault injection and no Host check: ten
// cross-site GET /worker?fault=crash put both slots into "errored". Now even
// a worker started with --fault-injection refuses them, and starts no task.
void TestWorker::crossSiteRequestsCannotComputeOrInjectFaults()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection") });
    QVERIFY2(worker.start(), worker.stderrText().constData());
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(worker.port()) + "\r\n";
    for (const QByteArray& target : { QByteArray("/worker?n=1&fault=crash"), QByteArray("/child?n=1&fault=crash"),
                                      QByteArray("/child?n=45"), QByteArray("/worker?fault=hang") }) {
        RawHttpClient c;
        QVERIFY(c.connectTo(worker.port()));
        QVERIFY(c.send("GET " + target + " HTTP/1.1\r\n" + host + "Sec-Fetch-Site: cross-site\r\nOrigin: http://evil.example\r\n\r\n"));
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 403);
        if (canListChildren())
            QVERIFY(childPids(worker.pid()).isEmpty());
    }
    QCOMPARE(worker.process().state(), QProcess::Running);
    const QJsonObject health = healthOf(worker.port());
    QCOMPARE(health.value(QStringLiteral("tasksRunning")).toInt(), 0);
    QCOMPARE(health.value(QStringLiteral("poolJobs")).toInt(), 0);
    QCOMPARE(worker.stop(), 0);
}

void TestWorker::allowedHostNames()
{
    WorkerProcess worker({ QStringLiteral("--allow-host"), QStringLiteral("lab.example.org") });
    QVERIFY2(worker.start(), worker.stderrText().constData());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send("GET /main?n=7 HTTP/1.1\r\nHost: Lab.Example.org:8080\r\n\r\n"
                   "GET / HTTP/1.1\r\nHost: other.example.org\r\n\r\n"));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith("fib(7) = 13"));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 421);
    QVERIFY2(r.body.contains("lab.example.org"), r.body.constData());
    QCOMPARE(worker.stop(), 0);

    // A name that is not one: a usage error, exit 2.
    WorkerProcess bad({ QStringLiteral("--allow-host"), QStringLiteral("evil.example:80") });
    QVERIFY(!bad.start());
    QVERIFY2(bad.stderrText().contains("--allow-host"), bad.stderrText().constData());
}

void TestWorker::eitherDispatcherServes_data()
{
    QTest::addColumn<QString>("dispatcher");
    for (const QString& name : clusterlab::platform::eventDispatcherNames())
        QTest::addRow("%s", qPrintable(name)) << name;
}

// The worker's event loop on each dispatcher this build offers (the epoll
// one is the default on Linux; --dispatcher qt is Qt's own, for
// comparison): the loop, the pool and the tasks answer on one kept
// connection, and a signal stops it cleanly. A name it does not offer is a
// usage error.
void TestWorker::eitherDispatcherServes()
{
    QFETCH(QString, dispatcher);
    WorkerProcess worker({ QStringLiteral("--dispatcher"), dispatcher });
    QVERIFY2(worker.start(), worker.stderrText().constData());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/") + get("/main?n=10") + get("/worker?n=10") + get("/child?n=10")));
    const QByteArray where[] = { "Hello from worker", "on the event loop", "on the thread pool", "in a child process" };
    for (const QByteArray& w : where) {
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
        QVERIFY2(r.body.contains(w), r.body.constData());
    }
    QCOMPARE(worker.stop(), 0);

    WorkerProcess bad({ QStringLiteral("--dispatcher"), QStringLiteral("select") });
    QVERIFY(!bad.start());
    QVERIFY2(bad.stderrText().contains("--dispatcher: expected"), bad.stderrText().constData());
}

void TestWorker::streamErrorsCloseOnlyThatConnection_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addRow("garbage -> 400") << QByteArray("\x16\x03\x01 this is not http\r\n\r\n") << 400;
    QTest::addRow("bad header -> 400") << QByteArray("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n") << 400;
    QTest::addRow("HTTP/2.0 -> 505") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
    QTest::addRow("URI 9 KiB -> 414") << get("/main?pad=" + QByteArray(9 * 1024, 'a')) << 414;
    QTest::addRow("header 20 KiB -> 431") << get("/", "X-Big: " + QByteArray(20 * 1024, 'b') + "\r\n") << 431;
    QTest::addRow("Content-Length 2 MiB -> 413")
        << QByteArray("POST /main HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n") << 413;
}

void TestWorker::streamErrorsCloseOnlyThatConnection()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    // Another client is mid-conversation on its own connection meanwhile.
    RawHttpClient bystander;
    QVERIFY(bystander.connectTo(port()));
    QVERIFY(bystander.send(get("/main?n=5")));
    ParsedResponse r;
    QVERIFY(bystander.readResponse(&r));

    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    QVERIFY(c.send(get("/main?n=1") + request + get("/")));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200); // what came before the error is answered
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QVERIFY(!r.keepAlive);
    QVERIFY(c.waitForClose());

    QVERIFY(bystander.send(get("/main?n=6")));
    QVERIFY(bystander.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith("fib(6) = 8"));
}

void TestWorker::slowHeadersGet408()
{
    WorkerProcess worker({ QStringLiteral("--header-timeout-ms"), QStringLiteral("300") });
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send("GET /main?n=1 HTTP/1.1\r\nHost: x\r\n")); // the head never ends
    ParsedResponse r;
    QVERIFY(c.readResponse(&r, false, 10000));
    QCOMPARE(r.status, 408);
    QVERIFY(c.waitForClose());
    QVERIFY(RawHttpClient::get(worker.port(), "/", &r));
    QCOMPARE(r.status, 200);
}

void TestWorker::idleKeepAliveIsClosed()
{
    WorkerProcess worker({ QStringLiteral("--idle-timeout-ms"), QStringLiteral("200") });
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.keepAlive);
    // No response is sent for an idle close: just the FIN.
    QVERIFY(c.waitForClose(10000));
}

// The idle timer is not restarted per request: it fires at the first
// deadline and sets itself again for the rest when a request came since.
// A connection used near the end of its idle time must then get a whole
// idle period from that request, not be closed at the first deadline.
void TestWorker::idleLimitCountsFromTheLastRequest()
{
    constexpr int kIdleMs = 400;
    WorkerProcess worker({ QStringLiteral("--idle-timeout-ms"), QString::number(kIdleMs) });
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QTest::qWait(kIdleMs * 3 / 4); // the gap between two requests is what is under test
    QElapsedTimer sinceSecond;
    sinceSecond.start();
    QVERIFY(c.send(get("/")));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(c.waitForClose(10000));
    // The server armed its deadline after the second request arrived, so
    // the close cannot come sooner than a whole idle period after it.
    QVERIFY2(sinceSecond.elapsed() >= kIdleMs, qPrintable(QString::number(sinceSecond.elapsed())));
}

void TestWorker::pipelinedMixedPathsInOrder()
{
    // The slow ones first: a later /main finishes long before an earlier
    // /child or /worker, yet the answers must come back in request order.
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    const QList<QByteArray> targets { "/child?n=27", "/worker?n=28", "/main?n=1", "/", "/worker?n=2",
                                      "/child?n=3", "/main?n=4", "/nope", "/main?n=99" };
    QByteArray all;
    for (const QByteArray& t : targets)
        all += get(t);
    QVERIFY(c.send(all));
    const QList<QByteArray> expected { "fib(27) = 196418", "fib(28) = 317811", "fib(1) = 1", "Hello from worker",
                                       "fib(2) = 1", "fib(3) = 2", "fib(4) = 3", "404", "400" };
    quint64 lastSeq = 0;
    QByteArray connectionId;
    for (int i = 0; i < targets.size(); ++i) {
        ParsedResponse r;
        QVERIFY2(c.readResponse(&r), targets[i].constData());
        QVERIFY2(r.body.startsWith(expected[i]), QByteArray(targets[i] + " -> " + r.body).constData());
        const quint64 seq = r.header("X-Request-Seq").toULongLong();
        QVERIFY(seq > lastSeq);
        lastSeq = seq;
        if (i == 0)
            connectionId = r.header("X-Connection-Id");
        QCOMPARE(r.header("X-Connection-Id"), connectionId);
    }
}

void TestWorker::keepAliveReusesTheConnection()
{
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    QByteArray connectionId;
    quint64 lastSeq = 0;
    for (int i = 0; i < 5; ++i) {
        QVERIFY(c.send(get(i % 2 ? "/worker?n=5" : "/main?n=5")));
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
        QVERIFY(r.keepAlive);
        QVERIFY(r.header("Connection").isEmpty());
        if (i == 0)
            connectionId = r.header("X-Connection-Id");
        QCOMPARE(r.header("X-Connection-Id"), connectionId);
        QVERIFY(r.header("X-Request-Seq").toULongLong() > lastSeq);
        lastSeq = r.header("X-Request-Seq").toULongLong();
    }
}

void TestWorker::headHasHeadersButNoBody()
{
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    for (const QByteArray& target : { QByteArray("/main?n=7"), QByteArray("/worker?n=7"), QByteArray("/child?n=7"),
                                      QByteArray("/"), QByteArray("/nope") }) {
        QVERIFY(c.send(get(target)));
        ParsedResponse getResponse;
        QVERIFY(c.readResponse(&getResponse));
        QVERIFY(c.send("HEAD " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + get("/")));
        ParsedResponse head;
        QVERIFY(c.readResponse(&head, true));
        QCOMPARE(head.status, getResponse.status);
        QCOMPARE(head.header("Content-Length"), getResponse.header("Content-Length"));
        QVERIFY(head.body.isEmpty());
        QVERIFY(!head.header("X-Worker-Pid").isEmpty());
        // Had a body been sent, this would not parse as the next response.
        ParsedResponse next;
        QVERIFY(c.readResponse(&next));
        QVERIFY(next.body.startsWith("Hello from worker"));
    }
}

void TestWorker::http10()
{
    {
        RawHttpClient c;
        QVERIFY(c.connectTo(port()));
        QVERIFY(c.send("GET /main?n=8 HTTP/1.0\r\n\r\n"));
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.startsWith("fib(8) = 21"));
        QCOMPARE(r.header("Connection"), QByteArray("close"));
        QVERIFY(c.waitForClose());
    }
    {
        RawHttpClient c;
        QVERIFY(c.connectTo(port()));
        QVERIFY(c.send("GET /worker?n=8 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Connection"), QByteArray("keep-alive"));
        QVERIFY(c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
    }
}

void TestWorker::connectionCloseIsHonoured()
{
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    // Requests after the one that says "close" are never answered.
    QVERIFY(c.send(get("/child?n=9", "Connection: close\r\n") + get("/main?n=1")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith("fib(9) = 34"));
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QVERIFY(c.waitForClose());
    QVERIFY(!c.readResponse(&r, false, 500));
}

void TestWorker::bodyUpToLimitIsDiscarded()
{
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    const QByteArray body(1024 * 1024, 'z');
    QVERIFY(c.send("GET /main?n=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n" + body + get("/main?n=3")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    QVERIFY(r.body.startsWith("fib(2) = 1"));
    QVERIFY(c.readResponse(&r));
    QVERIFY(r.body.startsWith("fib(3) = 2"));
}

void TestWorker::threadPoolQueueFullGets503()
{
    // One pool thread and no queue: while a job runs, the next is refused.
    // Both requests arrive in one write and are dispatched in the same
    // event-loop turn, long before fib(38) could finish.
    WorkerProcess worker({ QStringLiteral("--pool-threads"), QStringLiteral("1"), QStringLiteral("--max-queue"),
                           QStringLiteral("0") });
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/worker?n=38") + get("/worker?n=1")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r, false, 60000));
    QCOMPARE(r.status, 200);
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("Retry-After"), QByteArray("1"));
    QVERIFY(r.keepAlive);
    // And the pool is usable again afterwards.
    QVERIFY(c.send(get("/worker?n=1")));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
}

void TestWorker::childLimitFullGets503()
{
    WorkerProcess worker({ QStringLiteral("--max-children"), QStringLiteral("1"), QStringLiteral("--max-queue"),
                           QStringLiteral("0"), QStringLiteral("--task-program"),
                           WorkerProcess::binary(QStringLiteral("clusterlab-fake-task")) },
                         envWith(QStringLiteral("FAKE_TASK_MODE"), QStringLiteral("hang")));
    QVERIFY(worker.start());
    RawHttpClient first;
    QVERIFY(first.connectTo(worker.port()));
    QVERIFY(first.send(get("/child?n=1")));
    if (canListChildren())
        QTRY_COMPARE_WITH_TIMEOUT(childPids(worker.pid()).size(), 1, 10000);
    else
        QTRY_COMPARE_WITH_TIMEOUT(healthOf(worker.port()).value(QStringLiteral("tasksRunning")).toInt(), 1, 10000);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(worker.port(), "/child?n=1", &r));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("Retry-After"), QByteArray("1"));
    QVERIFY(r.body.contains("child-process limit"));
    first.abort();
    if (canListChildren())
        QTRY_VERIFY_WITH_TIMEOUT(childPids(worker.pid()).isEmpty(), 10000);
}

void TestWorker::connectionCapGets503()
{
    WorkerProcess worker({ QStringLiteral("--max-connections"), QStringLiteral("2") });
    QVERIFY(worker.start());
    RawHttpClient a, b;
    ParsedResponse r;
    for (RawHttpClient* c : { &a, &b }) {
        QVERIFY(c->connectTo(worker.port()));
        QVERIFY(c->send(get("/")));
        QVERIFY(c->readResponse(&r));
        QCOMPARE(r.status, 200);
    }
    RawHttpClient third;
    QVERIFY(third.connectTo(worker.port()));
    QVERIFY(third.readResponse(&r));
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("Retry-After"), QByteArray("1"));
    QVERIFY(third.waitForClose());
    // The first two are still served; once one leaves, there is room again.
    QVERIFY(a.send(get("/main?n=2")));
    QVERIFY(a.readResponse(&r));
    QCOMPARE(r.status, 200);
    b.abort();
    // Sticky: with a cap of 2, a probe can still overlap the previous
    // probe's close and get a (correct) 503.
    bool servedAgain = false;
    QTRY_VERIFY_WITH_TIMEOUT(servedAgain = servedAgain
                                 || healthOf(worker.port()).value(QStringLiteral("status")).toString()
                                     == QLatin1String("ok"),
                             10000);
}

void TestWorker::clientAbortDuringWorker()
{
    // Regression guard for use-after-free: the pool job finishes after its
    // connection is gone; the result must be dropped safely (ASan run).
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    QVERIFY(c.send(get("/worker?n=36") + get("/worker?n=36") + get("/worker?n=36")));
    QTRY_VERIFY_WITH_TIMEOUT(healthOf(port()).value(QStringLiteral("poolJobs")).toInt() > 0, 10000);
    c.abort();
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(port()).value(QStringLiteral("poolJobs")).toInt(), 0, 60000);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(port(), "/worker?n=10", &r));
    QCOMPARE(r.status, 200);
}

void TestWorker::clientAbortDuringChild()
{
    if (!canListChildren())
        QSKIP("needs /proc/PID/task/TID/children");
    RawHttpClient c;
    QVERIFY(c.connectTo(port()));
    // fib(45) runs for seconds: long enough to be caught running.
    QVERIFY(c.send(get("/child?n=45")));
    QTRY_COMPARE_WITH_TIMEOUT(childPids(m_worker->pid()).size(), 1, 10000);
    const qint64 task = childPids(m_worker->pid()).constFirst();
    QVERIFY(processAlive(task));
    c.abort();
    QTRY_VERIFY_WITH_TIMEOUT(!processAlive(task), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(childPids(m_worker->pid()).isEmpty(), 10000);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(port(), "/child?n=10", &r));
    QCOMPARE(r.status, 200);
}

void TestWorker::taskLimitBoundsRunningProcesses()
{
    if (!canListChildren())
        QSKIP("needs /proc/PID/task/TID/children");
    WorkerProcess worker({ QStringLiteral("--max-children"), QStringLiteral("2"), QStringLiteral("--max-queue"),
                           QStringLiteral("3"), QStringLiteral("--task-program"),
                           WorkerProcess::binary(QStringLiteral("clusterlab-fake-task")) },
                         envWith(QStringLiteral("FAKE_TASK_MODE"), QStringLiteral("hang")));
    QVERIFY(worker.start());
    std::vector<std::unique_ptr<RawHttpClient>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(std::make_unique<RawHttpClient>());
        QVERIFY(clients.back()->connectTo(worker.port()));
        QVERIFY(clients.back()->send(get("/child?n=1")));
    }
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(worker.port()).value(QStringLiteral("tasksQueued")).toInt(), 3, 10000);
    QCOMPARE(healthOf(worker.port()).value(QStringLiteral("tasksRunning")).toInt(), 2);
    QCOMPARE(childPids(worker.pid()).size(), 2);
    // The sixth finds both the slots and the queue full.
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(worker.port(), "/child?n=1", &r));
    QCOMPARE(r.status, 503);
    // Clients leave (reset): queued tasks are cancelled, running ones killed.
    // (A client that only closes its side is a half-close: it still gets
    // its answers, see the hostile-client suite.)
    for (auto& client : clients)
        client->abort();
    clients.clear();
    QTRY_VERIFY_WITH_TIMEOUT(childPids(worker.pid()).isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(worker.port()).value(QStringLiteral("tasksQueued")).toInt(), 0, 10000);
    QCOMPARE(healthOf(worker.port()).value(QStringLiteral("tasksRunning")).toInt(), 0);
}

void TestWorker::brokenTasksGive502And504_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("crash") << QStringLiteral("crash") << 502 << QByteArray("crashed");
    QTest::addRow("garbage") << QStringLiteral("garbage") << 502 << QByteArray("unexpected");
    QTest::addRow("exit code 3") << QStringLiteral("exit3") << 502 << QByteArray("code 3");
    QTest::addRow("hang past the limit") << QStringLiteral("hang") << 504 << QByteArray("limit");
}

void TestWorker::brokenTasksGive502And504()
{
    QFETCH(QString, mode);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    WorkerProcess worker({ QStringLiteral("--task-timeout-ms"), QStringLiteral("300"), QStringLiteral("--task-program"),
                           WorkerProcess::binary(QStringLiteral("clusterlab-fake-task")) },
                         envWith(QStringLiteral("FAKE_TASK_MODE"), mode));
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/child?n=5") + get("/main?n=5")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, status);
    QVERIFY2(r.body.contains(reason), r.body.constData());
    // Only that request failed: the connection and the worker go on.
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 200);
    if (canListChildren())
        QTRY_VERIFY_WITH_TIMEOUT(childPids(worker.pid()).isEmpty(), 10000);
}

void TestWorker::experimentParametersNeedFaultInjection_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addRow("worker crash") << QByteArray("/worker?n=1&fault=crash");
    QTest::addRow("child crash") << QByteArray("/child?n=1&fault=crash");
    QTest::addRow("worker hang") << QByteArray("/worker?fault=hang");
    QTest::addRow("worker throw") << QByteArray("/worker?fault=throw");
    QTest::addRow("child payload") << QByteArray("/child?n=1&payload=1");
    QTest::addRow("worker payload 0") << QByteArray("/worker?n=1&payload=0");
}

void TestWorker::experimentParametersNeedFaultInjection()
{
    // The shared worker runs without --fault-injection: a 400 that says
    // why, and the worker (checked in cleanup()) does not crash.
    QFETCH(QByteArray, target);
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(port(), target, &r));
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.contains("--fault-injection"), r.body.constData());
}

void TestWorker::aCrashingTaskFailsOnlyItsRequest()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection") });
    QVERIFY(worker.start());
    // Bad experiment parameters are 400s even when allowed.
    for (const QByteArray& bad : { QByteArray("/child?fault=explode"), QByteArray("/worker?payload=65"),
                                   QByteArray("/main?n=1&fault=crash"), QByteArray("/child?fault=crash&fault=hang") }) {
        ParsedResponse r;
        QVERIFY(RawHttpClient::get(worker.port(), bad, &r));
        QVERIFY2(r.status == 400, bad.constData());
    }
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/child?n=5&fault=crash") + get("/child?n=5")));
    ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 502);
    QVERIFY2(r.body.contains("crashed"), r.body.constData());
    QCOMPARE(r.header("X-Worker-Pid").toLongLong(), worker.pid());
    QVERIFY(c.readResponse(&r)); // the same connection, the same worker, going on
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("X-Worker-Pid").toLongLong(), worker.pid());
    // An exception nobody catches in a task: C++ terminates it (SIGABRT), its request alone fails.
    QVERIFY(c.send(get("/child?n=5&fault=throw")));
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 502);
    QCOMPARE(worker.process().state(), QProcess::Running);
}

// Issue 24: fault=throw, an exception in the computation, beside crash. On a
// pool thread the job catches it: 500, and the worker and its thread serve on.
void TestWorker::anExceptionOnAPoolThreadFailsOnlyItsRequest()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection"), QStringLiteral("--pool-threads"), QStringLiteral("1") });
    QVERIFY(worker.start());
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(worker.port(), "/worker?n=5&fault=throw", &r));
    QCOMPARE(r.status, 500);
    QVERIFY2(r.body.contains("the computation threw on its pool thread"), r.body.constData());
    QVERIFY(RawHttpClient::get(worker.port(), "/worker?n=10", &r)); // the one thread, free again
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("X-Worker-Pid").toLongLong(), worker.pid());
    QCOMPARE(worker.process().state(), QProcess::Running);
}

void TestWorker::aCrashOnAPoolThreadTakesTheWorkerDown()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection"), QStringLiteral("--pool-threads"), QStringLiteral("2") });
    QVERIFY(worker.start());
    // A request in flight on the other pool thread is lost with the worker.
    RawHttpClient bystander;
    QVERIFY(bystander.connectTo(worker.port()));
    QVERIFY(bystander.send(get("/worker?n=40")));
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(worker.port()).value(QStringLiteral("poolJobs")).toInt(), 1, 10000);
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send(get("/worker?n=1&fault=crash")));
    QVERIFY(worker.process().state() == QProcess::NotRunning || worker.process().waitForFinished(10000));
    QCOMPARE(worker.process().exitStatus(), QProcess::CrashExit);
    ParsedResponse r;
    QVERIFY(!c.readResponse(&r));
    QVERIFY(!bystander.readResponse(&r));
}

void TestWorker::hungJobsAndTasksGet504()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection"), QStringLiteral("--task-timeout-ms"), QStringLiteral("300"),
                           QStringLiteral("--pool-threads"), QStringLiteral("1") });
    QVERIFY(worker.start());
    for (const QByteArray& target : { QByteArray("/worker?n=1&fault=hang"), QByteArray("/child?n=1&fault=hang") }) {
        ParsedResponse r;
        QVERIFY(RawHttpClient::get(worker.port(), target, &r));
        QCOMPARE(r.status, 504);
        QVERIFY2(r.body.contains("300 ms limit"), r.body.constData());
    }
    // The one pool thread is free again, and no task is left.
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(worker.port(), "/worker?n=5", &r));
    QCOMPARE(r.status, 200);
    if (canListChildren())
        QTRY_VERIFY_WITH_TIMEOUT(childPids(worker.pid()).isEmpty(), 10000);
    // A job hanging when the worker is told to stop does not hold it up.
    RawHttpClient hanging;
    QVERIFY(hanging.connectTo(worker.port()));
    QVERIFY(hanging.send(get("/worker?n=1&fault=hang")));
    QTRY_COMPARE_WITH_TIMEOUT(healthOf(worker.port()).value(QStringLiteral("poolJobs")).toInt(), 1, 10000);
    QCOMPARE(worker.stop(), 0);
}

void TestWorker::payloadReadInPlaceOrThroughThePipe()
{
    WorkerProcess worker({ QStringLiteral("--fault-injection") });
    QVERIFY(worker.start());
    QByteArray data(2 * 1024 * 1024, Qt::Uninitialized);
    clusterlab::fillPayload(reinterpret_cast<unsigned char*>(data.data()), static_cast<std::size_t>(data.size()));
    const QString expected = QString::number(
        clusterlab::payloadChecksum(reinterpret_cast<const unsigned char*>(data.constData()), static_cast<std::size_t>(data.size())),
        16);
    // 4 MiB first: the buffer grows to it, and 2 MiB then reads its first half.
    ParsedResponse r;
    QVERIFY(RawHttpClient::get(worker.port(), "/worker?n=1&payload=4", &r, "Accept: application/json\r\n"));
    QCOMPARE(r.status, 200);
    for (const QByteArray& target : { QByteArray("/worker?n=10&payload=2"), QByteArray("/child?n=10&payload=2") }) {
        QVERIFY(RawHttpClient::get(worker.port(), target, &r, "Accept: application/json\r\n"));
        QCOMPARE(r.status, 200);
        const QJsonObject o = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(o.value(QStringLiteral("result")).toInt(), 55);
        QCOMPARE(o.value(QStringLiteral("payloadMb")).toInt(), 2);
        QCOMPARE(o.value(QStringLiteral("payloadChecksum")).toString(), expected);
        if (target.startsWith("/child")) {
#if defined(Q_OS_LINUX)
            // The task held its own copy of the 2 MiB.
            QVERIFY2(o.value(QStringLiteral("taskPeakRssKiB")).toInt() >= 2048, r.body.constData());
#endif
        } else {
            QVERIFY(!o.contains(QStringLiteral("taskPeakRssKiB")));
        }
    }
}

QTEST_GUILESS_MAIN(TestWorker)
#include "tst_worker.moc"
