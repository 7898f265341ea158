// SPDX-License-Identifier: GPL-3.0-or-later
#include "http/httprequestparser.h"

#include <QtTest>

using namespace clusterlab;

namespace {

struct FeedResult
{
    QList<HttpRequest> requests;
    bool error = false;
    int status = 0;
    QByteArray reason;
};

// Feeds `input` in chunks of `chunk` bytes (0 = all at once), collecting
// every request, as a connection would.
FeedResult feedAll(HttpRequestParser& parser, const QByteArray& input, int chunk = 0)
{
    FeedResult r;
    qsizetype offset = 0;
    QByteArray pending;
    while (offset < input.size() || !pending.isEmpty()) {
        if (offset < input.size()) {
            const qsizetype n = chunk > 0 ? qMin<qsizetype>(chunk, input.size() - offset) : input.size() - offset;
            pending += input.mid(offset, n);
            offset += n;
        }
        std::size_t used = 0;
        for (;;) {
            const auto res = parser.feed(pending.constData(), static_cast<std::size_t>(pending.size()), &used);
            pending.remove(0, static_cast<qsizetype>(used));
            if (res == HttpRequestParser::Result::Request) {
                r.requests.append(parser.takeRequest());
                continue;
            }
            if (res == HttpRequestParser::Result::Error) {
                r.error = true;
                r.status = parser.errorStatus();
                r.reason = parser.errorReason();
                return r;
            }
            break;
        }
        if (offset >= input.size())
            break;
    }
    return r;
}

} // namespace

class TestHttpRequestParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void simpleGet();
    void splitAnywhere_data();
    void splitAnywhere();
    void pipelinedStopsAfterEachRequest();
    void aReusedRequestCarriesNothingOver();
    void keepAliveRules_data();
    void keepAliveRules();
    void absoluteForm();
    void bodyIsCountedAndDiscarded();
    void limits_data();
    void limits();
    void malformed_data();
    void malformed();
    void stateForTimeouts();
    void upgradeIsAnsweredThenClosed();
    void emptyValuesAndSplitNamesKeepHeadersApart();
    void onlyHttp1IsServed_data();
    void onlyHttp1IsServed();
};

void TestHttpRequestParser::simpleGet()
{
    HttpRequestParser p;
    const auto r = feedAll(p, "GET /main?n=12 HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n");
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 1);
    const HttpRequest& req = r.requests.first();
    QCOMPARE(req.method, QByteArray("GET"));
    QCOMPARE(req.target, QByteArray("/main?n=12"));
    QCOMPARE(req.path, QByteArray("/main"));
    QCOMPARE(req.query, QByteArray("n=12"));
    QCOMPARE(req.versionMajor, 1);
    QCOMPARE(req.versionMinor, 1);
    QVERIFY(req.keepAlive);
    QCOMPARE(req.header("host"), QByteArray("x"));
    QCOMPARE(req.header("HOST"), QByteArray("x"));
    QVERIFY(req.acceptsJson());
    QVERIFY(req.headersCompleteNs >= req.firstByteNs);
    QVERIFY(req.firstByteNs > 0);
}

void TestHttpRequestParser::splitAnywhere_data()
{
    QTest::addColumn<int>("chunk");
    for (int c : { 1, 2, 3, 7, 13, 64 })
        QTest::addRow("chunks of %d", c) << c;
}

void TestHttpRequestParser::splitAnywhere()
{
    QFETCH(int, chunk);
    HttpRequestParser p;
    const QByteArray in = "GET /a HTTP/1.1\r\nX-Long-Header: value with spaces\r\n\r\n"
                          "HEAD /b?n=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                          "GET /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    const auto r = feedAll(p, in, chunk);
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 3);
    QCOMPARE(r.requests[0].path, QByteArray("/a"));
    QCOMPARE(r.requests[0].header("x-long-header"), QByteArray("value with spaces"));
    QCOMPARE(r.requests[1].path, QByteArray("/b"));
    QVERIFY(r.requests[1].isHead());
    QCOMPARE(r.requests[1].bodyBytes, 5);
    QCOMPARE(r.requests[2].path, QByteArray("/c"));
    QCOMPARE(r.requests[2].bodyBytes, 3);
}

void TestHttpRequestParser::pipelinedStopsAfterEachRequest()
{
    HttpRequestParser p;
    const QByteArray first = "GET /1 HTTP/1.1\r\n\r\n";
    const QByteArray second = "GET /2 HTTP/1.1\r\n\r\n";
    const QByteArray both = first + second;
    std::size_t used = 0;
    QCOMPARE(p.feed(both.constData(), static_cast<std::size_t>(both.size()), &used),
             HttpRequestParser::Result::Request);
    QCOMPARE(used, static_cast<std::size_t>(first.size()));
    QCOMPARE(p.takeRequest().path, QByteArray("/1"));
    QCOMPARE(p.feed(both.constData() + used, static_cast<std::size_t>(second.size()), &used),
             HttpRequestParser::Result::Request);
    QCOMPARE(used, static_cast<std::size_t>(second.size()));
    QCOMPARE(p.takeRequest().path, QByteArray("/2"));
}

// The parser reuses one request's buffers for the next (no allocation per
// request): what request() shows after the second message is that
// message's alone, nothing left from the first.
void TestHttpRequestParser::aReusedRequestCarriesNothingOver()
{
    HttpRequestParser p;
    const QByteArray first = "HEAD /worker?n=30#frag HTTP/1.0\r\nAccept: application/json\r\nX-Long-Header-Name: "
        + QByteArray(300, 'v') + "\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc";
    const QByteArray second = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
    std::size_t used = 0;
    QCOMPARE(p.feed(first.constData(), static_cast<std::size_t>(first.size()), &used), HttpRequestParser::Result::Request);
    const HttpRequest& a = p.request();
    QCOMPARE(a.path, QByteArray("/worker"));
    QCOMPARE(a.query, QByteArray("n=30"));
    QVERIFY(a.wantsJson);
    QCOMPARE(a.versionMinor, 0);
    QCOMPARE(a.bodyBytes, std::int64_t(3));
    QCOMPARE(p.feed(second.constData(), static_cast<std::size_t>(second.size()), &used), HttpRequestParser::Result::Request);
    const HttpRequest& b = p.request();
    QCOMPARE(b.method, QByteArray("GET"));
    QCOMPARE(b.target, QByteArray("/x"));
    QCOMPARE(b.path, QByteArray("/x"));
    QVERIFY(b.query.isEmpty());
    QCOMPARE(b.headerBlock, std::string("Host: h\r\n"));
    QCOMPARE(b.header("accept"), QByteArray());
    QVERIFY(!b.wantsJson);
    QCOMPARE(b.versionMinor, 1);
    QCOMPARE(b.bodyBytes, std::int64_t(0));
    QVERIFY(b.headersCompleteNs >= b.firstByteNs);
}

void TestHttpRequestParser::keepAliveRules_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<bool>("keepAlive");
    QTest::addRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\n\r\n") << true;
    QTest::addRow("1.1 close") << QByteArray("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") << false;
    QTest::addRow("1.1 Close, mixed case") << QByteArray("GET / HTTP/1.1\r\nconnection: Close\r\n\r\n") << false;
    QTest::addRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
    QTest::addRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << true;
}

void TestHttpRequestParser::keepAliveRules()
{
    QFETCH(QByteArray, head);
    QFETCH(bool, keepAlive);
    HttpRequestParser p;
    const auto r = feedAll(p, head);
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 1);
    QCOMPARE(r.requests.first().keepAlive, keepAlive);
}

void TestHttpRequestParser::absoluteForm()
{
    HttpRequestParser p;
    const auto r = feedAll(p, "GET http://localhost:3000/child?n=3 HTTP/1.1\r\n\r\n"
                              "GET http://localhost:3000 HTTP/1.1\r\n\r\n");
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 2);
    QCOMPARE(r.requests[0].path, QByteArray("/child"));
    QCOMPARE(r.requests[0].query, QByteArray("n=3"));
    QCOMPARE(r.requests[1].path, QByteArray("/"));
}

void TestHttpRequestParser::bodyIsCountedAndDiscarded()
{
    HttpRequestParser p;
    const QByteArray body(100000, 'x');
    const auto r = feedAll(p, "POST /main HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + body
                               + "GET / HTTP/1.1\r\n\r\n", 4096);
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 2);
    QCOMPARE(r.requests[0].bodyBytes, 100000);
    QCOMPARE(r.requests[1].path, QByteArray("/"));
}

void TestHttpRequestParser::limits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");
    QTest::addRow("URI of 8 KiB + 1 -> 414")
        << QByteArray("GET /" + QByteArray(8 * 1024, 'a') + " HTTP/1.1\r\n\r\n") << 414;
    QTest::addRow("one 17 KiB header -> 431")
        << QByteArray("GET / HTTP/1.1\r\nX-Big: " + QByteArray(17 * 1024, 'b') + "\r\n\r\n") << 431;
    QByteArray many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 2000; ++i)
        many += "X-" + QByteArray::number(i) + ": v\r\n";
    QTest::addRow("2000 small headers -> 431") << QByteArray(many + "\r\n") << 431;
    QTest::addRow("Content-Length over 1 MiB -> 413")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n") << 413;
    QByteArray chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 17; ++i)
        chunked += "10000\r\n" + QByteArray(0x10000, 'c') + "\r\n";
    QTest::addRow("chunked body over 1 MiB -> 413") << QByteArray(chunked) << 413;
    // Regression: chunk extensions are not body bytes to on_body, so 2 MiB
    // of them with one byte of data per chunk went through unlimited.
    QByteArray extensions = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 33; ++i)
        extensions += "1;ext=" + QByteArray(0x10000, 'e') + "\r\nX\r\n";
    QTest::addRow("2 MiB of chunk extensions -> 413") << QByteArray(extensions + "0\r\n\r\n") << 413;
}

void TestHttpRequestParser::limits()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    HttpRequestParser p;
    const auto r = feedAll(p, input, 1000);
    QVERIFY(r.error);
    QCOMPARE(r.status, status);
    QVERIFY(!r.reason.isEmpty());
    // Once failed, it stays failed.
    std::size_t used = 0;
    QCOMPARE(p.feed("GET / HTTP/1.1\r\n\r\n", 18, &used), HttpRequestParser::Result::Error);
}

void TestHttpRequestParser::malformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addRow("garbage") << QByteArray("\x01\x02\x03 garbage\r\n\r\n");
    QTest::addRow("bad version") << QByteArray("GET / HTTP/x.y\r\n\r\n");
    QTest::addRow("space in header name") << QByteArray("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n");
    QTest::addRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nNoColon\r\n\r\n");
    QTest::addRow("bad content-length") << QByteArray("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
    QTest::addRow("two content-lengths")
        << QByteArray("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    QTest::addRow("relative target") << QByteArray("GET main HTTP/1.1\r\n\r\n");
    QTest::addRow("bad chunk size") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
}

void TestHttpRequestParser::malformed()
{
    QFETCH(QByteArray, input);
    HttpRequestParser p;
    const auto r = feedAll(p, input);
    QVERIFY(r.error);
    QCOMPARE(r.status, 400);
    QVERIFY(!r.reason.contains('\n'));
}

void TestHttpRequestParser::stateForTimeouts()
{
    HttpRequestParser p;
    QVERIFY(!p.inMessage());
    std::size_t used = 0;
    QCOMPARE(p.feed("GET / HT", 8, &used), HttpRequestParser::Result::NeedMore);
    QVERIFY(p.inMessage());
    QVERIFY(p.inHead());
    const QByteArray rest = "TP/1.1\r\nContent-Length: 3\r\n\r\nab";
    QCOMPARE(p.feed(rest.constData(), static_cast<std::size_t>(rest.size()), &used),
             HttpRequestParser::Result::NeedMore);
    QVERIFY(p.inMessage());
    QVERIFY(!p.inHead());
    QCOMPARE(p.feed("c", 1, &used), HttpRequestParser::Result::Request);
    QVERIFY(!p.inMessage());
}

void TestHttpRequestParser::upgradeIsAnsweredThenClosed()
{
    HttpRequestParser p;
    const QByteArray in = "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    std::size_t used = 0;
    QCOMPARE(p.feed(in.constData(), static_cast<std::size_t>(in.size()), &used), HttpRequestParser::Result::Request);
    const HttpRequest req = p.takeRequest();
    QVERIFY(req.upgrade);
    QVERIFY(!req.keepAlive);
}

void TestHttpRequestParser::emptyValuesAndSplitNamesKeepHeadersApart()
{
    HttpRequestParser p;
    // One byte at a time: names and values arrive in pieces.
    const auto r = feedAll(p, "GET / HTTP/1.1\r\nX-Empty:\r\nHost: example\r\nX-Spaces:   padded   \r\n"
                              "Accept: text/html, application/json\r\n\r\n", 1);
    QVERIFY(!r.error);
    QCOMPARE(r.requests.size(), 1);
    const HttpRequest& req = r.requests.first();
    QCOMPARE(req.headerCount(), 4);
    QCOMPARE(req.header("x-empty"), QByteArray());
    QCOMPARE(req.header("host"), QByteArray("example"));
    QCOMPARE(req.header("x-spaces"), QByteArray("padded"));
    QCOMPARE(req.header("missing"), QByteArray());
    QVERIFY(req.acceptsJson());
}

void TestHttpRequestParser::onlyHttp1IsServed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addRow("HTTP/0.9 (no version)") << QByteArray("GET /\r\n\r\n");
    QTest::addRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n");
}

void TestHttpRequestParser::onlyHttp1IsServed()
{
    QFETCH(QByteArray, input);
    HttpRequestParser p;
    const auto r = feedAll(p, input);
    QVERIFY(r.error);
    QCOMPARE(r.status, 505);
}

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "tst_httprequestparser.moc"
