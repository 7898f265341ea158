// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/fibquery.h"

#include <QtTest>

using namespace clusterlab;

class TestFibQuery : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data();
    void parse();
    void percentDecoding();
    void experimentParameters_data();
    void experimentParameters();
};

void TestFibQuery::parse_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("n");
    QTest::addColumn<QByteArray>("errorContains");

    QTest::addRow("absent -> default 30") << QByteArray() << true << 30 << QByteArray();
    QTest::addRow("n=0") << QByteArray("n=0") << true << 0 << QByteArray();
    QTest::addRow("n=45") << QByteArray("n=45") << true << 45 << QByteArray();
    QTest::addRow("n=007") << QByteArray("n=007") << true << 7 << QByteArray();
    QTest::addRow("other params ignored") << QByteArray("x=1&n=12&y") << true << 12 << QByteArray();
    QTest::addRow("percent-encoded digits") << QByteArray("n=%33%31") << true << 31 << QByteArray();
    QTest::addRow("empty pairs ignored") << QByteArray("&&n=3&") << true << 3 << QByteArray();
    QTest::addRow("n=46") << QByteArray("n=46") << false << 0 << QByteArray("at most 45");
    QTest::addRow("n=-1") << QByteArray("n=-1") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n=+5") << QByteArray("n=+5") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n=1.5") << QByteArray("n=1.5") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n=abc") << QByteArray("n=abc") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n=0x1") << QByteArray("n=0x1") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n= 5") << QByteArray("n=%205") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n=") << QByteArray("n=") << false << 0 << QByteArray("empty");
    QTest::addRow("bare n") << QByteArray("n") << false << 0 << QByteArray("empty");
    QTest::addRow("n=99999999999") << QByteArray("n=99999999999") << false << 0 << QByteArray("plain integer");
    QTest::addRow("n twice") << QByteArray("n=1&n=2") << false << 0 << QByteArray("more than once");
    QTest::addRow("broken escape") << QByteArray("n=%3") << false << 0 << QByteArray("percent-encoding");
    QTest::addRow("control chars not echoed") << QByteArray("n=%0d%0a") << false << 0 << QByteArray("'?" "?'");
}

void TestFibQuery::parse()
{
    QFETCH(QByteArray, query);
    QFETCH(bool, ok);
    QFETCH(int, n);
    QFETCH(QByteArray, errorContains);
    const FibQuery q = parseFibQuery(query);
    QCOMPARE(q.ok, ok);
    if (ok) {
        QCOMPARE(q.n, n);
        QVERIFY(q.error.isEmpty());
    } else {
        QVERIFY2(q.error.contains(errorContains), q.error.constData());
        QVERIFY(!q.error.contains('\n'));
    }
}

void TestFibQuery::percentDecoding()
{
    QByteArray out;
    QVERIFY(percentDecode("a%20b+c%2F", &out));
    QCOMPARE(out, QByteArray("a b c/"));
    QVERIFY(!percentDecode("%", &out));
    QVERIFY(!percentDecode("%G1", &out));
    QVERIFY(!percentDecode("ab%2", &out));
}


void TestFibQuery::experimentParameters_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("fault"); // Fault
    QTest::addColumn<int>("payloadMb");
    QTest::addColumn<QByteArray>("errorContains");
    QTest::addRow("none") << QByteArray("n=3") << true << int(Fault::None) << 0 << QByteArray();
    QTest::addRow("crash") << QByteArray("n=3&fault=crash") << true << int(Fault::Crash) << 0 << QByteArray();
    QTest::addRow("hang") << QByteArray("fault=hang") << true << int(Fault::Hang) << 0 << QByteArray();
    QTest::addRow("throw") << QByteArray("fault=throw") << true << int(Fault::Throw) << 0 << QByteArray();
    QTest::addRow("payload 64") << QByteArray("payload=64&n=1") << true << int(Fault::None) << 64 << QByteArray();
    QTest::addRow("payload 0 is still a parameter") << QByteArray("payload=0") << true << int(Fault::None) << 0 << QByteArray();
    QTest::addRow("payload 65") << QByteArray("payload=65") << false << 0 << 0 << QByteArray("at most 64");
    QTest::addRow("payload empty") << QByteArray("payload=") << false << 0 << 0 << QByteArray("payload is empty");
    QTest::addRow("payload -1") << QByteArray("payload=-1") << false << 0 << 0 << QByteArray("plain integer 0..64");
    QTest::addRow("fault unknown") << QByteArray("fault=boom") << false << 0 << 0 << QByteArray("crash, throw or hang");
    QTest::addRow("fault twice") << QByteArray("fault=crash&fault=hang") << false << 0 << 0 << QByteArray("more than once");
    QTest::addRow("fault escaped") << QByteArray("fault=%63rash") << true << int(Fault::Crash) << 0 << QByteArray();
}

void TestFibQuery::experimentParameters()
{
    QFETCH(QByteArray, query);
    QFETCH(bool, ok);
    QFETCH(int, fault);
    QFETCH(int, payloadMb);
    QFETCH(QByteArray, errorContains);
    const FibQuery q = parseFibQuery(query);
    QCOMPARE(q.ok, ok);
    if (ok) {
        QCOMPARE(int(q.fault), fault);
        QCOMPARE(q.payloadMb, payloadMb);
        QCOMPARE(q.hasExperimentParameter, query.contains("fault") || query.contains("payload"));
    } else {
        QVERIFY2(q.error.contains(errorContains), q.error.constData());
    }
}

QTEST_GUILESS_MAIN(TestFibQuery)
#include "tst_fibquery.moc"
