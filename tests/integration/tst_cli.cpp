// SPDX-License-Identifier: GPL-3.0-or-later
// Command-line contract of clusterlab and clusterlab-worker: exit codes 0,
// 1 (runtime failure) and 2 (bad usage), with a message.
#include "session/sessionreader.h"
#include "workerprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#if defined(Q_OS_UNIX)
#include <csignal>
#include <unistd.h>
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
    void ctrlCStopsAClusterAsAsked();
    void experimentPrintsTheTableAndWritesItsFiles();
    void theWindowClosesCleanlyOnSigterm();
    void serveAndBenchRecordSessions();
    void aSessionInAMissingFolderIsARuntimeFailure_data();
    void aSessionInAMissingFolderIsARuntimeFailure();
    void benchSendsWhatItIsToldTo();
    void benchThresholdsSetTheExitCode();
    void benchWritesToStandardOutput();
    void benchCsvReadsBackWithPythonsCsv();

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
    // bench's units and thresholds: refused before anything is sent.
    const QString url = QStringLiteral("http://127.0.0.1:9/");
    QTest::addRow("bench timeout 0") << QStringLiteral("clusterlab")
                                     << QStringList { QStringLiteral("bench"), url, QStringLiteral("--timeout"), QStringLiteral("0") }
                                     << QByteArray("--timeout: expected a duration from 1 ms to a day");
    QTest::addRow("bench timeout 2d") << QStringLiteral("clusterlab")
                                      << QStringList { QStringLiteral("bench"), url, QStringLiteral("--timeout"), QStringLiteral("2d") }
                                      << QByteArray("--timeout: expected a duration");
    QTest::addRow("bench -z 1m30") << QStringLiteral("clusterlab")
                                   << QStringList { QStringLiteral("bench"), url, QStringLiteral("-z"), QStringLiteral("1m30") }
                                   << QByteArray("-z: expected a duration");
    QTest::addRow("bench fail-on unknown metric")
        << QStringLiteral("clusterlab") << QStringList { QStringLiteral("bench"), url, QStringLiteral("--fail-on"), QStringLiteral("speed>1") }
        << QByteArray("--fail-on 'speed>1': unknown metric 'speed'");
    QTest::addRow("bench fail-on no unit of time")
        << QStringLiteral("clusterlab") << QStringList { QStringLiteral("bench"), url, QStringLiteral("--fail-on"), QStringLiteral("p99>fast") }
        << QByteArray("expected a time such as 50ms");
    QTest::addRow("bench fail-on status ordering")
        << QStringLiteral("clusterlab") << QStringList { QStringLiteral("bench"), url, QStringLiteral("--fail-on"), QStringLiteral("status>2xx") }
        << QByteArray("status takes == or !=");
    QTest::addRow("bench fail-on errors over 100 percent")
        << QStringLiteral("clusterlab") << QStringList { QStringLiteral("bench"), url, QStringLiteral("--fail-on"), QStringLiteral("errors>101%") }
        << QByteArray("expected a share (0.1%) or a count");
    QTest::addRow("bench both to stdout")
        << QStringLiteral("clusterlab")
        << QStringList { QStringLiteral("bench"), url, QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--csv"), QStringLiteral("-") }
        << QByteArray("both want standard output");
    QTest::addRow("bench -d and --body-file")
        << QStringLiteral("clusterlab")
        << QStringList { QStringLiteral("bench"), url, QStringLiteral("-d"), QStringLiteral("x"), QStringLiteral("--body-file"), QStringLiteral("f") }
        << QByteArray("-d and --body-file exclude each other");
    QTest::addRow("observe interval 50ms")
        << QStringLiteral("clusterlab")
        << QStringList { QStringLiteral("observe"), QStringLiteral("--port"), QStringLiteral("1"), QStringLiteral("--interval"), QStringLiteral("50ms") }
        << QByteArray("--interval: expected 100 ms to 1 h");
    QTest::addRow("observe interval bad unit")
        << QStringLiteral("clusterlab")
        << QStringList { QStringLiteral("observe"), QStringLiteral("--port"), QStringLiteral("1"), QStringLiteral("--interval"), QStringLiteral("5x") }
        << QByteArray("--interval: expected a duration");
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

#if defined(Q_OS_LINUX)
// A window of the test's own: offscreen, its settings and temporary
// sessions in folders of the test's, never the user's.
static QProcessEnvironment windowEnvironment(const QString& config, const QString& temp)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    env.insert(QStringLiteral("TMPDIR"), temp);
    return env;
}
#endif

// Ctrl-C in a terminal sends SIGINT to the whole process group: the
// workers too. They ended on it by themselves, the primary logged each as
// an unexpected exit (and started replacing them) while it was stopping.
// Under a primary a worker leaves SIGINT to it.
void TestCli::ctrlCStopsAClusterAsAsked()
{
#if defined(Q_OS_LINUX)
    QTemporaryDir config;
    QTemporaryDir temp;
    QVERIFY(config.isValid() && temp.isValid());
    const QProcessEnvironment env = windowEnvironment(config.path(), temp.path());
    // `clusterlab serve`, and the window (whose own stop comes a turn later).
    QList<std::pair<QStringList, QByteArray>> commands = {
        { { QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--workers"), QStringLiteral("2") },
          "serving http://" },
    };
#if defined(CLUSTERLAB_HAS_GUI)
    commands.append(std::pair<QStringList, QByteArray>(QStringList(), QByteArrayLiteral("its cluster serves http://")));
#endif
    for (const auto& [args, ready] : commands) {
        QProcess app;
        app.setProcessEnvironment(env);
        // A process group of its own, as a shell gives a foreground job.
        app.setChildProcessModifier([]() { ::setpgid(0, 0); });
        app.start(WorkerProcess::binary(QStringLiteral("clusterlab")), args);
        QByteArray log;
        while (!log.contains(ready)) {
            QVERIFY2(app.waitForReadyRead(20000), log.constData());
            log += app.readAllStandardOutput();
        }
        // Every worker serving (round-robin, a connection per request, more
        // requests than workers): each is well past its start.
        const QString url = QRegularExpression(QStringLiteral("http://127\\.0\\.0\\.1:\\d+")).match(QString::fromUtf8(log)).captured(0);
        QVERIFY2(!url.isEmpty(), log.constData());
        QByteArray out, err;
        QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("bench"), url + QStringLiteral("/"), QStringLiteral("-n"),
                                                     QStringLiteral("128"), QStringLiteral("-c"), QStringLiteral("2"),
                                                     QStringLiteral("--no-keepalive"), QStringLiteral("-q") },
                     &out, &err),
                 0);
        // serve's two, or the window's one per core.
        const QList<qint64> workers = clusterlab::test::childPids(app.processId());
        QVERIFY(!workers.isEmpty());
        QCOMPARE(::kill(-static_cast<pid_t>(app.processId()), SIGINT), 0); // the whole group, as a terminal does
        QVERIFY(app.waitForFinished(20000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
        err = app.readAllStandardError();
        QVERIFY2(!err.contains("unexpected"), err.constData());
        QVERIFY2(!err.contains("restarting"), err.constData());
        for (qint64 pid : workers)
            QTRY_VERIFY_WITH_TIMEOUT(!clusterlab::test::processAlive(pid), 10000);
    }
#else
    QSKIP("needs process groups, SIGINT and /proc");
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
    // SIGTERM ends a window holding an unsaved session without a question
    // (offscreen or not): no process left, the session kept, and the next
    // start offers it back.
    QTemporaryDir config;
    QTemporaryDir temp;
    QVERIFY(config.isValid() && temp.isValid());
    const QProcessEnvironment env = windowEnvironment(config.path(), temp.path());
    auto startWindow = [&env](QProcess* app, QByteArray* out, const QByteArray& until) {
        app->setProcessEnvironment(env);
        app->start(WorkerProcess::binary(QStringLiteral("clusterlab")), {});
        if (!app->waitForStarted())
            return false;
        while (!out->contains(until)) {
            if (!app->waitForReadyRead(20000))
                return false;
            *out += app->readAllStandardOutput();
        }
        return true;
    };
    QProcess app;
    QByteArray out;
    QVERIFY2(startWindow(&app, &out, "its cluster serves http://"), out.constData());
    const QString url = QString::fromUtf8(out).section(QStringLiteral("serves "), 1).section(QLatin1Char('\n'), 0, 0).trimmed();
    QList<qint64> workers;
    QTRY_VERIFY_WITH_TIMEOUT(!(workers = clusterlab::test::childPids(app.processId())).isEmpty(), 20000);
    // Requests the window records into its temporary session.
    QByteArray benchOut, benchErr;
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("bench"), url + QStringLiteral("/"), QStringLiteral("-n"),
                                                 QStringLiteral("50"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-q") },
                 &benchOut, &benchErr),
             0);
    auto sessionsOf = [&temp](qint64 pid) {
        return QDir(temp.path()).entryList({ QStringLiteral("clusterlab-session-%1-1-*.sqlite").arg(pid) }, QDir::Files);
    };
    QStringList found;
    QTRY_VERIFY_WITH_TIMEOUT((found = sessionsOf(app.processId())).size() == 1, 10000);
    const QString session = QDir(temp.path()).filePath(found.constFirst());
    clusterlab::SessionSummary summary;
    QString error;
    // The workers send their records in batches: once they are in the file.
    QTRY_VERIFY_WITH_TIMEOUT(clusterlab::readSession(session, &summary, &error) && summary.requests >= 50, 20000);
    ::kill(static_cast<pid_t>(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(20000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!clusterlab::test::processAlive(pid), 10000);
    QVERIFY(QFile::exists(config.filePath(QStringLiteral("ClusterLab/ClusterLab.conf"))));
    QVERIFY2(QFile::exists(session), "the unsaved session went with the window");
    QVERIFY2(clusterlab::readSession(session, &summary, &error), qPrintable(error));
    QVERIFY(summary.requests >= 50);
    // The next start offers it.
    QProcess again;
    QByteArray againOut;
    QVERIFY2(startWindow(&again, &againOut, "its cluster serves http://"), againOut.constData());
    QVERIFY2(againOut.contains(QByteArray("offers an unsaved session back: " + QFile::encodeName(session))), againOut.constData());
    workers = clusterlab::test::childPids(again.processId());
    ::kill(static_cast<pid_t>(again.processId()), SIGTERM);
    QVERIFY(again.waitForFinished(20000));
    QCOMPARE(again.exitCode(), 0);
    for (qint64 pid : workers)
        QTRY_VERIFY_WITH_TIMEOUT(!clusterlab::test::processAlive(pid), 10000);
    // Its own session held nothing unsaved: gone; the offered one stays.
    QVERIFY(sessionsOf(again.processId()).isEmpty());
    QVERIFY(QFile::exists(session));
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

    // compare: a session against itself is "~" everywhere; two sides, JSON
    // on standard output; bad usage and an unreadable file.
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("compare"), served, QStringLiteral("--"), served }, &out, &err), 0);
    QVERIFY2(out.contains("A: 1 run, 2000 requests") && out.contains("B: 1 run, 2000 requests"), out.constData());
    QVERIFY2(out.contains("~ (no difference at 95%)") && !out.contains("× ("), out.constData());
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("compare"), served, client, QStringLiteral("--"), served,
                                                 QStringLiteral("--json"), QStringLiteral("-") },
                 &out, &err),
             1); // after --, every argument is a session: "--json" is none
    QVERIFY2(err.contains("compare: --json:"), err.constData());
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("compare"), QStringLiteral("--json"), QStringLiteral("-"), served,
                                                 client, QStringLiteral("--"), served },
                 &out, &err),
             0);
    const QJsonObject cmp = QJsonDocument::fromJson(out).object();
    QCOMPARE(cmp.value(QStringLiteral("a")).toObject().value(QStringLiteral("runs")).toInt(), 2);
    QVERIFY(!cmp.value(QStringLiteral("routes")).toArray().isEmpty());
    QVERIFY2(err.contains("A: 2 runs"), err.constData());
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("compare"), served }, &out, &err), 2);
    QVERIFY2(err.contains("expected A.sqlite... -- B.sqlite..."), err.constData());
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("compare"), served, QStringLiteral("--"), dir.filePath(QStringLiteral("none.sqlite")) },
                 &out, &err),
             1);

    // docs/DATA-FORMATS.md's queries, run as written against these two real
    // files (run.sqlite: the server's; bench.sqlite: the client's): each
    // prints a p99 for both routes.
    const QString sqlite3 = QStandardPaths::findExecutable(QStringLiteral("sqlite3"));
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (sqlite3.isEmpty() || python.isEmpty())
        QSKIP("sqlite3 or python3 is not installed (scripts/install-deps.sh installs both): DATA-FORMATS.md's queries not run");
    QVERIFY(QFile::copy(served, dir.filePath(QStringLiteral("run.sqlite"))));
    QVERIFY(QFile::copy(client, dir.filePath(QStringLiteral("bench.sqlite"))));
    QFile doc(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../docs/DATA-FORMATS.md"));
    QVERIFY(doc.open(QIODevice::ReadOnly));
    const QString markdown = QString::fromUtf8(doc.readAll());
    static const QRegularExpression block(QStringLiteral("```(sh|python)\n(.*?)```"), QRegularExpression::DotMatchesEverythingOption);
    int ran = 0;
    for (auto it = block.globalMatch(markdown); it.hasNext();) {
        const QRegularExpressionMatch b = it.next();
        const QString code = b.captured(2);
        if (!code.contains(QLatin1String("run.sqlite")) && !code.contains(QLatin1String("bench.sqlite")))
            continue;
        QProcess p;
        p.setWorkingDirectory(dir.path());
        p.start(b.captured(1) == QLatin1String("sh") ? QStringLiteral("sh") : python, { QStringLiteral("-c"), code });
        QVERIFY(p.waitForFinished(60000));
        const QByteArray printed = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, qPrintable(code + QStringLiteral("\n") + QString::fromUtf8(p.readAllStandardError())));
        // Both routes, each on a line of its own with its figures.
        bool root = false;
        bool worker = false;
        for (const QByteArray& line : printed.split('\n')) {
            root = root || ((line.startsWith("/|") || line.startsWith("/ ")) && line.size() > 4);
            worker = worker || (line.startsWith("/worker") && line.size() > 10);
        }
        QVERIFY2(root && worker, qPrintable(code + QStringLiteral("\nprinted:\n") + QString::fromUtf8(printed)));
        ++ran;
    }
    QCOMPARE(ran, 3); // the shell query on each file, and the Python one
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

namespace {

// A server of the test's own that keeps every request it reads whole (head
// and body) and answers each with 200 and "ok", then closes.
class RecordingServer : public QObject
{
public:
    RecordingServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                connect(s, &QTcpSocket::readyRead, s, [this, s, buffer] {
                    *buffer += s->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buffer->left(end + 2).toLower();
                    const qsizetype cl = head.indexOf("content-length:");
                    const qsizetype length = cl < 0 ? 0 : head.mid(cl + 15, head.indexOf("\r\n", cl) - cl - 15).trimmed().toLongLong();
                    if (buffer->size() < end + 4 + length)
                        return;
                    requests.append(buffer->left(end + 4 + length));
                    buffer->clear();
                    s->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                    s->disconnectFromHost();
                });
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/echo").arg(m_server.serverPort()); }
    QList<QByteArray> requests;

private:
    QTcpServer m_server;
};

// bench run while this thread's event loop turns (the RecordingServer
// answers on it): exit code, standard output and error.
int runBenchLive(const QStringList& args, QByteArray* out, QByteArray* err)
{
    QProcess p;
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab")), QStringList { QStringLiteral("bench") } + args);
    if (!finished.wait(60000)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    *out = p.readAllStandardOutput();
    *err = p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

} // namespace

void TestCli::benchSendsWhatItIsToldTo()
{
    RecordingServer server;
    QVERIFY(server.listen());
    QTemporaryDir dir;
    const QString bodyFile = dir.filePath(QStringLiteral("body.json"));
    QByteArray body = "{\"greeting\": \"hello\"}\n";
    body += QByteArray(3000, 'x'); // more than one read
    {
        QFile f(bodyFile);
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(body) == body.size());
    }
    QByteArray out, err;
    QCOMPARE(runBenchLive({ server.url(), QStringLiteral("-n"), QStringLiteral("3"), QStringLiteral("-c"), QStringLiteral("1"),
                            QStringLiteral("--no-keepalive"), QStringLiteral("--method"), QStringLiteral("put"), QStringLiteral("-H"),
                            QStringLiteral("X-One: 1"), QStringLiteral("--header"), QStringLiteral("X-Two: second value"),
                            QStringLiteral("--body-file"), bodyFile },
                          &out, &err),
             0);
    QCOMPARE(server.requests.size(), 3);
    for (const QByteArray& r : std::as_const(server.requests)) {
        QVERIFY2(r.startsWith("PUT /echo HTTP/1.1\r\n"), r.left(60).constData());
        QVERIFY2(r.contains("\r\nX-One: 1\r\n"), r.constData());
        QVERIFY2(r.contains("\r\nX-Two: second value\r\n"), r.constData());
        QVERIFY2(r.contains(QByteArray(QByteArray("\r\nContent-Length: ") + QByteArray::number(body.size()) + "\r\n")),
                 r.left(300).constData());
        QVERIFY(r.endsWith(QByteArray("\r\n\r\n" + body)));
    }
    server.requests.clear();
    QCOMPARE(runBenchLive({ server.url(), QStringLiteral("-n"), QStringLiteral("1"), QStringLiteral("-m"), QStringLiteral("POST"),
                            QStringLiteral("--body"), QStringLiteral("a=1&b=2") },
                          &out, &err),
             0);
    QCOMPARE(server.requests.size(), 1);
    QVERIFY(server.requests.constFirst().startsWith("POST /echo "));
    QVERIFY(server.requests.constFirst().endsWith("\r\n\r\na=1&b=2"));
    // A body file that cannot be read: a runtime failure, nothing sent.
    server.requests.clear();
    QCOMPARE(runBenchLive({ server.url(), QStringLiteral("-n"), QStringLiteral("1"), QStringLiteral("--body-file"),
                            dir.filePath(QStringLiteral("missing")) },
                          &out, &err),
             1);
    QVERIFY2(err.contains("--body-file: cannot read"), err.constData());
    QVERIFY(server.requests.isEmpty());
    // A body over 16 MiB: bad usage, nothing sent.
    const QString big = dir.filePath(QStringLiteral("big"));
    {
        QFile f(big);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QVERIFY(f.resize((16 << 20) + 1));
    }
    QCOMPARE(runBenchLive({ server.url(), QStringLiteral("-n"), QStringLiteral("1"), QStringLiteral("--body-file"), big }, &out, &err), 2);
    QVERIFY(server.requests.isEmpty());
}

void TestCli::benchThresholdsSetTheExitCode()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    const QString url = QStringLiteral("http://127.0.0.1:%1/").arg(worker.port());
    const QStringList base { QStringLiteral("bench"), url, QStringLiteral("-n"), QStringLiteral("200"), QStringLiteral("-c"), QStringLiteral("2") };
    auto failOn = [](const QStringList& exprs) {
        QStringList args;
        for (const QString& e : exprs)
            args << QStringLiteral("--fail-on") << e;
        return args;
    };
    QByteArray out, err;
    // Every threshold holds: exit 0, each reported as ok.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 base + failOn({ QStringLiteral("p99>1h"), QStringLiteral("max > 3600s"), QStringLiteral("errors>0"),
                                 QStringLiteral("errors>=0.1%"), QStringLiteral("status!=2xx"), QStringLiteral("rps<0.001"),
                                 QStringLiteral("p99.9>3600000ms") }),
                 &out, &err),
             0);
    QCOMPARE(out.count("\n  ok       "), 7);
    QVERIFY2(!err.contains("threshold crossed"), err.constData());
    // Crossed ones: exit 1, each named with what was observed; the others pass.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 base + failOn({ QStringLiteral("p50<1h"), QStringLiteral("status==2xx"), QStringLiteral("errors>0"),
                                 QStringLiteral("rps>0.001") }),
                 &out, &err),
             1);
    QVERIFY2(err.contains("threshold crossed: p50<1h (p50 was "), err.constData());
    QVERIFY2(err.contains("threshold crossed: status==2xx (200 of 200 requests)"), err.constData());
    QVERIFY2(err.contains("threshold crossed: rps>0.001 ("), err.constData());
    QVERIFY2(!err.contains("threshold crossed: errors>0"), err.constData());
    QCOMPARE(out.count("CROSSED  "), 3);
    // Answers outside 2xx: status!=2xx and errors cross, exit 1, and the
    // JSON says which.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), url + QStringLiteral("nowhere"), QStringLiteral("-n"), QStringLiteral("20"),
                   QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--quiet"), QStringLiteral("--fail-on"),
                   QStringLiteral("status!=2xx"), QStringLiteral("--fail-on"), QStringLiteral("errors>50%") },
                 &out, &err),
             1);
    const QJsonArray t = QJsonDocument::fromJson(out).object().value(QStringLiteral("thresholds")).toArray();
    QCOMPARE(t.size(), 2);
    QCOMPARE(t.at(0).toObject().value(QStringLiteral("expression")).toString(), QStringLiteral("status!=2xx"));
    QVERIFY(t.at(0).toObject().value(QStringLiteral("crossed")).toBool());
    QVERIFY(t.at(1).toObject().value(QStringLiteral("crossed")).toBool());
    QVERIFY2(err.contains("threshold crossed: status!=2xx (20 of 20 requests)"), err.constData());
    // A server that never answers (its connections wait in the backlog): a
    // -z run ends with every request cut at the deadline; nothing was
    // answered, so the status and errors thresholds cross, and exit 1.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(silent.serverPort()), QStringLiteral("-z"),
                   QStringLiteral("300ms"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("-q"), QStringLiteral("--fail-on"),
                   QStringLiteral("status!=2xx"), QStringLiteral("--fail-on"), QStringLiteral("errors>0") },
                 &out, &err),
             1);
    QVERIFY2(err.contains("threshold crossed: status!=2xx (no request was answered"), err.constData());
    QVERIFY2(err.contains("threshold crossed: errors>0 (no request was answered"), err.constData());
}

void TestCli::benchWritesToStandardOutput()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    const QString url = QStringLiteral("http://127.0.0.1:%1/").arg(worker.port());
    QByteArray out, err;
    // --csv -: the rows on standard output, the summary on standard error.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), url, QStringLiteral("-n"), QStringLiteral("30"), QStringLiteral("-c"), QStringLiteral("3"),
                   QStringLiteral("--csv"), QStringLiteral("-"), QStringLiteral("--timeout"), QStringLiteral("2500ms") },
                 &out, &err),
             0);
    const QList<QByteArray> lines = out.trimmed().split('\n');
    QCOMPARE(lines.size(), 31);
    QVERIFY(lines.constFirst().startsWith("seq,route,"));
    QVERIFY2(err.contains("Summary:"), err.constData());
    QVERIFY(!out.contains("Summary:"));
    // --quiet: nothing on standard output, nothing on standard error.
    QCOMPARE(run(QStringLiteral("clusterlab"), { QStringLiteral("bench"), url, QStringLiteral("-n"), QStringLiteral("10"), QStringLiteral("-q") },
                 &out, &err),
             0);
    QVERIFY2(out.isEmpty(), out.constData());
    QVERIFY2(err.isEmpty(), err.constData());
    // --quiet --json -: the JSON alone, with the version, the start and the seed.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), url, QStringLiteral("-n"), QStringLiteral("10"), QStringLiteral("--quiet"),
                   QStringLiteral("--no-progress"), QStringLiteral("--json"), QStringLiteral("-"), QStringLiteral("--seed"),
                   QStringLiteral("42") },
                 &out, &err),
             0);
    QVERIFY(err.isEmpty());
    const QJsonObject j = QJsonDocument::fromJson(out).object();
    QCOMPARE(j.value(QStringLiteral("seed")).toString(), QStringLiteral("42"));
    QVERIFY(!j.value(QStringLiteral("version")).toString().isEmpty());
    QVERIFY(QDateTime::fromString(j.value(QStringLiteral("startedUtc")).toString(), Qt::ISODateWithMs).isValid());
    QCOMPARE(j.value(QStringLiteral("succeeded")).toInt(), 10);
}

void TestCli::benchCsvReadsBackWithPythonsCsv()
{
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (python.isEmpty())
        QSKIP("python3 is not installed (scripts/install-deps.sh installs it)");
    WorkerProcess worker;
    QVERIFY(worker.start());
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("rows.csv"));
    QByteArray out, err;
    // Routes with a comma and a quote in them, which must be quoted.
    QCOMPARE(run(QStringLiteral("clusterlab"),
                 { QStringLiteral("bench"), QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"),
                   QStringLiteral("40"), QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("--route"), QStringLiteral("/:1"),
                   QStringLiteral("--route"), QStringLiteral("/main?n=1,2:1"), QStringLiteral("--route"),
                   QStringLiteral("/main?n=\"3\":1"), QStringLiteral("--seed"), QStringLiteral("7"), QStringLiteral("--csv"), csv },
                 &out, &err),
             0);
    // Python's csv module reads it back: a header row, then rows of as many
    // fields, the routes as sent, the run's columns in every row.
    QProcess py;
    py.start(python, { QStringLiteral("-c"), QStringLiteral(R"(
import csv, json, sys
with open(sys.argv[1], newline='') as f:
    rows = list(csv.reader(f, strict=True))
print(json.dumps({'header': rows[0], 'widths': sorted(set(len(r) for r in rows)), 'rows': len(rows) - 1,
                  'routes': sorted(set(r[1] for r in rows[1:])), 'runs': sorted(set(tuple(r[-3:]) for r in rows[1:]))}))
)"),
                       csv });
    QVERIFY(py.waitForFinished(30000));
    QCOMPARE(py.exitCode(), 0);
    const QJsonObject r = QJsonDocument::fromJson(py.readAllStandardOutput()).object();
    QCOMPARE(r.value(QStringLiteral("rows")).toInt(), 40);
    const QJsonArray header = r.value(QStringLiteral("header")).toArray();
    QCOMPARE(header.size(), 18);
    QCOMPARE(header.at(1).toString(), QStringLiteral("route"));
    QCOMPARE(header.at(17).toString(), QStringLiteral("seed"));
    QCOMPARE(r.value(QStringLiteral("widths")).toArray(), QJsonArray { 18 });
    const QJsonArray routes = r.value(QStringLiteral("routes")).toArray();
    QCOMPARE(routes.size(), 3);
    QVERIFY(routes.contains(QStringLiteral("/main?n=1,2")));
    QVERIFY(routes.contains(QStringLiteral("/main?n=\"3\"")));
    const QJsonArray runs = r.value(QStringLiteral("runs")).toArray();
    QCOMPARE(runs.size(), 1); // one run: the same three values in every row
    const QJsonArray run0 = runs.at(0).toArray();
    QVERIFY(run0.at(0).toString().startsWith(QLatin1String("0.")));
    QVERIFY(QDateTime::fromString(run0.at(1).toString(), Qt::ISODateWithMs).isValid());
    QCOMPARE(run0.at(2).toString(), QStringLiteral("7"));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
