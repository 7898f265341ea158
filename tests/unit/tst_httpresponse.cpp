// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/httpresponse.h"
#include "server/responsebodies.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QtTest>

using namespace clusterlab;

class TestHttpResponse : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void serializeGet();
    void serializeHeadKeepsLengthDropsBody();
    void connectionHeaders();
    void reasonPhrases();
    void errorBodies();
    void serverTiming();
    void stampAddsEveryIdentityHeader();
    void computeJsonHasEveryField_data();
    void computeJsonHasEveryField();
    void helloNamesThePid();
};

void TestHttpResponse::serializeGet()
{
    HttpResponse r;
    r.body = "hello";
    r.addHeader("X-Test", "1");
    const QByteArray out = r.serialize();
    QVERIFY(out.startsWith("HTTP/1.1 200 OK\r\n"));
    QVERIFY(out.contains("\r\nContent-Length: 5\r\n"));
    QVERIFY(out.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    QVERIFY(out.contains("\r\nX-Test: 1\r\n"));
    QVERIFY(QRegularExpression(QStringLiteral("\r\nDate: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n"))
                .match(QString::fromLatin1(out))
                .hasMatch());
    QVERIFY(out.endsWith("\r\n\r\nhello"));
    QVERIFY(!out.contains("Connection:"));
}

void TestHttpResponse::serializeHeadKeepsLengthDropsBody()
{
    HttpResponse r;
    r.body = "0123456789";
    const QByteArray out = r.serialize(true);
    QVERIFY(out.contains("\r\nContent-Length: 10\r\n"));
    QVERIFY(out.endsWith("\r\n\r\n"));
}

void TestHttpResponse::connectionHeaders()
{
    HttpResponse r;
    r.keepAlive = false;
    QVERIFY(r.serialize().contains("\r\nConnection: close\r\n"));
    r.keepAlive = true;
    r.http10Client = true;
    QVERIFY(r.serialize().contains("\r\nConnection: keep-alive\r\n"));
}

void TestHttpResponse::reasonPhrases()
{
    QCOMPARE(QByteArray(reasonPhrase(200)), QByteArray("OK"));
    QCOMPARE(QByteArray(reasonPhrase(404)), QByteArray("Not Found"));
    QCOMPARE(QByteArray(reasonPhrase(408)), QByteArray("Request Timeout"));
    QCOMPARE(QByteArray(reasonPhrase(413)), QByteArray("Content Too Large"));
    QCOMPARE(QByteArray(reasonPhrase(414)), QByteArray("URI Too Long"));
    QCOMPARE(QByteArray(reasonPhrase(431)), QByteArray("Request Header Fields Too Large"));
    QCOMPARE(QByteArray(reasonPhrase(503)), QByteArray("Service Unavailable"));
    QCOMPARE(QByteArray(reasonPhrase(799)), QByteArray("Unknown"));
}

void TestHttpResponse::errorBodies()
{
    const HttpResponse text = errorResponse(400, "n must be at most 45", false);
    QCOMPARE(text.status, 400);
    QCOMPARE(text.body, QByteArray("400 Bad Request: n must be at most 45\n"));
    const HttpResponse json = errorResponse(503, "full", true);
    QCOMPARE(json.contentType, QByteArray("application/json"));
    const QJsonObject o = QJsonDocument::fromJson(json.body).object();
    QCOMPARE(o.value(QStringLiteral("status")).toInt(), 503);
    QCOMPARE(o.value(QStringLiteral("error")).toString(), QStringLiteral("full"));
}

void TestHttpResponse::serverTiming()
{
    QCOMPARE(serverTimingValue({ 0.0126, 7.3, 0 }), QByteArray("queue;dur=0.013, compute;dur=7.300, spawn;dur=0.000"));
}

void TestHttpResponse::stampAddsEveryIdentityHeader()
{
    HttpResponse r;
    stampResponse(&r, { 4242, 3, 17, 99 }, { 1, 2, 3 });
    const QByteArray out = r.serialize();
    QVERIFY(out.contains("\r\nX-Worker-Pid: 4242\r\n"));
    QVERIFY(out.contains("\r\nX-Worker-Index: 3\r\n"));
    QVERIFY(out.contains("\r\nX-Connection-Id: 17\r\n"));
    QVERIFY(out.contains("\r\nX-Request-Seq: 99\r\n"));
    QVERIFY(out.contains("\r\nServer-Timing: queue;dur=1.000, compute;dur=2.000, spawn;dur=3.000\r\n"));
}

void TestHttpResponse::computeJsonHasEveryField_data()
{
    QTest::addColumn<int>("path");
    QTest::addColumn<QString>("name");
    QTest::addRow("main") << int(PathId::Main) << QStringLiteral("main");
    QTest::addRow("thread") << int(PathId::Thread) << QStringLiteral("thread");
    QTest::addRow("child") << int(PathId::Child) << QStringLiteral("child");
}

void TestHttpResponse::computeJsonHasEveryField()
{
    QFETCH(int, path);
    QFETCH(QString, name);
    const HttpResponse r = computeResponse({ "/x", 45, 1134903170ULL, PathId(path) }, { 7, 1, 2, 3 },
                                           { 0.5, 10.25, 1.5 }, true);
    QCOMPARE(r.contentType, QByteArray("application/json"));
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    const QStringList fields { QStringLiteral("route"), QStringLiteral("n"), QStringLiteral("result"),
                               QStringLiteral("path"), QStringLiteral("pid"), QStringLiteral("workerIndex"),
                               QStringLiteral("connectionId"), QStringLiteral("requestSeq"),
                               QStringLiteral("queueMs"), QStringLiteral("computeMs"), QStringLiteral("spawnMs") };
    for (const QString& f : fields)
        QVERIFY2(o.contains(f), qPrintable(f));
    QCOMPARE(o.value(QStringLiteral("path")).toString(), name);
    QCOMPARE(o.value(QStringLiteral("result")).toInteger(), qint64(1134903170));
    QCOMPARE(o.value(QStringLiteral("n")).toInt(), 45);
    QCOMPARE(o.value(QStringLiteral("computeMs")).toDouble(), 10.25);
    QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), qint64(7));
    const HttpResponse text = computeResponse({ "/x", 10, 55, PathId(path) }, { 7, 1, 2, 3 }, {}, false);
    QVERIFY(text.body.startsWith("fib(10) = 55, computed "));
}

void TestHttpResponse::helloNamesThePid()
{
    const HttpResponse r = helloResponse({ 31337, 0, 1, 1 }, false);
    QVERIFY(r.body.startsWith("Hello from worker 31337\n"));
    QVERIFY(r.body.contains("/main?n=N"));
    QVERIFY(r.body.contains("/worker?n=N"));
    QVERIFY(r.body.contains("/child?n=N"));
    const QJsonObject o = QJsonDocument::fromJson(helloResponse({ 31337, 0, 1, 1 }, true).body).object();
    QCOMPARE(o.value(QStringLiteral("pid")).toInteger(), qint64(31337));
    QCOMPARE(o.value(QStringLiteral("routes")).toArray().size(), 4);
}

QTEST_GUILESS_MAIN(TestHttpResponse)
#include "tst_httpresponse.moc"
