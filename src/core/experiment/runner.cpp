// SPDX-License-Identifier: GPL-3.0-or-later
#include "runner.h"

#include "logging.h"

#include "experiments.h"
#include "lab.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QThread>

#include <cmath>
#include <memory>

namespace clusterlab::experiment {

QJsonObject RunReport::toJson() const
{
    QJsonArray resultArray;
    for (const ExperimentResult& r : results)
        resultArray.append(r.toJson());
    return { { QStringLiteral("format"), QStringLiteral("clusterlab-experiments") },
             { QStringLiteral("formatVersion"), 1 },
             { QStringLiteral("machine"), machine.toJson() },
             { QStringLiteral("settings"), settings.toJson() },
             { QStringLiteral("started"), started.toString(Qt::ISODate) },
             { QStringLiteral("seconds"), seconds },
             { QStringLiteral("cancelled"), cancelled },
             { QStringLiteral("verdicts"), verdicts.toJson() },
             { QStringLiteral("results"), resultArray } };
}

bool RunReport::fromJson(const QJsonObject& o, RunReport* out, QString* error)
{
    if (o.value(QStringLiteral("format")).toString() != QLatin1String("clusterlab-experiments")) {
        *error = QStringLiteral("not a ClusterLab experiments file");
        return false;
    }
    if (o.value(QStringLiteral("formatVersion")).toInt() > 1) {
        *error = QStringLiteral("written by a newer ClusterLab (format version %1)")
                     .arg(o.value(QStringLiteral("formatVersion")).toInt());
        return false;
    }
    RunReport r;
    r.machine = MachineInfo::fromJson(o.value(QStringLiteral("machine")).toObject());
    const QJsonObject s = o.value(QStringLiteral("settings")).toObject();
    r.settings.quick = s.value(QStringLiteral("quick")).toBool();
    r.settings.workers = s.value(QStringLiteral("workers")).toInt();
    r.settings.rounds = s.value(QStringLiteral("rounds")).toInt(0);
    r.settings.timeScale = s.value(QStringLiteral("timeScale")).toDouble(1.0);
    r.settings.seed = s.value(QStringLiteral("seed")).toString().toULongLong();
    for (const QJsonValue& v : s.value(QStringLiteral("variants")).toArray()) {
        EngineVariant variant;
        if (!EngineVariant::fromId(v.toString(), &variant)) {
            *error = QStringLiteral("unknown engine '%1' in the settings").arg(v.toString());
            return false;
        }
        if (!r.settings.variants.contains(variant))
            r.settings.variants.append(variant);
    }
    r.started = QDateTime::fromString(o.value(QStringLiteral("started")).toString(), Qt::ISODate);
    r.seconds = o.value(QStringLiteral("seconds")).toDouble();
    r.cancelled = o.value(QStringLiteral("cancelled")).toBool();
    for (const QJsonValue& v : o.value(QStringLiteral("results")).toArray()) {
        r.results.append(ExperimentResult::fromJson(v.toObject()));
        EngineVariant known;
        if (!EngineVariant::fromId(r.results.last().variant, &known)) {
            *error = QStringLiteral("%1 ran on an unknown engine '%2'").arg(r.results.last().name, r.results.last().variant);
            return false;
        }
    }
    // Measurements are finite numbers; anything else (a number past 1e308
    // reads as infinity) is not a run this program wrote.
    for (const ExperimentResult& result : std::as_const(r.results)) {
        for (const Chart& chart : result.charts) {
            for (const Line& line : chart.lines) {
                for (const QList<QPointF>* list : { &line.points, &line.intervals }) {
                    for (const QPointF& p : *list) {
                        if (!std::isfinite(p.x()) || !std::isfinite(p.y())) {
                            *error = QStringLiteral("the chart \"%1\" of %2 holds a value that is not a finite number")
                                         .arg(chart.title, result.name);
                            return false;
                        }
                    }
                }
            }
        }
        for (const QList<double>& rounds : result.metrics) {
            for (double x : rounds) {
                if (!std::isfinite(x)) {
                    *error = QStringLiteral("a measurement of %1 is not a finite number").arg(result.name);
                    return false;
                }
            }
        }
    }
    // The verdicts are decided again from the measurements: the rules are
    // the code's, the evidence the file's.
    r.verdicts = VerdictTable::decide(r.results, r.machine.cores);
    *out = r;
    return true;
}

ExperimentRunner::ExperimentRunner(QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<RunProgress>();
    qRegisterMetaType<ExperimentResult>();
    qRegisterMetaType<RunReport>();
}

ExperimentRunner::~ExperimentRunner()
{
    if (m_thread != nullptr) {
        m_cancel = true;
        m_thread->wait();
        delete m_thread;
    }
}

QStringList ExperimentRunner::resolve(const QStringList& names, QString* error)
{
    const QStringList known = Experiment::names();
    if (names.isEmpty() || names.contains(QStringLiteral("all")))
        return known;
    QStringList out;
    for (const QString& n : known) {
        if (names.contains(n))
            out.append(n);
    }
    for (const QString& n : names) {
        if (!known.contains(n)) {
            *error = QStringLiteral("unknown experiment '%1' (known: %2, or all)").arg(n, known.join(QStringLiteral(", ")));
            return {};
        }
    }
    return out;
}

// A step's seconds: the experiment's own estimate for the engine, times
// how the estimates compared with whole runs here (2026-12-06, 2 cores:
// quick runs took 0.63-0.66 of the sum of the estimates, full runs
// 0.80-0.83; the progress line's ETA corrects itself by the pace anyway).
double ExperimentRunner::stepEstimate(const Step& step, const ExperimentSettings& settings, int cores)
{
    const double pace = settings.quick ? 0.65 : 0.82;
    return Experiment::byName(step.name)->estimatedSeconds(settings, cores) * step.variant.costFactor() * pace;
}

QList<ExperimentRunner::Step> ExperimentRunner::plan(const QStringList& names, const ExperimentSettings& settings)
{
    // Engine by engine (one engine's clusters at a time); an experiment
    // that does not use /worker or /child runs once per engine, not once
    // per offload mode (the pooled Node variant reads the per-request one's).
    QList<Step> steps;
    for (const EngineVariant& v : settings.effectiveVariants()) {
        for (const QString& n : names) {
            if (v.engine == EngineKind::Node && v.offload == OffloadMode::Pool && !Experiment::byName(n)->perOffloadMode())
                continue;
            steps.append(Step { n, v });
        }
    }
    return steps;
}

double ExperimentRunner::estimatedSeconds(const QStringList& names, const ExperimentSettings& settings)
{
    QString error;
    double total = 0;
    const int cores = qMax(1, QThread::idealThreadCount());
    for (const Step& st : plan(resolve(names, &error), settings))
        total += stepEstimate(st, settings, cores);
    return total;
}

void ExperimentRunner::cancel()
{
    m_cancel = true;
}

bool ExperimentRunner::start(const QStringList& names, const ExperimentSettings& settings, QString* error)
{
    if (m_thread != nullptr) {
        *error = QStringLiteral("experiments are already running");
        return false;
    }
    const QStringList toRun = resolve(names, error);
    if (toRun.isEmpty())
        return false;
    m_cancel = false;
    QPointer<ExperimentRunner> self(this);
    const std::atomic<bool>* cancel = &m_cancel;
    // Everything the thread emits goes through the runner's own thread.
    const auto post = [self](std::function<void(ExperimentRunner*)> f) {
        QMetaObject::invokeMethod(
            self.data(), [self, f]() {
                if (self)
                    f(self.data());
            },
            Qt::QueuedConnection);
    };
    m_thread = QThread::create([toRun, settings, cancel, post]() {
        RunReport report;
        report.machine = MachineInfo::current();
        report.settings = settings;
        report.started = QDateTime::currentDateTimeUtc();
        QElapsedTimer clock;
        clock.start();
        const int cores = report.machine.cores;
        const QList<Step> steps = plan(toRun, settings);
        QList<double> estimates;
        double totalEstimate = 0;
        for (const Step& st : steps) {
            estimates.append(stepEstimate(st, settings, cores));
            totalEstimate += estimates.last();
        }
        double estimateDone = 0;
        for (qsizetype i = 0; i < steps.size(); ++i) {
            std::unique_ptr<Experiment> e = Experiment::byName(steps[i].name);
            const EngineVariant variant = steps[i].variant;
            const bool several = settings.effectiveVariants().size() > 1;
            ExperimentResult result;
            result.name = e->name();
            result.title = e->title();
            result.variant = variant.id();
            const QString shownName = several ? QStringLiteral("%1 (%2)").arg(result.name, variant.shortLabel()) : result.name;
            QElapsedTimer stepClock;
            stepClock.start();
            qint64 lastEmitMs = -1000;
            const double before = estimateDone;
            const double mine = estimates[i];
            QString currentStep;
            Lab lab(settings, cancel,
                    [&, i](const QString& step, double fraction) {
                        currentStep = step;
                        const qint64 now = clock.elapsed();
                        if (now - lastEmitMs < 100 && fraction < 1.0)
                            return;
                        lastEmitMs = now;
                        RunProgress p;
                        p.experiment = shownName;
                        p.title = result.title;
                        p.step = step;
                        p.index = static_cast<int>(i);
                        p.count = static_cast<int>(steps.size());
                        const double doneEstimate = before + mine * fraction;
                        p.fraction = totalEstimate > 0 ? doneEstimate / totalEstimate : 0;
                        p.elapsedSeconds = static_cast<double>(now) / 1000.0;
                        // The estimates, corrected by how fast the run goes.
                        const double pace = doneEstimate > 1 ? p.elapsedSeconds / doneEstimate : 1.0;
                        p.etaSeconds = qMax(0.0, (totalEstimate - doneEstimate) * pace);
                        post([p](ExperimentRunner* r) { Q_EMIT r->progress(p); });
                    });
            lab.setVariant(variant);
            qint64 lastLoadMs = -1000;
            lab.setLoadWatch([&](const LoadProgress& p) {
                const qint64 now = clock.elapsed();
                if (now - lastLoadMs < 200)
                    return;
                lastLoadMs = now;
                const QString name = shownName;
                const QString step = currentStep;
                const double rps = p.recentRps;
                const double p99 = p.p99Ms;
                post([name, step, rps, p99](ExperimentRunner* r) { Q_EMIT r->stepLoad(name, step, rps, p99); });
            });
            lab.progress(QStringLiteral("starting"), 0);
            qCInfo(lcExperiment).noquote() << "starting" << shownName;
            const QString unavailable = variant.engine == EngineKind::Node ? EngineVariant::nodeUnavailableReason() : QString();
            if (!unavailable.isEmpty())
                result.error = unavailable;
            else
                e->run(lab, result);
            lab.stopCluster();
            if (!lab.runtime().isEmpty())
                report.machine.nodeVersion = lab.runtime();
            result.seconds = static_cast<double>(stepClock.elapsed()) / 1000.0;
            if (cancel->load())
                result.cancelled = true;
            if (!result.error.isEmpty())
                qCWarning(lcExperiment).noquote() << shownName << "could not run:" << result.error;
            else
                qCInfo(lcExperiment).noquote() << shownName << (result.cancelled ? "cancelled" : "done") << "in"
                                                << result.seconds << "s";
            report.results.append(result);
            post([result](ExperimentRunner* r) { Q_EMIT r->experimentFinished(result); });
            estimateDone += mine;
            if (cancel->load()) {
                report.cancelled = true;
                break;
            }
        }
        report.seconds = static_cast<double>(clock.elapsed()) / 1000.0;
        report.verdicts = VerdictTable::decide(report.results, cores);
        post([report](ExperimentRunner* r) {
            r->m_thread->wait();
            delete r->m_thread;
            r->m_thread = nullptr;
            Q_EMIT r->finished(report);
        });
    });
    m_thread->setObjectName(QStringLiteral("clusterlab-experiments"));
    m_thread->start();
    return true;
}

} // namespace clusterlab::experiment
