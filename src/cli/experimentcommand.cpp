// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"
#include "experimentcommand.h"

#include "experiment/experiments.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "platform/processplatform.h"
#include "platform/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>

namespace clusterlab {

using namespace experiment;

namespace {

PdfReportWriter& pdfWriter()
{
    static PdfReportWriter writer;
    return writer;
}

QString clock(double seconds)
{
    const int s = qMax(0, static_cast<int>(seconds + 0.5));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

bool writeFile(const QString& path, const QByteArray& bytes, QString* error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

bool readInt(const QCommandLineParser& p, const QString& name, int min, int max, int* out, QString* error)
{
    if (!p.isSet(name))
        return true;
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min || v > max) {
        *error = QStringLiteral("--%1: expected an integer %2..%3, got '%4'").arg(name).arg(min).arg(max).arg(p.value(name));
        return false;
    }
    *out = v;
    return true;
}

} // namespace

void setPdfReportWriter(PdfReportWriter writer)
{
    pdfWriter() = std::move(writer);
}

int runExperiment(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Answer the seed's question — cluster, worker threads or child processes? — with measurements "
                       "from this machine.\nExperiments: %1 (default: all).")
            .arg(Experiment::names().join(QStringLiteral(", "))));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("names"), QStringLiteral("Experiments to run, or all."),
                                 QStringLiteral("[NAME…|all]"));
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Short steps: about a minute per engine (the full run: a few minutes per engine)."));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Cluster size for isolation and balance (default: one per core)."),
                                     QStringLiteral("N"));
    const QCommandLineOption rounds(QStringLiteral("rounds"),
                                    QStringLiteral("Repeated rounds per measurement (default 3 with --quick, else 5; "
                                                   "the confidence intervals come from these)."),
                                    QStringLiteral("R"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("Seed of the load generator (default 1)."),
                                  QStringLiteral("S"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Write every measurement and the table as JSON."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("Write the report: FILE.html (anywhere) or FILE.pdf (the desktop build)."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption markdown(QStringLiteral("markdown"),
                                      QStringLiteral("Write the verdict table as Markdown (as README shows it)."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption list(QStringLiteral("list"), QStringLiteral("List the experiments and what each asks."));
    const QCommandLineOption open(QStringLiteral("open"),
                                  QStringLiteral("Measure nothing: read a run saved with --json, decide its table again "
                                                 "and print it (and write --report or --json from it)."),
                                  QStringLiteral("FILE.json"));
    const QCommandLineOption engine(QStringLiteral("engine"),
                                    QStringLiteral("The engines to measure: native, node, or native,node (default: both "
                                                   "when Node.js is installed, else native). Node runs twice where "
                                                   "/worker or /child matter: the seed's per-request offloading, and pooled."),
                                    QStringLiteral("LIST"));
    QCommandLineOption timeScale(QStringLiteral("time-scale"), QStringLiteral("Scale every step's duration (tests)."),
                                 QStringLiteral("F"));
    timeScale.setFlags(QCommandLineOption::HiddenFromHelp);
    QCommandLineOption workerProgram(QStringLiteral("worker-program"), QStringLiteral("Worker executable."),
                                     QStringLiteral("PATH"));
    workerProgram.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({ quick, workers, rounds, seed, engine, json, report, markdown, list, open, timeScale, workerProgram });
    if (!parser.parse(QStringList { QStringLiteral("clusterlab experiment") } + args)) {
        std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) { // Qt lists --help-all beside --help
        std::fputs(qPrintable(subcommandHelp(parser, QStringLiteral("experiment"))), stdout);
        return 0;
    }
    if (parser.isSet(list)) {
        for (const auto& e : Experiment::all())
            std::printf("%-10s %s\n           %s\n", qPrintable(e->name()), qPrintable(e->title()), qPrintable(e->question()));
        return 0;
    }
    QString error;
    const QStringList names = ExperimentRunner::resolve(parser.positionalArguments(), &error);
    ExperimentSettings settings;
    settings.quick = parser.isSet(quick);
    if (names.isEmpty() || !readInt(parser, QStringLiteral("workers"), 1, 64, &settings.workers, &error)
        || !readInt(parser, QStringLiteral("rounds"), 1, 20, &settings.rounds, &error)) {
        std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
        return 2;
    }
    if (parser.isSet(seed)) {
        bool ok = false;
        settings.seed = parser.value(seed).toULongLong(&ok);
        if (!ok || settings.seed == 0) {
            std::fprintf(stderr, "%s experiment: --seed: expected a positive integer\n", programName());
            return 2;
        }
    }
    if (parser.isSet(timeScale)) {
        bool ok = false;
        settings.timeScale = parser.value(timeScale).toDouble(&ok);
        if (!ok || settings.timeScale <= 0 || settings.timeScale > 10) {
            std::fprintf(stderr, "%s experiment: --time-scale: expected a number in (0, 10]\n", programName());
            return 2;
        }
    }
    if (parser.isSet(workerProgram))
        settings.workerProgram = parser.value(workerProgram);
    const QString nodeMissing = EngineVariant::nodeUnavailableReason();
    QList<EngineKind> engines { EngineKind::Native };
    if (parser.isSet(engine)) {
        if (!EngineVariant::parseEngines(parser.value(engine), &engines, &error)) {
            std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
            return 2;
        }
        if (engines.contains(EngineKind::Node) && !nodeMissing.isEmpty() && !parser.isSet(open)) {
            std::fprintf(stderr, "%s experiment: --engine node: %s\n", programName(), qPrintable(nodeMissing));
            return 2;
        }
    } else if (nodeMissing.isEmpty()) {
        engines.append(EngineKind::Node);
    } else if (!parser.isSet(open)) {
        std::fprintf(stderr, "%s: measuring the native engine only.\n", qPrintable(nodeMissing));
    }
    settings.variants = EngineVariant::forEngines(engines);
    const QString reportPath = parser.value(report);
    if (!reportPath.isEmpty()) {
        const QString suffix = QFileInfo(reportPath).suffix().toLower();
        if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf")) {
            std::fprintf(stderr, "%s experiment: --report: expected FILE.html or FILE.pdf, got '%s'\n", programName(),
                         qPrintable(reportPath));
            return 2;
        }
        if (suffix == QLatin1String("pdf") && !pdfWriter()) {
            std::fprintf(stderr, "%s experiment: --report: this build has no PDF writer (it has no window); "
                                 "use FILE.html\n", programName());
            return 2;
        }
    }
    // The output files are checked before minutes of measuring, not after.
    for (const QString& path : { parser.value(json), reportPath, parser.value(markdown) }) {
        if (path.isEmpty())
            continue;
        const QFileInfo dir(QFileInfo(path).absolutePath());
        if (!dir.isDir() || !dir.isWritable()) {
            std::fprintf(stderr, "%s experiment: cannot write to %s (no such directory, or not writable)\n", programName(),
                         qPrintable(QFileInfo(path).absolutePath()));
            return 2;
        }
    }

    RunReport result;
    bool done = false;
    if (parser.isSet(open)) {
        QFile f(parser.value(open));
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "%s experiment: cannot open %s: %s\n", programName(), qPrintable(f.fileName()), qPrintable(f.errorString()));
            return 1;
        }
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(f.read(64 * 1024 * 1024), &parseError);
        if (doc.isNull() || !RunReport::fromJson(doc.object(), &result, &error)) {
            std::fprintf(stderr, "%s experiment: %s: %s\n", programName(), qPrintable(f.fileName()),
                         qPrintable(doc.isNull() ? QStringLiteral("not JSON: ") + parseError.errorString() : error));
            return 1;
        }
        done = true;
    }
    const bool terminal = platform::stdoutIsTerminal();
    if (!done) {
        QStringList engineLabels;
        for (const EngineVariant& v : settings.variants)
            engineLabels.append(v.label());
        std::printf("Running %s on %s (%s, about %s); Ctrl-C stops and keeps what was measured.\n",
                    qPrintable(names.join(QStringLiteral(", "))), qPrintable(engineLabels.join(QStringLiteral("; "))),
                    settings.quick ? "quick" : "full",
                    qPrintable(clock(ExperimentRunner::estimatedSeconds(names, settings))));
        std::fflush(stdout);
    }

    ExperimentRunner runner;
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminationRequested, &runner, [&runner](int) { runner.cancel(); });
    QEventLoop loop;
    QString lastExperiment;
    double lastLineAt = -10;
    QObject::connect(&runner, &ExperimentRunner::progress, &loop, [&](const RunProgress& p) {
        const QString line = QStringLiteral("[%1/%2 %3%] %4: %5 (ETA %6)")
                                 .arg(p.index + 1)
                                 .arg(p.count)
                                 .arg(static_cast<int>(p.fraction * 100), 3)
                                 .arg(p.experiment, p.step, clock(p.etaSeconds));
        if (terminal) {
            std::fprintf(stderr, "\r%-100s", qPrintable(line.left(100)));
        } else if (p.experiment != lastExperiment || p.elapsedSeconds - lastLineAt >= 5) {
            std::fprintf(stderr, "%s\n", qPrintable(line));
            lastLineAt = p.elapsedSeconds;
        }
        lastExperiment = p.experiment;
        std::fflush(stderr);
    });
    QObject::connect(&runner, &ExperimentRunner::experimentFinished, &loop, [&](const ExperimentResult& r) {
        if (terminal)
            std::fprintf(stderr, "\r%-100s\r", "");
        if (!r.error.isEmpty())
            std::fprintf(stderr, "%s (%s): could not run: %s\n", qPrintable(r.name), qPrintable(r.variant), qPrintable(r.error));
        else
            std::fprintf(stderr, "%s (%s): %s in %.1f s\n", qPrintable(r.name), qPrintable(r.variant),
                         r.cancelled ? "cancelled" : "done", r.seconds);
    });
    QObject::connect(&runner, &ExperimentRunner::finished, &loop, [&](const RunReport& r) {
        result = r;
        done = true;
        loop.quit();
    });
    if (!done) {
        if (!runner.start(names, settings, &error)) {
            std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
            return 1;
        }
        loop.exec();
        if (!done)
            return 1;
    }

    std::printf("\nOn %s:\n\n%s", qPrintable(result.machine.oneLine()), qPrintable(result.verdicts.toText()));
    std::printf("\n%d confirmed, %d contradicted, %d not decided here, %d not measured; %.0f s.\n",
                result.verdicts.count(Verdict::Confirmed), result.verdicts.count(Verdict::Contradicted),
                result.verdicts.count(Verdict::NotDecided), result.verdicts.count(Verdict::NotMeasured), result.seconds);
    int code = 0;
    if (!parser.value(json).isEmpty()) {
        if (writeFile(parser.value(json), QJsonDocument(result.toJson()).toJson(QJsonDocument::Indented), &error))
            std::printf("Measurements: %s\n", qPrintable(parser.value(json)));
        else {
            std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
            code = 1;
        }
    }
    if (!parser.value(markdown).isEmpty()) {
        if (writeFile(parser.value(markdown), result.verdicts.toMarkdown().toUtf8(), &error))
            std::printf("Markdown table: %s\n", qPrintable(parser.value(markdown)));
        else {
            std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
            code = 1;
        }
    }
    if (!reportPath.isEmpty()) {
        const bool pdf = QFileInfo(reportPath).suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0;
        const bool ok = pdf ? pdfWriter()(result, reportPath, &error)
                            : writeFile(reportPath, reportHtml(result).toUtf8(), &error);
        if (ok)
            std::printf("Report: %s\n", qPrintable(reportPath));
        else {
            std::fprintf(stderr, "%s experiment: %s\n", programName(), qPrintable(error));
            code = 1;
        }
    }
    for (const ExperimentResult& r : result.results) {
        if (!r.error.isEmpty())
            code = 1;
    }
    if (result.cancelled) {
        std::fprintf(stderr, "%s experiment: cancelled; the table holds what was measured before.\n", programName());
        code = 1;
    }
    return code;
}

} // namespace clusterlab
