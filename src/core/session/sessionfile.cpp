// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionfile.h"

#include "server/requestrecord.h"

#include <QAtomicInteger>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QTemporaryDir>
#include <QUrl>
#include <QJsonDocument>
#include <QMutex>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#if defined(CLUSTERLAB_SQLITE_API)
#include <sqlite3.h>
#endif

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

bool ReadGuard::shouldStop()
{
    if (m_stopped == 0 && m_cancelled && m_cancelled())
        m_stopped = 1;
    if (m_stopped == 0 && m_limitMs > 0 && m_clock.elapsed() > m_limitMs)
        m_stopped = 2;
    return m_stopped != 0;
}

QString ReadGuard::reason() const
{
    if (m_stopped == 1)
        return QObject::tr("cancelled");
    if (m_stopped == 2)
        return QObject::tr("a query ran past the %1 s limit for one statement (a session this program wrote reads faster)")
            .arg(m_limitMs / 1000.0);
    return {};
}

OpenedSession::OpenedSession() = default;
OpenedSession::~OpenedSession() = default;
OpenedSession::OpenedSession(OpenedSession&&) noexcept = default;
OpenedSession& OpenedSession::operator=(OpenedSession&&) noexcept = default;

const QList<TableShape>& readTables()
{
    static const QList<TableShape> tables {
        { "meta", { QStringLiteral("key"), QStringLiteral("value") } },
        { "requests",
          { QStringLiteral("headers_ns"), QStringLiteral("worker"), QStringLiteral("pid"), QStringLiteral("connection"),
            QStringLiteral("seq"), QStringLiteral("route"), QStringLiteral("path"), QStringLiteral("n"), QStringLiteral("status"),
            QStringLiteral("bytes"), QStringLiteral("queue_ns"), QStringLiteral("compute_ns"), QStringLiteral("spawn_ns"),
            QStringLiteral("total_ns"), QStringLiteral("thread_or_task") } },
        { "worker_samples",
          { QStringLiteral("t_ns"), QStringLiteral("worker"), QStringLiteral("pid"), QStringLiteral("lag_max_us"),
            QStringLiteral("lag_mean_us"), QStringLiteral("cpu_us"), QStringLiteral("rss_kib"), QStringLiteral("in_flight"),
            QStringLiteral("pool_busy"), QStringLiteral("tasks"), QStringLiteral("connections") } },
        { "events", { QStringLiteral("t_ns"), QStringLiteral("text") } },
        { "load_tests", { QStringLiteral("id"), QStringLiteral("target"), QStringLiteral("config"), QStringLiteral("summary") } },
        { "load_routes", { QStringLiteral("load_test"), QStringLiteral("idx"), QStringLiteral("path") } },
        { "load_requests",
          { QStringLiteral("load_test"), QStringLiteral("route"), QStringLiteral("intended_ns"), QStringLiteral("start_ns"),
            QStringLiteral("end_ns"), QStringLiteral("status"), QStringLiteral("error") } },
        { "experiments", { QStringLiteral("id"), QStringLiteral("report") } },
    };
    return tables;
}

bool execGuarded(QSqlQuery& q, const QString& sql, const OpenedSession& opened)
{
    if (opened.guard)
        opened.guard->startStatement();
    return q.exec(sql);
}

namespace {

#if defined(CLUSTERLAB_SQLITE_API)
int progressHandler(void* guard)
{
    return static_cast<ReadGuard*>(guard)->shouldStop() ? 1 : 0;
}
#endif

// SQLite's own defences on Qt's connection, where the driver uses the same
// SQLite library as this build (Debian's does; a Qt with its own copy
// inside the plugin would not: then only trusted_schema=OFF applies).
bool harden(QSqlDatabase& db, ReadGuard* guard)
{
    QSqlQuery q(db);
    q.exec(QStringLiteral("PRAGMA trusted_schema=OFF"));
#if defined(CLUSTERLAB_SQLITE_API)
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return false;
    sqlite3* handle = *static_cast<sqlite3* const*>(v.constData());
    if (handle == nullptr || !q.exec(QStringLiteral("SELECT sqlite_version()")) || !q.next()
        || q.value(0).toString() != QLatin1String(sqlite3_libversion()))
        return false;
    q.finish();
    sqlite3_db_config(handle, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(handle, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    // No value the app writes comes near these (an experiments report is a
    // few hundred KiB): a zeroblob or a giant string in a file is refused.
    sqlite3_limit(handle, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
    sqlite3_limit(handle, SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024);
    sqlite3_progress_handler(handle, 10000, &progressHandler, guard);
    return true;
#else
    Q_UNUSED(guard);
    return false;
#endif
}

// The file's first 100 bytes: its SQLite header, or empty.
QByteArray sqliteHeader(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QByteArray h = f.read(100);
    return h.size() == 100 && h.startsWith(QByteArray("SQLite format 3\0", 16)) ? h : QByteArray();
}

bool nonEmptyFile(const QString& path)
{
    const QFileInfo i(path);
    return i.exists() && i.size() > 0;
}

QString uriOf(const QString& path)
{
    return QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()).toString(QUrl::FullyEncoded)
        + QStringLiteral("?mode=ro&immutable=1");
}

// Every object the reader uses is a real table with the columns it reads;
// no trigger anywhere. A view in a table's place (an endless recursive one
// hung the reader; a zeroblob one took 1.7 GiB) is refused before any read.
bool checkShape(QSqlDatabase& db, const QString& name, const OpenedSession& opened, QString* error)
{
    QSqlQuery q(db);
    QHash<QString, QPair<QString, QString>> objects; // name -> (type, sql)
    if (!execGuarded(q, QStringLiteral("SELECT type, name, sql FROM sqlite_master"), opened))
        return false;
    while (q.next()) {
        const QString type = q.value(0).toString();
        if (type == QLatin1String("trigger")) {
            *error = QObject::tr("%1 is not a session this program wrote: it holds a trigger (%2)").arg(name, q.value(1).toString().left(64));
            return false;
        }
        objects.insert(q.value(1).toString().toLower(), { type, q.value(2).toString() });
        if (objects.size() > 10000) {
            *error = QObject::tr("%1 is not a session this program wrote: more than 10,000 schema objects").arg(name);
            return false;
        }
    }
    for (const TableShape& t : readTables()) {
        const QString table = QLatin1String(t.name);
        const auto it = objects.constFind(table);
        if (it == objects.constEnd()) {
            *error = QObject::tr("%1 is not a complete session: it has no %2 table").arg(name, table);
            return false;
        }
        if (it->first != QLatin1String("table") || it->second.simplified().startsWith(QLatin1String("CREATE VIRTUAL"), Qt::CaseInsensitive)) {
            *error = QObject::tr("%1 is not a session this program wrote: %2 is a %3, not a table")
                         .arg(name, table, it->first == QLatin1String("table") ? QObject::tr("virtual table") : it->first);
            return false;
        }
        if (!execGuarded(q, QStringLiteral("PRAGMA table_xinfo(%1)").arg(table), opened))
            return false;
        QSet<QString> columns;
        while (q.next()) {
            if (q.value(6).toInt() != 0) { // hidden: generated (computed at every read) or a virtual table's
                *error = QObject::tr("%1 is not a session this program wrote: %2.%3 is a generated column")
                             .arg(name, table, q.value(1).toString());
                return false;
            }
            columns.insert(q.value(1).toString().toLower());
        }
        for (const QString& c : t.columns) {
            if (!columns.contains(c)) {
                *error = QObject::tr("%1 is not a session this program wrote: %2 has no column %3").arg(name, table, c);
                return false;
            }
        }
    }
    return true;
}

} // namespace

bool openForReading(const QString& path, const QString& connectionName, QSqlDatabase* db, QString* error,
                    OpenedSession* opened, const ReadOptions& options)
{
    noteDatabaseThread();
    *opened = OpenedSession();
    opened->guard = std::make_unique<ReadGuard>(options);
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
    const QByteArray header = sqliteHeader(path);
    if (header.isEmpty()) {
        *error = QObject::tr("%1 is not a ClusterLab session (not an SQLite database)").arg(info.fileName());
        return false;
    }
    const bool wal = header.at(18) == 2 || header.at(19) == 2;
    const QString walFile = path + QStringLiteral("-wal");
    const QString journalFile = path + QStringLiteral("-journal");
    QString openPath = path;
    QString connectOptions = QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=300");
    if (options.ownLiveSession) {
        // Ours, being written: SQLite's locks and WAL make the read consistent.
    } else if ((wal && QFileInfo::exists(walFile)) || (!wal && nonEmptyFile(journalFile))) {
        // Left mid-write (a killed `serve --record`, a crash): read a private
        // copy of the file and its log, which SQLite may then replay there.
        opened->privateCopy = std::make_unique<QTemporaryDir>();
        const QString copy = opened->privateCopy->filePath(QStringLiteral("session.sqlite"));
        const QString log = wal ? walFile : journalFile;
        if (!opened->privateCopy->isValid() || !QFile::copy(path, copy)
            || !QFile::copy(log, copy + (wal ? QStringLiteral("-wal") : QStringLiteral("-journal")))) {
            *error = QObject::tr("%1 was left mid-write (its %2 is beside it) and could not be copied to read it: is the "
                                 "temporary folder full?")
                         .arg(info.fileName(), QFileInfo(log).fileName());
            return false;
        }
        openPath = copy;
        connectOptions = QStringLiteral("QSQLITE_BUSY_TIMEOUT=300");
    } else {
        // First (rollback journal only) a look with SQLite's locking, which
        // says whether another program is writing it; then the read itself
        // with immutable=1, which neither locks nor creates anything beside
        // the file. A WAL-mode file with no -wal beside it has no writer (a
        // look would create -wal and -shm there).
        const QString probeName = connectionName + QStringLiteral("-probe");
        QString probeError;
        if (!wal) {
            QSqlDatabase probe = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), probeName);
            probe.setDatabaseName(path);
            probe.setConnectOptions(connectOptions);
            if (!probe.open()) {
                probeError = explain(path, probe.lastError());
            } else {
                QSqlQuery q(probe);
                if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")))
                    probeError = explain(path, q.lastError());
            }
            probe.close();
        }
        if (!wal)
            QSqlDatabase::removeDatabase(probeName);
        if (!probeError.isEmpty()) {
            *error = probeError;
            return false;
        }
        openPath = uriOf(path);
        connectOptions = QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_OPEN_URI;QSQLITE_BUSY_TIMEOUT=300");
        opened->immutable = true;
    }
    *db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db->setDatabaseName(openPath);
    db->setConnectOptions(connectOptions);
    if (!db->open()) {
        *error = explain(path, db->lastError());
        return false;
    }
    opened->hardened = harden(*db, opened->guard.get());
    QSqlQuery q(*db);
    // The first read is where SQLite finds out what the file is.
    if (!execGuarded(q, QStringLiteral("SELECT count(*) FROM sqlite_master"), *opened)) {
        *error = opened->guard->reason().isEmpty() ? explain(path, q.lastError()) : opened->guard->reason();
        return false;
    }
    QString shapeError;
    // meta first: without it this is no session at all.
    if (!execGuarded(q, QStringLiteral("SELECT type FROM sqlite_master WHERE name = 'meta'"), *opened) || !q.next()
        || q.value(0).toString() != QLatin1String("table")
        || !execGuarded(q, QStringLiteral("SELECT value FROM meta WHERE key = 'format'"), *opened) || !q.next()
        || q.value(0).toString() != QLatin1String(kFormat)) {
        *error = q.lastError().isValid() && q.lastError().databaseText().contains(QLatin1String("locked"))
            ? explain(path, q.lastError())
            : QObject::tr("%1 is an SQLite database but not a ClusterLab session (no clusterlab-session header)")
                  .arg(info.fileName());
        return false;
    }
    if (!execGuarded(q, QStringLiteral("SELECT value FROM meta WHERE key = 'version'"), *opened) || !q.next()) {
        *error = QObject::tr("%1 is not a ClusterLab session (no format version)").arg(info.fileName());
        return false;
    }
    // A whole number of at most nine digits: "4294967297" was once read as 1.
    const QString versionText = q.value(0).toString().trimmed();
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,9}$"));
    if (!digits.match(versionText).hasMatch()) {
        *error = QObject::tr("%1 has an unknown session format version (%2)").arg(info.fileName(), versionText.left(32));
        return false;
    }
    const int version = versionText.toInt();
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
    if (!checkShape(*db, info.fileName(), *opened, &shapeError)) {
        *error = !shapeError.isEmpty() ? shapeError
            : !opened->guard->reason().isEmpty() ? opened->guard->reason() : explain(path, q.lastError());
        return false;
    }
    if (options.cancelled && options.cancelled()) {
        *error = QObject::tr("cancelled");
        return false;
    }
    // A truncated or corrupt file can still answer the first pages: check
    // every page once (a read of the whole file, as fast as the disk).
    if (!execGuarded(q, QStringLiteral("PRAGMA quick_check"), *opened) || !q.next()) {
        *error = opened->guard->reason().isEmpty() ? explain(path, q.lastError()) : opened->guard->reason();
        return false;
    }
    if (q.value(0).toString() != QLatin1String("ok")) {
        *error = QObject::tr("%1 is damaged (truncated or corrupt): %2").arg(info.fileName(), q.value(0).toString().left(200));
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
