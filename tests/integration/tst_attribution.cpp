// SPDX-License-Identifier: GPL-3.0-or-later
// Attribution through the OS (platform/attribution.h, bench --attribute,
// observe): which process of a local server holds each connection, found
// without the server's help, checked against what real servers say of
// themselves (X-Worker-Pid): ClusterLab's own workers under every policy,
// the Node.js engine, and a plain forking server written for the test
// (tests/support/forkserver.cpp) in three shapes.
#include <QtGlobal>

// Built on Unix only (tests/CMakeLists.txt): its forking server and raw
// sockets are POSIX. The Windows implementation is compiled by the cross
// check; it cannot run here.
#if defined(Q_OS_UNIX)

#include "cluster/cluster.h"
#include "cluster/engine.h"
#include "cluster/externaltarget.h"
#include "telemetry/telemetryaggregator.h"
#include "load/attributedclient.h"
#include "load/loadgenerator.h"
#include "platform/attribution.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace clusterlab;
using platform::ConnectionOwners;

namespace {

bool haveNode()
{
    return !QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()
        || !QStandardPaths::findExecutable(QStringLiteral("nodejs")).isEmpty();
}

QString binary(const char* name)
{
    return QCoreApplication::applicationDirPath() + QLatin1Char('/') + QLatin1String(name);
}

// The forking server of the test tree, started and read until it says its
// port and children.
struct ForkServer
{
    QProcess process;
    quint16 port = 0;
    QList<qint64> children;

    bool start(const QStringList& args, bool asNobody = false)
    {
        if (asNobody)
            process.setChildProcessModifier([]() {
                if (::setgid(65534) != 0 || ::setuid(65534) != 0)
                    ::_exit(3);
            });
        process.start(binary("clusterlab-fork-server"), args);
        if (!process.waitForStarted(10000))
            return false;
        const int expected = args.constFirst() == QLatin1String("prefork") ? 2 : 0;
        while (port == 0 || children.size() < expected) {
            if (!process.canReadLine() && !process.waitForReadyRead(10000))
                return false;
            while (process.canReadLine()) {
                const QList<QByteArray> w = process.readLine().trimmed().split(' ');
                if (w.size() == 2 && w[0] == "port")
                    port = static_cast<quint16>(w[1].toInt());
                else if (w.size() == 2 && w[0] == "child")
                    children.append(w[1].toLongLong());
            }
        }
        return true;
    }
    ~ForkServer()
    {
        process.closeWriteChannel(); // it ends with its children
        if (!process.waitForFinished(10000)) {
            process.kill();
            process.waitForFinished(10000);
        }
    }
};

LoadConfig loadFor(quint16 port, std::int64_t requests, int connections, bool keepAlive = true)
{
    LoadConfig c;
    c.host = QStringLiteral("127.0.0.1");
    c.port = port;
    c.routes = { RouteWeight { "/", 1 } };
    c.requests = requests;
    c.connections = connections;
    c.keepAlive = keepAlive;
    c.keepRecords = false;
    c.attribute = true;
    return c;
}

bool runToEnd(LoadGenerator& g, const LoadConfig& c, LoadSummary* out)
{
    QSignalSpy done(&g, &LoadGenerator::finished);
    QString error;
    if (!g.start(c, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    if (!done.wait(120000))
        return false;
    *out = done.constFirst().constFirst().value<LoadSummary>();
    return true;
}

std::int64_t sum(const QMap<qint64, std::int64_t>& m)
{
    std::int64_t t = 0;
    for (std::int64_t v : m)
        t += v;
    return t;
}

// Every answered request and every connection attributed, each to the
// process that says it answered.
void checkAllAttributedAndRight(const LoadSummary& s)
{
    const AttributionSummary& a = s.attribution;
    QVERIFY(a.enabled);
    QVERIFY2(a.note.isEmpty(), qPrintable(a.note));
    QVERIFY(s.succeeded > 0);
    QCOMPARE(a.unattributedConnections, 0);
    QCOMPARE(a.unattributedRequests, 0);
    QCOMPARE(sum(a.requests), s.succeeded);
    QCOMPARE(sum(a.connections), s.clientConnectionsOpened);
    QCOMPARE(a.disagreed, 0);
    QCOMPARE(a.agreed, s.succeeded); // X-Worker-Pid names the same process, every time
    for (auto it = s.perWorker.cbegin(); it != s.perWorker.cend(); ++it)
        QCOMPARE(a.requests.value(it.key()), it.value());
}

bool startAndWait(Engine* engine, QString* error)
{
    QSignalSpy ready(engine, &Engine::allListening);
    if (!engine->start(error))
        return false;
    return !ready.isEmpty() || ready.wait(30000);
}

} // namespace

class TestAttribution : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void choosesTheHolderThatServes();
    void processTreeFollowsDescendants();
    void ownWorkersEveryPolicy_data();
    void ownWorkersEveryPolicy();
    void nodeEngine();
    void forkingServer_data();
    void forkingServer();
    void processTablesAreBounded();
    void benchAttributeWritesJsonAndSession();
    void aProcessThatExitsMidRun();
    void closedBeforeLookupIsGone();
    void closingServerCountsTheUnattributed();
    void anotherUsersServer();
    void externalTargetFollowsTheServer();
    void externalTargetStartsACommand();
    void externalTargetQueueIsBounded();
    void observePrintsTheProcessTable();
    void observeStartsAndStopsACommand();
    void observeUsage();
    void clickToSendFindsTheServingProcess();
    void clickToSendBounds();
};

void TestAttribution::choosesTheHolderThatServes()
{
    // 10 → 20, 21 (a primary and its workers); 20 → 30 (a worker's child).
    const QHash<qint64, qint64> parents { { 10, 1 }, { 20, 10 }, { 21, 10 }, { 30, 20 } };
    QCOMPARE(platform::chooseHolder({ 20 }, parents, { 10 }), 20);
    // A hand-over in progress: the primary and the worker both hold it.
    QCOMPARE(platform::chooseHolder({ 10, 21 }, parents, { 10 }), 21);
    QCOMPARE(platform::chooseHolder({ 21, 10 }, parents, { 10 }), 21);
    // A forked child still holding its parent's connection: the parent's.
    QCOMPARE(platform::chooseHolder({ 20, 30 }, parents, { 10 }), 30);
    // Two siblings (a descriptor passed between them): the one that does
    // not listen, or nobody when both do.
    QCOMPARE(platform::chooseHolder({ 20, 21 }, parents, { 10, 20 }), 21);
    QCOMPARE(platform::chooseHolder({ 20, 21 }, parents, { 20, 21 }), 0);
}

void TestAttribution::processTreeFollowsDescendants()
{
    const QHash<qint64, qint64> parents { { 1, 0 }, { 10, 1 }, { 25, 10 }, { 21, 10 }, { 30, 21 }, { 40, 1 } };
    QCOMPARE(platform::processTree({ 10 }, parents), (QList<qint64> { 10, 21, 25, 30 }));
    QCOMPARE(platform::processTree({ 99 }, parents), QList<qint64>()); // gone
    // This process, sampled from outside.
    platform::ProcessSample me;
    QVERIFY(platform::sampleProcess(QCoreApplication::applicationPid(), &me));
    QCOMPARE(me.pid, QCoreApplication::applicationPid());
    QVERIFY(me.name.startsWith(QLatin1String("tst_attribution")));
    QVERIFY(me.threads >= 1);
    QVERIFY(me.residentKiB > 0);
    QVERIFY(me.cpuNs >= 0);
    QCOMPARE(me.parentPid, static_cast<qint64>(::getppid()));
}

void TestAttribution::ownWorkersEveryPolicy_data()
{
    QTest::addColumn<int>("policy");
    QTest::addRow("round-robin") << int(DistributionPolicy::RoundRobin);
    QTest::addRow("shared") << int(DistributionPolicy::Shared);
    QTest::addRow("reuseport") << int(DistributionPolicy::ReusePort);
}

void TestAttribution::ownWorkersEveryPolicy()
{
    QFETCH(int, policy);
    ClusterConfig cc;
    cc.workers = 2;
    cc.port = 0;
    cc.poolThreads = 1;
    cc.policy = static_cast<DistributionPolicy>(policy);
    Cluster cluster(cc);
    QString error;
    QVERIFY2(startAndWait(&cluster, &error), qPrintable(error));
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, loadFor(cluster.port(), 600, 12), &s));
    QCOMPARE(s.failed, 0);
    checkAllAttributedAndRight(s);
    // ... and a new connection per request, one at a time: the server side
    // of each is still open when its answer begins.
    QVERIFY(runToEnd(g, loadFor(cluster.port(), 60, 1, false), &s));
    QCOMPARE(s.failed, 0);
    const AttributionSummary& a = s.attribution;
    QCOMPARE(a.disagreed, 0);
    QCOMPARE(sum(a.connections) + a.unattributedConnections, s.clientConnectionsOpened);
}

void TestAttribution::nodeEngine()
{
    if (!haveNode())
        QSKIP("node is not on the PATH: the Node.js engine's attribution test needs Node.js 18 or newer (the native "
              "engine's do not)");
    ClusterConfig c;
    c.engine = EngineKind::Node;
    c.workers = 2;
    c.port = 0;
    c.nodeScript = QCoreApplication::applicationDirPath() + QStringLiteral("/../share/clusterlab/node/clusterlab-node.js");
    std::unique_ptr<Engine> engine = createEngine(c);
    QString error;
    QVERIFY2(startAndWait(engine.get(), &error), qPrintable(error));
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, loadFor(engine->port(), 600, 12), &s));
    QCOMPARE(s.failed, 0);
    checkAllAttributedAndRight(s);
    engine->stop();
}

void TestAttribution::forkingServer_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addRow("prefork (children accept on a shared socket)") << QStringList { QStringLiteral("prefork") };
    QTest::addRow("a child per connection") << QStringList { QStringLiteral("per-connection") };
    QTest::addRow("prefork, dual-stack [::] listener, IPv4 clients")
        << QStringList { QStringLiteral("prefork"), QStringLiteral("--host"), QStringLiteral("::") };
}

void TestAttribution::forkingServer()
{
    QFETCH(QStringList, args);
    ForkServer server;
    QVERIFY(server.start(args));
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, loadFor(server.port, 400, 8), &s));
    QCOMPARE(s.failed, 0);
    checkAllAttributedAndRight(s);
    // Never the parent: it listens (and, per connection, hands over) only.
    QVERIFY(!s.attribution.connections.contains(server.process.processId()));
    if (!server.children.isEmpty()) {
        for (auto it = s.attribution.connections.cbegin(); it != s.attribution.connections.cend(); ++it)
            QVERIFY(server.children.contains(it.key()));
    }
}

void TestAttribution::processTablesAreBounded()
{
    // A server forking a process per connection makes a process per
    // connection: past the limit they are counted together, not itemised.
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("per-connection") }));
    LoadGenerator g;
    LoadSummary s;
    LoadConfig c = loadFor(server.port, 80, 8);
    c.attributionProcessLimit = 2;
    QVERIFY(runToEnd(g, c, &s));
    QCOMPARE(s.failed, 0);
    const AttributionSummary& a = s.attribution;
    QCOMPARE(a.connections.size(), 2);
    QCOMPARE(a.names.size(), 2);
    QCOMPARE(a.furtherConnections, 6);
    QCOMPARE(sum(a.connections) + a.furtherConnections, s.clientConnectionsOpened);
    QCOMPARE(sum(a.requests) + a.furtherRequests, s.succeeded);
    QCOMPARE(a.disagreed, 0);
}

void TestAttribution::benchAttributeWritesJsonAndSession()
{
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork") }));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess bench;
    bench.start(binary("clusterlab"), { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(server.port),
                                        QStringLiteral("-n"), QStringLiteral("300"), QStringLiteral("-c"), QStringLiteral("6"),
                                        QStringLiteral("--attribute"), QStringLiteral("--json"), dir.filePath(QStringLiteral("r.json")),
                                        QStringLiteral("--session"), dir.filePath(QStringLiteral("r.sqlite")) });
    QVERIFY(bench.waitForFinished(60000));
    QCOMPARE(bench.exitCode(), 0);
    const QString out = QString::fromUtf8(bench.readAllStandardOutput());
    QVERIFY2(out.contains(QLatin1String("Served by, through the OS")), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("Attributed 6 of 6 connections")), qPrintable(out));
    QFile f(dir.filePath(QStringLiteral("r.json")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject a = QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("attribution")).toObject();
    QCOMPARE(a.value(QStringLiteral("method")).toString(), QStringLiteral("os"));
    qint64 requests = 0;
    qint64 connections = 0;
    for (const QJsonValue& p : a.value(QStringLiteral("processes")).toArray()) {
        QVERIFY(server.children.contains(p.toObject().value(QStringLiteral("pid")).toInteger()));
        requests += p.toObject().value(QStringLiteral("requests")).toInteger();
        connections += p.toObject().value(QStringLiteral("connections")).toInteger();
    }
    QCOMPARE(requests, 300);
    QCOMPARE(connections, 6);
    QCOMPARE(a.value(QStringLiteral("agreedWithHeader")).toInteger(), 300);
    QVERIFY(a.value(QStringLiteral("jainConnections")).toDouble() >= 0.5);
    // The session keeps the same summary with the run.
    QFile db(dir.filePath(QStringLiteral("r.sqlite")));
    QVERIFY(db.open(QIODevice::ReadOnly));
    QVERIFY(db.readAll().contains("\"attribution\""));
}

void TestAttribution::aProcessThatExitsMidRun()
{
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork") }));
    LoadGenerator g;
    QSignalSpy progress(&g, &LoadGenerator::progress);
    QSignalSpy done(&g, &LoadGenerator::finished);
    LoadConfig c = loadFor(server.port, 0, 8);
    c.durationMs = 60000;
    QString error;
    QVERIFY2(g.start(c, &error), qPrintable(error));
    // Once answers flow, one child holding connections is killed.
    QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.constLast().constFirst().value<LoadProgress>().succeeded > 200, 30000);
    ConnectionOwners owners(server.port);
    const QHash<qint64, int> held = owners.connectionsByOwner();
    qint64 victim = 0;
    for (qint64 child : server.children) {
        if (held.value(child, 0) > 0)
            victim = child;
    }
    QVERIFY2(victim != 0, "no child held a connection");
    QCOMPARE(held.value(server.process.processId(), 0), 0);
    QVERIFY(::kill(static_cast<pid_t>(victim), SIGKILL) == 0);
    const qint64 survivor = server.children.value(0) == victim ? server.children.value(1) : server.children.value(0);
    // The run goes on with the survivor; it is stopped after more answers.
    // Three progress reports at least (the target's descriptors are
    // scanned again every 100 ms at most) and 300 answers more.
    const std::int64_t before = progress.constLast().constFirst().value<LoadProgress>().succeeded;
    const qsizetype reportsAtKill = progress.size();
    QTRY_VERIFY_WITH_TIMEOUT(progress.size() >= reportsAtKill + 3
                                 && progress.constLast().constFirst().value<LoadProgress>().succeeded > before + 300,
                             30000);
    g.cancel();
    QVERIFY(!done.isEmpty() || done.wait(30000));
    const LoadSummary s = done.constFirst().constFirst().value<LoadSummary>();
    const AttributionSummary& a = s.attribution;
    // What the run saw, should the survivor have none.
    QString seen = QStringLiteral("victim %1, survivor %2; by the OS:").arg(victim).arg(survivor);
    for (auto it = a.requests.cbegin(); it != a.requests.cend(); ++it)
        seen += QStringLiteral(" %1=%2 (%3 conns)").arg(it.key()).arg(it.value()).arg(a.connections.value(it.key()));
    seen += QStringLiteral("; by X-Worker-Pid:");
    for (auto it = s.perWorker.cbegin(); it != s.perWorker.cend(); ++it)
        seen += QStringLiteral(" %1=%2").arg(it.key()).arg(it.value());
    seen += QStringLiteral("; unattributed %1 requests on %2 connections, further %3, lookups %4, succeeded %5")
                .arg(a.unattributedRequests)
                .arg(a.unattributedConnections)
                .arg(a.furtherRequests)
                .arg(a.lookups)
                .arg(s.succeeded);
    QCOMPARE(a.disagreed, 0);
    QVERIFY2(a.requests.value(victim) > 0, qPrintable(seen));
    QVERIFY2(a.requests.value(survivor) > 0, qPrintable(seen));
    QCOMPARE(sum(a.requests) + a.unattributedRequests, s.succeeded);
    platform::ProcessSample gone;
    QTRY_VERIFY_WITH_TIMEOUT(!platform::sampleProcess(victim, &gone) || gone.state == 'Z', 10000);
    // The target follows exits (its tree is read again at most every 100 ms).
    QTRY_VERIFY_WITH_TIMEOUT(!owners.targetProcesses().contains(victim), 10000);
    QVERIFY(owners.targetProcesses().contains(survivor));
}

void TestAttribution::closedBeforeLookupIsGone()
{
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork"), QStringLiteral("--close") }));
    ConnectionOwners owners(server.port);
    QCOMPARE(owners.listenerOwners().size(), 3); // the parent and its two children hold the listener
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const char request[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::send(fd, request, sizeof request - 1, 0), static_cast<ssize_t>(sizeof request - 1));
    // Read to the end: the server has answered and closed its side.
    char buf[512];
    ssize_t n = 0;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    }
    QCOMPARE(n, 0);
    qint64 pid = -1;
    QCOMPARE(owners.ownerOf(fd, &pid, ConnectionOwners::Rescan::Now), ConnectionOwners::Lookup::Gone);
    QCOMPARE(pid, 0);
    ::close(fd);
}

void TestAttribution::closingServerCountsTheUnattributed()
{
    // A server that closes after each answer, at full speed: some server
    // sides are gone before their owner is found. Each connection answered
    // on is counted once, attributed or not; none is guessed.
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork"), QStringLiteral("--close") }));
    LoadGenerator g;
    LoadSummary s;
    QVERIFY(runToEnd(g, loadFor(server.port, 600, 8, false), &s));
    QCOMPARE(s.failed, 0);
    const AttributionSummary& a = s.attribution;
    QCOMPARE(sum(a.connections) + a.unattributedConnections, s.succeeded);
    QCOMPARE(sum(a.requests) + a.unattributedRequests, s.succeeded);
    QCOMPARE(a.unattributedRequests, a.unattributedConnections);
    QCOMPARE(a.disagreed, 0);
    QCOMPARE(a.agreed, sum(a.requests));
}

void TestAttribution::anotherUsersServer()
{
    if (::geteuid() != 0)
        QSKIP("starting a server as another user needs root; as another user, attribution says it needs that user or "
              "privileges (docs/ATTRIBUTION.md)");
    // Root sees another user's processes: attributed whole.
    {
        ForkServer server;
        QVERIFY(server.start({ QStringLiteral("prefork") }, true));
        LoadGenerator g;
        LoadSummary s;
        QVERIFY(runToEnd(g, loadFor(server.port, 200, 4), &s));
        checkAllAttributedAndRight(s);
    }
    // A user without privileges against root's server: the run is whole,
    // nothing is attributed, and the summary says why (exit 0).
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork") }));
    QProcess bench;
    bench.setChildProcessModifier([]() {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0)
            ::_exit(3);
    });
    bench.start(binary("clusterlab"), { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(server.port),
                                        QStringLiteral("-n"), QStringLiteral("50"), QStringLiteral("-c"), QStringLiteral("2"),
                                        QStringLiteral("--attribute") });
    QVERIFY(bench.waitForFinished(60000));
    const QString out = QString::fromUtf8(bench.readAllStandardOutput());
    if (bench.exitCode() == 3 || bench.exitCode() == 126)
        QSKIP("the test's binaries cannot be run by user nobody here");
    QCOMPARE(bench.exitCode(), 0);
    QVERIFY2(out.contains(QLatin1String("Attributed 0 of 2 connections")), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("user or privileges")), qPrintable(out));
}

void TestAttribution::externalTargetFollowsTheServer()
{
    // The window's "a server on this machine": its processes as workers,
    // sampled from outside, what it served from the load generator's view.
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork") }));
    ClusterConfig c;
    c.engine = EngineKind::External;
    c.port = server.port;
    std::unique_ptr<Engine> target = createEngine(c);
    QCOMPARE(target->engineName(), QStringLiteral("external"));
    QVERIFY(target->needsAttribution());
    QString error;
    QVERIFY2(startAndWait(target.get(), &error), qPrintable(error));
    QList<qint64> pids;
    for (const Engine::WorkerInfo& w : target->workers())
        pids.append(w.pid);
    QCOMPARE(pids.size(), 3);
    QVERIFY(pids.contains(server.process.processId()));
    QVERIFY(pids.contains(server.children[0]) && pids.contains(server.children[1]));
    // Samples arrive: memory known, the event loop's lag not (-1, never 0).
    TelemetryAggregator* t = target->telemetry();
    QTRY_VERIFY_WITH_TIMEOUT(t->snapshot() && t->snapshot()->lastSample.size() == 3, 10000);
    for (const WorkerSample& s : t->snapshot()->lastSample) {
        QVERIFY(s.rssKiB > 0);
        QCOMPARE(s.lagMaxUs, -1);
    }
    // A load test with the target's record hook: per-process counts.
    LoadGenerator g;
    g.setRecordSink([&target](const LoadRecord& r) { target->clientRecord(toClientRecord(r, "/")); });
    LoadSummary s;
    QVERIFY(runToEnd(g, loadFor(server.port, 300, 6), &s));
    checkAllAttributedAndRight(s);
    QTRY_VERIFY_WITH_TIMEOUT(t->snapshot() && t->snapshot()->totalRecords == 300, 10000);
    std::uint64_t counted = 0;
    for (const Engine::WorkerInfo& w : target->workers()) {
        std::uint64_t n = 0;
        for (const auto& byPath : t->snapshot()->counts.value(w.index))
            for (std::uint64_t k : byPath)
                n += k;
        QCOMPARE(static_cast<std::int64_t>(n), s.attribution.requests.value(w.pid));
        counted += n;
    }
    QCOMPARE(counted, 300U);
    // Not ours: not scaled; a process that exits leaves the table.
    QVERIFY(!target->reviveWorker(0));
    const int before = static_cast<int>(target->workers().size());
    target->setWorkerCount(8);
    QCOMPARE(static_cast<int>(target->workers().size()), before);
    QVERIFY(::kill(static_cast<pid_t>(server.children[0]), SIGKILL) == 0);
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<int>(target->workers().size()), 2, 10000);
    QSignalSpy stopped(target.get(), &Engine::stopped);
    target->stop();
    QVERIFY(!stopped.isEmpty() || stopped.wait(10000));
    QCOMPARE(server.process.state(), QProcess::Running); // the server is the user's: it runs on
}

void TestAttribution::externalTargetStartsACommand()
{
    // "A command I start": ready once its tree listens on the port given;
    // its whole process group stopped with the target.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const quint16 port = ntohs(a.sin_port);
    ::close(fd); // free again for the command (ephemeral: nobody else asked for it)
    ExternalTarget target(port, { binary("clusterlab-fork-server"), QStringLiteral("prefork"), QStringLiteral("--port"),
                                  QString::number(port) });
    QSignalSpy listening(&target, &Engine::allListening);
    QString error;
    QVERIFY2(target.start(&error), qPrintable(error));
    QVERIFY(!listening.isEmpty() || listening.wait(20000));
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<int>(target.workers().size()), 3, 10000);
    QList<qint64> pids;
    for (const Engine::WorkerInfo& w : target.workers())
        pids.append(w.pid);
    QSignalSpy stopped(&target, &Engine::stopped);
    target.stop();
    QVERIFY(!stopped.isEmpty() || stopped.wait(10000));
    for (qint64 pid : pids) {
        platform::ProcessSample gone;
        QTRY_VERIFY_WITH_TIMEOUT(!platform::sampleProcess(pid, &gone) || gone.state == 'Z', 10000);
    }
}

void TestAttribution::externalTargetQueueIsBounded()
{
    // Records wait for the next 100 ms tick; a generator faster than the
    // ticks loses the excess, counted, and nothing grows past the bound.
    ExternalTarget target(1, {});
    ClientRecord r;
    r.startNs = 1;
    r.endNs = 2;
    r.status = 200;
    r.pid = 4242;
    for (std::size_t i = 0; i < ExternalTarget::kMaxPendingRecords + 7; ++i)
        target.clientRecord(r);
    QCOMPARE(target.droppedRecords(), 7);
}

void TestAttribution::observePrintsTheProcessTable()
{
    ForkServer server;
    QVERIFY(server.start({ QStringLiteral("prefork") }));
    QProcess observe;
    observe.start(binary("clusterlab"), { QStringLiteral("observe"), QStringLiteral("--port"), QString::number(server.port),
                                          QStringLiteral("--count"), QStringLiteral("2"), QStringLiteral("--interval"),
                                          QStringLiteral("100") });
    QVERIFY(observe.waitForFinished(60000));
    QCOMPARE(observe.exitCode(), 0);
    const QString out = QString::fromUtf8(observe.readAllStandardOutput());
    QVERIFY2(out.contains(QStringLiteral("port %1 — 3 processes").arg(server.port)), qPrintable(out));
    for (qint64 pid : QList<qint64> { server.process.processId(), server.children[0], server.children[1] })
        QVERIFY2(out.contains(QRegularExpression(QStringLiteral("\\b%1 +\\d+ listener").arg(pid))), qPrintable(out));
    QVERIFY(out.contains(QLatin1String("clusterlab-fork-")));
}

void TestAttribution::observeStartsAndStopsACommand()
{
    QProcess observe;
    observe.start(binary("clusterlab"), { QStringLiteral("observe"), QStringLiteral("--count"), QStringLiteral("3"),
                                          QStringLiteral("--interval"), QStringLiteral("200"), QStringLiteral("--"),
                                          binary("clusterlab-fork-server"), QStringLiteral("prefork") });
    QVERIFY(observe.waitForFinished(60000));
    QCOMPARE(observe.exitCode(), 0);
    const QString out = QString::fromUtf8(observe.readAllStandardOutput());
    // The command's line, then its children, found live.
    const QRegularExpressionMatch port = QRegularExpression(QStringLiteral("^port (\\d+)$"), QRegularExpression::MultilineOption).match(out);
    QVERIFY2(port.hasMatch(), qPrintable(out));
    const QRegularExpressionMatch child = QRegularExpression(QStringLiteral("^child (\\d+)$"), QRegularExpression::MultilineOption).match(out);
    QVERIFY2(child.hasMatch(), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("3 processes")), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("Stopping the command")), qPrintable(out));
    // Nothing of it is left: its group was stopped.
    const pid_t childPid = static_cast<pid_t>(child.captured(1).toLongLong());
    platform::ProcessSample s;
    QTRY_VERIFY_WITH_TIMEOUT(!platform::sampleProcess(childPid, &s) || s.state == 'Z', 10000);
}

void TestAttribution::observeUsage()
{
    auto run = [](const QStringList& args, QString* err) {
        QProcess p;
        p.start(binary("clusterlab"), QStringList { QStringLiteral("observe") } + args);
        p.waitForFinished(30000);
        *err = QString::fromUtf8(p.readAllStandardError());
        return p.exitCode();
    };
    QString err;
    QCOMPARE(run({}, &err), 2);
    QVERIFY(err.contains(QLatin1String("expected --port P or -- COMMAND")));
    QCOMPARE(run({ QStringLiteral("--port"), QStringLiteral("0") }, &err), 2);
    QCOMPARE(run({ QStringLiteral("--port"), QStringLiteral("3000"), QStringLiteral("--interval"), QStringLiteral("5") }, &err), 2);
    QCOMPARE(run({ QStringLiteral("--") }, &err), 2);
    // A port nobody listens on: a runtime failure that says so.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0); // bound, never listening: a free port kept free
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    QCOMPARE(run({ QStringLiteral("--port"), QString::number(ntohs(a.sin_port)) }, &err), 1);
    QVERIFY2(err.contains(QLatin1String("nothing on this machine listens on port")), qPrintable(err));
    ::close(fd);
    QCOMPARE(run({ QStringLiteral("--"), QStringLiteral("/nonexistent/program") }, &err), 1);
    QVERIFY2(err.contains(QLatin1String("cannot start")), qPrintable(err));
}

// Click-to-send for a server the lab did not start (AttributedClient): the
// forking server's children answer, and the OS's answer agrees with what
// each says of itself, on a kept connection and on new ones (the owner is
// looked up while the answer arrives, before the client closes). A server
// that closes as it answers leaves nothing to find once the answer is read:
// then the answer says so.
void TestAttribution::clickToSendFindsTheServingProcess()
{
    for (const bool serverCloses : { false, true }) {
        ForkServer server;
        QStringList args { QStringLiteral("prefork") };
        if (serverCloses)
            args << QStringLiteral("--close");
        QVERIFY(server.start(args));
        AttributedClient client(QStringLiteral("127.0.0.1"), server.port, 1 << 20, 60000);
        QList<AttributedClient::Answer> answers;
        for (const bool keepAlive : { true, true, false }) {
            bool done = false;
            client.get("/", keepAlive, [&](const AttributedClient::Answer& a) {
                answers.append(a);
                done = true;
            });
            QVERIFY(!done); // never from inside get()
            QTRY_VERIFY_WITH_TIMEOUT(done, 20000);
        }
        for (const AttributedClient::Answer& a : answers) {
            QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
            QCOMPARE(a.status, 200);
            QCOMPARE(a.body, QByteArray("ok"));
            if (serverCloses && a.servedBy == 0) {
                // Closed by the server as soon as it answered: nothing left
                // to find unless the lookup ran first, and said so.
                QVERIFY2(a.attributionNote.contains(QLatin1String("gone")), qPrintable(a.attributionNote));
                continue;
            }
            QVERIFY2(a.servedBy != 0, qPrintable(a.attributionNote));
            QVERIFY(server.children.contains(a.servedBy));
            QString stamped;
            for (const auto& h : a.headers) {
                if (h.first.compare("X-Worker-Pid", Qt::CaseInsensitive) == 0)
                    stamped = QString::fromLatin1(h.second);
            }
            QCOMPARE(stamped.toLongLong(), a.servedBy);
        }
        // Kept alive when the server keeps it: the second on the first's connection.
        QCOMPARE(answers[1].reusedConnection, !serverCloses);
        QCOMPARE(answers[1].connection == answers[0].connection, !serverCloses);
        QVERIFY(!answers[2].reusedConnection);
        QVERIFY(!client.hasIdleConnection()); // keep-alive off drops the kept one
        QCOMPARE(client.openRequests(), 0);
    }
}

// Everything the click-to-send client holds has a bound: the answer's body
// (cut, said), the time (an answer that never comes), the requests at once
// (past kMaxOpen answered at once with the reason); and a server that
// closes without answering, or sends something else than HTTP, is said as
// such. The server is a QTcpServer of this process: the OS finds it here.
void TestAttribution::clickToSendBounds()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QList<QTcpSocket*> held;
    QByteArray reply;
    bool closeAfter = false;
    connect(&server, &QTcpServer::newConnection, &server, [&]() {
        while (QTcpSocket* s = server.nextPendingConnection()) {
            held.append(s);
            connect(s, &QTcpSocket::readyRead, s, [&, s]() {
                s->readAll();
                if (!reply.isEmpty())
                    s->write(reply);
                if (closeAfter)
                    s->disconnectFromHost();
            });
        }
    });
    auto one = [&](AttributedClient& client) {
        AttributedClient::Answer out;
        bool done = false;
        client.get("/", false, [&](const AttributedClient::Answer& a) {
            out = a;
            done = true;
        });
        if (!QTest::qWaitFor([&]() { return done; }, 20000))
            out.error = QStringLiteral("the test waited in vain");
        return out;
    };
    AttributedClient client(QStringLiteral("127.0.0.1"), server.serverPort(), 1000, 60000);
    // A body longer than the bound: cut at it, and the process found.
    reply = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + QByteArray(5000, 'x');
    AttributedClient::Answer a = one(client);
    QCOMPARE(a.status, 200);
    QVERIFY(a.truncated);
    QCOMPARE(a.body.size(), 1000);
    QCOMPARE(a.servedBy, QCoreApplication::applicationPid());
    // A body that ends with the connection.
    reply = "HTTP/1.1 200 OK\r\n\r\nuntil the end";
    closeAfter = true;
    a = one(client);
    QVERIFY2(a.error.isEmpty(), qPrintable(a.error));
    QCOMPARE(a.body, QByteArray("until the end"));
    // Closed without a word; then not HTTP at all.
    reply.clear();
    a = one(client);
    QCOMPARE(a.status, 0);
    QVERIFY2(a.error.contains(QLatin1String("closed the connection before answering")), qPrintable(a.error));
    reply = "SSH-2.0-OpenSSH\r\n";
    a = one(client);
    QCOMPARE(a.status, 0);
    QVERIFY2(a.error.contains(QLatin1String("not an HTTP answer")), qPrintable(a.error));
    // No answer at all: the time bound.
    reply.clear();
    closeAfter = false;
    AttributedClient quick(QStringLiteral("127.0.0.1"), server.serverPort(), 1000, 300);
    a = one(quick);
    QCOMPARE(a.status, 0);
    QVERIFY2(a.error.contains(QLatin1String("no answer within")), qPrintable(a.error));
    // At most kMaxOpen at once; the rest answered with the reason, and every
    // open one ended by cancelAll.
    AttributedClient busy(QStringLiteral("127.0.0.1"), server.serverPort(), 1000, 60000);
    QStringList errors;
    for (int i = 0; i <= AttributedClient::kMaxOpen; ++i)
        busy.get("/", true, [&](const AttributedClient::Answer& x) { errors.append(x.error); });
    QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 20000);
    QVERIFY2(errors.constFirst().contains(QLatin1String("still waiting")), qPrintable(errors.constFirst()));
    QCOMPARE(busy.openRequests(), AttributedClient::kMaxOpen);
    busy.cancelAll(QStringLiteral("the target changed"));
    QCOMPARE(errors.size(), AttributedClient::kMaxOpen + 1);
    QCOMPARE(errors.count(QStringLiteral("the target changed")), AttributedClient::kMaxOpen);
    QCOMPARE(busy.openRequests(), 0);
    qDeleteAll(held);
}

QTEST_GUILESS_MAIN(TestAttribution)
#include "tst_attribution.moc"

#else
int main()
{
    return 0;
}
#endif
