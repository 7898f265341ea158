#pragma once

#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>

class QSqlDatabase;
class QThread;

namespace clusterlab {

// A ClusterLab session: one SQLite file (docs/DATA-FORMATS.md has the
// schema) holding the settings, the machine, every request record, worker
// samples, cluster events, load tests and experiment results of one run.
namespace session {

inline constexpr char kFormat[] = "clusterlab-session";
inline constexpr int kVersion = 1; // what this build writes and the newest it reads

// The schema, statement by statement (tables, the routes and paths lookup
// tables with their rows, and the readable views).
QStringList schemaStatements();

// Opens `path` read-only on a connection of this thread's own and checks
// that it is a session this build can read. False with a one-line reason
// for the user: no such file, not an SQLite database, not a session, a
// session of a newer ClusterLab, damaged (truncated or corrupt), or locked
// by another program. Nothing on disk changes either way.
bool openForReading(const QString& path, const QString& connectionName, QSqlDatabase* db, QString* error);

// The meta table as a JSON object (values are strings; machine and
// settings are JSON text).
QJsonObject readMeta(const QSqlDatabase& db);

// Every thread that ever ran a session query in this process: the window's
// tests check that its own thread is not among them.
void noteDatabaseThread();
QSet<QThread*> databaseThreads();

// A unique connection name for QSqlDatabase (connections are per thread).
QString newConnectionName(const char* purpose);

} // namespace session
} // namespace clusterlab
