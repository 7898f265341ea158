// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>


#include "session/sessioncompare.h"
#include "session/sessionreader.h"
#include "session/sessionrecorder.h"

#include <QDateTime>
#include <QList>
#include <QObject>

#include <atomic>

#include <memory>

namespace clusterlab {

class Engine;
class LoadGenerator;

// Sessions compared: each side's runs (one or more) and the comparison with
// its intervals, found on a worker thread.
struct ComparedRuns
{
    QList<std::shared_ptr<const SessionSummary>> a, b;
    RunComparison stats;
};
struct LoadConfig;
struct LoadSummary;

// The window's session: from the start everything it records (each request
// the cluster serves, worker samples, cluster events, load tests with the
// client's view of every request, experiment results) goes into a
// temporary session file through a SessionRecorder (its own thread), so the
// window holds no raw records and its memory stays flat however long it
// runs. Save copies it; Open and Compare read sessions on a worker thread;
// the raw-record exports read it too. No database call runs on the GUI
// thread. GUI thread.
class SessionController : public QObject
{
    Q_OBJECT
public:
    static constexpr qint64 kMaxLiveSessionBytes = 16LL << 30; // the temporary session's size limit

    explicit SessionController(QObject* parent = nullptr);
    ~SessionController() override; // stops recording; the temporary file goes unless saved

    // Where the live session is recorded (a temporary file).
    QString livePath() const { return m_recorder.path(); }
    bool isRecording() const { return m_recorder.isRecording(); }
    SessionRecorder* recorder() { return &m_recorder; }
    // Whether the live session holds something not saved yet.
    bool hasUnsavedData() const;
    // The window ends without asking (a signal, the session manager's
    // quit): the temporary session stays on disk when it holds something
    // unsaved, and the next start offers it back (leftovers()).
    void keepForRecovery() { m_keepForRecovery = true; }

    // Temporary sessions of windows that did not end normally (killed,
    // crashed, ended by a signal), newest first: this user's
    // clusterlab-session-PID-N-RANDOM.sqlite in the temporary folder whose
    // PID no longer runs.
    struct Leftover
    {
        QString path;
        QDateTime modified;
        qint64 bytes = 0; // with its -wal file
    };
    static QList<Leftover> leftovers(const QString& folder);
    // Leftovers are kept at most this long, and the older ones (all but the
    // newest, which is offered) at most this much in all, the oldest going
    // first: pruneLeftovers removes the rest, and says how many it removed.
    static constexpr int kLeftoverMaxAgeDays = 7;
    static constexpr qint64 kLeftoverMaxBytes = 4LL << 30;
    static int pruneLeftovers(const QString& folder, const QDateTime& now);
    // A leftover with its -wal and -shm files: removed, or copied (the
    // -wal beside the copy, which SQLite replays on opening).
    static bool removeLeftover(const QString& path);
    static bool copyLeftover(const QString& path, const QString& to, QString* error);
    // Where the window's temporary sessions go.
    static QString temporaryFolder();

    // A new cluster to record (null: none); its telemetry keeps no records.
    void attach(Engine* cluster);
    // Each load test: its settings before it starts, its summary after.
    // `alsoTo`, when set, gets every record too (on the generator's thread).
    void loadTestStarting(LoadGenerator* generator, const LoadConfig& config, const QString& target,
                          std::function<void(const LoadRecord&)> alsoTo = {});
    void loadTestFinished(const LoadConfig& config, const LoadSummary& summary);
    void experimentsFinished(const QJsonObject& report);

    // Asynchronous; each answers with one signal.
    void save(const QString& path);                     // saved / failed
    void open(const QString& path);                     // opened / failed
    // Stops the reads under way (open, compare): they fail with "cancelled".
    void cancelReads();
    bool isReading() const { return m_readsUnderWay > 0; }
    // B against A: A is `aPath`, or the live session when empty.
    void compare(const QString& aPath, const QString& bPath); // comparedRuns, compared / failed
    // Several runs a side (an empty path: the live session), at most
    // kMaxRunsPerSide: read, and their intervals found, on a worker thread.
    static constexpr int kMaxRunsPerSide = 20;
    void compareRuns(const QStringList& aPaths, const QStringList& bPaths); // comparedRuns, compared / failed
    void exportRecords(const QString& path, bool json); // exported / failed

Q_SIGNALS:
    void saved(const QString& path);
    void opened(std::shared_ptr<const clusterlab::SessionSummary> summary);
    // The sessions of both sides and their comparison (first), then the
    // first session of each side.
    void comparedRuns(std::shared_ptr<const clusterlab::ComparedRuns> runs);
    void compared(std::shared_ptr<const clusterlab::SessionSummary> a, std::shared_ptr<const clusterlab::SessionSummary> b);
    void exported(const QString& path);
    void failed(const QString& what, const QString& reason);
    // A read of a session file started (true) or ended (false).
    void reading(bool underWay);
    // Recording stopped (a full disk…): the run goes on.
    void recordingStopped(const QString& reason);

private:
    // Writes what is queued, then runs `then` (GUI thread) unless recording failed.
    void afterFlush(std::function<void()> then);

    SessionRecorder m_recorder;
    int m_loadTest = 0;
    quint64 m_savedAt = 0; // requests written at the last save
    QString m_savedPath;
    // Set when the controller goes: every background read stops at its next
    // row or SQLite progress callback.
    std::shared_ptr<std::atomic<bool>> m_cancelReads = std::make_shared<std::atomic<bool>>(false);
    // The reads started since the last cancelReads() share this flag.
    std::shared_ptr<std::atomic<bool>> m_cancelCurrent = std::make_shared<std::atomic<bool>>(false);
    int m_readsUnderWay = 0;
    bool m_keepForRecovery = false;
};

} // namespace clusterlab

Q_DECLARE_METATYPE(std::shared_ptr<const clusterlab::SessionSummary>)
