// SPDX-License-Identifier: GPL-3.0-or-later
// The supervisor's restart rules, over an injected clock: the first restart
// of a worker that served is immediate, quick failures back off x1.5 up to
// the cap, the back-off resets after a healthy run, the crash-loop guard
// trips after the limit, and the supervisor's own kills count for nothing.
#include "cluster/restartpolicy.h"

#include <QtTest>

using namespace clusterlab;

class TestRestartPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aWorkerThatServedIsReplacedAtOnce();
    void quickFailuresBackOffByOneAndAHalf();
    void theBackOffIsCapped();
    void aHealthyRunResetsTheBackOff();
    void crashLoopLimitMakesTheSlotErrored();
    void aWorkerThatServedBreaksTheLoop();
    void supervisorKillsCountForNothing();
    void resetClearsEverything();

private:
    qint64 m_now = 0;
    RestartPolicy make(RestartPolicy::Config c = RestartPolicy::Config())
    {
        m_now = 1000;
        return RestartPolicy(c, [this]() { return m_now; });
    }
    // A worker that starts, listens after `listenAfter` ms (-1: never) and
    // dies `lifeMs` after starting.
    RestartPolicy::Decision life(RestartPolicy& p, qint64 listenAfter, qint64 lifeMs)
    {
        p.started();
        const qint64 start = m_now;
        if (listenAfter >= 0) {
            m_now = start + listenAfter;
            p.listening();
        }
        m_now = start + lifeMs;
        return p.crashed();
    }
};

void TestRestartPolicy::aWorkerThatServedIsReplacedAtOnce()
{
    RestartPolicy p = make();
    const auto d = life(p, 10, 4000); // listened for ~4 s, then SIGKILLed
    QVERIFY(!d.errored);
    QVERIFY(!d.quick);
    QCOMPARE(d.delayMs, 0);
}

void TestRestartPolicy::quickFailuresBackOffByOneAndAHalf()
{
    RestartPolicy p = make();
    QCOMPARE(life(p, -1, 20).delayMs, 100);
    QCOMPARE(life(p, -1, 20).delayMs, 150);
    QCOMPARE(life(p, 10, 200).delayMs, 225); // listened, but only briefly: still quick
    QCOMPARE(life(p, -1, 20).delayMs, 337);
}

void TestRestartPolicy::theBackOffIsCapped()
{
    RestartPolicy::Config c;
    c.crashLoopLimit = 1000;
    RestartPolicy p = make(c);
    int last = 0;
    for (int i = 0; i < 30; ++i) {
        const auto d = life(p, -1, 20);
        QVERIFY(!d.errored);
        QVERIFY(d.delayMs >= last);
        last = d.delayMs;
    }
    QCOMPARE(last, 15000);
}

void TestRestartPolicy::aHealthyRunResetsTheBackOff()
{
    RestartPolicy p = make();
    for (int i = 0; i < 3; ++i)
        life(p, 10, 2000); // served 2 s each: three crashes in a row
    QCOMPARE(p.crashes(), 3);
    QCOMPARE(life(p, -1, 20).delayMs, 337); // the fourth crash, a quick one
    // Then a worker that runs 30 s: the count starts again.
    life(p, 10, 31000);
    QCOMPARE(p.crashes(), 1);
    QCOMPARE(life(p, -1, 20).delayMs, 150);
}

void TestRestartPolicy::crashLoopLimitMakesTheSlotErrored()
{
    RestartPolicy p = make();
    for (int i = 0; i < 4; ++i)
        QVERIFY(!life(p, -1, 20).errored);
    const auto d = life(p, -1, 20);
    QVERIFY(d.errored);
    QCOMPARE(p.quickFailures(), 5);
}

void TestRestartPolicy::aWorkerThatServedBreaksTheLoop()
{
    RestartPolicy p = make();
    for (int i = 0; i < 4; ++i)
        life(p, -1, 20);
    QCOMPARE(p.quickFailures(), 4);
    life(p, 10, 5000); // served: not a loop
    QCOMPARE(p.quickFailures(), 0);
    for (int i = 0; i < 4; ++i)
        QVERIFY(!life(p, -1, 20).errored);
}

void TestRestartPolicy::supervisorKillsCountForNothing()
{
    RestartPolicy p = make();
    for (int i = 0; i < 10; ++i) {
        p.started();
        m_now += 5;
        const auto d = p.killedBySupervisor();
        QVERIFY(!d.errored);
        QCOMPARE(d.delayMs, 0);
    }
    QCOMPARE(p.quickFailures(), 0);
    QCOMPARE(p.crashes(), 0);
}

void TestRestartPolicy::resetClearsEverything()
{
    RestartPolicy p = make();
    for (int i = 0; i < 5; ++i)
        life(p, -1, 20);
    p.reset();
    QCOMPARE(p.quickFailures(), 0);
    QCOMPARE(p.crashes(), 0);
    QCOMPARE(life(p, -1, 20).delayMs, 100);
}

QTEST_GUILESS_MAIN(TestRestartPolicy)
#include "tst_restartpolicy.moc"
