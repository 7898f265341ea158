// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "result.h"
#include "verdict.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>

#include <atomic>

class QThread;

namespace clusterlab::experiment {

struct RunProgress
{
    QString experiment;   // its name
    QString title;
    QString step;         // "2 worker(s), round 1/3"
    int index = 0;        // of the experiment in this run
    int count = 0;
    double fraction = 0;  // of the whole run, 0..1
    double elapsedSeconds = 0;
    double etaSeconds = 0; // remaining, from the estimates corrected by the pace so far
};

// A whole run: where and how it was measured, every result, the table.
struct RunReport
{
    MachineInfo machine;
    ExperimentSettings settings;
    QDateTime started;
    double seconds = 0;
    bool cancelled = false;
    QList<ExperimentResult> results;
    VerdictTable verdicts;

    QJsonObject toJson() const;
    // From toJson()'s output; false with a reason when it is not one.
    static bool fromJson(const QJsonObject& o, RunReport* out, QString* error);
};

// Runs experiments one after another on a thread of its own (each builds
// and tears down its own clusters there), so that the caller's thread (the
// GUI's) stays free. Signals arrive on the caller's thread. cancel() stops
// the current step within a second and skips the rest; finished() comes
// either way, with whatever was measured.
class ExperimentRunner : public QObject
{
    Q_OBJECT
public:
    explicit ExperimentRunner(QObject* parent = nullptr);
    ~ExperimentRunner() override; // cancels and waits for the thread

    // Names from Experiment::names(), or {"all"}. False with a reason for an
    // unknown name or when a run is going.
    bool start(const QStringList& names, const ExperimentSettings& settings, QString* error);
    void cancel();
    bool isRunning() const { return m_thread != nullptr; }
    // Seconds the run should take, from the experiments' own estimates.
    static double estimatedSeconds(const QStringList& names, const ExperimentSettings& settings);
    // {"all"} or a list -> the names to run, in the canonical order; empty
    // with *error set for an unknown name.
    static QStringList resolve(const QStringList& names, QString* error);
    // What a run does, in order: each experiment on each engine variant
    // (settings.variants) it applies to.
    struct Step
    {
        QString name;
        EngineVariant variant;
    };
    static QList<Step> plan(const QStringList& names, const ExperimentSettings& settings);
    static double stepEstimate(const Step& step, const ExperimentSettings& settings, int cores);

Q_SIGNALS:
    void progress(const clusterlab::experiment::RunProgress& progress);
    // The running step's load, a few times a second: requests/s and p99 so far.
    void stepLoad(const QString& experiment, const QString& step, double recentRps, double p99Ms);
    void experimentFinished(const clusterlab::experiment::ExperimentResult& result);
    void finished(const clusterlab::experiment::RunReport& report);

private:
    QThread* m_thread = nullptr;
    std::atomic<bool> m_cancel { false };
};

} // namespace clusterlab::experiment

Q_DECLARE_METATYPE(clusterlab::experiment::RunProgress)
Q_DECLARE_METATYPE(clusterlab::experiment::ExperimentResult)
Q_DECLARE_METATYPE(clusterlab::experiment::RunReport)
