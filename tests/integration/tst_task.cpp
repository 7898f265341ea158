// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-task as the worker runs it: a real process.
#include "compute/payload.h"
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
    void readsItsPayloadThroughThePipe();
    void aShortPayloadFails();
    void crashAndHangOnRequest();
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
    QCOMPARE(parts.size(), 5);
    QCOMPARE(parts[0], QByteArray("75025"));
    QVERIFY(parts[2].toLongLong() >= parts[1].toLongLong());
    QVERIFY(parts[1].toLongLong() > 0);
#if defined(Q_OS_LINUX) || defined(Q_OS_MACOS) || defined(Q_OS_WIN)
    QVERIFY2(parts[3].toLongLong() > 0, out.constData()); // its peak resident memory, KiB
#endif
    QCOMPARE(parts[4], QByteArray("0")); // no payload, no checksum
}

void TestTask::badUsage_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addRow("no argument") << QStringList();
    QTest::addRow("46") << QStringList { QStringLiteral("46") };
    QTest::addRow("-1") << QStringList { QStringLiteral("-1") };
    QTest::addRow("abc") << QStringList { QStringLiteral("abc") };
    QTest::addRow("two arguments") << QStringList { QStringLiteral("1"), QStringLiteral("2") };
    QTest::addRow("payload over 64 MiB")
        << QStringList { QStringLiteral("1"), QStringLiteral("--payload"), QStringLiteral("67108865") };
    QTest::addRow("payload without size") << QStringList { QStringLiteral("1"), QStringLiteral("--payload") };
    QTest::addRow("crash and hang")
        << QStringList { QStringLiteral("1"), QStringLiteral("--crash"), QStringLiteral("--hang") };
}

void TestTask::badUsage()
{
    QFETCH(QStringList, args);
    QProcess p;
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")), args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardOutput().isEmpty());
    QVERIFY(p.readAllStandardError().contains("expected N in 0..45"));
}

void TestTask::readsItsPayloadThroughThePipe()
{
    // 3 MiB + 5 bytes: the tail bytes past the last 8-byte word count too.
    const qsizetype size = 3 * 1024 * 1024 + 5;
    QByteArray data(size, Qt::Uninitialized);
    clusterlab::fillPayload(reinterpret_cast<unsigned char*>(data.data()), static_cast<std::size_t>(size));
    const std::uint64_t expected = clusterlab::payloadChecksum(reinterpret_cast<const unsigned char*>(data.constData()),
                                                               static_cast<std::size_t>(size));
    QProcess p;
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")),
            { QStringLiteral("10"), QStringLiteral("--payload"), QString::number(size) });
    QVERIFY(p.waitForStarted(10000));
    p.write(data);
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QList<QByteArray> parts = p.readAllStandardOutput().trimmed().split(' ');
    QCOMPARE(parts.size(), 5);
    QCOMPARE(parts[0], QByteArray("55"));
    QCOMPARE(parts[4].toULongLong(), expected);
#if defined(Q_OS_LINUX)
    QVERIFY(parts[3].toLongLong() >= 3 * 1024); // the payload lives in its own memory
#endif
}

void TestTask::aShortPayloadFails()
{
    QProcess p;
    p.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")),
            { QStringLiteral("1"), QStringLiteral("--payload"), QStringLiteral("100") });
    QVERIFY(p.waitForStarted(10000));
    p.write(QByteArray(99, 'x'));
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardOutput().isEmpty());
    QVERIFY(p.readAllStandardError().contains("payload ended early"));
}

void TestTask::crashAndHangOnRequest()
{
    QProcess crash;
    crash.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")), { QStringLiteral("1"), QStringLiteral("--crash") });
    QVERIFY(crash.waitForFinished(10000));
    QCOMPARE(crash.exitStatus(), QProcess::CrashExit);
    QVERIFY(crash.readAllStandardOutput().isEmpty());

    QProcess hang;
    hang.start(WorkerProcess::binary(QStringLiteral("clusterlab-task")), { QStringLiteral("1"), QStringLiteral("--hang") });
    QVERIFY(hang.waitForStarted(10000));
    QVERIFY(!hang.waitForFinished(300)); // still there: it does not finish on its own
    hang.kill();
    QVERIFY(hang.waitForFinished(10000));
    QVERIFY(hang.readAllStandardOutput().isEmpty());
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
