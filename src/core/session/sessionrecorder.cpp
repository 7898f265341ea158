// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionrecorder.h"

#include "sessionfile.h"

#include "cluster/engine.h"
#include "cluster/clusterevent.h"
#include "server/distributionpolicy.h"
#include "compute/clock.h"
#include "platform/processplatform.h"
#include "version.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMetaObject>
#include <QPointer>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace clusterlab {

// The writer thread's side: its connection and prepared statements.
class SessionWriter
{
public:
    SessionWriter(SessionRecorder* owner, QSqlDatabase db)
        : m_owner(owner)
        , m_db(std::move(db))
    {
    }

    QSqlDatabase& db() { return m_db; }
    SessionRecorder* owner() const { return m_owner; }

    // Runs one statement; false (and the error kept) when it fails.
    bool exec(const QString& sql)
    {
        QSqlQuery q(m_db);
        if (q.exec(sql))
            return true;
        m_error = q.lastError();
        return false;
    }

    // Rows go in with multi-row INSERTs of kRows rows (one statement step
    // for 64 rows), the rest one by one.
    static constexpr int kRows = 64;
    template <typename Row, typename Bind>
    bool insert(const QString& table, int columns, const std::vector<Row>& rows, Bind bind)
    {
        if (rows.empty())
            return true;
        Statement& bulk = statement(table, columns, kRows);
        Statement& one = statement(table, columns, 1);
        std::size_t i = 0;
        for (; i + kRows <= rows.size(); i += kRows) {
            for (int k = 0; k < kRows; ++k)
                bind(*bulk.query, k * columns, rows[i + static_cast<std::size_t>(k)]);
            if (!bulk.query->exec()) {
                m_error = bulk.query->lastError();
                return false;
            }
        }
        for (; i < rows.size(); ++i) {
            bind(*one.query, 0, rows[i]);
            if (!one.query->exec()) {
                m_error = one.query->lastError();
                return false;
            }
        }
        return true;
    }

    QString errorText() const
    {
        const QString t = m_error.databaseText().isEmpty() ? m_error.text() : m_error.databaseText();
        if (t.contains(QLatin1String("full"))) {
            const qint64 limit = m_owner->m_options.maxBytes;
            return limit > 0 ? QObject::tr("the session reached its size limit of %1 MiB, or the disk is full (%2)")
                                   .arg(limit / (1024 * 1024))
                                   .arg(t)
                             : QObject::tr("the disk is full (%1)").arg(t);
        }
        return t;
    }

    void clearStatements() { m_statements.clear(); }

private:
    struct Statement
    {
        std::unique_ptr<QSqlQuery> query;
    };
    Statement& statement(const QString& table, int columns, int rows)
    {
        const QString key = table + QLatin1Char('/') + QString::number(rows);
        auto it = m_statements.find(key);
        if (it == m_statements.end()) {
            QString row = QStringLiteral("(?");
            for (int c = 1; c < columns; ++c)
                row += QStringLiteral(",?");
            row += QLatin1Char(')');
            QString sql = QStringLiteral("INSERT INTO %1 VALUES %2").arg(table, row);
            for (int r = 1; r < rows; ++r)
                sql += QLatin1Char(',') + row;
            Statement s;
            s.query = std::make_unique<QSqlQuery>(m_db);
            s.query->prepare(sql);
            it = m_statements.emplace(key, std::move(s)).first;
        }
        return it->second;
    }

    SessionRecorder* m_owner;
    QSqlDatabase m_db;
    QSqlError m_error;
    std::map<QString, Statement> m_statements;
};

namespace {

QString quoted(const QString& s)
{
    QString q = s;
    q.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + q + QLatin1Char('\'');
}

void bindRecord(QSqlQuery& q, int at, const StoredRecord& r)
{
    constexpr qint64 tick = 100; // StoredRecord times are 100 ns ticks
    const qint64 queue = (r.path == PathId::Child ? r.queued : r.computeStart) * tick;
    const qint64 compute = r.computeEnd >= r.computeStart ? (qint64(r.computeEnd) - r.computeStart) * tick : 0;
    q.bindValue(at + 0, static_cast<qint64>(r.headersNs));
    q.bindValue(at + 1, static_cast<int>(r.workerIndex));
    q.bindValue(at + 2, static_cast<qint64>(r.pid));
    q.bindValue(at + 3, static_cast<qint64>(r.connectionId));
    q.bindValue(at + 4, static_cast<qint64>(r.requestSeq));
    q.bindValue(at + 5, static_cast<int>(r.route));
    q.bindValue(at + 6, static_cast<int>(r.path));
    q.bindValue(at + 7, r.n >= 0 ? QVariant(static_cast<int>(r.n)) : QVariant());
    q.bindValue(at + 8, static_cast<int>(r.status));
    q.bindValue(at + 9, static_cast<qint64>(r.bytes));
    q.bindValue(at + 10, queue);
    q.bindValue(at + 11, compute);
    q.bindValue(at + 12, static_cast<qint64>(r.spawn) * tick);
    q.bindValue(at + 13, static_cast<qint64>(r.written) * tick);
    q.bindValue(at + 14, static_cast<qint64>(r.threadOrTask));
}

} // namespace

void recordCluster(SessionRecorder* recorder, Engine* cluster)
{
    if (cluster->telemetry() != nullptr) {
        cluster->telemetry()->setKeepRecords(false);
        cluster->telemetry()->setRecordSink([recorder](const StoredRecord& r) { recorder->addRecord(r); });
        cluster->telemetry()->setSampleSink(
            [recorder](int i, qint64 pid, const WorkerSample& s) { recorder->addSample(i, pid, s); });
    }
    QObject::connect(cluster, &Engine::clusterEvent, recorder,
                     [recorder](const ClusterEvent& e) { recorder->addEvent(steadyNowNs(), e.toLine()); });
    // The settings, with the port the cluster took (once it listens).
    auto settings = [recorder, cluster]() {
        recorder->setMeta(QStringLiteral("settings"),
                          QString::fromUtf8(QJsonDocument(clusterSettingsJson(cluster->config(), cluster->port()))
                                                .toJson(QJsonDocument::Compact)));
    };
    settings();
    QObject::connect(cluster, &Engine::allListening, recorder, settings);
}

QJsonObject clusterSettingsJson(const ClusterConfig& config, quint16 port)
{
    const ClusterConfig c = config.resolved();
    return QJsonObject {
        { QStringLiteral("policy"), policyName(c.policy) },
        { QStringLiteral("workers"), c.workers },
        { QStringLiteral("port"), port },
        { QStringLiteral("poolThreads"), c.poolThreads },
        { QStringLiteral("maxChildren"), c.maxChildren },
        { QStringLiteral("telemetry"), c.telemetry },
    };
}

SessionRecorder::SessionRecorder(QObject* parent)
    : QObject(parent)
{
}

SessionRecorder::~SessionRecorder()
{
    finish();
}

QString SessionRecorder::failure() const
{
    const std::lock_guard<std::mutex> lock(m_lock);
    return m_failure;
}

bool SessionRecorder::start(const QString& path, const Options& options, QString* error)
{
    if (m_thread != nullptr) {
        *error = tr("already recording into %1").arg(m_path);
        return false;
    }
    const QFileInfo info(path);
    const QFileInfo dir(info.absolutePath());
    if (!dir.isDir() || !dir.isWritable()) {
        *error = tr("cannot write a session in %1: the folder does not exist or is not writable").arg(info.absolutePath());
        return false;
    }
    if (info.isDir()) {
        *error = tr("%1 is a folder").arg(path);
        return false;
    }
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        *error = tr("Qt's SQLite driver (QSQLITE) is not installed (Debian: libqt6sql6-sqlite)");
        return false;
    }
    for (const QString& suffix : { QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal") })
        QFile::remove(path + suffix);
    m_path = path;
    m_options = options;
    m_failed = false;
    m_failure.clear();
    m_stop = false;
    m_thread = QThread::create([this]() { run(); });
    m_thread->setObjectName(QStringLiteral("session writer"));
    m_thread->start();
    return true;
}

void SessionRecorder::finish()
{
    if (m_thread == nullptr)
        return;
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        m_stop = true;
        m_paused = false;
    }
    m_wake.notify_all();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void SessionRecorder::setPausedForTest(bool paused)
{
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        m_paused = paused;
    }
    m_wake.notify_all();
}

void SessionRecorder::addRecord(const StoredRecord& r)
{
    const std::lock_guard<std::mutex> lock(m_lock);
    if (m_failed.load() || m_pending.records.size() >= static_cast<std::size_t>(m_options.maxQueued)) {
        ++m_dropped;
        return;
    }
    m_pending.records.push_back(r);
}

void SessionRecorder::addSample(int worker, qint64 pid, const WorkerSample& s)
{
    const std::lock_guard<std::mutex> lock(m_lock);
    if (m_failed.load() || m_pending.samples.size() >= static_cast<std::size_t>(m_options.maxQueued)) {
        ++m_dropped;
        return;
    }
    m_pending.samples.push_back({ worker, pid, s });
}

void SessionRecorder::addEvent(std::int64_t tNs, const QString& text)
{
    const std::lock_guard<std::mutex> lock(m_lock);
    if (m_failed.load() || m_pending.events.size() >= static_cast<std::size_t>(m_options.maxQueued)) {
        ++m_dropped;
        return;
    }
    m_pending.events.push_back({ tNs, text });
}

void SessionRecorder::addLoadRecord(int loadTest, const LoadRecord& r)
{
    const std::lock_guard<std::mutex> lock(m_lock);
    if (m_failed.load() || m_pending.loadRecords.size() >= static_cast<std::size_t>(m_options.maxQueued)) {
        ++m_dropped;
        return;
    }
    m_pending.loadRecords.push_back({ loadTest, r });
}

void SessionRecorder::post(std::function<void(SessionWriter&)> op)
{
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        m_pending.ops.push_back(std::move(op));
    }
}

int SessionRecorder::beginLoadTest(const QString& target, const QJsonObject& config, const QStringList& routes)
{
    const int id = m_nextLoadTest++;
    const std::int64_t now = steadyNowNs();
    const QString json = QString::fromUtf8(QJsonDocument(config).toJson(QJsonDocument::Compact));
    post([id, now, target, json, routes](SessionWriter& w) {
        QSqlQuery q(w.db());
        q.prepare(QStringLiteral("INSERT INTO load_tests (id, started_ns, target, config) VALUES (?, ?, ?, ?)"));
        q.addBindValue(id);
        q.addBindValue(static_cast<qint64>(now));
        q.addBindValue(target);
        q.addBindValue(json);
        q.exec();
        for (int i = 0; i < routes.size(); ++i) {
            QSqlQuery r(w.db());
            r.prepare(QStringLiteral("INSERT INTO load_routes VALUES (?, ?, ?)"));
            r.addBindValue(id);
            r.addBindValue(i);
            r.addBindValue(routes[i]);
            r.exec();
        }
    });
    return id;
}

void SessionRecorder::endLoadTest(int loadTest, const QJsonObject& summary)
{
    const QString json = QString::fromUtf8(QJsonDocument(summary).toJson(QJsonDocument::Compact));
    post([loadTest, json](SessionWriter& w) {
        QSqlQuery q(w.db());
        q.prepare(QStringLiteral("UPDATE load_tests SET summary = ? WHERE id = ?"));
        q.addBindValue(json);
        q.addBindValue(loadTest);
        q.exec();
    });
}

void SessionRecorder::addExperiments(const QJsonObject& report)
{
    const QString json = QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Compact));
    const QString taken = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    post([json, taken](SessionWriter& w) {
        QSqlQuery q(w.db());
        q.prepare(QStringLiteral("INSERT INTO experiments (taken_utc, report) VALUES (?, ?)"));
        q.addBindValue(taken);
        q.addBindValue(json);
        q.exec();
    });
}

void SessionRecorder::setMeta(const QString& key, const QString& value)
{
    post([key, value](SessionWriter& w) {
        QSqlQuery q(w.db());
        q.prepare(QStringLiteral("INSERT OR REPLACE INTO meta VALUES (?, ?)"));
        q.addBindValue(key);
        q.addBindValue(value);
        q.exec();
    });
}

void SessionRecorder::flush(QObject* context, std::function<void(const QString&)> done)
{
    QPointer<QObject> guard(context);
    post([guard, done](SessionWriter& w) {
        const QString failure = w.owner()->failure();
        QMetaObject::invokeMethod(
            guard.data() != nullptr ? guard.data() : QCoreApplication::instance(),
            [guard, done, failure]() {
                if (guard)
                    done(failure);
            },
            Qt::QueuedConnection);
    });
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        m_flushNow = true;
    }
    m_wake.notify_all();
}

void SessionRecorder::saveCopy(const QString& path, QObject* context, std::function<void(const QString&)> done)
{
    QPointer<QObject> guard(context);
    post([path, guard, done](SessionWriter& w) {
        QString error = w.owner()->failure();
        QFile::remove(path);
        if (error.isEmpty() && !w.exec(QStringLiteral("VACUUM INTO ") + quoted(path)))
            error = QObject::tr("cannot save %1: %2").arg(path, w.errorText());
        if (error.isEmpty()) {
            // The copy as one self-contained file (no write-ahead log).
            const QString name = session::newConnectionName("copy");
            {
                QSqlDatabase copy = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
                copy.setDatabaseName(path);
                if (!copy.open() || !QSqlQuery(copy).exec(QStringLiteral("PRAGMA journal_mode=DELETE")))
                    error = QObject::tr("cannot finish %1: %2").arg(path, copy.lastError().text());
                copy.close();
            }
            QSqlDatabase::removeDatabase(name);
        }
        QMetaObject::invokeMethod(
            guard.data() != nullptr ? guard.data() : QCoreApplication::instance(),
            [guard, done, error]() {
                if (guard)
                    done(error);
            },
            Qt::QueuedConnection);
    });
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        m_flushNow = true;
    }
    m_wake.notify_all();
}

void SessionRecorder::fail(const QString& reason)
{
    {
        const std::lock_guard<std::mutex> lock(m_lock);
        if (m_failed.load())
            return;
        m_failure = reason;
        m_failed = true;
        // What was queued is not going to be written.
        m_dropped += m_pending.records.size() + m_pending.samples.size() + m_pending.events.size()
            + m_pending.loadRecords.size();
        m_pending.records.clear();
        m_pending.samples.clear();
        m_pending.events.clear();
        m_pending.loadRecords.clear();
    }
    QMetaObject::invokeMethod(this, [this, reason]() { Q_EMIT stopped(reason); }, Qt::QueuedConnection);
}

void SessionRecorder::run()
{
    // The writer yields to the window's thread when the machine is busy; its
    // queue absorbs the difference (bounded, drops counted).
    platform::lowerCurrentThreadPriority();
    session::noteDatabaseThread();
    const QString name = session::newConnectionName("writer");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_path);
        bool ok = db.open();
        SessionWriter w(this, db);
        if (!ok)
            fail(tr("cannot create %1: %2").arg(m_path, db.lastError().text()));
        // Write-ahead log while recording (a commit costs no fsync; readers
        // never wait), folded back into the one file by finish().
        ok = ok && w.exec(QStringLiteral("PRAGMA journal_mode=WAL")) && w.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
        if (ok && m_options.maxBytes > 0) {
            QSqlQuery pageSize(db);
            ok = pageSize.exec(QStringLiteral("PRAGMA page_size")) && pageSize.next();
            const qint64 pages = std::max<qint64>(16, m_options.maxBytes / std::max(512, pageSize.value(0).toInt()));
            ok = ok && w.exec(QStringLiteral("PRAGMA max_page_count=%1").arg(pages));
        }
        if (ok) {
            ok = db.transaction();
            for (const QString& sql : session::schemaStatements())
                ok = ok && w.exec(sql);
            const QList<QPair<QString, QString>> meta {
                { QStringLiteral("format"), QString::fromLatin1(session::kFormat) },
                { QStringLiteral("version"), QString::number(session::kVersion) },
                { QStringLiteral("created_utc"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) },
                { QStringLiteral("origin_ns"), QString::number(steadyNowNs()) },
                { QStringLiteral("app_version"), QStringLiteral(CLUSTERLAB_VERSION) },
                { QStringLiteral("qt_version"), QString::fromLatin1(qVersion()) },
                { QStringLiteral("source"), m_options.source },
                { QStringLiteral("machine"), QString::fromUtf8(QJsonDocument(m_options.machine).toJson(QJsonDocument::Compact)) },
                { QStringLiteral("settings"), QString::fromUtf8(QJsonDocument(m_options.settings).toJson(QJsonDocument::Compact)) },
            };
            for (const auto& [key, value] : meta)
                ok = ok && w.exec(QStringLiteral("INSERT INTO meta VALUES (%1, %2)").arg(quoted(key), quoted(value)));
            ok = ok && db.commit();
            if (!ok) {
                db.rollback();
                fail(tr("cannot create the session %1: %2").arg(m_path, w.errorText()));
            }
        }
        for (;;) {
            Batch batch;
            bool stopping = false;
            {
                std::unique_lock<std::mutex> lock(m_lock);
                m_wake.wait_for(lock, std::chrono::milliseconds(m_options.flushMs),
                                [this]() { return m_stop || (m_flushNow && !m_paused); });
                stopping = m_stop;
                if (m_paused && !stopping)
                    continue;
                m_flushNow = false;
                std::swap(batch, m_pending);
            }
            if (!m_failed.load() && (!batch.records.empty() || !batch.samples.empty() || !batch.events.empty()
                                     || !batch.loadRecords.empty())) {
                bool written = db.transaction();
                written = written && w.insert(QStringLiteral("requests"), 15, batch.records, bindRecord);
                written = written
                    && w.insert(QStringLiteral("worker_samples"), 11, batch.samples, [](QSqlQuery& q, int at, const SampleRow& r) {
                           q.bindValue(at + 0, static_cast<qint64>(r.s.t));
                           q.bindValue(at + 1, r.worker);
                           q.bindValue(at + 2, r.pid);
                           q.bindValue(at + 3, static_cast<qint64>(r.s.lagMaxUs));
                           q.bindValue(at + 4, static_cast<qint64>(r.s.lagMeanUs));
                           q.bindValue(at + 5, static_cast<qint64>(r.s.cpuUs));
                           q.bindValue(at + 6, static_cast<qint64>(r.s.rssKiB));
                           q.bindValue(at + 7, r.s.inFlight);
                           q.bindValue(at + 8, r.s.poolBusy);
                           q.bindValue(at + 9, r.s.tasks);
                           q.bindValue(at + 10, r.s.connections);
                       });
                written = written
                    && w.insert(QStringLiteral("events"), 2, batch.events,
                                [](QSqlQuery& q, int at, const QPair<std::int64_t, QString>& e) {
                                    q.bindValue(at + 0, static_cast<qint64>(e.first));
                                    q.bindValue(at + 1, e.second);
                                });
                written = written
                    && w.insert(QStringLiteral("load_requests"), 13, batch.loadRecords, [](QSqlQuery& q, int at, const LoadRow& l) {
                           const LoadRecord& r = l.r;
                           q.bindValue(at + 0, l.loadTest);
                           q.bindValue(at + 1, static_cast<int>(r.route));
                           q.bindValue(at + 2, static_cast<qint64>(r.clientConnection));
                           q.bindValue(at + 3, static_cast<qint64>(r.intendedNs));
                           q.bindValue(at + 4, static_cast<qint64>(r.startNs));
                           q.bindValue(at + 5, static_cast<qint64>(r.connectNs));
                           q.bindValue(at + 6, static_cast<qint64>(r.firstByteNs));
                           q.bindValue(at + 7, static_cast<qint64>(r.endNs));
                           q.bindValue(at + 8, static_cast<int>(r.status));
                           q.bindValue(at + 9, static_cast<qint64>(r.bytes));
                           q.bindValue(at + 10, static_cast<qint64>(r.workerPid));
                           q.bindValue(at + 11, static_cast<qint64>(r.serverConnectionId));
                           q.bindValue(at + 12, static_cast<int>(r.error));
                       });
                written = written && db.commit();
                if (written) {
                    m_requestsWritten += batch.records.size();
                    m_loadWritten += batch.loadRecords.size();
                } else {
                    const QString why = w.errorText();
                    db.rollback();
                    m_dropped += batch.records.size() + batch.samples.size() + batch.events.size() + batch.loadRecords.size();
                    fail(tr("recording into %1 stopped: %2. The run goes on; what was recorded before is kept.")
                             .arg(QFileInfo(m_path).fileName(), why));
                }
            }
            // Statements (load tests, experiments, meta: a few rows each,
            // autocommitted) and callbacks, in the order they were asked for.
            for (auto& op : batch.ops)
                op(w);
            if (stopping)
                break;
        }
        w.clearStatements();
        // One self-contained file: the log goes back into it.
        if (db.isOpen())
            w.exec(QStringLiteral("PRAGMA journal_mode=DELETE"));
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace clusterlab
