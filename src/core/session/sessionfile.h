// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QSqlDatabase;
class QSqlQuery;
class QTemporaryDir;
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

// A session is a file users hand to each other: untrusted input. How one
// is opened for reading (docs/RELIABILITY.md, "Sessions from anyone"):
struct ReadOptions
{
    // The window's own temporary session, which its recorder is writing:
    // opened in place (read-only, with SQLite's locking), not copied.
    bool ownLiveSession = false;
    std::function<bool()> cancelled; // polled by SQLite's progress handler; may be empty
    qint64 statementLimitMs = 10 * 60 * 1000; // any one statement running longer is ended
};

// What the progress handler looks at while a session is read: the caller's
// cancel flag and the time the current statement has run. One per open
// session; SQLite's thread only.
class ReadGuard
{
public:
    explicit ReadGuard(const ReadOptions& options)
        : m_cancelled(options.cancelled)
        , m_limitMs(options.statementLimitMs)
    {
        m_clock.start();
    }
    void startStatement() { m_clock.restart(); }
    // True (and remembered) when the statement must end now.
    bool shouldStop();
    // Why the last statement was ended, or empty.
    QString reason() const;

private:
    std::function<bool()> m_cancelled;
    qint64 m_limitMs;
    QElapsedTimer m_clock;
    int m_stopped = 0; // 1 cancelled, 2 over time
};

// What stays alive while a session is read: the private copy when one was
// made (a WAL-mode session with its -wal beside it, or a rollback journal
// left by a crash: both are read from a copy, so their last batches count
// and the original is untouched), and the guard.
struct OpenedSession
{
    OpenedSession();
    ~OpenedSession();
    OpenedSession(OpenedSession&&) noexcept;
    OpenedSession& operator=(OpenedSession&&) noexcept;
    std::unique_ptr<QTemporaryDir> privateCopy;
    std::unique_ptr<ReadGuard> guard;
    bool immutable = false; // opened with immutable=1 (nothing can be created beside it)
    bool hardened = false;  // SQLite's defensive mode, trusted_schema off, progress handler, length limits
};

// Opens `path` read-only on a connection of this thread's own and checks
// that it is a session this build can read: an SQLite file whose meta says
// clusterlab-session in a version this build reads (a whole number), whose
// tables the reader uses are real tables with their columns (no view,
// virtual table or generated column in their place, no trigger at all), and
// whose pages all check. False with a one-line reason for the user: no such
// file, not an SQLite database, not a session, a newer session, damaged,
// locked by another program, or built to mislead the reader. Nothing on disk
// changes either way, and nothing is created beside it.
bool openForReading(const QString& path, const QString& connectionName, QSqlDatabase* db, QString* error,
                    OpenedSession* opened, const ReadOptions& options = {});

// Runs `sql` on `q` as one guarded statement (its time counted from now).
bool execGuarded(QSqlQuery& q, const QString& sql, const OpenedSession& opened);

// The tables the reader uses, each with the columns it reads.
struct TableShape
{
    const char* name;
    QStringList columns;
};
const QList<TableShape>& readTables();

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
