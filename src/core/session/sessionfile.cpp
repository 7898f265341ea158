#include "sessionfile.h"

#include "telemetry/requestrecord.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutex>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace clusterlab::session {

QStringList schemaStatements()
{
    QStringList s {
        // key/value: format, version, created_utc, origin_ns, app_version, qt_version, source, machine, settings
        QStringLiteral("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"),
        QStringLiteral("CREATE TABLE routes (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
        QStringLiteral("CREATE TABLE paths (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"),
        // One row per request a worker served (server side). Times in ns:
        // headers_ns on the steady clock, the rest durations.
        QStringLiteral("CREATE TABLE requests (headers_ns INTEGER NOT NULL, worker INTEGER NOT NULL, pid INTEGER NOT NULL, "
                       "connection INTEGER NOT NULL, seq INTEGER NOT NULL, route INTEGER NOT NULL, path INTEGER NOT NULL, "
                       "n INTEGER, status INTEGER NOT NULL, bytes INTEGER NOT NULL, queue_ns INTEGER NOT NULL, "
                       "compute_ns INTEGER NOT NULL, spawn_ns INTEGER NOT NULL, total_ns INTEGER NOT NULL, "
                       "thread_or_task INTEGER NOT NULL)"),
        // Each worker's health every 100 ms.
        QStringLiteral("CREATE TABLE worker_samples (t_ns INTEGER NOT NULL, worker INTEGER NOT NULL, pid INTEGER NOT NULL, "
                       "lag_max_us INTEGER NOT NULL, lag_mean_us INTEGER NOT NULL, cpu_us INTEGER NOT NULL, "
                       "rss_kib INTEGER NOT NULL, in_flight INTEGER NOT NULL, pool_busy INTEGER NOT NULL, "
                       "tasks INTEGER NOT NULL, connections INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE events (t_ns INTEGER NOT NULL, text TEXT NOT NULL)"),
        // Load tests (the window's, or `bench --session`): settings and
        // summary as JSON (the `bench --json` format), their routes, and one
        // row per request as the client saw it.
        QStringLiteral("CREATE TABLE load_tests (id INTEGER PRIMARY KEY, started_ns INTEGER NOT NULL, target TEXT NOT NULL, "
                       "config TEXT NOT NULL, summary TEXT)"),
        QStringLiteral("CREATE TABLE load_routes (load_test INTEGER NOT NULL, idx INTEGER NOT NULL, path TEXT NOT NULL, "
                       "PRIMARY KEY (load_test, idx))"),
        QStringLiteral("CREATE TABLE load_requests (load_test INTEGER NOT NULL, route INTEGER NOT NULL, "
                       "client_connection INTEGER NOT NULL, intended_ns INTEGER NOT NULL, start_ns INTEGER NOT NULL, "
                       "connect_ns INTEGER NOT NULL, first_byte_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, "
                       "status INTEGER NOT NULL, bytes INTEGER NOT NULL, worker_pid INTEGER NOT NULL, "
                       "server_connection INTEGER NOT NULL, error INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE experiments (id INTEGER PRIMARY KEY, taken_utc TEXT NOT NULL, report TEXT NOT NULL)"),
        // Readable views: names instead of ids, milliseconds instead of ns.
        QStringLiteral("CREATE VIEW request_view AS SELECT r.headers_ns, r.worker, r.pid, r.connection, r.seq, "
                       "routes.name AS route, paths.name AS path, r.n, r.status, r.bytes, r.queue_ns / 1e6 AS queue_ms, "
                       "r.compute_ns / 1e6 AS compute_ms, r.spawn_ns / 1e6 AS spawn_ms, r.total_ns / 1e6 AS total_ms, "
                       "r.thread_or_task FROM requests r JOIN routes ON routes.id = r.route JOIN paths ON paths.id = r.path"),
        QStringLiteral("CREATE VIEW load_request_view AS SELECT q.load_test, lr.path AS route, q.client_connection, "
                       "q.start_ns, (q.end_ns - q.intended_ns) / 1e6 AS latency_ms, (q.end_ns - q.start_ns) / 1e6 AS service_ms, "
                       "q.status, q.bytes, q.worker_pid, q.server_connection, q.error FROM load_requests q "
                       "JOIN load_routes lr ON lr.load_test = q.load_test AND lr.idx = q.route"),
    };
    for (int r = 0; r < kRouteCount; ++r)
        s << QStringLiteral("INSERT INTO routes VALUES (%1, '%2')").arg(r).arg(QString::fromLatin1(routeName(static_cast<RouteId>(r))));
    for (int p = 0; p < 4; ++p) {
        const QString name = QString::fromLatin1(pathIdName(static_cast<PathId>(p)));
        s << QStringLiteral("INSERT INTO paths VALUES (%1, '%2')").arg(p).arg(name.isEmpty() ? QStringLiteral("none") : name);
    }
    return s;
}

namespace {

QMutex g_threadsLock;
QSet<QThread*> g_threads;
QAtomicInteger<quint64> g_connections;

// A reason a person can act on, from SQLite's own words.
QString explain(const QString& path, const QSqlError& e)
{
    const QString text = e.databaseText().isEmpty() ? e.text() : e.databaseText();
    const QString name = QFileInfo(path).fileName();
    if (text.contains(QLatin1String("not a database")))
        return QObject::tr("%1 is not a ClusterLab session (not an SQLite database)").arg(name);
    if (text.contains(QLatin1String("locked")) || text.contains(QLatin1String("busy")))
        return QObject::tr("%1 is locked by another program; try again when it has finished with it").arg(name);
    if (text.contains(QLatin1String("malformed")) || text.contains(QLatin1String("corrupt")))
        return QObject::tr("%1 is damaged (truncated or corrupt): %2").arg(name, text);
    return QObject::tr("cannot read %1: %2").arg(name, text);
}

} // namespace

void noteDatabaseThread()
{
    QThread* t = QThread::currentThread();
    const QMutexLocker lock(&g_threadsLock);
    g_threads.insert(t);
}

QSet<QThread*> databaseThreads()
{
    const QMutexLocker lock(&g_threadsLock);
    return g_threads;
}

QString newConnectionName(const char* purpose)
{
    return QStringLiteral("clusterlab-%1-%2").arg(QLatin1String(purpose)).arg(++g_connections);
}

bool openForReading(const QString& path, const QString& connectionName, QSqlDatabase* db, QString* error)
{
    noteDatabaseThread();
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QObject::tr("%1: no such file").arg(path);
        return false;
    }
    if (!info.isFile() || !info.isReadable()) {
        *error = QObject::tr("%1 is not a readable file").arg(path);
        return false;
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        *error = QObject::tr("Qt's SQLite driver (QSQLITE) is not installed (Debian: libqt6sql6-sqlite)");
        return false;
    }
    *db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db->setDatabaseName(path);
    // Read-only: opening, checking or replaying a session writes nothing.
    db->setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=300"));
    if (!db->open()) {
        *error = explain(path, db->lastError());
        return false;
    }
    QSqlQuery q(*db);
    // The first read is where SQLite finds out what the file is.
    if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master"))) {
        *error = explain(path, q.lastError());
        return false;
    }
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'format'")) || !q.next()
        || q.value(0).toString() != QLatin1String(kFormat)) {
        *error = q.lastError().isValid() && q.lastError().databaseText().contains(QLatin1String("locked"))
            ? explain(path, q.lastError())
            : QObject::tr("%1 is an SQLite database but not a ClusterLab session (no clusterlab-session header)")
                  .arg(info.fileName());
        return false;
    }
    if (!q.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'version'")) || !q.next()) {
        *error = QObject::tr("%1 is not a ClusterLab session (no format version)").arg(info.fileName());
        return false;
    }
    const int version = q.value(0).toInt();
    if (version > kVersion) {
        *error = QObject::tr("%1 was written by a newer ClusterLab (session format %2; this version reads up to %3)")
                     .arg(info.fileName())
                     .arg(version)
                     .arg(kVersion);
        return false;
    }
    if (version < 1) {
        *error = QObject::tr("%1 has an unknown session format version (%2)").arg(info.fileName()).arg(version);
        return false;
    }
    // A truncated or corrupt file can still answer the first pages: check
    // every page once (a read of the whole file, as fast as the disk).
    if (!q.exec(QStringLiteral("PRAGMA quick_check")) || !q.next()) {
        *error = explain(path, q.lastError());
        return false;
    }
    if (q.value(0).toString() != QLatin1String("ok")) {
        *error = QObject::tr("%1 is damaged (truncated or corrupt): %2").arg(info.fileName(), q.value(0).toString());
        return false;
    }
    return true;
}

QJsonObject readMeta(const QSqlDatabase& db)
{
    noteDatabaseThread();
    QJsonObject meta;
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("SELECT key, value FROM meta"))) {
        while (q.next())
            meta.insert(q.value(0).toString(), q.value(1).toString());
    }
    return meta;
}

} // namespace clusterlab::session
