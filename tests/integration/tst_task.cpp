// clusterlab-task as the worker runs it: a real process.
#include "workerprocess.h"

#include <QProcess>
#include <QtTest>

using clusterlab::test::WorkerProcess;

class TestTask : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void printsResultAndTimestamps();
    void badUsage_data();
    void badUsage();
    void linksNoQt();
};

void TestTask::printsResultAndTimestamps()
{
    QProcess p;
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")), { QStringLiteral("25") });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QByteArray out = p.readAllStandardOutput();
    QVERIFY(out.endsWith('\n'));
    const QList<QByteArray> parts = out.trimmed().split(' ');
    QCOMPARE(parts.size(), 3);
    QCOMPARE(parts[0], QByteArray("75025"));
    QVERIFY(parts[2].toLongLong() >= parts[1].toLongLong());
    QVERIFY(parts[1].toLongLong() > 0);
}

void TestTask::badUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addRow("no argument") << QStringList();
    QTest::addRow("46") << QStringList { QStringLiteral("46") };
    QTest::addRow("-1") << QStringList { QStringLiteral("-1") };
    QTest::addRow("abc") << QStringList { QStringLiteral("abc") };
    QTest::addRow("two arguments") << QStringList { QStringLiteral("1"), QStringLiteral("2") };
}

void TestTask::badUsage()
{
    QFETCH(QStringList, args);
    QProcess p;
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")), args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardOutput().isEmpty());
    QVERIFY(p.readAllStandardError().contains("expected one integer N in 0..45"));
}

void TestTask::linksNoQt()
{
#if defined(Q_OS_LINUX)
    // Spawn time is what /child measures: the task must not load Qt.
    QProcess ldd;
    ldd.start(QStringLiteral("ldd"), { WorkerProcess::binary(QStringLiteral("clusterlab-task")) });
    if (!ldd.waitForFinished(10000))
        QSKIP("ldd is not available");
    const QByteArray libs = ldd.readAllStandardOutput() + ldd.readAllStandardError();
    if (libs.contains("not a dynamic executable"))
        return; // linked statically: nothing to load at all
    QCOMPARE(ldd.exitCode(), 0);
    QVERIFY2(libs.contains("libc"), libs.constData()); // we did read a real dependency list
    QVERIFY2(!libs.contains("libQt"), libs.constData());
#else
    QSKIP("checked on Linux");
#endif
}

QTEST_GUILESS_MAIN(TestTask)
#include "tst_task.moc"
