// SPDX-License-Identifier: GPL-3.0-or-later
// The worker's per-connection queue (server/ringqueue.h): first in, first
// out across wrap-around and growth; a popped slot's contents handed back
// by pushSlot() (the output buffer reused); clear() releases what it held;
// the array never grows past the most the queue held at once.
#include "server/ringqueue.h"

#include <QByteArray>
#include <QTest>

#include <memory>

using namespace clusterlab;

class TestRingQueue : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstInFirstOutAcrossWrapAndGrowth();
    void aPoppedSlotIsHandedBack();
    void clearReleasesWhatItHeld();
};

void TestRingQueue::firstInFirstOutAcrossWrapAndGrowth()
{
    RingQueue<int> q;
    QVERIFY(q.empty());
    int next = 0, expected = 0;
    // Push three, pop two, many times: the head wraps round the array, and
    // the queue grows while it is wrapped.
    for (int round = 0; round < 50; ++round) {
        for (int k = 0; k < 3; ++k)
            q.push_back(next++);
        for (int k = 0; k < 2; ++k) {
            QCOMPARE(q.front(), expected++);
            q.pop_front();
        }
        QCOMPARE(q.back(), next - 1);
    }
    QCOMPARE(q.size(), std::size_t(50));
    int i = expected;
    for (int v : q) // iteration in order, from the front
        QCOMPARE(v, i++);
    QCOMPARE(q[0], expected);
    while (!q.empty()) {
        QCOMPARE(q.front(), expected++);
        q.pop_front();
    }
    QCOMPARE(expected, next);
}

void TestRingQueue::aPoppedSlotIsHandedBack()
{
    // In a steady state (one in, one out) the same slots come round again:
    // a buffer written there keeps its storage.
    RingQueue<QByteArray> q;
    q.pushSlot() = QByteArray(1000, 'x');
    const char* storage = q.front().constData();
    q.pop_front();
    QByteArray* again = nullptr;
    for (int k = 0; k < 8 && again == nullptr; ++k) {
        QByteArray& slot = q.pushSlot();
        if (slot.constData() == storage)
            again = &slot;
        else
            q.pop_front();
    }
    QVERIFY2(again != nullptr, "the popped slot did not come round again");
    QCOMPARE(again->size(), 1000); // as it was left: the caller writes over it
    again->resize(10);
    QCOMPARE(again->constData(), storage); // written over in place, not allocated again
}

void TestRingQueue::clearReleasesWhatItHeld()
{
    RingQueue<std::shared_ptr<int>> q;
    auto held = std::make_shared<int>(7);
    q.push_back(held);
    q.push_back(held);
    q.pop_front(); // a popped slot still holds its element until reused or cleared
    QCOMPARE(held.use_count(), 3);
    q.clear();
    QVERIFY(q.empty());
    QCOMPARE(held.use_count(), 1);
}

QTEST_GUILESS_MAIN(TestRingQueue)
#include "tst_ringqueue.moc"
