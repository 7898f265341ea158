// SPDX-License-Identifier: GPL-3.0-or-later
// The Node.js engine end to end (src/node/ run by the system's `node`,
// driven through NodeEngine as the window, serve and the experiments drive
// it): the HTTP surface, pipelining, errors, fault injection both ways, a
// killed worker replaced, per-request offloading that leaves no process
// behind, pools that answer 503 when full, telemetry into the aggregator,
// and a protocol reader that survives garbage. Every test skips, saying
// so, when `node` is not on the PATH: the native lab needs no Node.js.
#include "cluster/nodeengine.h"
#include "rawhttpclient.h"
#include "telemetry/telemetryaggregator.h"
#include "workerprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QJsonObject>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QThread>
#include <QtTest>

#include <atomic>

#include <algorithm>
#include <memory>

using namespace clusterlab;
using clusterlab::test::ParsedResponse;
using clusterlab::test::RawHttpClient;

namespace {

bool haveNode()
{
    return !QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()
        || !QStandardPaths::findExecutable(QStringLiteral("nodejs")).isEmpty();
}

#define REQUIRE_NODE()                                                                                         \
    do {                                                                                                       \
        if (!haveNode())                                                                                       \
            QSKIP("node is not on the PATH: the Node.js engine's tests need Node.js 18 or newer (the native " \
                  "engine's do not)");                                                                         \
    } while (false)

ClusterConfig nodeConfig(int workers = 2)
{
    ClusterConfig c;
    c.engine = EngineKind::Node;
    c.workers = workers;
    c.port = 0;
    c.poolThreads = 2;
    c.maxChildren = 2;
    // The build tree keeps the engine beside bin/, as an install does.
    c.nodeScript = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/clusterlab/node/clusterlab-node.js");
    return c;
}

// Starts an engine and waits until every worker listens.
std::unique_ptr<NodeEngine> started(const ClusterConfig& config, QString* error)
{
    auto engine = std::make_unique<NodeEngine>(config);
    QSignalSpy listening(engine.get(), &Engine::allListening);
    if (!engine->start(error))
        return nullptr;
    if (listening.isEmpty() && !listening.wait(20000)) {
        *error = QStringLiteral("the workers did not all listen");
        return nullptr;
    }
    return engine;
}

ParsedResponse get(quint16 port, const QByteArray& target, const QByteArray& headers = {})
{
    ParsedResponse r;
    RawHttpClient::get(port, target, &r, headers);
    return r;
}

QJsonObject jsonOf(const ParsedResponse& r)
{
    return QJsonDocument::fromJson(r.body).object();
}

} // namespace

class TestNodeEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void missingNodeIsAClearError();
    void servesTheHttpSurface();
    void pipelinedResponsesComeInOrder();
    void faultsNeedFaultInjection();
    void faultsWithFaultInjection();
    void payloadsReachThreadsAndChildrenWhole_data();
    void payloadsReachThreadsAndChildrenWhole();
    void aKilledWorkerIsReplaced();
    void scaleTwoFourOne();
    void rollingRestartLosesNothing();
    void gracefulStopFinishesInFlight();
    void perRequestOffloadingLeavesNoProcess();
    void poolsAnswer503WhenFull();
    void telemetryReachesTheAggregator();
    void protocolGarbageIsCountedAndSurvived();
    void aStalledChannelDropsTelemetryNotMemory();
    void destroyingTheEngineLeavesNoProcess();
};

void TestNodeEngine::missingNodeIsAClearError()
{
    ClusterConfig c = nodeConfig();
    c.nodeProgram = QStringLiteral("/nonexistent/node");
    NodeEngine engine(c);
    QString error;
    QVERIFY(!engine.start(&error));
    QVERIFY2(error.contains(QStringLiteral("/nonexistent/node")), qPrintable(error));
    ClusterConfig noScript = nodeConfig();
    noScript.nodeScript = QStringLiteral("/nonexistent/clusterlab-node.js");
    noScript.nodeProgram = QStringLiteral("/bin/true"); // never run: the script is checked first
    NodeEngine second(noScript);
    QVERIFY(!second.start(&error));
    QVERIFY2(error.contains(QStringLiteral("program is missing")), qPrintable(error));
    QVERIFY(!second.isRunning());
}

void TestNodeEngine::servesTheHttpSurface()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(), &error);
    QVERIFY2(engine, qPrintable(error));
    QVERIFY(engine->runtime().startsWith(QStringLiteral("Node.js v")));
    QCOMPARE(engine->engineName(), QStringLiteral("node"));
    const quint16 port = engine->port();

    ParsedResponse r = get(port, "/");
    QCOMPARE(r.status, 200);
    const qint64 pid = r.header("X-Worker-Pid").toLongLong();
    QVERIFY(pid > 0);
    QVERIFY(r.body.startsWith(QByteArray(QByteArray("Hello from worker ") + QByteArray::number(pid))));
    for (const char* h : { "X-Worker-Index", "X-Connection-Id", "X-Request-Seq", "Server-Timing" })
        QVERIFY2(!r.header(h).isEmpty(), h);
    bool known = false;
    for (const Engine::WorkerInfo& w : engine->workers())
        known = known || w.pid == pid;
    QVERIFY2(known, "the answering pid is one of the engine's workers");

    const struct
    {
        QByteArray target;
        const char* path;
    } computed[] = { { "/main?n=20", "main" }, { "/worker?n=20", "thread" }, { "/child?n=20", "child" } };
    for (const auto& c : computed) {
        r = get(port, c.target, "Accept: application/json\r\n");
        QCOMPARE(r.status, 200);
        const QJsonObject o = jsonOf(r);
        QCOMPARE(o.value(QStringLiteral("result")).toInt(), 6765);
        QCOMPARE(o.value(QStringLiteral("path")).toString(), QLatin1String(c.path));
        QCOMPARE(o.value(QStringLiteral("n")).toInt(), 20);
        QVERIFY(o.value(QStringLiteral("computeMs")).toDouble() >= 0);
        QVERIFY(r.header("Server-Timing").startsWith("queue;dur="));
    }
    // /child per request: the spawn is the seed's cost of a new process.
    QVERIFY(jsonOf(get(port, "/child?n=5", "Accept: application/json\r\n")).value(QStringLiteral("spawnMs")).toDouble() > 0);
    r = get(port, "/healthz");
    QCOMPARE(r.status, 200);
    QCOMPARE(jsonOf(r).value(QStringLiteral("engine")).toString(), QStringLiteral("node"));

    // The errors, with the native engine's statuses and words.
    const struct
    {
        QByteArray target;
        QByteArray headers;
        int status;
        QByteArray says;
    } errors[] = {
        { "/nope", {}, 404, "no route /nope" },
        { "/main?n=46", {}, 400, "n must be at most 45" },
        { "/worker?n=x", {}, 400, "n must be a plain integer" },
        { "/main?n=1&n=2", {}, 400, "n is given more than once" },
        { "/", "Host: second.example\r\n", 400, "more than one Host header" },
        { "/main?n=1", "Origin: http://evil.example\r\n", 403, "another web site" },
    };
    for (const auto& e : errors) {
        ParsedResponse x;
        QVERIFY(RawHttpClient::get(port, e.target, &x, e.headers));
        QCOMPARE(x.status, e.status);
        QVERIFY2(x.body.contains(e.says), x.body.constData());
    }
    RawHttpClient rebound; // a DNS rebinding: a page of another name
    QVERIFY(rebound.connectTo(port));
    QVERIFY(rebound.send("GET / HTTP/1.1\r\nHost: rebind.example:80\r\n\r\n"));
    QVERIFY(rebound.readResponse(&r));
    QCOMPARE(r.status, 421);
    QVERIFY2(r.body.contains("answers requests for 127.0.0.1"), r.body.constData());
    RawHttpClient post;
    QVERIFY(post.connectTo(port));
    QVERIFY(post.send("POST /main HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"));
    QVERIFY(post.readResponse(&r));
    QCOMPARE(r.status, 405);
    QCOMPARE(r.header("Allow"), QByteArray("GET, HEAD"));
    RawHttpClient huge;
    QVERIFY(huge.connectTo(port));
    QVERIFY(huge.send("GET /?" + QByteArray(9000, 'a') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    QVERIFY(huge.readResponse(&r));
    QCOMPARE(r.status, 414);
    // And the worker serves on.
    QCOMPARE(get(port, "/").status, 200);
}

void TestNodeEngine::pipelinedResponsesComeInOrder()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(1), &error);
    QVERIFY2(engine, qPrintable(error));
    RawHttpClient c;
    QVERIFY(c.connectTo(engine->port()));
    // A slow offloaded request first, then quick ones: answers in request order.
    QVERIFY(c.send("GET /worker?n=27 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                   "GET /main?n=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    qint64 last = 0;
    for (const char* starts : { "fib(27) = 196418", "Hello from worker", "fib(3) = 2" }) {
        ParsedResponse r;
        QVERIFY(c.readResponse(&r));
        QCOMPARE(r.status, 200);
        QVERIFY2(r.body.startsWith(starts), r.body.constData());
        const qint64 seq = r.header("X-Request-Seq").toLongLong();
        QVERIFY(seq > last);
        last = seq;
    }
}

void TestNodeEngine::faultsNeedFaultInjection()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(1), &error);
    QVERIFY2(engine, qPrintable(error));
    for (const char* target : { "/worker?fault=crash", "/child?fault=throw", "/worker?payload=1" }) {
        const ParsedResponse r = get(engine->port(), target);
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.contains("--fault-injection"), r.body.constData());
    }
}

void TestNodeEngine::faultsWithFaultInjection()
{
    REQUIRE_NODE();
    ClusterConfig c = nodeConfig(1);
    c.faultInjection = true;
    c.extraWorkerArgs = { QStringLiteral("--task-timeout-ms"), QStringLiteral("1500") };
    QString error;
    const auto engine = started(c, &error);
    QVERIFY2(engine, qPrintable(error));
    const quint16 port = engine->port();
    const qint64 pid = get(port, "/").header("X-Worker-Pid").toLongLong();
    // An exception is contained: the thread's host answers 500, the worker lives.
    ParsedResponse r = get(port, "/worker?fault=throw&n=5");
    QCOMPARE(r.status, 500);
    QVERIFY2(r.body.contains("threw"), r.body.constData());
    // A child that throws, crashes or hangs: 502, 502, 504; the worker lives.
    QCOMPARE(get(port, "/child?fault=throw&n=5").status, 502);
    r = get(port, "/child?fault=crash&n=5");
    QCOMPARE(r.status, 502);
    QVERIFY2(r.body.contains("SIGABRT"), r.body.constData());
    QCOMPARE(get(port, "/child?fault=hang").status, 504);
    QCOMPARE(get(port, "/worker?fault=hang").status, 504);
    QCOMPARE(get(port, "/").header("X-Worker-Pid").toLongLong(), pid);
    // A native crash on a thread takes its whole worker; the supervisor replaces it.
    QSignalSpy events(engine.get(), &Engine::clusterEvent);
    RawHttpClient::get(port, "/worker?fault=crash", &r);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(events.cbegin(), events.cend(), [](const QList<QVariant>& e) {
        const auto ev = e.at(0).value<ClusterEvent>();
        return ev.kind == ClusterEvent::Kind::Listening;
    }), 20000);
    const qint64 replacement = get(port, "/").header("X-Worker-Pid").toLongLong();
    QVERIFY(replacement > 0 && replacement != pid);
    QVERIFY(!test::processAlive(pid));
}

void TestNodeEngine::payloadsReachThreadsAndChildrenWhole_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addRow("per-request") << QStringLiteral("per-request");
    QTest::addRow("pool") << QStringLiteral("pool");
}

// Regression: a payload of 8 or 64 MiB reached a child at an offset that is
// no multiple of 4 (a Buffer from the IPC channel), the child's checksum
// threw, and the request got 502. Every size checksums the same on a thread
// (the shared buffer in place) and in a child (its own copy).
void TestNodeEngine::payloadsReachThreadsAndChildrenWhole()
{
    REQUIRE_NODE();
    QFETCH(QString, mode);
    ClusterConfig c = nodeConfig(1);
    c.faultInjection = true;
    OffloadMode m {};
    QVERIFY(parseOffloadMode(mode, &m));
    c.threads = m;
    c.children = m;
    QString error;
    const auto engine = started(c, &error);
    QVERIFY2(engine, qPrintable(error));
    for (const int mb : { 1, 8, 64 }) {
        const QByteArray size = QByteArray::number(mb);
        const ParsedResponse thread = get(engine->port(), "/worker?n=1&payload=" + size, "Accept: application/json\r\n");
        const ParsedResponse child = get(engine->port(), "/child?n=1&payload=" + size, "Accept: application/json\r\n");
        QVERIFY2(thread.status == 200, thread.body.constData());
        QVERIFY2(child.status == 200, child.body.constData());
        const QString sum = jsonOf(thread).value(QStringLiteral("payloadChecksum")).toString();
        QVERIFY(!sum.isEmpty());
        QCOMPARE(jsonOf(child).value(QStringLiteral("payloadChecksum")).toString(), sum);
        QCOMPARE(jsonOf(child).value(QStringLiteral("payloadMb")).toInt(), mb);
        // The child held its own copy.
        QVERIFY(jsonOf(child).value(QStringLiteral("taskPeakRssKiB")).toDouble() >= mb * 1024.0);
    }
}

void TestNodeEngine::aKilledWorkerIsReplaced()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(2), &error);
    QVERIFY2(engine, qPrintable(error));
    const qint64 victim = engine->workers().at(0).pid;
    QSignalSpy events(engine.get(), &Engine::clusterEvent);
    QVERIFY(engine->killWorker(0));
    QTRY_VERIFY_WITH_TIMEOUT(engine->workers().at(0).state == Engine::WorkerState::Listening
                                 && engine->workers().at(0).pid != victim, 20000);
    QCOMPARE(engine->workers().at(0).restarts, 1);
    bool exited = false;
    for (const QList<QVariant>& e : std::as_const(events)) {
        const auto ev = e.at(0).value<ClusterEvent>();
        exited = exited || (ev.kind == ClusterEvent::Kind::Exited && ev.pid == victim && ev.crash && ev.signal == 9);
    }
    QVERIFY(exited);
    QVERIFY(!test::processAlive(victim));
    QCOMPARE(engine->workers().at(1).restarts, 0);
}

// The lifecycle the window's Scale and Rolling restart drive, as the native
// cluster suite checks it (tst_cluster): the same events, nothing lost.
void TestNodeEngine::scaleTwoFourOne()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(2), &error);
    QVERIFY2(engine, qPrintable(error));
    QSignalSpy events(engine.get(), &Engine::clusterEvent);
    QSignalSpy ready(engine.get(), &Engine::allListening);
    engine->setWorkerCount(4);
    QVERIFY(ready.wait(20000));
    QCOMPARE(engine->workerCount(), 4);
    QSet<qint64> pids;
    for (const Engine::WorkerInfo& w : engine->workers())
        pids.insert(w.pid);
    QCOMPARE(pids.size(), 4);
    const qint64 survivor = engine->workers().at(0).pid;
    engine->setWorkerCount(1);
    QCOMPARE(engine->workerCount(), 1);
    // The three others finish and exit, as asked: not crashes.
    const auto exits = [&events]() {
        int n = 0;
        for (const QList<QVariant>& e : std::as_const(events)) {
            const auto ev = e.at(0).value<ClusterEvent>();
            n += ev.kind == ClusterEvent::Kind::Exited ? 1 : 0;
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(exits(), 3, 20000);
    for (const QList<QVariant>& e : std::as_const(events)) {
        const auto ev = e.at(0).value<ClusterEvent>();
        if (ev.kind == ClusterEvent::Kind::Exited) {
            QVERIFY2(!ev.crash, qPrintable(ev.toLine()));
            QVERIFY(ev.index >= 1);
        }
    }
    for (int i = 0; i < 5; ++i)
        QCOMPARE(get(engine->port(), "/").header("X-Worker-Pid").toLongLong(), survivor);
}

void TestNodeEngine::rollingRestartLosesNothing()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(2), &error);
    QVERIFY2(engine, qPrintable(error));
    QSet<qint64> before;
    for (const Engine::WorkerInfo& w : engine->workers())
        before.insert(w.pid);
    // A steady trickle of requests, each on a new connection, from a thread
    // of its own (this thread reads the engine's protocol).
    std::atomic<bool> stop { false };
    std::atomic<int> ok { 0 };
    std::atomic<int> failed { 0 };
    const quint16 port = engine->port();
    std::unique_ptr<QThread> trickle(QThread::create([&]() {
        while (!stop.load()) {
            ParsedResponse r;
            RawHttpClient c;
            // A lost connection shows as a failure within 10 s, not a hang.
            if (c.connectTo(port) && c.send("GET /main?n=15 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                && c.readResponse(&r, false, 10000) && r.status == 200)
                ++ok;
            else
                ++failed;
        }
    }));
    // The thread ends with the test, whichever check fails first.
    const auto joinTrickle = qScopeGuard([&]() {
        stop = true;
        trickle->wait();
    });
    trickle->start();
    QTRY_VERIFY_WITH_TIMEOUT(ok.load() > 20, 10000);
    QSignalSpy done(engine.get(), &Engine::rollingRestartFinished);
    engine->rollingRestart();
    QVERIFY(done.wait(60000));
    const int atEnd = ok.load();
    QTRY_VERIFY_WITH_TIMEOUT(ok.load() > atEnd + 20, 20000);
    stop = true;
    trickle->wait();
    QCOMPARE(failed.load(), 0);
    QSet<qint64> after;
    for (const Engine::WorkerInfo& w : engine->workers()) {
        QCOMPARE(w.state, Engine::WorkerState::Listening);
        after.insert(w.pid);
    }
    QCOMPARE(after.size(), 2);
    QVERIFY(!after.intersects(before));
    for (qint64 pid : before)
        QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(pid), 10000);
}

void TestNodeEngine::gracefulStopFinishesInFlight()
{
    REQUIRE_NODE();
    ClusterConfig c = nodeConfig(1);
    c.threads = OffloadMode::Pool;
    QString error;
    const auto engine = started(c, &error);
    QVERIFY2(engine, qPrintable(error));
    const quint16 port = engine->port();
    const qint64 worker = engine->workers().at(0).pid;
    std::atomic<bool> sent { false };
    ParsedResponse r;
    bool answered = false;
    std::unique_ptr<QThread> client(QThread::create([&]() {
        RawHttpClient conn;
        ParsedResponse first;
        if (!conn.connectTo(port) || !conn.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") || !conn.readResponse(&first))
            return;
        // fib(41) in JavaScript: over a second here, still running when the
        // stop comes (the telemetry that shows it in flight is up to a
        // sample and a batch old).
        if (!conn.send("GET /worker?n=41 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
            return;
        sent = true;
        answered = conn.readResponse(&r, false, 60000);
    }));
    QSignalSpy clientDone(client.get(), &QThread::finished);
    client->start();
    QTRY_VERIFY_WITH_TIMEOUT(sent.load() || clientDone.count() > 0, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(engine->telemetry()->snapshot()->lastSample.value(0).inFlight >= 1 || clientDone.count() > 0, 20000);
    QSignalSpy stopped(engine.get(), &Engine::stopped);
    engine->stop();
    QVERIFY(clientDone.count() > 0 || clientDone.wait(60000));
    QVERIFY(answered);
    QCOMPARE(r.status, 200);
    QVERIFY2(r.body.startsWith("fib(41) = 165580141"), r.body.constData());
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QVERIFY(stopped.count() > 0 || stopped.wait(30000));
    QVERIFY(!engine->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(!test::processAlive(worker), 10000);
}

void TestNodeEngine::perRequestOffloadingLeavesNoProcess()
{
    REQUIRE_NODE();
    if (!test::canListChildren())
        QSKIP("this system does not list a process's children (/proc/PID/task/*/children)");
    QString error;
    const auto engine = started(nodeConfig(1), &error);
    QVERIFY2(engine, qPrintable(error));
    const qint64 worker = engine->workers().at(0).pid;
    // The seed's /child leaves one Node process per request; ours ends each.
    for (int i = 0; i < 8; ++i)
        QCOMPARE(get(engine->port(), "/child?n=10").status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(test::childPids(worker).isEmpty(), 10000);
    QCOMPARE(jsonOf(get(engine->port(), "/healthz")).value(QStringLiteral("tasksRunning")).toInt(), 0);
}

void TestNodeEngine::poolsAnswer503WhenFull()
{
    REQUIRE_NODE();
    for (const OffloadMode mode : { OffloadMode::Pool, OffloadMode::PerRequest }) {
        ClusterConfig c = nodeConfig(1);
        c.threads = mode;
        c.poolThreads = 1;
        c.extraWorkerArgs = { QStringLiteral("--max-queue"), QStringLiteral("1") };
        QString error;
        const auto engine = started(c, &error);
        QVERIFY2(engine, qPrintable(error));
        // Three at once with room for two (one running, one waiting): one 503.
        std::vector<std::unique_ptr<RawHttpClient>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(std::make_unique<RawHttpClient>());
            QVERIFY(clients.back()->connectTo(engine->port()));
            QVERIFY(clients.back()->send("GET /worker?n=30 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        }
        QList<int> statuses;
        QByteArray retryAfter;
        for (auto& client : clients) {
            ParsedResponse r;
            QVERIFY(client->readResponse(&r));
            statuses << r.status;
            if (r.status == 503)
                retryAfter = r.header("Retry-After");
        }
        std::sort(statuses.begin(), statuses.end());
        QCOMPARE(statuses, QList<int>({ 200, 200, 503 }));
        QCOMPARE(retryAfter, QByteArray("1"));
    }
}

void TestNodeEngine::telemetryReachesTheAggregator()
{
    REQUIRE_NODE();
    QString error;
    const auto engine = started(nodeConfig(2), &error);
    QVERIFY2(engine, qPrintable(error));
    for (int i = 0; i < 20; ++i)
        QCOMPARE(get(engine->port(), i % 2 ? "/main?n=15" : "/").status, 200);
    TelemetryAggregator* t = engine->telemetry();
    QVERIFY(t != nullptr);
    QTRY_COMPARE_WITH_TIMEOUT(t->records().size(), std::size_t(20), 5000);
    quint64 main = 0;
    for (const StoredRecord& r : t->records()) {
        main += r.route == RouteId::Main ? 1 : 0;
        QCOMPARE(r.status, quint16(200));
    }
    QCOMPARE(main, quint64(10));
    // Health samples every 100 ms from each worker.
    QTRY_VERIFY_WITH_TIMEOUT(t->samples(0).size() >= 3 && t->samples(1).size() >= 3, 5000);
    QVERIFY(t->samples(0).back().rssKiB > 1000);
    QCOMPARE(engine->protocolErrors(), quint64(0));
}

void TestNodeEngine::protocolGarbageIsCountedAndSurvived()
{
    // No node needed: the reader alone, fed what a broken engine might write.
    NodeEngine engine(nodeConfig(1));
    QSignalSpy events(&engine, &Engine::clusterEvent);
    engine.feedForTest("not json at all\n{\"type\":\"mystery\"}\n[1,2]\n");
    QCOMPARE(engine.protocolErrors(), quint64(3));
    engine.feedForTest(QByteArray(NodeEngine::kMaxLineBytes + 10, 'x'));
    engine.feedForTest("still the same line\n");
    QCOMPARE(engine.protocolErrors(), quint64(4));
    QVERIFY(events.size() >= 4);
    QVERIFY2(events.at(3).at(0).value<ClusterEvent>().detail.contains(QStringLiteral("longer than 4 MiB")),
             qPrintable(events.at(3).at(0).value<ClusterEvent>().detail));
    // A telemetry batch with one bad record among good ones: the good are kept.
    engine.feedForTest("{\"type\":\"event\",\"kind\":\"forked\",\"index\":0,\"pid\":4242,\"t\":\"1000\"}\n");
    engine.feedForTest("{\"type\":\"telemetry\",\"index\":0,\"pid\":4242,\"batch\":1,\"served\":2,\"base\":\"1000000000\","
                       "\"records\":[[0,1,2,3,4,0,1,1,0,10,200,5,1,1],[0,1,2,3,4,0,2,1,0,10,200,5,99,1]],\"samples\":[]}\n");
    QCOMPARE(engine.protocolErrors(), quint64(5));
    QCOMPARE(engine.telemetry()->records().size(), std::size_t(1));
    QCOMPARE(engine.workers().size(), 1);
    QCOMPARE(engine.workers().at(0).pid, qint64(4242));
}

// A worker whose channel to the primary stops taking batches (the lab not
// reading) keeps at most MAX_UNSENT_BATCHES of them; the rest are dropped
// and counted. The worker's own telemetry code, run by node.
void TestNodeEngine::aStalledChannelDropsTelemetryNotMemory()
{
    REQUIRE_NODE();
    const QString lib = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/clusterlab/node/lib/telemetry.js");
    const QString script = QStringLiteral(
        "const { Telemetry, MAX_UNSENT_BATCHES } = require(%1);"
        "let handed = 0;"
        "const t = new Telemetry(true, 0, () => ({ inFlight: 0, poolBusy: 0, tasks: 0, connections: 0 }),"
        "  (line, done) => { ++handed; return true; });" // never written: done is never called
        "clearInterval(t.flushTimer); clearInterval(t.sampleTimer);"
        "for (let b = 0; b < MAX_UNSENT_BATCHES + 10; ++b) {"
        "  for (let i = 0; i < 5; ++i) t.add({ headersNs: 1, status: 200 });"
        "  t.flush();"
        "}"
        "console.log(JSON.stringify({ handed, dropped: t.dropped, served: t.served, limit: MAX_UNSENT_BATCHES }));"
        "process.exit(0);")
                               .arg(QString::fromUtf8(QJsonDocument(QJsonArray { lib }).toJson(QJsonDocument::Compact)).mid(1).chopped(1));
    QProcess node;
    node.start(QStandardPaths::findExecutable(QStringLiteral("node")), { QStringLiteral("-e"), script });
    QVERIFY(node.waitForFinished(20000));
    QCOMPARE(node.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(node.readAllStandardOutput()).object();
    const int limit = o.value(QStringLiteral("limit")).toInt();
    QVERIFY2(limit > 0, node.readAllStandardError().constData());
    QCOMPARE(o.value(QStringLiteral("handed")).toInt(), limit);
    QCOMPARE(o.value(QStringLiteral("dropped")).toInt(), 10 * 5);
    QCOMPARE(o.value(QStringLiteral("served")).toInt(), (limit + 10) * 5);
}

void TestNodeEngine::destroyingTheEngineLeavesNoProcess()
{
    REQUIRE_NODE();
    if (!test::canListChildren())
        QSKIP("this system does not list a process's children (/proc/PID/task/*/children)");
    QString error;
    auto engine = started(nodeConfig(2), &error);
    QVERIFY2(engine, qPrintable(error));
    const qint64 primary = engine->primaryPid();
    QList<qint64> all { primary };
    for (const Engine::WorkerInfo& w : engine->workers())
        all << w.pid;
    QCOMPARE(test::childPids(primary).size(), 2);
    // A child mid-computation too.
    RawHttpClient busy;
    QVERIFY(busy.connectTo(engine->port()));
    QVERIFY(busy.send("GET /child?n=32 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    QTRY_VERIFY_WITH_TIMEOUT(!test::childPids(all.at(1)).isEmpty() || !test::childPids(all.at(2)).isEmpty(), 10000);
    const QList<qint64> grandchildren = test::childPids(all.at(1)) + test::childPids(all.at(2));
    all << grandchildren;
    engine.reset();
    for (const qint64 pid : std::as_const(all))
        QTRY_VERIFY2_WITH_TIMEOUT(!test::processAlive(pid), qPrintable(QStringLiteral("pid %1 outlived the engine").arg(pid)), 15000);
}

QTEST_GUILESS_MAIN(TestNodeEngine)
#include "tst_nodeengine.moc"
