// SPDX-License-Identifier: GPL-3.0-or-later
// Sessions: a run recorded into an SQLite file on a writer thread, read
// back with the same numbers, refused with a clear reason when the file is
// not a readable session (and left untouched), bounded when the writer
// falls behind, and stopped cleanly when the disk fills up.
#include "cluster/cluster.h"
#include "load/loadgenerator.h"
#include "session/sessionfile.h"
#include "session/sessionreader.h"
#include "session/sessionrecorder.h"

#include <QBuffer>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace clusterlab;

namespace {

// A record of a known shape: route by i, total latency (i % 50 + 1) µs.
StoredRecord syntheticRecord(std::int64_t originNs, int i)
{
    StoredRecord r;
    r.headersNs = originNs + 1000000LL * i; // one a millisecond
    r.workerIndex = static_cast<std::uint16_t>(i % 2);
    r.pid = 1000 + i % 2;
    r.connectionId = static_cast<std::uint32_t>(i % 7);
    r.requestSeq = static_cast<std::uint32_t>(i / 2 + 1);
    r.route = i % 3 == 0 ? RouteId::Root : (i % 3 == 1 ? RouteId::Main : RouteId::Worker);
    r.path = r.route == RouteId::Root ? PathId::None : (r.route == RouteId::Main ? PathId::Main : PathId::Thread);
    r.n = r.route == RouteId::Root ? std::int8_t(-1) : std::int8_t(20);
    r.status = i % 97 == 5 ? 0 : 200; // a few dropped
    r.bytes = 120;
    if (r.route != RouteId::Root) {
        r.queued = 3;
        r.computeStart = 3;
        r.computeEnd = 8;
    }
    r.written = static_cast<std::uint32_t>((i % 50 + 1) * 10); // 100 ns ticks
    r.threadOrTask = static_cast<std::uint32_t>(i % 4);
    return r;
}

// One statement on a writable connection of its own (a test altering a file).
bool execOn(const QString& path, const QString& sql)
{
    const QString name = session::newConnectionName("test");
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        ok = db.open() && QSqlQuery(db).exec(sql);
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return ok;
}

QByteArray digest(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256) + QByteArray::number(f.size());
}

// Records `records` synthetic requests, a load test and some samples into `path`.
bool recordSynthetic(const QString& path, int records, SessionRecorder::Options options = {})
{
    SessionRecorder rec;
    options.settings = QJsonObject { { QStringLiteral("policy"), QStringLiteral("round-robin") },
                                     { QStringLiteral("poolThreads"), 2 },
                                     { QStringLiteral("maxChildren"), 4 } };
    QString error;
    if (!rec.start(path, options, &error))
        return false;
    const std::int64_t origin = 0; // record times relative to a steady origin of 0 are fine for the file
    for (int i = 0; i < records; ++i)
        rec.addRecord(syntheticRecord(origin, i));
    for (int k = 0; k < 20; ++k) {
        WorkerSample s;
        s.t = 100000000LL * k;
        s.lagMaxUs = 1000 * (k + 1);
        s.inFlight = k % 3;
        rec.addSample(k % 2, 1000 + k % 2, s);
    }
    rec.addEvent(5, QStringLiteral("worker 0 (pid 1000) listening"));
    const int test = rec.beginLoadTest(QStringLiteral("http://127.0.0.1:3000/"), QJsonObject { { QStringLiteral("connections"), 4 } },
                                       { QStringLiteral("/"), QStringLiteral("/main?n=20") });
    for (int i = 0; i < 100; ++i) {
        LoadRecord l;
        l.route = static_cast<std::uint8_t>(i % 2);
        l.intendedNs = l.startNs = 1000000LL * i;
        l.endNs = l.startNs + 2000000; // 2 ms
        l.status = 200;
        l.workerPid = 1000 + i % 2;
        rec.addLoadRecord(test, l);
    }
    rec.endLoadTest(test, QJsonObject { { QStringLiteral("sent"), 100 } });
    rec.addExperiments(QJsonObject { { QStringLiteral("format"), QStringLiteral("clusterlab-experiments") } });
    rec.finish();
    return rec.failure().isEmpty() && rec.requestsWritten() == static_cast<quint64>(records);
}

// Every file of a folder with its digest: what "left alone" means for a
// session and the folder it sits in.
QMap<QString, QByteArray> folderDigest(const QString& dir)
{
    QMap<QString, QByteArray> out;
    for (const QFileInfo& f : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden))
        out.insert(f.fileName(), digest(f.filePath()));
    return out;
}

// Peak resident memory since the last reset, in MiB (Linux; -1 elsewhere).
qint64 peakRssMib(bool reset)
{
#if defined(Q_OS_LINUX)
    if (reset) {
        QFile clear(QStringLiteral("/proc/self/clear_refs"));
        if (clear.open(QIODevice::WriteOnly))
            clear.write("5");
    }
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').constFirst().toLongLong() / 1024;
    }
#else
    Q_UNUSED(reset);
#endif
    return -1;
}

} // namespace

class TestSession : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordingNeverTouchesTheCallersThread();
    void roundTripKeepsEveryNumber();
    void exportFromASessionMatchesTheLiveExport();
    void badInputIsRefusedAndLeftAlone_data();
    void badInputIsRefusedAndLeftAlone();
    void craftedSessionsAreRefusedOrBounded_data();
    void craftedSessionsAreRefusedOrBounded();
    void aSessionLeftInWalModeIsReadFromACopy();
    void aReadCanBeCancelled();
    void aLockedSessionSaysSo();
    void theQueueIsBounded();
    void aFullDiskOrTheLimitStopsRecordingAndKeepsWhatWasWritten();
    void aCopyIsACompleteSession();
    void aRecordedLoadTestReconcilesPerWorker();
    void comparisonGivesTheRatios();
};

void TestSession::recordingNeverTouchesTheCallersThread()
{
    QTemporaryDir dir;
    QVERIFY(recordSynthetic(dir.filePath(QStringLiteral("a.sqlite")), 5000));
    // Every query ran on the writer thread (nothing here has read yet).
    const QSet<QThread*> threads = session::databaseThreads();
    QVERIFY(!threads.isEmpty());
    QVERIFY(!threads.contains(QThread::currentThread()));
}

void TestSession::roundTripKeepsEveryNumber()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    const int n = 30000;
    QVERIFY(recordSynthetic(path, n));
    SessionSummary s;
    QString error;
    QVERIFY2(readSession(path, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(n));
    QCOMPARE(s.meta.value(QStringLiteral("format")).toString(), QStringLiteral("clusterlab-session"));
    QCOMPARE(s.settings.value(QStringLiteral("policy")).toString(), QStringLiteral("round-robin"));
    // What the live aggregator would have counted and measured, from the same records.
    QHash<int, std::array<std::array<std::uint64_t, 4>, kRouteCount>> counts;
    std::array<HdrHistogram, kRouteCount> latency;
    for (int i = 0; i < n; ++i) {
        const StoredRecord r = syntheticRecord(0, i);
        if (r.status == 0)
            continue;
        ++counts[r.workerIndex][static_cast<std::size_t>(r.route)][static_cast<std::size_t>(r.path)];
        latency[static_cast<std::size_t>(r.route)].recordNs(static_cast<std::int64_t>(r.written) * 100);
    }
    QCOMPARE(s.counts, counts);
    for (int r = 0; r < kRouteCount; ++r) {
        QCOMPARE(s.latency[static_cast<std::size_t>(r)].totalCount(), latency[static_cast<std::size_t>(r)].totalCount());
        for (double p : { 50.0, 90.0, 99.0, 100.0 })
            QCOMPARE(s.latency[static_cast<std::size_t>(r)].valueAtPercentile(p), latency[static_cast<std::size_t>(r)].valueAtPercentile(p));
    }
    // Breakdown of /main: queue 0.3 µs, compute 0.5 µs per request.
    QVERIFY(qAbs(s.breakdownMs[static_cast<std::size_t>(RouteId::Main)][0] - 0.0003) < 1e-9);
    QVERIFY(qAbs(s.breakdownMs[static_cast<std::size_t>(RouteId::Main)][1] - 0.0005) < 1e-9);
    // One request a millisecond, alternating workers: ~500 a second each
    // (less the dropped ones), every answered request in some second.
    QVERIFY(s.throughput.value(0).size() >= 29);
    double served0 = 0;
    for (const QPointF& p : s.throughput.value(0))
        served0 += p.y();
    std::uint64_t expected0 = 0;
    for (const auto& byPath : counts.value(0))
        for (std::uint64_t v : byPath)
            expected0 += v;
    QCOMPARE(served0, static_cast<double>(expected0));
    QVERIFY(s.throughput.value(0).at(5).y() > 480 && s.throughput.value(0).at(5).y() <= 501);
    QVERIFY(!s.latencyP99[static_cast<std::size_t>(RouteId::Main)].isEmpty());
    QCOMPARE(s.samples, quint64(20));
    QCOMPARE(s.lagMs.value(1).size(), 10);
    QCOMPARE(s.lagMs.value(1).constLast().y(), 20.0); // the 20th sample: 20 ms
    QCOMPARE(s.events.size(), 1);
    QVERIFY(s.events.constFirst().endsWith(QStringLiteral("worker 0 (pid 1000) listening")));
    QCOMPARE(s.loadTests.size(), 1);
    QCOMPARE(s.loadTests.constFirst().summary.value(QStringLiteral("sent")).toInt(), 100);
    QCOMPARE(s.loadRequests, quint64(100));
    QCOMPARE(s.clientLatency.value(QStringLiteral("/main?n=20"))->totalCount(), std::int64_t(50));
    QCOMPARE(s.clientLatency.value(QStringLiteral("/"))->valueAtPercentile(50), HdrHistogram().highestEquivalentValue(2000)); // 2 ms, in µs
    QCOMPARE(s.experiments.size(), 1);
    // The feed the window replays.
    const auto feed = s.toFeed();
    QCOMPARE(feed->workers.size(), 2);
    QCOMPARE(feed->workers.at(1).pid, qint64(1001));
    QVERIFY(!feed->running);
    QCOMPARE(feed->snapshot->counts, counts);
    QCOMPARE(feed->poolThreads, 2);
}

void TestSession::exportFromASessionMatchesTheLiveExport()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    QVERIFY(recordSynthetic(path, 2000));
    // Every row ends with the recording's version and wall-clock start.
    SessionSummary summary;
    QString error;
    QVERIFY2(readSession(path, &summary, &error), qPrintable(error));
    const QString version = summary.meta.value(QStringLiteral("app_version")).toString();
    const QString created = summary.meta.value(QStringLiteral("created_utc")).toString();
    QVERIFY(!version.isEmpty() && QDateTime::fromString(created, Qt::ISODateWithMs).isValid());
    const QByteArray runColumns = TelemetryAggregator::csvRunColumns(version, created);
    QVERIFY(runColumns.startsWith(QByteArray(version.toUtf8() + ",")));
    QByteArray expected = TelemetryAggregator::csvHeader();
    QVERIFY(expected.endsWith(",version,started_utc\n"));
    for (int i = 0; i < 2000; ++i)
        expected += TelemetryAggregator::csvRow(syntheticRecord(0, i), runColumns);
    QBuffer csv;
    csv.open(QIODevice::WriteOnly);
    QVERIFY2(exportSessionRequests(path, &csv, false, &error), qPrintable(error));
    QCOMPARE(csv.data(), expected);
    QBuffer json;
    json.open(QIODevice::WriteOnly);
    QVERIFY2(exportSessionRequests(path, &json, true, &error), qPrintable(error));
    const QJsonArray rows = QJsonDocument::fromJson(json.data()).array();
    QCOMPARE(rows.size(), 2000);
    QCOMPARE(rows.at(7).toObject().value(QStringLiteral("route")).toString(), QStringLiteral("/main"));
}

void TestSession::badInputIsRefusedAndLeftAlone_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing") << "missing" << "no such file";
    QTest::newRow("text") << "text" << "not an SQLite database";
    QTest::newRow("other SQLite") << "other" << "not a ClusterLab session";
    QTest::newRow("newer") << "newer" << "newer ClusterLab (session format 99";
    QTest::newRow("truncated") << "truncated" << "damaged";
}

void TestSession::badInputIsRefusedAndLeftAlone()
{
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.sqlite"));
    if (kind == QLatin1String("text")) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("route,latency\n/,1.0\n");
    } else if (kind != QLatin1String("missing")) {
        if (kind == QLatin1String("other")) {
            QVERIFY(execOn(path, QStringLiteral("CREATE TABLE t (x)")));
        } else {
            QVERIFY(recordSynthetic(path, kind == QLatin1String("truncated") ? 40000 : 10));
        }
        if (kind == QLatin1String("newer"))
            QVERIFY(execOn(path, QStringLiteral("UPDATE meta SET value = '99' WHERE key = 'version'")));
        if (kind == QLatin1String("truncated")) {
            QFile f(path);
            QVERIFY(f.resize(f.size() / 2));
        }
    }
    const QByteArray before = digest(path);
    SessionSummary s;
    QString error;
    QVERIFY(!readSession(path, &s, &error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QCOMPARE(digest(path), before); // nothing changed on disk
    QVERIFY(!QFile::exists(path + QStringLiteral("-journal")));
    QVERIFY(!QFile::exists(path + QStringLiteral("-wal")));
}

// Issue 22: a session is a file from anyone. Each row builds one the way an
// attacker would (from a real recorded session) and says what the reader
// must answer: a refusal naming the reason or the limit, or a read whose
// memory stays bounded. The file and its folder stay byte for byte.
void TestSession::craftedSessionsAreRefusedOrBounded_data()
{
    QTest::addColumn<QStringList>("statements");
    QTest::addColumn<QString>("expected"); // in the error; empty: it reads
    const QString counter = QStringLiteral("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT %1) ");
    QTest::newRow("a view in place of a table")
        << QStringList { QStringLiteral("DROP TABLE events"), QStringLiteral("CREATE VIEW events AS SELECT 0 AS t_ns, 'x' AS text") }
        << QStringLiteral("events is a view, not a table");
    QTest::newRow("an endless view") // quick_check passed it, then the reader hung for ever
        << QStringList { QStringLiteral("DROP TABLE requests"),
                         QStringLiteral("CREATE VIEW requests AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                                        "SELECT x AS headers_ns, 0 AS worker, 1 AS pid, 0 AS connection, 0 AS seq, 0 AS route, "
                                        "0 AS path, 0 AS n, 200 AS status, 0 AS bytes, 0 AS queue_ns, 0 AS compute_ns, "
                                        "0 AS spawn_ns, 1 AS total_ns, 0 AS thread_or_task FROM c") }
        << QStringLiteral("requests is a view, not a table");
    QTest::newRow("a zeroblob view") // 1.7 GiB from 49 KB
        << QStringList { QStringLiteral("DROP TABLE experiments"),
                         QStringLiteral("CREATE VIEW experiments AS SELECT 1 AS id, zeroblob(1000000000) AS report") }
        << QStringLiteral("experiments is a view, not a table");
    QTest::newRow("a generated zeroblob column")
        << QStringList { QStringLiteral("DROP TABLE experiments"),
                         QStringLiteral("CREATE TABLE experiments (id INTEGER PRIMARY KEY, taken_utc TEXT, "
                                        "report BLOB GENERATED ALWAYS AS (zeroblob(1000000000)) VIRTUAL)"),
                         QStringLiteral("INSERT INTO experiments (id, taken_utc) VALUES (1, 'x')") }
        << QStringLiteral("experiments.report is a generated column");
    QTest::newRow("a trigger")
        << QStringList { QStringLiteral("CREATE TRIGGER t AFTER INSERT ON events BEGIN DELETE FROM events; END") }
        << QStringLiteral("holds a trigger");
    QTest::newRow("a version past 32 bits") // once read as 1
        << QStringList { QStringLiteral("UPDATE meta SET value = '4294967297' WHERE key = 'version'") }
        << QStringLiteral("unknown session format version (4294967297)");
    QTest::newRow("300,000 workers") // 5.1 GiB and still busy at 100 s
        << QStringList { counter.arg(300000)
                         + QStringLiteral("INSERT INTO requests SELECT x, x, x, 0, 0, 0, 0, NULL, 200, 0, 0, 0, 0, 1000, 0 FROM c") }
        << QStringLiteral("more than 1024 distinct workers");
    QTest::newRow("20,000 routes") // 1.1 GiB
        << QStringList { counter.arg(20000) + QStringLiteral("INSERT INTO load_routes SELECT 1, x + 10, '/r' || x FROM c"),
                         counter.arg(20000)
                             + QStringLiteral("INSERT INTO load_requests SELECT 1, x + 10, 0, 0, 0, 0, 0, 1000, 200, 0, 1, 1, 0 FROM c") }
        << QStringLiteral("more than 256 distinct routes");
    QTest::newRow("12,000 requests going back in time") // bad_alloc at a 3 GiB cap
        << QStringList { counter.arg(12000)
                         + QStringLiteral("INSERT INTO requests SELECT (20000 - x) * 1000000000, 0, 7, 0, 0, x % 4, 0, NULL, 200, 0, "
                                          "0, 0, 0, 1000, 0 FROM c") }
        << QString();
    QTest::newRow("2,000,000,000 pool threads") // froze the topology's paint
        << QStringList { QStringLiteral("UPDATE meta SET value = '{\"policy\":\"shared\",\"poolThreads\":2000000000,"
                                        "\"maxChildren\":2000000000}' WHERE key = 'settings'") }
        << QString();
    QTest::newRow("a giant meta value")
        << QStringList { QStringLiteral("UPDATE meta SET value = printf('%.*c', 3000000, 'x') WHERE key = 'machine'") }
        << QStringLiteral("a value over");
}

void TestSession::craftedSessionsAreRefusedOrBounded()
{
    QFETCH(QStringList, statements);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("crafted.sqlite"));
    QVERIFY(recordSynthetic(path, 100));
    for (const QString& sql : statements)
        QVERIFY2(execOn(path, sql), qPrintable(sql));
    const auto before = folderDigest(dir.path());
    const qint64 rssBefore = peakRssMib(true);
    SessionSummary s;
    QString error;
    QElapsedTimer clock;
    clock.start();
    const bool read = readSession(path, &s, &error);
    const qint64 ms = clock.elapsed();
    const qint64 rssPeak = peakRssMib(false);
    // For docs/RELIABILITY.md (a figure, not a threshold).
    qInfo("%s: %s in %lld ms, peak RSS +%lld MiB (%lld KiB file)", QTest::currentDataTag(),
          read ? "read" : qPrintable(QStringLiteral("refused (%1)").arg(error)), static_cast<long long>(ms),
          static_cast<long long>(rssPeak - rssBefore), static_cast<long long>(QFileInfo(path).size() / 1024));
    if (expected.isEmpty()) {
        QVERIFY2(read, qPrintable(error));
        QVERIFY(s.requests >= 100);
        const auto feed = s.toFeed();
        QVERIFY(feed->poolThreads >= 1 && feed->poolThreads <= 1024);
        QVERIFY(feed->maxChildren >= 1 && feed->maxChildren <= 4096);
    } else {
        QVERIFY(!read);
        QVERIFY2(error.contains(expected), qPrintable(error));
        QCOMPARE(s.requests, quint64(0)); // nothing half-read reaches the caller
    }
    if (rssBefore > 0) // bounded: these once took 1 to 5 GiB
        QVERIFY2(rssPeak - rssBefore < 512, qPrintable(QStringLiteral("peak RSS grew by %1 MiB").arg(rssPeak - rssBefore)));
    QCOMPARE(folderDigest(dir.path()), before);
}

// A killed `serve --record` leaves its session in WAL mode with the -wal
// beside it. Reading it wrote -shm and -wal files beside it; now it is read
// from a private copy: its last batches count, and nothing there changes.
void TestSession::aSessionLeftInWalModeIsReadFromACopy()
{
    QTemporaryDir dir;
    QTemporaryDir left;
    const QString path = dir.filePath(QStringLiteral("killed.sqlite"));
    QVERIFY(recordSynthetic(path, 100));
    const QString name = session::newConnectionName("writer");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode=WAL")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=0")));
        QVERIFY(q.exec(QStringLiteral("INSERT INTO requests SELECT headers_ns + 1, worker, pid, connection, seq, route, path, n, "
                                      "status, bytes, queue_ns, compute_ns, spawn_ns, total_ns, thread_or_task FROM requests")));
        // What the killed process left: the file and its -wal, no -shm.
        QVERIFY(QFile::copy(path, left.filePath(QStringLiteral("killed.sqlite"))));
        QVERIFY(QFile::copy(path + QStringLiteral("-wal"), left.filePath(QStringLiteral("killed.sqlite-wal"))));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    const auto before = folderDigest(left.path());
    QCOMPARE(before.size(), 2);
    SessionSummary s;
    QString error;
    QVERIFY2(readSession(left.filePath(QStringLiteral("killed.sqlite")), &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(200)); // the batches in the -wal count
    QCOMPARE(folderDigest(left.path()), before);
}

void TestSession::aReadCanBeCancelled()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    QVERIFY(recordSynthetic(path, 1000));
    SessionSummary s;
    QString error;
    QVERIFY(!readSession(path, &s, &error, []() { return true; }));
    QVERIFY2(error.contains(QStringLiteral("cancelled")), qPrintable(error));
    QCOMPARE(s.requests, quint64(0));
}

void TestSession::aLockedSessionSaysSo()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    QVERIFY(recordSynthetic(path, 100));
    const QString name = session::newConnectionName("locker");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        SessionSummary s;
        QString error;
        QVERIFY(!readSession(path, &s, &error));
        QVERIFY2(error.contains(QStringLiteral("locked by another program")), qPrintable(error));
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
        // Once the other program is done, it opens.
        QVERIFY2(readSession(path, &s, &error), qPrintable(error));
        QCOMPARE(s.requests, quint64(100));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

void TestSession::theQueueIsBounded()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    SessionRecorder rec;
    SessionRecorder::Options o;
    o.maxQueued = 100;
    QString error;
    QVERIFY(rec.start(path, o, &error));
    rec.setPausedForTest(true);
    for (int i = 0; i < 150; ++i)
        rec.addRecord(syntheticRecord(0, i));
    QCOMPARE(rec.dropped(), quint64(50)); // the 101st on: dropped and counted
    rec.setPausedForTest(false);
    rec.finish();
    QCOMPARE(rec.requestsWritten(), quint64(100));
    SessionSummary s;
    QVERIFY2(readSession(path, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(100));
}

void TestSession::aFullDiskOrTheLimitStopsRecordingAndKeepsWhatWasWritten()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("a.sqlite"));
    SessionRecorder rec;
    SessionRecorder::Options o;
    o.maxBytes = 1 << 20; // a 1 MiB limit: the same SQLITE_FULL as a full disk
    QString error;
    QVERIFY(rec.start(path, o, &error));
    QSignalSpy stopped(&rec, &SessionRecorder::stopped);
    QSignalSpy flushed(this, &QObject::objectNameChanged);
    int i = 0;
    // A batch at a time, until the writer says it stopped.
    while (stopped.isEmpty() && i < 2000000) {
        for (int k = 0; k < 2000; ++k, ++i)
            rec.addRecord(syntheticRecord(0, i));
        rec.flush(this, [this](const QString&) { setObjectName(QString::number(objectName().toInt() + 1)); });
        QVERIFY(flushed.wait(10000));
    }
    QVERIFY(stopped.count() == 1 || stopped.wait(10000));
    const QString reason = stopped.constFirst().constFirst().toString();
    QVERIFY2(reason.contains(QStringLiteral("reached its size limit of 1 MiB, or the disk is full")), qPrintable(reason));
    QVERIFY2(reason.contains(QStringLiteral("what was recorded before is kept")), qPrintable(reason));
    QVERIFY(!rec.isRecording());
    const quint64 written = rec.requestsWritten();
    QVERIFY(written > 0);
    // The run goes on: later records are counted as dropped, nothing blocks.
    const quint64 droppedBefore = rec.dropped();
    rec.addRecord(syntheticRecord(0, i));
    QCOMPARE(rec.dropped(), droppedBefore + 1);
    rec.finish();
    SessionSummary s;
    QVERIFY2(readSession(path, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, written); // every committed batch is there, whole
    QCOMPARE(written + rec.dropped(), quint64(i) + 1);
}

void TestSession::aCopyIsACompleteSession()
{
    QTemporaryDir dir;
    const QString live = dir.filePath(QStringLiteral("live.sqlite"));
    const QString copy = dir.filePath(QStringLiteral("saved it's.sqlite"));
    SessionRecorder rec;
    QString error;
    QVERIFY(rec.start(live, {}, &error));
    for (int i = 0; i < 1000; ++i)
        rec.addRecord(syntheticRecord(0, i));
    QSignalSpy done(this, &QObject::objectNameChanged);
    rec.saveCopy(copy, this, [this](const QString& e) { setObjectName(e.isEmpty() ? QStringLiteral("ok") : e); });
    QVERIFY(done.wait(10000));
    QCOMPARE(objectName(), QStringLiteral("ok"));
    // Recording goes on into the live file; the copy stands alone.
    rec.addRecord(syntheticRecord(0, 1000));
    rec.finish();
    QVERIFY(!QFile::exists(copy + QStringLiteral("-wal")));
    SessionSummary s;
    QVERIFY2(readSession(copy, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(1000));
    QVERIFY2(readSession(live, &s, &error), qPrintable(error));
    QCOMPARE(s.requests, quint64(1001));
}

void TestSession::aRecordedLoadTestReconcilesPerWorker()
{
    ClusterConfig c;
    c.workers = 2;
    c.port = 0;
    c.poolThreads = 1;
    c.maxChildren = 2;
    Cluster cluster(c);
    QSignalSpy ready(&cluster, &Cluster::allListening);
    QString error;
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY(ready.wait(20000));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("run.sqlite"));
    SessionRecorder rec;
    QVERIFY(rec.start(path, {}, &error));
    cluster.telemetry()->setKeepRecords(false);
    cluster.telemetry()->setRecordSink([&rec](const StoredRecord& r) { rec.addRecord(r); });
    cluster.telemetry()->setSampleSink([&rec](int i, qint64 pid, const WorkerSample& s) { rec.addSample(i, pid, s); });
    LoadGenerator g;
    LoadConfig lc;
    lc.host = QStringLiteral("127.0.0.1");
    lc.port = cluster.port();
    lc.routes = { RouteWeight { "/", 3 }, RouteWeight { "/worker?n=15", 1 } };
    lc.requests = 20000;
    lc.connections = 8;
    lc.keepAlive = false; // new connections: both workers serve
    lc.keepRecords = false;
    const int test = rec.beginLoadTest(QStringLiteral("embedded"), {}, { QStringLiteral("/"), QStringLiteral("/worker?n=15") });
    g.setRecordSink([&rec, test](const LoadRecord& r) { rec.addLoadRecord(test, r); });
    QSignalSpy done(&g, &LoadGenerator::finished);
    QVERIFY(g.start(lc, &error));
    QVERIFY(done.wait(120000));
    const LoadSummary summary = done.constFirst().constFirst().value<LoadSummary>();
    QCOMPARE(summary.succeeded, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(cluster.telemetry()->snapshot()->totalRecords, quint64(20000), 20000);
    const auto live = cluster.telemetry()->snapshot();
    rec.finish();
    QCOMPARE(rec.dropped(), quint64(0));
    SessionSummary s;
    QVERIFY2(readSession(path, &s, &error), qPrintable(error));
    // No record lost: the rows equal the requests served, worker by worker,
    // and the client's view agrees with the server's.
    QCOMPARE(s.requests, quint64(20000));
    QCOMPARE(s.loadRequests, quint64(20000));
    QCOMPARE(s.counts, live->counts);
    QHash<qint64, std::int64_t> byPid;
    for (auto it = s.counts.cbegin(); it != s.counts.cend(); ++it) {
        std::int64_t total = 0;
        for (const auto& byPath : it.value())
            for (std::uint64_t v : byPath)
                total += static_cast<std::int64_t>(v);
        byPid[s.lastPid.value(it.key())] += total;
    }
    for (auto it = summary.perWorker.cbegin(); it != summary.perWorker.cend(); ++it)
        QCOMPARE(byPid.value(it.key()), it.value());
    QVERIFY(s.samples > 0);
    for (int r = 0; r < kRouteCount; ++r)
        QCOMPARE(s.latency[static_cast<std::size_t>(r)].totalCount(), live->latencyAll[static_cast<std::size_t>(r)].totalCount());
}

void TestSession::comparisonGivesTheRatios()
{
    QTemporaryDir dir;
    const QString a = dir.filePath(QStringLiteral("a.sqlite"));
    const QString b = dir.filePath(QStringLiteral("b.sqlite"));
    // A: /main at 1 ms, one every 1 ms; B: /main at 3 ms, one every 2 ms.
    for (const auto& [path, latencyTicks, gapNs] : { std::tuple { a, 10000u, 1000000LL }, std::tuple { b, 30000u, 2000000LL } }) {
        SessionRecorder rec;
        QString error;
        QVERIFY(rec.start(path, {}, &error));
        for (int i = 0; i <= 1000; ++i) {
            StoredRecord r = syntheticRecord(0, 1);
            r.headersNs = gapNs * i;
            r.written = latencyTicks;
            r.status = 200;
            rec.addRecord(r);
        }
        rec.finish();
    }
    SessionSummary sa, sb;
    QString error;
    QVERIFY2(readSession(a, &sa, &error), qPrintable(error));
    QVERIFY2(readSession(b, &sb, &error), qPrintable(error));
    const SessionComparison c = SessionComparison::of(sa, sb);
    QCOMPARE(c.rows.size(), 1);
    const SessionComparison::Row& row = c.rows.constFirst();
    QCOMPARE(row.route, QStringLiteral("/main"));
    QCOMPARE(row.a.count, quint64(1001));
    QVERIFY2(qAbs(row.p50Ratio - 3.0) < 0.03, qPrintable(QString::number(row.p50Ratio)));
    QVERIFY2(qAbs(row.p99Ratio - 3.0) < 0.03, qPrintable(QString::number(row.p99Ratio)));
    // A served 1001 in 1.001 s, B 1001 in 2.003 s: B/A = 0.4998.
    QVERIFY2(qAbs(row.throughputRatio - 1.001 / 2.003) < 0.001, qPrintable(QString::number(row.throughputRatio)));
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
