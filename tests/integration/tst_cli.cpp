// SPDX-License-Identifier: GPL-3.0-or-later
// Command-line contract of clusterlab and clusterlab-worker: exit codes 0,
// 1 (runtime failure) and 2 (bad usage), with a message.
#include "session/sessionreader.h"
#include "workerprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#if defined(Q_OS_UNIX)
#include <csignal>
#endif

using clusterlab::test::WorkerProcess;

class TestCli : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void helpAndVersion_data();
    void helpAndVersion();
    void badUsage_data();
    void badUsage();
    void portInUseIsARuntimeFailure();
    void noDisplayPointsToServe();
    void sigtermStopsCleanly();
    void experimentPrintsTheTableAndWritesItsFiles();
    void theWindowClosesCleanlyOnSigterm();
    void serveAndBenchRecordSessions();
    void aSessionInAMissingFolderIsARuntimeFailure_data();
    void aSessionInAMissingFolderIsARuntimeFailure();

private:
    // timeoutMs bounds a failure, it does not time anything: an experiment
    // run under ASan beside the Node engine's suites takes far longer than alone.
    static int run(const QString& program, const QStringList& args, QByteArray* out, QByteArray* err, int timeoutMs = 20000);
};

int TestCli::run(const QString& program, const QStringList& args, QByteArray* out, QByteArray* err, int timeoutMs)
{
    QProcess p;
    p.start(WorkerProcess::binary(program), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    *out = p.readAllStandardOutput();
    *err = p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

void TestCli::helpAndVersion_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("clusterlab --help") << QStringLiteral("clusterlab") << QStringLiteral("--help") << QByteArray("Usage");
    QTest::addRow("clusterlab --version") << QStringLiteral("clusterlab") << QStringLiteral("--version")
                                          << QByteArray("clusterlab 0.");
#if defined(CLUSTERLAB_HAS_GUI)
    // The same command line without the window (the clusterlab-cli package).
    QTest::addRow("clusterlab-cli --help") << QStringLiteral("clusterlab-cli") << QStringLiteral("--help")
                                           << QByteArray("clusterlab-cli serve");
    QTest::addRow("clusterlab-cli --version") << QStringLiteral("clusterlab-cli") << QStringLiteral("--version")
                                              << QByteArray("clusterlab-cli 0.");
#endif
    QTest::addRow("worker --help") << QStringLiteral("clusterlab-worker") << QStringLiteral("--help")
                                   << QByteArray("--max-children");
    QTest::addRow("worker --version") << QStringLiteral("clusterlab-worker") << QStringLiteral("--version")
                                      << QByteArray("clusterlab-worker 0.");
    // Issue 22: --help-all, which every help lists, ran the command instead
    // (serve started serving on port 3000, experiment a 4-minute run).
    QTest::addRow("clusterlab --help-all") << QStringLiteral("clusterlab") << QStringLiteral("--help-all") << QByteArray("Usage");
    QTest::addRow("serve --help-all") << QStringLiteral("clusterlab") << QStringLiteral("serve --help-all")
                                      << QByteArray("--allow-host");
    QTest::addRow("bench --help-all") << QStringLiteral("clusterlab") << QStringLiteral("bench --help-all") << QByteArray("--merge");
    QTest::addRow("experiment --help-all") << QStringLiteral("clusterlab") << QStringLiteral("experiment --help-all")
                                           << QByteArray("--quick");
    QTest::addRow("worker --help-all") << QStringLiteral("clusterlab-worker") << QStringLiteral("--help-all")
                                       << QByteArray("--allow-host");
}

void TestCli::helpAndVersion()
{
    QFETCH(QString, program);
    QFETCH(QString, flag);
    QFETCH(QByteArray, expected);
    QByteArray out, err;
    QCOMPARE(run(program, flag.split(QLatin1Char(' ')), &out, &err), 0);
    QVERIFY2(out.contains(expected), out.constData());
}

void TestCli::badUsage_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("worker unknown option") << QStringLiteral("clusterlab-worker") << QStringList { QStringLiteral("--bogus") }
                                           << QByteArray("Unknown option");
    QTest::addRow("worker port 70000") << QStringLiteral("clusterlab-worker")
                                       << QStringList { QStringLiteral("--port"), QStringLiteral("70000") }
                                       << QByteArray("--port: expected an integer 0..65535");
    QTest::addRow("worker port abc") << QStringLiteral("clusterlab-worker")
                                     << QStringList { QStringLiteral("--port"), QStringLiteral("abc") }
                                     << QByteArray("--port");
    QTest::addRow("worker bad host") << QStringLiteral("clusterlab-worker")
                                     << QStringList { QStringLiteral("--host"), QStringLiteral("not-an-ip") }
                                     << QByteArray("--host");
    QTest::addRow("worker zero threads") << QStringLiteral("clusterlab-worker")
                                         << QStringList { QStringLiteral("--pool-threads"), QStringLiteral("0") }
                                         << QByteArray("--pool-threads");
    QTest::addRow("worker stray argument") << QStringLiteral("clusterlab-worker") << QStringList { QStringLiteral("x") }
                                           << QByteArray("unexpected argument");
    QTest::addRow("clusterlab unknown command") << QStringLiteral("clusterlab") << QStringList { QStringLiteral("frobnicate") }
                                                << QByteArray("unknown command");
    QTest::addRow("clusterlab bad option") << QStringLiteral("clusterlab") << QStringList { QStringLiteral("--nope") }
                                           << QByteArray("unknown option '--nope'");
#if defined(CLUSTERLAB_HAS_GUI)
    QTest::addRow("clusterlab-cli without a command") << QStringLiteral("clusterlab-cli") << QStringList {}
                                                      << QByteArray("this build has no window");
    QTest::addRow("clusterlab-cli bench without a URL") << QStringLiteral("clusterlab-cli")
                                                        << QStringList { QStringLiteral("bench") } << QByteArray("URL");
#endif
    QTest::addRow("experiment unknown name") << QStringLiteral("clusterlab")
                                             << QStringList { QStringLiteral("experiment"), QStringLiteral("speed") }
                                             << QByteArray("unknown experiment 'speed'");
    QTest::addRow("experiment report suffix") << QStringLiteral("clusterlab")
                                              << QStringList { QStringLiteral("experiment"), QStringLiteral("--report"),
                                                               QStringLiteral("out.txt") }
                                              << QByteArray("expected FILE.html or FILE.pdf");
    QTest::addRow("experiment unknown engine") << QStringLiteral("clusterlab")
                                               << QStringList { QStringLiteral("experiment"), QStringLiteral("--engine"),
                                                                QStringLiteral("native,deno") }
                                               << QByteArray("--engine: expected native, node or native,node, got 'deno'");
    QTest::addRow("experiment rounds 0") << QStringLiteral("clusterlab")
                                         << QStringList { QStringLiteral("experiment"), QStringLiteral("--rounds"), QStringLiteral("0") }
                                         << QByteArray("--rounds: expected an integer 1..20");
    QTest::addRow("experiment json into a missing directory")
        << QStringLiteral("clusterlab")
        << QStringList { QStringLiteral("experiment"), QStringLiteral("--json"), QStringLiteral("/nonexistent/dir/x.json") }
        << QByteArray("cannot write to /nonexistent/dir");
#if defined(CLUSTERLAB_HAS_GUI)
    QTest::addRow("clusterlab-cli experiment pdf") << QStringLiteral("clusterlab-cli")
                                                   << QStringList { QStringLiteral("experiment"), QStringLiteral("--report"),
                                                                    QStringLiteral("out.pdf") }
                                                   << QByteArray("use FILE.html");
#endif
    QTest::addRow("serve bad option") << QStringLiteral("clusterlab")
                                      << QStringList { QStringLiteral("serve"), QStringLiteral("--nope") }
                                      << QByteArray("Unknown option");
}

void TestCli::badUsage()
{
    QFETCH(QString, program);
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    QByteArray out, err;
    QCOMPARE(run(program, args, &out, &err), 2);
    QVERIFY2(err.contains(message), err.constData());
}

void TestCli::portInUseIsARuntimeFailure()
{
    QTcpServer blocker;
    QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
    QByteArray out, err;
    QCOMPARE(run(QStringLiteral("clusterlab-worker"), { QStringLiteral("--port"), QString::number(blocker.serverPort()) },
                 &out, &err),
             1);
    QVERIFY2(err.contains(QByteArray("cannot listen on 127.0.0.1:" + QByteArray::number(blocker.serverPort()))), err.constData());
}

void TestCli::experimentPrintsTheTableAndWritesItsFiles()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString json = dir.filePath(QStringLiteral("run.json"));
    const QString html = dir.filePath(QStringLiteral("report.html"));
    QStringList args { QStringLiteral("experiment"), QStringLiteral("footprint"), QStringLiteral("sharing"),
                       QStringLiteral("--quick"), QStringLiteral("--rounds"), QStringLiteral("2"), QStringLiteral("--engine"),
                       QStringLiteral("native"), QStringLiteral("--time-scale"), QStringLiteral("0.2"), QStringLiteral("--json"), json,
                       QStringLiteral("--report"), html };
#if defined(CLUSTERLAB_HAS_GUI)
    const QString pdf = dir.filePath(QStringLiteral("report.pdf"));
#endif
    QByteArray out, err;
    QCOMPARE(run(QStringLiteral("clusterlab"), args, &out, &err, 300000), 0);
    QVERIFY2(out.contains("Need shared memory"), out.constData());
    QVERIFY(out.contains("confirmed"));
    QVERIFY(out.contains("not measured")); // the experiments that did not run
    QVERIFY2(err.contains("footprint (native): done") && err.contains("sharing (native): done"), err.constData());
    QFile j(json);
    QVERIFY(j.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(j.readAll()).object();
    QCOMPARE(o.value(QStringLiteral("format")).toString(), QStringLiteral("clusterlab-experiments"));
    QCOMPARE(o.value(QStringLiteral("results")).toArray().size(), 2);
    QCOMPARE(o.value(QStringLiteral("verdicts")).toObject().value(QStringLiteral("rows")).toArray().size(), 7);
    QFile h(html);
    QVERIFY(h.open(QIODevice::ReadOnly));
    const QByteArray page = h.readAll();
    QVERIFY(page.contains("<svg") && page.contains("The seed's table, measured"));
    // A saved run, read again: the same table, nothing measured.
    QByteArray again;
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("experiment"), QStringLiteral("--open"), json }, &again, &err), 0);
    QVERIFY(!err.contains("done"));
    QCOMPARE(again.mid(again.indexOf("Use case")), out.mid(out.indexOf("Use case"), out.indexOf("\nMeasurements:") - out.indexOf("Use case") + 1));
    const QString garbage = dir.filePath(QStringLiteral("garbage.json"));
    QFile g(garbage);
    QVERIFY(g.open(QIODevice::WriteOnly));
    g.write("{\"format\": \"other\"}");
    g.close();
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("experiment"), QStringLiteral("--open"), garbage }, &again, &err), 1);
    QVERIFY2(err.contains("not a ClusterLab experiments file"), err.constData());
#if defined(CLUSTERLAB_HAS_GUI)
    // The desktop build writes the PDF too.
    args.replace(args.size() - 1, pdf);
    QCOMPARE(run(QStringLiteral("clusterlab"), args, &out, &err, 300000), 0);
    QFile p(pdf);
    QVERIFY(p.open(QIODevice::ReadOnly));
    QVERIFY(p.read(5) == "%PDF-");
#endif
}

void TestCli::noDisplayPointsToServe()
{
#if !defined(CLUSTERLAB_HAS_GUI)
    QSKIP("built without the window");
#elif defined(Q_OS_LINUX)
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    p.setProcessEnvironment(env);
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab")), {});
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardError().contains("clusterlab serve"));
#else
    QSKIP("a display is always there on this platform");
#endif
}

void TestCli::sigtermStopsCleanly()
{
#if defined(Q_OS_UNIX)
    WorkerProcess worker;
    QVERIFY(worker.start());
    QCOMPARE(worker.stop(), 0);
#else
    QSKIP("SIGTERM is Unix");
#endif
}

// Regression: SIGTERM (or Ctrl-C in its terminal) killed the desktop app
// outright: no settings saved, the cluster not stopped, a crash exit.
void TestCli::theWindowClosesCleanlyOnSigterm()
{
#if !defined(CLUSTERLAB_HAS_GUI)
    QSKIP("built without the window");
#elif !defined(Q_OS_LINUX)
    QSKIP("needs signals and /proc");
#else
    QTemporaryDir config;
    QVERIFY(config.isValid());
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
    app.setProcessEnvironment(env);
    app.start(WorkerProcess::binary(QStringLiteral("clusterlab")), {});
    QVERIFY(app.waitForStarted());
    QList<qint64> workers;
    QTRY_VERIFY_WITH_TIMEOUT(!(workers = clusterlab::test::childPids(app.processId())).isEmpty(), 20000);
    ::kill(static_cast<pid_t>(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(20000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!clusterlab::test::processAlive(pid), 10000);
    QVERIFY(QFile::exists(config.filePath(QStringLiteral("ClusterLab/ClusterLab.conf"))));
#endif
}


void TestCli::serveAndBenchRecordSessions()
{
#if defined(Q_OS_UNIX)
    QTemporaryDir dir;
    const QString served = dir.filePath(QStringLiteral("served.sqlite"));
    const QString client = dir.filePath(QStringLiteral("client.sqlite"));
    const QString json = dir.filePath(QStringLiteral("bench.json"));
    QProcess serve;
    serve.start(WorkerProcess::binary(QStringLiteral("clusterlab")),
                { QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--workers"),
                  QStringLiteral("2"), QStringLiteral("--record"), served });
    QByteArray log;
    QRegularExpressionMatch m;
    const QRegularExpression url(QStringLiteral("serving http://127.0.0.1:(\\d+)"));
    while (!(m = url.match(QString::fromUtf8(log))).hasMatch()) {
        QVERIFY2(serve.waitForReadyRead(20000), log.constData());
        log += serve.readAllStandardOutput();
    }
    const QString port = m.captured(1);
    QByteArray out, err;
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(port), QStringLiteral("-n"),
                   QStringLiteral("2000"), QStringLiteral("-c"), QStringLiteral("4"), QStringLiteral("--no-keepalive"),
                   QStringLiteral("--route"), QStringLiteral("/"), QStringLiteral("--route"), QStringLiteral("/worker?n=10"),
                   QStringLiteral("--json"), json, QStringLiteral("--session"), client },
                 &out, &err),
             0);
    ::kill(static_cast<pid_t>(serve.processId()), SIGTERM);
    QVERIFY(serve.waitForFinished(20000));
    QCOMPARE(serve.exitCode(), 0);
    log += serve.readAllStandardOutput();
    QVERIFY2(log.contains("recorded 2000 requests into"), log.constData());
    // The server's session: every request, worker by worker as the client saw them.
    clusterlab::SessionSummary s;
    QString error;
    QVERIFY2(clusterlab::readSession(served, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(2000));
    QCOMPARE(s.meta.value(QStringLiteral("source")).toString(), QStringLiteral("serve"));
    QCOMPARE(s.settings.value(QStringLiteral("port")).toInt(), port.toInt());
    QVERIFY(s.samples > 0 && !s.events.isEmpty());
    QFile f(json);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject perPid = QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("perWorkerPid")).toObject();
    QCOMPARE(perPid.size(), 2);
    for (auto it = s.counts.cbegin(); it != s.counts.cend(); ++it) {
        qint64 total = 0;
        for (const auto& byPath : it.value())
            for (std::uint64_t v : byPath)
                total += static_cast<qint64>(v);
        QCOMPARE(perPid.value(QString::number(s.lastPid.value(it.key()))).toInteger(), total);
    }
    // The client's session: the same requests from the other side.
    QVERIFY2(clusterlab::readSession(client, &s, &error), qPrintable(error));
    QCOMPARE(s.meta.value(QStringLiteral("source")).toString(), QStringLiteral("bench"));
    QCOMPARE(s.loadRequests, quint64(2000));
    QCOMPARE(s.loadTests.size(), 1);
    QCOMPARE(s.loadTests.constFirst().summary.value(QStringLiteral("succeeded")).toInt(), 2000);
    QVERIFY(s.measuredByClient());
    QCOMPARE(s.routeFigures().size(), 2);
#else
    QSKIP("stops serve with SIGTERM (Unix)");
#endif
}

void TestCli::aSessionInAMissingFolderIsARuntimeFailure_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addRow("serve --record") << QStringList { QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"),
                                                      QStringLiteral("--record"), QStringLiteral("/nonexistent/dir/x.sqlite") };
    QTest::addRow("bench --session") << QStringList { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:9/"),
                                                       QStringLiteral("--session"), QStringLiteral("/nonexistent/dir/x.sqlite") };
}

void TestCli::aSessionInAMissingFolderIsARuntimeFailure()
{
    QFETCH(QStringList, args);
    QByteArray out, err;
    QCOMPARE(run(QStringLiteral("clusterlab"), args, &out, &err), 1);
    QVERIFY2(err.contains("cannot write a session in /nonexistent/dir"), err.constData());
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
