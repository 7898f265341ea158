// SPDX-License-Identifier: GPL-3.0-or-later
// TaskPool's bounds, driven directly (real task processes that hang until
// killed): at most maxRunning running, at most maxQueued waiting, strictly,
// including in the turn a running slot frees.
#include "server/childtask.h"
#include "server/taskpool.h"

#include <QCoreApplication>
#include <QDir>
#include <QtTest>

#include <memory>

using namespace clusterlab;

class TestTaskPool : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void queueIsStrictInTheTurnASlotFrees();

private:
    QString fakeTask() const
    {
        return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("clusterlab-fake-task"));
    }
};

void TestTaskPool::initTestCase()
{
    qputenv("FAKE_TASK_MODE", "hang");
}

void TestTaskPool::cleanupTestCase()
{
    qunsetenv("FAKE_TASK_MODE");
}

// Regression: when a running task ended, release() lowered the running
// count at once but started the next queued task only later (deferred); a
// submit() in between saw a free slot, skipped the full-queue check, and
// queued one task more than --max-queue allows.
void TestTaskPool::queueIsStrictInTheTurnASlotFrees()
{
    TaskPool pool(fakeTask(), 1, 1, 60000);
    auto ownerA = std::make_unique<QObject>();
    QObject ownerB;
    QObject ownerC;
    QVERIFY(pool.submit(1, ownerA.get()) != nullptr); // runs
    QVERIFY(pool.submit(1, &ownerB) != nullptr);      // waits
    QCOMPARE(pool.running(), 1);
    QCOMPARE(pool.queued(), 1);
    QVERIFY(pool.submit(1, &ownerC) == nullptr);      // full
    ownerA.reset(); // its client left: the running task is killed, its slot frees
    QCOMPARE(pool.running(), 0);
    QCOMPARE(pool.queued(), 1); // the waiting task starts on the next turn...
    QVERIFY(pool.submit(1, &ownerC) == nullptr); // ...so the queue is still full now
    QTRY_COMPARE_WITH_TIMEOUT(pool.running(), 1, 10000);
    QCOMPARE(pool.queued(), 0);
    QVERIFY(pool.submit(1, &ownerC) != nullptr); // room in the queue again
    QCOMPARE(pool.queued(), 1);
}

QTEST_GUILESS_MAIN(TestTaskPool)
#include "tst_taskpool.moc"
