// SPDX-License-Identifier: GPL-3.0-or-later
// HdrHistogram compatibility of `clusterlab bench`: our recorder and its V2
// encoding round trip exactly; the reference JavaScript implementation
// (npm hdr-histogram-js, installed by this test into the build tree with
// `npm ci` from tests/support/hdr-decode/) decodes what --hdr-log and --json
// write, and writes what we decode; --merge sums real runs.
#include "load/hdrlog.h"
#include "load/loadsummaryformat.h"
#include "session/sessionreader.h"
#include "workerprocess.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest>

#include <limits>

#include <cmath>

using namespace clusterlab;
using clusterlab::test::WorkerProcess;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run run(const QString& program, const QStringList& args, const QString& workingDir = {}, int timeoutMs = 120000)
{
    QProcess p;
    if (!workingDir.isEmpty())
        p.setWorkingDirectory(workingDir);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out or did not start: " + p.errorString().toUtf8();
        return r;
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

Run bench(const QStringList& args)
{
    return run(WorkerProcess::binary(QStringLiteral("clusterlab")), QStringList { QStringLiteral("bench") } + args);
}

QJsonObject readJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// The non-empty buckets as [value, count] pairs, as decode.js prints them.
QJsonArray buckets(const HdrHistogram& h)
{
    QJsonArray a;
    for (int i = 0; i < h.countsLength(); ++i) {
        if (h.countAtIndex(i) > 0)
            a.append(QJsonArray { static_cast<qint64>(h.valueFromIndex(i)), static_cast<qint64>(h.countAtIndex(i)) });
    }
    return a;
}

// Our histogram against decode.js's description of the same data: the same
// layout, buckets, total, max and percentiles, exactly.
bool sameAsNode(const HdrHistogram& h, const QJsonObject& js, QString* why)
{
    auto num = [&](const char* key) { return js.value(QLatin1String(key)).toDouble(); };
    const std::pair<const char*, double> checks[] = {
        { "lowest", static_cast<double>(h.lowestDiscernibleValue()) },
        { "highest", static_cast<double>(h.highestTrackableValue()) },
        { "digits", static_cast<double>(h.significantDigits()) },
        { "length", static_cast<double>(h.countsLength()) },
        { "count", static_cast<double>(h.totalCount()) },
        { "max", static_cast<double>(h.max()) },
        { "p50", static_cast<double>(h.valueAtPercentile(50)) },
        { "p90", static_cast<double>(h.valueAtPercentile(90)) },
        { "p99", static_cast<double>(h.valueAtPercentile(99)) },
        { "p999", static_cast<double>(h.valueAtPercentile(99.9)) },
    };
    for (const auto& [key, ours] : checks) {
        if (num(key) != ours) {
            *why = QStringLiteral("%1: hdr-histogram-js %2, ours %3").arg(QLatin1String(key)).arg(num(key), 0, 'f', 0).arg(ours, 0, 'f', 0);
            return false;
        }
    }
    if (std::abs(num("mean") - h.mean()) > 1e-9 * std::max(1.0, h.mean())) {
        *why = QStringLiteral("mean: hdr-histogram-js %1, ours %2").arg(num("mean")).arg(h.mean());
        return false;
    }
    if (js.value(QStringLiteral("buckets")).toArray() != buckets(h)) {
        *why = QStringLiteral("the buckets differ");
        return false;
    }
    return true;
}

} // namespace

class TestHdrLog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void layoutAndPercentiles();
    void roundTrip_data();
    void roundTrip();
    void addAndClamp();
    void decodeRejectsGarbage();
    void javascriptWritesWhatWeRead();
    void javascriptReadsTheBenchLog();
    void mergeOfTwoRuns();
    void aRunAndTheMergeOfItsHalvesAgree();
    void mergeRejectsBadFiles();

private:
    // Installs hdr-histogram-js once per build tree; false with a reason to
    // skip (no node/npm) or to fail (npm failed).
    bool nodeDecoder(QString* skip, QString* failure);
    QJsonObject node(const QStringList& args);

    QString m_decodeDir;
    QString m_node;
};

bool TestHdrLog::nodeDecoder(QString* skip, QString* failure)
{
    if (!m_decodeDir.isEmpty())
        return true;
    m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
    const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    if (m_node.isEmpty() || npm.isEmpty()) {
        *skip = QStringLiteral("node and npm are needed to run the reference decoder (hdr-histogram-js); not found in PATH");
        return false;
    }
    const QString source = QFileInfo(QFINDTESTDATA("../support/hdr-decode/package.json")).absolutePath();
    if (source.isEmpty() || !QFile::exists(source + QStringLiteral("/decode.js"))) {
        *failure = QStringLiteral("tests/support/hdr-decode not found");
        return false;
    }
    // Into the build tree, beside bin/: the source tree stays clean.
    const QString dir = QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../hdr-decode"));
    if (!QDir().mkpath(dir)) {
        *failure = QStringLiteral("cannot create ") + dir;
        return false;
    }
    for (const char* name : { "package.json", "package-lock.json", "decode.js" }) {
        const QString from = source + QLatin1Char('/') + QLatin1String(name);
        const QString to = dir + QLatin1Char('/') + QLatin1String(name);
        QFile in(from);
        QFile existing(to);
        if (in.open(QIODevice::ReadOnly) && existing.open(QIODevice::ReadOnly) && in.readAll() == existing.readAll())
            continue;
        existing.close();
        QFile::remove(to);
        if (!QFile::copy(from, to)) {
            *failure = QStringLiteral("cannot copy %1 to %2").arg(from, to);
            return false;
        }
    }
    // npm ci installs exactly what package-lock.json pins; again whenever
    // the lock file changed since the last install.
    const QString stamp = dir + QStringLiteral("/node_modules/.clusterlab-installed-lock.json");
    QFile lock(dir + QStringLiteral("/package-lock.json"));
    QFile installed(stamp);
    const bool upToDate = QFile::exists(dir + QStringLiteral("/node_modules/hdr-histogram-js/package.json"))
        && lock.open(QIODevice::ReadOnly) && installed.open(QIODevice::ReadOnly) && lock.readAll() == installed.readAll();
    if (!upToDate) {
        const Run r = run(npm, { QStringLiteral("ci"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund") }, dir, 300000);
        if (r.exitCode != 0) {
            *failure = QStringLiteral("npm ci in %1 failed (exit %2): %3").arg(dir).arg(r.exitCode).arg(QString::fromUtf8(r.err + r.out));
            return false;
        }
        QFile::remove(stamp);
        QFile::copy(dir + QStringLiteral("/package-lock.json"), stamp);
    }
    m_decodeDir = dir;
    return true;
}

QJsonObject TestHdrLog::node(const QStringList& args)
{
    const Run r = run(m_node, QStringList { m_decodeDir + QStringLiteral("/decode.js") } + args);
    if (r.exitCode != 0)
        qWarning("decode.js failed (exit %d): %s", r.exitCode, r.err.constData());
    return QJsonDocument::fromJson(r.out).object();
}

#define REQUIRE_NODE()                                   \
    do {                                                 \
        QString skip_, failure_;                         \
        if (!nodeDecoder(&skip_, &failure_)) {           \
            if (!skip_.isEmpty())                        \
                QSKIP(qPrintable(skip_));                \
            QFAIL(qPrintable(failure_));                 \
        }                                                \
    } while (false)

// HdrHistogram's arithmetic for 1 µs .. 1 h at 3 digits (HdrHistogram's
// usual layout; the lab's own, 2 digits, is in tst_histogram), worked by
// hand: 2048 sub-buckets (2·10^3 rounded up to a power of two), 22 buckets,
// so (22 + 1) · 1024 counts; values below 2048 exact, then 1024 steps per
// power of two.
void TestHdrLog::layoutAndPercentiles()
{
    HdrHistogram h(1, 3'600'000'000, 3);
    QCOMPARE(h.lowestDiscernibleValue(), std::int64_t(1));
    QCOMPARE(h.highestTrackableValue(), std::int64_t(3'600'000'000));
    QCOMPARE(h.significantDigits(), 3);
    QCOMPARE(h.countsLength(), 23552);
    QCOMPARE(h.countsIndexFor(2047), 2047);
    QCOMPARE(h.countsIndexFor(2048), 2048);
    QCOMPARE(h.countsIndexFor(2049), 2048); // steps of 2 from 2048
    QCOMPARE(h.lowestEquivalentValue(5001), std::int64_t(5000));
    QCOMPARE(h.highestEquivalentValue(5001), std::int64_t(5003));
    QCOMPARE(h.sizeOfEquivalentValueRange(3'599'999'999), std::int64_t(1) << 21);
    QCOMPARE(h.totalCount(), std::int64_t(0));
    QCOMPARE(h.valueAtPercentile(50), std::int64_t(0));
    QCOMPARE(h.max(), std::int64_t(0));

    for (std::int64_t v = 1; v <= 10000; ++v)
        h.record(v);
    QCOMPARE(h.totalCount(), std::int64_t(10000));
    QCOMPARE(h.min(), std::int64_t(1));
    QCOMPARE(h.valueAtPercentile(0), std::int64_t(1));
    QCOMPARE(h.valueAtPercentile(10), std::int64_t(1000)); // rank 1000, exact below 2048
    QCOMPARE(h.valueAtPercentile(50), std::int64_t(5003)); // rank 5000: [5000, 5003]
    QCOMPARE(h.valueAtPercentile(99), std::int64_t(9903)); // rank 9900: [9896, 9903]
    QCOMPARE(h.valueAtPercentile(100), std::int64_t(10007));
    QCOMPARE(h.max(), std::int64_t(10007)); // 10000 in [10000, 10007]
    // Every percentile is within 0.1% (1/1024) above the exact rank's value.
    for (double p : { 1.0, 25.0, 33.3, 75.0, 90.0, 99.9, 99.99 }) {
        const double exact = std::ceil(p * 100.0 - 1e-9);
        const double got = static_cast<double>(h.valueAtPercentile(p));
        QVERIFY2(got >= exact && got <= exact * (1 + 1.0 / 1024) + 1, qPrintable(QStringLiteral("p%1: %2 vs %3").arg(p).arg(got).arg(exact)));
    }
}

void TestHdrLog::roundTrip_data()
{
    QTest::addColumn<qint64>("lowest");
    QTest::addColumn<qint64>("highest");
    QTest::addColumn<int>("digits");
    QTest::addColumn<QList<qint64>>("values");
    QList<qint64> latencies;
    std::uint64_t x = 12345;
    for (int i = 0; i < 20000; ++i) { // a long-tailed spread, deterministic
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = static_cast<double>(x >> 11) / 9007199254740992.0;
        latencies << static_cast<qint64>(80.0 / std::pow(1.0 - u * 0.999999, 1.5));
    }
    QTest::addRow("empty") << qint64(1) << qint64(3'600'000'000) << 3 << QList<qint64> {};
    QTest::addRow("one zero") << qint64(1) << qint64(3'600'000'000) << 3 << QList<qint64> { 0 };
    QTest::addRow("ends of the range") << qint64(1) << qint64(3'600'000'000) << 3 << QList<qint64> { 0, 1, 3'599'999'999, 3'600'000'000 };
    QTest::addRow("latencies") << qint64(1) << qint64(3'600'000'000) << 3 << latencies;
    QTest::addRow("other layout") << qint64(1000) << qint64(1'000'000'000'000) << 2 << latencies;
    QTest::addRow("5 digits") << qint64(1) << qint64(1'000'000) << 5 << latencies;
    QTest::addRow("the lab's layout") << qint64(1) << qint64(3'600'000'000) << 2 << latencies;
    // Every bucket once: a zlib stream of a few hundred bytes that inflates
    // to ~24 KB (qUncompress has to grow past its first size guess).
    QList<qint64> everyBucket;
    const HdrHistogram layout(1, 3'600'000'000, 3);
    for (int i = 0; i < layout.countsLength(); ++i)
        everyBucket << layout.valueFromIndex(i);
    QTest::addRow("every bucket") << qint64(1) << qint64(3'600'000'000) << 3 << everyBucket;
}

void TestHdrLog::roundTrip()
{
    QFETCH(qint64, lowest);
    QFETCH(qint64, highest);
    QFETCH(int, digits);
    QFETCH(QList<qint64>, values);
    HdrHistogram h(lowest, highest, digits);
    QCOMPARE(h.lowestDiscernibleValue(), lowest);
    QCOMPARE(h.highestTrackableValue(), highest);
    QCOMPARE(h.significantDigits(), digits);
    for (qint64 v : values)
        h.record(v);
    const QByteArray encoded = h.encodeCompressed();
    QCOMPARE(static_cast<quint8>(encoded.at(0)), quint8(0x1c));
    QCOMPARE(static_cast<quint8>(encoded.at(3)), quint8(0x14)); // 0x1c849304 | 0x10
    QString error;
    const std::optional<HdrHistogram> back = HdrHistogram::decodeCompressed(encoded, &error);
    QVERIFY2(back.has_value(), qPrintable(error));
    QVERIFY(*back == h);
    QCOMPARE(back->totalCount(), static_cast<std::int64_t>(values.size()));
    QCOMPARE(back->min(), h.min());
    QCOMPARE(back->max(), h.max());
    QCOMPARE(back->mean(), h.mean());
    for (double p : { 0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0 })
        QCOMPARE(back->valueAtPercentile(p), h.valueAtPercentile(p));
    const std::optional<HdrHistogram> viaBase64 = HdrHistogram::fromBase64(h.toBase64(), &error);
    QVERIFY2(viaBase64 && *viaBase64 == h, qPrintable(error));
}

void TestHdrLog::addAndClamp()
{
    HdrHistogram a;
    HdrHistogram b;
    a.record(100, 3);
    b.record(7000);
    b.record(-5);                   // below the range: counted at 0
    b.record(10'000'000'000);       // beyond an hour: counted at the highest trackable value
    HdrHistogram sum = a;
    sum.add(b);
    QCOMPARE(sum.totalCount(), std::int64_t(6));
    QCOMPARE(sum.min(), std::int64_t(0));
    QCOMPARE(sum.max(), b.highestEquivalentValue(3'600'000'000));
    QCOMPARE(sum.countAtIndex(sum.countsIndexFor(100)), std::int64_t(3));
    // A different layout is re-recorded value by value.
    HdrHistogram coarse(1, 1'000'000, 1);
    coarse.record(123);
    sum.add(coarse);
    QCOMPARE(sum.totalCount(), std::int64_t(7));
    QCOMPARE(sum.countAtIndex(sum.countsIndexFor(coarse.lowestEquivalentValue(123))), std::int64_t(1));
}

void TestHdrLog::decodeRejectsGarbage()
{
    HdrHistogram h;
    h.record(42);
    const QByteArray good = h.encodeCompressed();
    QString error;
    QVERIFY(!HdrHistogram::decodeCompressed(QByteArray(), &error));
    QVERIFY(!HdrHistogram::decodeCompressed(QByteArray("\x1c\x84\x93\x15\x00\x00\x00\x01x", 9), &error)); // wrong cookie
    QVERIFY(error.contains(QStringLiteral("cookie")));
    QVERIFY(!HdrHistogram::decodeCompressed(good.left(good.size() - 3), &error)); // length beyond the data
    QByteArray corrupt = good;
    corrupt[10] = static_cast<char>(corrupt[10] ^ 0x55);
    QVERIFY(!HdrHistogram::decodeCompressed(corrupt, &error));
    QVERIFY(!HdrHistogram::fromBase64("not base64 at all!", &error));
    QVERIFY(!readIntervalLog("#[StartTime: 1 (x)]\n1.0,1.0,HISTFAAAA\n", &error));
    QVERIFY(error.startsWith(QStringLiteral("line 2")));
}

// The other direction: hdr-histogram-js encodes, we decode.
void TestHdrLog::javascriptWritesWhatWeRead()
{
    REQUIRE_NODE();
    const QJsonObject js = node({ QStringLiteral("encode"), QStringLiteral("0:1,1:3,1500:2,2047:1,2048:1,2049:4,100000:5,3599999999:1") });
    QVERIFY2(js.contains(QStringLiteral("base64")), "decode.js encode printed nothing");
    QString error;
    const std::optional<HdrHistogram> h = HdrHistogram::fromBase64(js.value(QStringLiteral("base64")).toString().toLatin1(), &error);
    QVERIFY2(h.has_value(), qPrintable(error));
    QString why;
    QVERIFY2(sameAsNode(*h, js.value(QStringLiteral("described")).toObject(), &why), qPrintable(why));
    HdrHistogram ours(1, 3'600'000'000, 3); // hdr-histogram-js's layout
    for (auto [v, n] : { std::pair<std::int64_t, std::int64_t> { 0, 1 }, { 1, 3 }, { 1500, 2 }, { 2047, 1 }, { 2048, 1 },
                         { 2049, 4 }, { 100000, 5 }, { 3599999999, 1 } })
        ours.record(v, n);
    QVERIFY(ours == *h);
}

// --hdr-log and --json "hdr" of a real run, read by hdr-histogram-js.
void TestHdrLog::javascriptReadsTheBenchLog()
{
    REQUIRE_NODE();
    WorkerProcess worker;
    QVERIFY(worker.start());
    QTemporaryDir dir;
    const QString log = dir.filePath(QStringLiteral("run.hlog"));
    const QString json = dir.filePath(QStringLiteral("run.json"));
    // 1201 requests at 500/s: about 2.4 s, so three intervals; an odd
    // count keeps the ranks of p50/p90/p99 off whole numbers.
    const Run r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"), QStringLiteral("1201"),
                          QStringLiteral("-c"), QStringLiteral("4"), QStringLiteral("--rate"), QStringLiteral("500"),
                          QStringLiteral("--hdr-log"), log, QStringLiteral("--json"), json });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject summary = readJson(json);
    const std::int64_t succeeded = summary.value(QStringLiteral("succeeded")).toInteger();
    QVERIFY(succeeded > 0);
    const double durationMs = summary.value(QStringLiteral("durationMs")).toDouble();

    // Our reading of the log.
    QFile lf(log);
    QVERIFY(lf.open(QIODevice::ReadOnly));
    const QByteArray text = lf.readAll();
    QVERIFY(text.contains("\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"));
    QString error;
    const std::optional<HdrIntervalLog> ours = readIntervalLog(text, &error);
    QVERIFY2(ours.has_value(), qPrintable(error));
    QVERIFY(ours->startTimeSec > 1.6e9);
    QCOMPARE(ours->baseTimeSec, ours->startTimeSec);
    const std::size_t intervals = static_cast<std::size_t>(std::ceil(durationMs / 1000.0));
    QVERIFY(intervals >= 3);
    QCOMPARE(ours->entries.size(), intervals + 1);
    QCOMPARE(ours->entries.back().tag, QByteArray("all"));
    std::int64_t sum = 0;
    HdrHistogram added;
    for (std::size_t k = 0; k < intervals; ++k) {
        const HdrLogEntry& e = ours->entries[k];
        QVERIFY(e.tag.isEmpty());
        QCOMPARE(e.startSec, static_cast<double>(k));
        QVERIFY(e.lengthSec > 0 && e.lengthSec <= 1.0);
        QCOMPARE(std::llround(e.maxField * 1000), static_cast<long long>(e.histogram.max()));
        sum += e.histogram.totalCount();
        added.add(e.histogram);
    }
    const HdrHistogram& all = ours->entries.back().histogram;
    QCOMPARE(sum, succeeded);
    QCOMPARE(all.totalCount(), succeeded);
    QVERIFY(added == all);
    // --json's "hdr" holds the same whole-run histogram.
    const QJsonObject hdr = summary.value(QStringLiteral("hdr")).toObject();
    QCOMPARE(hdr.value(QStringLiteral("unit")).toString(), QStringLiteral("us"));
    const std::optional<HdrHistogram> fromJson = HdrHistogram::fromBase64(hdr.value(QStringLiteral("latency")).toString().toLatin1(), &error);
    QVERIFY2(fromJson.has_value(), qPrintable(error));
    QVERIFY(*fromJson == all);
    QVERIFY(hdr.contains(QStringLiteral("sendLag"))); // a paced run

    // hdr-histogram-js's reading of the same log: every interval exactly as ours.
    const QJsonObject js = node({ QStringLiteral("log"), log });
    QCOMPARE(js.value(QStringLiteral("startTimeSec")).toDouble(), ours->startTimeSec);
    QCOMPARE(js.value(QStringLiteral("baseTimeSec")).toDouble(), ours->baseTimeSec);
    const QJsonArray jsIntervals = js.value(QStringLiteral("intervals")).toArray();
    QCOMPARE(static_cast<std::size_t>(jsIntervals.size()), ours->entries.size());
    for (qsizetype k = 0; k < jsIntervals.size(); ++k) {
        const QJsonObject i = jsIntervals[k].toObject();
        const HdrLogEntry& e = ours->entries[static_cast<std::size_t>(k)];
        QCOMPARE(i.value(QStringLiteral("tag")).toString(), e.tag.isEmpty() ? QStringLiteral("NO TAG") : QString::fromLatin1(e.tag));
        QCOMPARE(std::llround(i.value(QStringLiteral("startMsec")).toDouble() - ours->baseTimeSec * 1000), std::llround(e.startSec * 1000));
        QString why;
        QVERIFY2(sameAsNode(e.histogram, i, &why), qPrintable(QStringLiteral("interval %1: %2").arg(k).arg(why)));
        qInfo("interval %lld%s: %lld requests, p50 %lld us, p99 %lld us, max %lld us (hdr-histogram-js: the same)",
              static_cast<long long>(k), e.tag.isEmpty() ? "" : " (Tag=all)", static_cast<long long>(e.histogram.totalCount()),
              static_cast<long long>(e.histogram.valueAtPercentile(50)), static_cast<long long>(e.histogram.valueAtPercentile(99)),
              static_cast<long long>(e.histogram.max()));
    }
    QString why;
    QVERIFY2(sameAsNode(*fromJson, node({ QStringLiteral("base64"), hdr.value(QStringLiteral("latency")).toString() }), &why),
             qPrintable(why));

    // And the bench's own figures are that histogram's, exactly (one
    // histogram: before, the summary had its own and could differ).
    const QJsonObject latency = summary.value(QStringLiteral("latency")).toObject();
    for (const auto& [key, p] : { std::pair<const char*, double> { "p50Ms", 50 }, { "p90Ms", 90 }, { "p99Ms", 99 }, { "p999Ms", 99.9 } })
        QCOMPARE(latency.value(QLatin1String(key)).toDouble(), all.percentileMs(p));
    QCOMPARE(latency.value(QStringLiteral("maxMs")).toDouble(), all.maxMs());
    QCOMPARE(latency.value(QStringLiteral("minMs")).toDouble(), all.minMs());
}

void TestHdrLog::mergeOfTwoRuns()
{
    WorkerProcess first;
    WorkerProcess second;
    QVERIFY(first.start());
    QVERIFY(second.start());
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a.json"));
    const QString b = dir.filePath(QStringLiteral("b.json"));
    const QString merged = dir.filePath(QStringLiteral("merged.json"));
    Run r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(first.port()), QStringLiteral("-n"), QStringLiteral("300"),
                    QStringLiteral("-c"), QStringLiteral("3"), QStringLiteral("--json"), a });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(second.port()), QStringLiteral("-n"), QStringLiteral("200"),
                QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("--json"), b });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = bench({ QStringLiteral("--merge"), a, b, QStringLiteral("--json"), merged });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains("Merged 2 runs:"), r.out.constData());
    QVERIFY2(r.out.contains("Sent 500 = 500 answered + 0 failed; 5 keep-alive connections"), r.out.constData());

    const QJsonObject ja = readJson(a);
    const QJsonObject jb = readJson(b);
    const QJsonObject m = readJson(merged);
    QCOMPARE(m.value(QStringLiteral("sent")).toInteger(), ja.value(QStringLiteral("sent")).toInteger() + jb.value(QStringLiteral("sent")).toInteger());
    QCOMPARE(m.value(QStringLiteral("sent")).toInteger(), qint64(500));
    QCOMPARE(m.value(QStringLiteral("succeeded")).toInteger(), qint64(500));
    QCOMPARE(m.value(QStringLiteral("statuses")).toObject().value(QStringLiteral("200")).toInteger(), qint64(500));
    const QJsonObject perWorker = m.value(QStringLiteral("perWorkerPid")).toObject();
    QCOMPARE(perWorker.size(), 2);
    QCOMPARE(perWorker.value(QString::number(first.pid())).toInteger(), qint64(300));
    QCOMPARE(perWorker.value(QString::number(second.pid())).toInteger(), qint64(200));
    QCOMPARE(m.value(QStringLiteral("durationMs")).toDouble(),
             std::max(ja.value(QStringLiteral("durationMs")).toDouble(), jb.value(QStringLiteral("durationMs")).toDouble()));
    QVERIFY(std::abs(m.value(QStringLiteral("requestsPerSecond")).toDouble()
                     - (ja.value(QStringLiteral("requestsPerSecond")).toDouble() + jb.value(QStringLiteral("requestsPerSecond")).toDouble()))
            < 1e-6);
    QCOMPARE(m.value(QStringLiteral("merged")).toObject().value(QStringLiteral("runs")).toInt(), 2);

    // The merged histogram is the two added, and the merged figures are its.
    QString error;
    auto hdrOf = [&](const QJsonObject& o) {
        return HdrHistogram::fromBase64(o.value(QStringLiteral("hdr")).toObject().value(QStringLiteral("latency")).toString().toLatin1(), &error);
    };
    const std::optional<HdrHistogram> ha = hdrOf(ja);
    const std::optional<HdrHistogram> hb = hdrOf(jb);
    const std::optional<HdrHistogram> hm = hdrOf(m);
    QVERIFY2(ha && hb && hm, qPrintable(error));
    HdrHistogram expected = *ha;
    expected.add(*hb);
    QVERIFY(*hm == expected);
    QCOMPARE(hm->totalCount(), std::int64_t(500));
    const QJsonObject latency = m.value(QStringLiteral("latency")).toObject();
    QCOMPARE(latency.value(QStringLiteral("count")).toInteger(), qint64(500));
    QCOMPARE(latency.value(QStringLiteral("p50Ms")).toDouble(), static_cast<double>(expected.valueAtPercentile(50)) / 1e3);
    QCOMPARE(latency.value(QStringLiteral("p99Ms")).toDouble(), static_cast<double>(expected.valueAtPercentile(99)) / 1e3);
    QCOMPARE(latency.value(QStringLiteral("maxMs")).toDouble(), static_cast<double>(expected.max()) / 1e3);
    const QByteArray p99Line = "   99.00% in " + QByteArray::number(static_cast<double>(expected.valueAtPercentile(99)) / 1e3, 'f', 4) + " ms\n";
    QVERIFY2(r.out.contains(p99Line), r.out.constData());
    qInfo("merged: 300 + 200 sent, p50 %lld us, p99 %lld us, max %lld us", static_cast<long long>(expected.valueAtPercentile(50)),
          static_cast<long long>(expected.valueAtPercentile(99)), static_cast<long long>(expected.max()));

    // A merged file merges again; the same run twice sums per pid.
    r = bench({ QStringLiteral("--merge"), merged, a });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY2(r.out.contains(QByteArray("pid " + QByteArray::number(first.pid()) + ": 600\n")), r.out.constData());
}

namespace {
// A summary of some of a run's requests, as `bench --json` would have
// written it had it made only those: its histograms recorded from the
// --csv rows' nanoseconds, as the generator records them.
QJsonObject summaryOfRows(const QList<QList<QByteArray>>& rows, const LoadConfig& config, std::int64_t durationNs)
{
    LoadSummary s;
    for (const QList<QByteArray>& row : rows) {
        // seq,route,client_connection,intended_ns,start_ns,connect_ns,first_byte_ns,end_ns,...,status,...,error
        const std::int64_t intended = row.at(3).toLongLong();
        const std::int64_t start = row.at(4).toLongLong();
        const std::int64_t end = row.at(7).toLongLong();
        ++s.sent;
        ++s.succeeded;
        ++s.statuses[row.at(10).toInt()];
        s.latency.recordNs(end - intended);
        s.service.recordNs(end - start);
    }
    s.durationNs = durationNs;
    s.requestsPerSecond = static_cast<double>(s.sent) * 1e9 / static_cast<double>(durationNs);
    return summaryToJson(config, s);
}
} // namespace

// Issue 23: one histogram. A real run's figures (its --json), the --merge of
// its two halves, its --hdr-log's "all" line and its --session all give the
// same latency percentiles, to the bit (before, the run's summary had a
// histogram of its own, and a run and its merge could disagree on p99).
void TestHdrLog::aRunAndTheMergeOfItsHalvesAgree()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    QTemporaryDir dir;
    const QString json = dir.filePath(QStringLiteral("run.json"));
    const QString csv = dir.filePath(QStringLiteral("run.csv"));
    const QString log = dir.filePath(QStringLiteral("run.hlog"));
    const QString session = dir.filePath(QStringLiteral("run.sqlite"));
    // /main?n=18 among / spreads the latencies over several powers of two.
    Run r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"), QStringLiteral("1501"),
                    QStringLiteral("-c"), QStringLiteral("3"), QStringLiteral("--route"), QStringLiteral("/:3"),
                    QStringLiteral("--route"), QStringLiteral("/main?n=18:1"),
                    QStringLiteral("--json"), json, QStringLiteral("--csv"), csv, QStringLiteral("--hdr-log"), log,
                    QStringLiteral("--session"), session });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject whole = readJson(json);
    QCOMPARE(whole.value(QStringLiteral("succeeded")).toInteger(), qint64(1501));

    // The run's requests in two halves, by sequence number.
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QList<QList<QByteArray>> halves[2];
    f.readLine(); // the header
    while (!f.atEnd()) {
        const QList<QByteArray> row = f.readLine().trimmed().split(',');
        QCOMPARE(row.size(), 18); // 15 per request, then version, started_utc, seed
        QCOMPARE(row.at(14), QByteArray("none"));
        halves[row.at(0).toLongLong() % 2].append(row);
    }
    QCOMPARE(halves[0].size() + halves[1].size(), 1501);
    LoadConfig config;
    config.host = QStringLiteral("127.0.0.1");
    config.port = worker.port();
    config.routes = { RouteWeight { "/", 3 }, RouteWeight { "/main?n=18", 1 } };
    config.connections = 3;
    const auto durationNs = static_cast<std::int64_t>(whole.value(QStringLiteral("durationMs")).toDouble() * 1e6);
    const QString a = dir.filePath(QStringLiteral("a.json"));
    const QString b = dir.filePath(QStringLiteral("b.json"));
    QVERIFY(writeFile(a, QJsonDocument(summaryOfRows(halves[0], config, durationNs)).toJson()));
    QVERIFY(writeFile(b, QJsonDocument(summaryOfRows(halves[1], config, durationNs)).toJson()));
    const QString merged = dir.filePath(QStringLiteral("merged.json"));
    r = bench({ QStringLiteral("--merge"), a, b, QStringLiteral("--json"), merged });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject m = readJson(merged);

    // Every figure of the merge is the run's own.
    for (const char* which : { "latency", "serviceTime" }) {
        const QJsonObject x = whole.value(QLatin1String(which)).toObject();
        const QJsonObject y = m.value(QLatin1String(which)).toObject();
        for (const char* key : { "count", "minMs", "meanMs", "p50Ms", "p90Ms", "p99Ms", "p999Ms", "maxMs" })
            QVERIFY2(x.value(QLatin1String(key)) == y.value(QLatin1String(key)),
                     qPrintable(QStringLiteral("%1.%2: run %3, merge of its halves %4")
                                    .arg(QLatin1String(which), QLatin1String(key))
                                    .arg(x.value(QLatin1String(key)).toDouble())
                                    .arg(y.value(QLatin1String(key)).toDouble())));
        QCOMPARE(m.value(QStringLiteral("hdr")).toObject().value(QLatin1String(which)),
                 whole.value(QStringLiteral("hdr")).toObject().value(QLatin1String(which)));
    }
    QString error;
    const std::optional<HdrHistogram> run = HdrHistogram::fromBase64(
        whole.value(QStringLiteral("hdr")).toObject().value(QStringLiteral("latency")).toString().toLatin1(), &error);
    QVERIFY2(run.has_value(), qPrintable(error));
    QCOMPARE(whole.value(QStringLiteral("latency")).toObject().value(QStringLiteral("p99Ms")).toDouble(), run->percentileMs(99));

    // The interval log's whole-run line is the same histogram.
    QFile lf(log);
    QVERIFY(lf.open(QIODevice::ReadOnly));
    const std::optional<HdrIntervalLog> intervals = readIntervalLog(lf.readAll(), &error);
    QVERIFY2(intervals.has_value(), qPrintable(error));
    QCOMPARE(intervals->entries.back().tag, QByteArray("all"));
    QVERIFY(intervals->entries.back().histogram == *run);

    // And so is the session's, read back per route and added up.
    SessionSummary s;
    QVERIFY2(readSession(session, &s, &error), qPrintable(error));
    QCOMPARE(s.clientLatency.size(), 2);
    HdrHistogram fromSession;
    for (const auto& h : std::as_const(s.clientLatency))
        fromSession.add(*h);
    QVERIFY(fromSession == *run);
    qInfo("1501 requests: p50 %.3f ms, p99 %.3f ms, max %.3f ms in the run, the merge of its halves, its log and its session",
          run->percentileMs(50), run->percentileMs(99), run->maxMs());
}

void TestHdrLog::mergeRejectsBadFiles()
{
    WorkerProcess worker;
    QVERIFY(worker.start());
    QTemporaryDir dir;
    const QString good = dir.filePath(QStringLiteral("good.json"));
    Run r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"), QStringLiteral("20"),
                    QStringLiteral("-c"), QStringLiteral("2"), QStringLiteral("--json"), good });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonObject noHdr = readJson(good);
    QVERIFY(noHdr.contains(QStringLiteral("hdr")));
    noHdr.remove(QStringLiteral("hdr"));
    QJsonObject badHdr = readJson(good);
    QJsonObject h = badHdr.value(QStringLiteral("hdr")).toObject();
    h.insert(QStringLiteral("latency"), QStringLiteral("SElTVEZBQUFB"));
    badHdr.insert(QStringLiteral("hdr"), h);
    const QString old = dir.filePath(QStringLiteral("old.json"));
    const QString corrupt = dir.filePath(QStringLiteral("corrupt.json"));
    const QString notJson = dir.filePath(QStringLiteral("notes.txt"));
    const QString other = dir.filePath(QStringLiteral("other.json"));
    QVERIFY(writeFile(old, QJsonDocument(noHdr).toJson()));
    QVERIFY(writeFile(corrupt, QJsonDocument(badHdr).toJson()));
    QVERIFY(writeFile(notJson, "just some text\n"));
    QVERIFY(writeFile(other, "{\"name\": \"a package.json, say\"}"));
    // Issue 22: a compression bomb (1.4 MB inflated to 1 GiB before any
    // check) and totals that overflow ("Sent -46744073709551616").
    QByteArray encoding(40, '\0');
    qToBigEndian<quint32>(0x1c849303, encoding.data());      // V2 encoding
    qToBigEndian<qint32>(64 * 1024 * 1024, encoding.data() + 4); // payload: 64 MiB, says the header
    qToBigEndian<qint32>(3, encoding.data() + 12);           // digits
    qToBigEndian<qint64>(1, encoding.data() + 16);           // lowest
    qToBigEndian<qint64>(3600000000LL, encoding.data() + 24); // highest
    const QByteArray zlib = qCompress(encoding + QByteArray(64 * 1024 * 1024, '\0'), 9).mid(4);
    QByteArray compressed(8, '\0');
    qToBigEndian<quint32>(0x1c849304, compressed.data());
    qToBigEndian<qint32>(static_cast<qint32>(zlib.size()), compressed.data() + 4);
    compressed += zlib;
    QJsonObject bomb = readJson(good);
    h = bomb.value(QStringLiteral("hdr")).toObject();
    h.insert(QStringLiteral("latency"), QString::fromLatin1(compressed.toBase64()));
    bomb.insert(QStringLiteral("hdr"), h);
    const QString bombFile = dir.filePath(QStringLiteral("bomb.json"));
    QVERIFY(writeFile(bombFile, QJsonDocument(bomb).toJson()));
    QJsonObject huge = readJson(good);
    huge.insert(QStringLiteral("sent"), static_cast<qint64>(std::numeric_limits<qint64>::max() - 5));
    const QString hugeFile = dir.filePath(QStringLiteral("huge.json"));
    QVERIFY(writeFile(hugeFile, QJsonDocument(huge).toJson()));
    QJsonObject endless = readJson(good);
    endless.insert(QStringLiteral("durationMs"), 1e300);
    const QString endlessFile = dir.filePath(QStringLiteral("endless.json"));
    QVERIFY(writeFile(endlessFile, QJsonDocument(endless).toJson()));
    QJsonObject negative = readJson(good);
    negative.insert(QStringLiteral("failed"), -3);
    const QString negativeFile = dir.filePath(QStringLiteral("negative.json"));
    QVERIFY(writeFile(negativeFile, QJsonDocument(negative).toJson()));

    const struct
    {
        QStringList args;
        int exitCode;
        QByteArray message;
    } cases[] = {
        { { good, old }, 2, "has no \"hdr\" histograms" },
        { { good, corrupt }, 2, "hdr.latency" },
        { { notJson }, 2, "is not a clusterlab bench JSON summary" },
        { { good, other }, 2, "is not a clusterlab bench JSON summary: no \"config\" object" },
        { { good, dir.filePath(QStringLiteral("missing.json")) }, 1, "cannot read" },
        { {}, 2, "--merge: expected bench JSON files" },
        { { good, QStringLiteral("-n"), QStringLiteral("5") }, 2, "not -n" },
        { { good, bombFile }, 2, "payload length 67108864 is more than" },
        { { hugeFile, hugeFile }, 2, "pass 2^63" },
        { { good, endlessFile }, 2, "\"durationMs\" is not a count or time" },
        { { good, negativeFile }, 2, "\"failed\" is not a count or time" },
        { { good, QStringLiteral("--hdr-log"), dir.filePath(QStringLiteral("x.hlog")) }, 2, "not --hdr-log" },
    };
    for (const auto& c : cases) {
        r = bench(QStringList { QStringLiteral("--merge") } + c.args);
        QVERIFY2(r.exitCode == c.exitCode, qPrintable(QStringLiteral("%1: exit %2, %3").arg(c.args.join(QLatin1Char(' '))).arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY2(r.err.contains(c.message), r.err.constData());
        QVERIFY2(r.out.isEmpty(), r.out.constData());
    }
    // An unwritable --hdr-log fails before the run.
    r = bench({ QStringLiteral("http://127.0.0.1:%1/").arg(worker.port()), QStringLiteral("-n"), QStringLiteral("5"),
                QStringLiteral("--hdr-log"), dir.filePath(QStringLiteral("no/such/dir/x.hlog")) });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("cannot write"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestHdrLog)
#include "tst_hdrlog.moc"
