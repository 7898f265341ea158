// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessioncontroller.h"

#include "cluster/engine.h"
#include "experiment/result.h"
#include "load/loadgenerator.h"
#include "load/loadsummaryformat.h"
#include "platform/processplatform.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>
#include <QtConcurrent>

#include <algorithm>

#if defined(Q_OS_UNIX)
#include <unistd.h>
#endif

namespace clusterlab {

namespace {

// Runs `work` on Qt's thread pool and `done` back on `context`'s thread.
template <typename Result>
void inBackground(QObject* context, std::function<Result()> work, std::function<void(const Result&)> done)
{
    auto* watcher = new QFutureWatcher<Result>(context);
    QObject::connect(watcher, &QFutureWatcher<Result>::finished, context, [watcher, done]() {
        done(watcher->result());
        watcher->deleteLater();
    });
    watcher->setFuture(QtConcurrent::run(std::move(work)));
}

struct Read
{
    std::shared_ptr<SessionSummary> summary;
    QString error;
};

// A file from anyone (opened, or compared): read as untrusted; the window's
// own temporary session, which its recorder is writing: read in place.
Read readInBackground(const QString& path, bool ownLive, std::shared_ptr<std::atomic<bool>> cancel,
                      std::shared_ptr<std::atomic<bool>> cancelThis)
{
    Read r;
    r.summary = std::make_shared<SessionSummary>();
    SessionReadOptions options;
    options.open.ownLiveSession = ownLive;
    options.open.cancelled = [cancel, cancelThis]() { return cancel->load() || cancelThis->load(); };
    if (!readSession(path, r.summary.get(), &r.error, options))
        r.summary.reset();
    return r;
}

} // namespace

SessionController::SessionController(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<std::shared_ptr<const SessionSummary>>();
    connect(&m_recorder, &SessionRecorder::stopped, this, &SessionController::recordingStopped);
    const QString dir = temporaryFolder();
    // One file per window (a test may open two in one process).
    static int windows = 0;
    // The pid says whether its window still runs (leftovers()); a random
    // part keeps a later window that gets the same pid (a container starts
    // every process with the same ones) from taking over a file left behind.
    const QString path = QDir(dir).filePath(QStringLiteral("clusterlab-session-%1-%2-%3.sqlite")
                                                .arg(QCoreApplication::applicationPid())
                                                .arg(++windows)
                                                .arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0')));
    SessionRecorder::Options options;
    options.source = QStringLiteral("window");
    // Left running under load for hours the session would fill the disk:
    // 16 GiB (about 360 million requests) is its limit; save or restart to go on.
    options.maxBytes = kMaxLiveSessionBytes;
    options.machine = experiment::MachineInfo::current().toJson();
    QString error;
    if (!m_recorder.start(path, options, &error))
        QMetaObject::invokeMethod(this, [this, error]() { Q_EMIT recordingStopped(error); }, Qt::QueuedConnection);
}

SessionController::~SessionController()
{
    // A read still running (a huge or hostile file) ends now: Qt waits for
    // its thread pool before the process exits, so it must not hang there.
    m_cancelReads->store(true);
    const QString path = m_recorder.path();
    m_recorder.finish(); // what was queued is written: hasUnsavedData counts it
    const bool keep = m_keepForRecovery && hasUnsavedData();
    if (!path.isEmpty() && !keep)
        removeLeftover(path); // the temporary session (Save keeps a copy)
}

QString SessionController::temporaryFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::TempLocation);
}

QList<SessionController::Leftover> SessionController::leftovers(const QString& folder)
{
    // clusterlab-session-PID-N[-RANDOM].sqlite (without RANDOM: 0.2.0's first form).
    static const QRegularExpression name(QStringLiteral("^clusterlab-session-(\\d+)-\\d+(-[0-9a-f]+)?\\.sqlite$"));
    QList<Leftover> found;
    const QFileInfoList files = QDir(folder).entryInfoList({ QStringLiteral("clusterlab-session-*.sqlite") }, QDir::Files);
    for (const QFileInfo& f : files) {
        const QRegularExpressionMatch m = name.match(f.fileName());
        if (!m.hasMatch() || platform::processRunning(m.captured(1).toLongLong()))
            continue; // another name, or a window still running (this one too)
#if defined(Q_OS_UNIX)
        if (f.ownerId() != ::getuid())
            continue; // another user's, in a shared temporary folder: not ours to offer or remove
#endif
        const QFileInfo wal(f.filePath() + QStringLiteral("-wal"));
        // The last write may sit in the -wal file.
        const QDateTime modified = wal.exists() ? std::max(f.lastModified(), wal.lastModified()) : f.lastModified();
        found.append({ f.filePath(), modified, f.size() + (wal.exists() ? wal.size() : 0) });
    }
    std::sort(found.begin(), found.end(), [](const Leftover& a, const Leftover& b) { return a.modified > b.modified; });
    return found;
}

int SessionController::pruneLeftovers(const QString& folder, const QDateTime& now)
{
    int removed = 0;
    qint64 total = 0;
    bool newest = true;
    for (const Leftover& l : leftovers(folder)) { // newest first
        // The newest is the one offered: only its age removes it (a window
        // may leave up to 16 GiB, more than the budget for the older ones).
        const bool tooOld = l.modified.daysTo(now) > kLeftoverMaxAgeDays;
        const bool overBudget = !newest && total + l.bytes > kLeftoverMaxBytes;
        if (tooOld || overBudget)
            removed += removeLeftover(l.path) ? 1 : 0;
        else if (!newest)
            total += l.bytes;
        newest = false;
    }
    return removed;
}

bool SessionController::removeLeftover(const QString& path)
{
    QFile::remove(path + QStringLiteral("-wal"));
    QFile::remove(path + QStringLiteral("-shm"));
    return QFile::remove(path) || !QFile::exists(path);
}

bool SessionController::copyLeftover(const QString& path, const QString& to, QString* error)
{
    const QString source = QFileInfo(path).canonicalFilePath();
    if (!source.isEmpty() && (source == QFileInfo(to).canonicalFilePath() || QFileInfo(to).absoluteFilePath() == QFileInfo(path).absoluteFilePath())) {
        *error = tr("%1 is the unsaved session itself: choose another name").arg(to);
        return false;
    }
    for (const QString& suffix : { QString(), QStringLiteral("-wal") }) {
        if (QFile::exists(to + suffix) && !QFile::remove(to + suffix)) {
            *error = tr("cannot replace %1").arg(to + suffix);
            return false;
        }
        if (suffix.isEmpty() || QFile::exists(path + suffix)) {
            QFile from(path + suffix);
            if (!from.copy(to + suffix)) {
                *error = tr("cannot copy %1 to %2: %3").arg(path + suffix, to + suffix, from.errorString());
                return false;
            }
        }
    }
    return true;
}

bool SessionController::hasUnsavedData() const
{
    return m_recorder.requestsWritten() + m_recorder.loadRequestsWritten() > m_savedAt;
}

void SessionController::attach(Engine* cluster)
{
    if (cluster != nullptr)
        recordCluster(&m_recorder, cluster);
}

void SessionController::loadTestStarting(LoadGenerator* generator, const LoadConfig& config, const QString& target,
                                         std::function<void(const LoadRecord&)> alsoTo)
{
    QStringList routes;
    for (const RouteWeight& r : config.routes)
        routes << QString::fromLatin1(r.path);
    const int id = m_recorder.beginLoadTest(target, summaryToJson(config, LoadSummary()).value(QStringLiteral("config")).toObject(), routes);
    m_loadTest = id;
    // On the generator's thread: a copy into the recorder's queue.
    generator->setRecordSink([this, id, alsoTo = std::move(alsoTo)](const LoadRecord& r) {
        m_recorder.addLoadRecord(id, r);
        if (alsoTo)
            alsoTo(r);
    });
}

void SessionController::loadTestFinished(const LoadConfig& config, const LoadSummary& summary)
{
    if (m_loadTest > 0)
        m_recorder.endLoadTest(m_loadTest, summaryToJson(config, summary));
    m_loadTest = 0;
}

void SessionController::experimentsFinished(const QJsonObject& report)
{
    m_recorder.addExperiments(report);
}

void SessionController::afterFlush(std::function<void()> then)
{
    m_recorder.flush(this, [then](const QString&) { then(); });
}

void SessionController::save(const QString& path)
{
    const quint64 written = m_recorder.requestsWritten() + m_recorder.loadRequestsWritten();
    // Saving works after recording stopped too: the copy holds what was written.
    m_recorder.saveCopy(path, this, [this, path, written](const QString& error) {
        if (!error.isEmpty() && !error.startsWith(QLatin1String("recording into"))) {
            Q_EMIT failed(tr("Save failed"), error);
            return;
        }
        m_savedAt = std::max(written, m_recorder.requestsWritten() + m_recorder.loadRequestsWritten());
        m_savedPath = path;
        Q_EMIT saved(path);
    });
}

void SessionController::cancelReads()
{
    m_cancelCurrent->store(true);
    m_cancelCurrent = std::make_shared<std::atomic<bool>>(false); // for the reads to come
}

void SessionController::open(const QString& path)
{
    if (++m_readsUnderWay == 1)
        Q_EMIT reading(true);
    inBackground<Read>(
        this, [path, cancel = m_cancelReads, cancelThis = m_cancelCurrent]() { return readInBackground(path, false, cancel, cancelThis); },
        [this](const Read& r) {
            if (--m_readsUnderWay == 0)
                Q_EMIT reading(false);
            if (!r.summary)
                Q_EMIT failed(tr("Cannot open the session"), r.error);
            else
                Q_EMIT opened(r.summary);
        });
}

void SessionController::compare(const QString& aPath, const QString& bPath)
{
    compareRuns({ aPath }, { bPath });
}

void SessionController::compareRuns(const QStringList& aPaths, const QStringList& bPaths)
{
    if (aPaths.isEmpty() || bPaths.isEmpty() || aPaths.size() > kMaxRunsPerSide || bPaths.size() > kMaxRunsPerSide) {
        Q_EMIT failed(tr("Cannot compare"), tr("each side takes from 1 to %1 sessions (A has %2, B %3)")
                                                .arg(kMaxRunsPerSide)
                                                .arg(aPaths.size())
                                                .arg(bPaths.size()));
        return;
    }
    const QString live = m_recorder.path();
    auto read = [this, aPaths, bPaths, live]() {
        if (++m_readsUnderWay == 1)
            Q_EMIT reading(true);
        using Result = std::pair<std::shared_ptr<const ComparedRuns>, QString>;
        inBackground<Result>(
            this,
            [aPaths, bPaths, live, cancel = m_cancelReads, cancelThis = m_cancelCurrent]() -> Result {
                auto runs = std::make_shared<ComparedRuns>();
                for (const auto& [paths, side] : { std::pair { &aPaths, &runs->a }, std::pair { &bPaths, &runs->b } }) {
                    for (const QString& path : *paths) {
                        const Read r = readInBackground(path.isEmpty() ? live : path, path.isEmpty(), cancel, cancelThis);
                        if (!r.summary)
                            return { nullptr, r.error };
                        side->append(r.summary);
                    }
                }
                // The bootstrap too, here: thousands of resamples per route
                // would hold the window.
                QList<const SessionSummary*> a, b;
                for (const auto& s : std::as_const(runs->a))
                    a.append(s.get());
                for (const auto& s : std::as_const(runs->b))
                    b.append(s.get());
                runs->stats = RunComparison::of(a, b);
                return { runs, QString() };
            },
            [this](const Result& r) {
                if (--m_readsUnderWay == 0)
                    Q_EMIT reading(false);
                if (!r.first) {
                    Q_EMIT failed(tr("Cannot compare"), r.second);
                    return;
                }
                Q_EMIT comparedRuns(r.first);
                Q_EMIT compared(r.first->a.constFirst(), r.first->b.constFirst());
            });
    };
    if (aPaths.contains(QString()) || bPaths.contains(QString()))
        afterFlush(read); // the live session, with everything queued so far
    else
        read();
}

void SessionController::exportRecords(const QString& path, bool json)
{
    const QString session = m_recorder.path();
    afterFlush([this, session, path, json]() {
        inBackground<QString>(
            this,
            [session, path, json, cancel = m_cancelReads]() {
                QSaveFile f(path);
                QString error;
                if (!f.open(QIODevice::WriteOnly))
                    return tr("could not write %1: %2").arg(path, f.errorString());
                session::ReadOptions options;
                options.ownLiveSession = true;
                options.cancelled = [cancel]() { return cancel->load(); };
                if (!exportSessionRequests(session, &f, json, &error, options))
                    return tr("could not write %1: %2").arg(path, error);
                if (!f.commit())
                    return tr("could not write %1: %2").arg(path, f.errorString());
                return QString();
            },
            [this, path](const QString& error) {
                if (error.isEmpty())
                    Q_EMIT exported(path);
                else
                    Q_EMIT failed(tr("Export failed"), error);
            });
    });
}

} // namespace clusterlab
