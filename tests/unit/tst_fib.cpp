// SPDX-License-Identifier: GPL-3.0-or-later
#include "compute/clock.h"
#include "compute/fib.h"

#include <QtTest>

using namespace clusterlab;

class TestFib : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void values_data();
    void values();
    void negativeIsZero();
    void clockIsMonotonic();
};

void TestFib::values_data()
{
    QTest::addColumn<int>("n");
    QTest::addColumn<quint64>("expected");
    const quint64 table[] = { 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55 };
    for (int i = 0; i <= 10; ++i)
        QTest::addRow("fib(%d)", i) << i << table[i];
    QTest::addRow("fib(20)") << 20 << quint64(6765);
    QTest::addRow("fib(30)") << 30 << quint64(832040);
    QTest::addRow("fib(32)") << 32 << quint64(2178309);
}

void TestFib::values()
{
    QFETCH(int, n);
    QFETCH(quint64, expected);
    QCOMPARE(fib(n), expected);
}

void TestFib::negativeIsZero()
{
    QCOMPARE(fib(-3), quint64(0));
}

void TestFib::clockIsMonotonic()
{
    std::int64_t last = steadyNowNs();
    QVERIFY(last > 0);
    for (int i = 0; i < 1000; ++i) {
        const std::int64_t now = steadyNowNs();
        QVERIFY(now >= last);
        last = now;
    }
}

QTEST_GUILESS_MAIN(TestFib)
#include "tst_fib.moc"
