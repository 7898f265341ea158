// SPDX-License-Identifier: GPL-3.0-or-later
// One logging category per subsystem, off beyond warnings by default and
// turned on by QT_LOGGING_RULES: each category is checked to carry what
// its subsystem does, in the process where it happens (the primary, the
// worker, the load generator).
#include "cluster/cluster.h"
#include "load/loadconfig.h"
#include "load/loadgenerator.h"
#include "logging.h"
#include "rawhttpclient.h"
#include "telemetry/telemetryaggregator.h"
#include "workerprocess.h"

#include <QCborMap>
#include <QMutex>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest>

using namespace clusterlab;
using clusterlab::test::RawHttpClient;
using clusterlab::test::WorkerProcess;

namespace {

struct Captured
{
    QString category;
    QtMsgType type;
    QString message;
};

QMutex capturedMutex;
QList<Captured> captured;
QtMessageHandler previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    {
        QMutexLocker lock(&capturedMutex);
        captured.append({ QString::fromLatin1(context.category), type, message });
    }
    previous(type, context, message);
}

bool seen(const QString& category, const QString& part)
{
    QMutexLocker lock(&capturedMutex);
    for (const Captured& c : captured) {
        if (c.category == category && c.message.contains(part))
            return true;
    }
    return false;
}

} // namespace

class TestLogging : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void categoriesAreQuietByDefault();
    void clusterLogsTheWorkersLives();
    void telemetryWarnsAboutWhatItRefuses();
    void loadSaysWhenTheTargetIsUnreachable();
    void theWorkerLogsHttpErrorsWhenAsked();
};

void TestLogging::initTestCase()
{
    previous = qInstallMessageHandler(capture);
}

void TestLogging::cleanup()
{
    QLoggingCategory::setFilterRules(QString());
    QMutexLocker lock(&capturedMutex);
    captured.clear();
}

void TestLogging::categoriesAreQuietByDefault()
{
    const QList<const QLoggingCategory*> all { &lcCluster(), &lcHttp(), &lcTelemetry(), &lcLoad(), &lcExperiment() };
    QStringList names;
    for (const QLoggingCategory* c : all) {
        names.append(QString::fromLatin1(c->categoryName()));
        QVERIFY(c->isWarningEnabled());
        QVERIFY2(!c->isInfoEnabled() && !c->isDebugEnabled(), c->categoryName());
    }
    QCOMPARE(names, (QStringList { QStringLiteral("clusterlab.cluster"), QStringLiteral("clusterlab.http"),
                                   QStringLiteral("clusterlab.telemetry"), QStringLiteral("clusterlab.load"),
                                   QStringLiteral("clusterlab.experiment") }));
    // A rule turns one on, and only that one.
    QLoggingCategory::setFilterRules(QStringLiteral("clusterlab.cluster.debug=true"));
    QVERIFY(lcCluster().isDebugEnabled());
    QVERIFY(!lcHttp().isDebugEnabled());
}

void TestLogging::clusterLogsTheWorkersLives()
{
    QLoggingCategory::setFilterRules(QStringLiteral("clusterlab.cluster.debug=true\nclusterlab.cluster.info=true"));
    ClusterConfig config;
    config.workers = 1;
    config.port = 0;
    Cluster cluster(config);
    QSignalSpy listening(&cluster, &Cluster::allListening);
    QString error;
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY(listening.wait(20000));
    QVERIFY(seen(QStringLiteral("clusterlab.cluster"), QStringLiteral("spawning worker 0")));
    QVERIFY(seen(QStringLiteral("clusterlab.cluster"), QStringLiteral("listening")));
    // A crash is a warning, seen even without the rule.
    QLoggingCategory::setFilterRules(QString());
    QVERIFY(cluster.killWorker(0));
    QTRY_VERIFY_WITH_TIMEOUT(seen(QStringLiteral("clusterlab.cluster"), QStringLiteral("exited")), 10000);
    QSignalSpy stopped(&cluster, &Cluster::stopped);
    cluster.stop();
    QVERIFY(stopped.wait(20000));
}

void TestLogging::telemetryWarnsAboutWhatItRefuses()
{
    TelemetryAggregator aggregator;
    aggregator.ingest(TelemetryAggregator::kMaxWorkerIndex + 1, 4242, QCborMap());
    QVERIFY(seen(QStringLiteral("clusterlab.telemetry"), QStringLiteral("index out of range")));
    aggregator.ingest(0, 4242, QCborMap { { QStringLiteral("batch"), 1 }, { QStringLiteral("layout"), -7 } });
    QVERIFY(seen(QStringLiteral("clusterlab.telemetry"), QStringLiteral("malformed")));
    QCOMPARE(aggregator.malformedBatches(), 2u);
}

void TestLogging::loadSaysWhenTheTargetIsUnreachable()
{
    QLoggingCategory::setFilterRules(QStringLiteral("clusterlab.load.info=true"));
    quint16 port = 0;
    {
        QTcpServer probe; // a port that was free a moment ago: nothing listens there now
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        port = probe.serverPort();
    }
    LoadGenerator generator;
    QSignalSpy finished(&generator, &LoadGenerator::finished);
    LoadConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = port;
    config.routes = { RouteWeight { "/", 1 } };
    config.requests = 10;
    QString error;
    QVERIFY2(generator.start(config, &error), qPrintable(error));
    QVERIFY(finished.wait(20000));
    QTRY_VERIFY_WITH_TIMEOUT(seen(QStringLiteral("clusterlab.load"), QStringLiteral("unreachable")), 5000);
}

void TestLogging::theWorkerLogsHttpErrorsWhenAsked()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("clusterlab.http.debug=true"));
    env.remove(QStringLiteral("QT_MESSAGE_PATTERN"));
    WorkerProcess worker({}, env);
    QVERIFY(worker.start());
    RawHttpClient c;
    QVERIFY(c.connectTo(worker.port()));
    QVERIFY(c.send("NOT HTTP AT ALL\r\n\r\n"));
    clusterlab::test::ParsedResponse r;
    QVERIFY(c.readResponse(&r));
    QCOMPARE(r.status, 400);
    QTRY_VERIFY_WITH_TIMEOUT(worker.stderrText().contains("clusterlab.http: connection"), 10000);
    // Without the rule the same error says nothing.
    WorkerProcess quiet;
    QVERIFY(quiet.start());
    RawHttpClient q;
    QVERIFY(q.connectTo(quiet.port()));
    QVERIFY(q.send("NOT HTTP AT ALL\r\n\r\n"));
    QVERIFY(q.readResponse(&r));
    QCOMPARE(r.status, 400);
    QCOMPARE(quiet.stop(), 0);
    QVERIFY2(!quiet.stderrText().contains("clusterlab.http"), quiet.stderrText().constData());
}

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"
