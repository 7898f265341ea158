// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"

#include <QCommandLineParser>

#include "benchcommand.h"
#include "comparecommand.h"
#include "experimentcommand.h"
#include "observecommand.h"
#include "servecommand.h"
#include "version.h"

#include <QCoreApplication>
#include <QStringList>

#include <cstdio>
#include <string>

namespace clusterlab {

namespace {

// The top-level help. clusterlab-docgen makes the man page and the shell
// completions from this text and the subcommands' --help (one source), so
// its shape is kept: a usage line begins "  PROGRAM"; a line that continues
// it is indented to column 19 and begins with '['; a command's summary is
// indented to column 29; "Exit status:" and "Routes" paragraphs follow.
void printUsage(std::FILE* out, const char* program, bool hasWindow)
{
    if (hasWindow)
        std::fprintf(out,
                     "Usage:\n"
                     "  %s                 open the lab's window; its cluster starts on 127.0.0.1:3000\n"
                     "                             (or the next free port)\n",
                     program);
    else
        std::fprintf(out, "Usage (this build has no window):\n");
    std::fprintf(out,
                 "  %s serve [--workers N] [--port P] [--host H] [--policy round-robin|shared|reuseport]\n"
                 "                   [--engine native|node] [--stats] [--record FILE.csv|FILE.sqlite]\n"
                 "                             run the cluster headless (%s serve --help)\n"
                 "  %s bench URL [-n N | -z DURATION] [-c CONNECTIONS] [--rate R] [--route PATH[:WEIGHT]]...\n"
                 "                   [-m METHOD] [-H HEADER]... [-d DATA | --body-file FILE] [--fail-on EXPR]...\n"
                 "                   [--json FILE|-] [--csv FILE|-] [--quiet] [--attribute]\n"
                 "                             load-test any http:// server (%s bench --help)\n"
                 "  %s experiment [NAME...|all] [--quick] [--workers N] [--json FILE] [--report FILE.html|pdf]\n"
                 "                             cluster, threads or child processes? measured here (%s experiment --help)\n"
                 "  %s observe --port P | [--port P] -- COMMAND [ARGS...]\n"
                 "                             any local server's processes, live (%s observe --help)\n"
                 "  %s compare A.sqlite... -- B.sqlite... [--json FILE|-]\n"
                 "                             sessions compared, each B/A with its 95%% interval (%s compare --help)\n",
                 program, program, program, program, program, program, program, program, program, program);
    const std::string help = std::string(program) + " --help";
    const std::string version = std::string(program) + " --version";
    std::fprintf(out,
                 "  %-26s this text\n"
                 "  %-26s the version\n"
                 "\n"
                 "Exit status: 0 success; 1 a failure while running (bench: nothing succeeded, or a --fail-on\n"
                 "threshold was crossed); 2 bad usage.\n"
                 "\n"
                 "Routes of every worker: /  /main?n=N  /worker?n=N  /child?n=N  /healthz   (N = 0..45, default 30)\n",
                 help.c_str(), version.c_str());
}

ApplicationFactory& experimentFactory()
{
    static ApplicationFactory factory;
    return factory;
}

} // namespace

void setExperimentApplicationFactory(ApplicationFactory factory)
{
    experimentFactory() = std::move(factory);
}

const char* programName()
{
    static const QByteArray name = QCoreApplication::applicationName().isEmpty()
        ? QByteArrayLiteral("clusterlab")
        : QCoreApplication::applicationName().toLocal8Bit();
    return name.constData();
}

QString subcommandHelp(const QCommandLineParser& parser, const QString& subcommand)
{
    const QString text = parser.helpText();
    const qsizetype eol = text.indexOf(QLatin1Char('\n'));
    QString first = eol < 0 ? text : text.left(eol);
    const qsizetype options = first.indexOf(QLatin1String(" [options]"));
    if (first.startsWith(QLatin1String("Usage: ")) && options > 0)
        first = QStringLiteral("Usage: %1 %2").arg(QCoreApplication::applicationName(), subcommand) + first.mid(options);
    return eol < 0 ? first : first + text.mid(eol);
}

std::optional<int> runCommandLine(int argc, char** argv, const char* program, bool hasWindow)
{
    QStringList args;
    for (int i = 1; i < argc; ++i)
        args << QString::fromLocal8Bit(argv[i]);

    if (args.isEmpty()) {
        if (hasWindow)
            return std::nullopt;
        printUsage(stderr, program, false);
        return 2;
    }
    const QString& first = args.constFirst();
    const bool help = args.contains(QStringLiteral("--help")) || args.contains(QStringLiteral("-h"))
        || args.contains(QStringLiteral("--help-all"));
    if (help && first.startsWith(QLatin1Char('-'))) { // `serve --help` is serve's
        printUsage(stdout, program, hasWindow);
        return 0;
    }
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        std::printf("%s %s\n", program, CLUSTERLAB_VERSION);
        return 0;
    }
    if (first == QLatin1String("experiment")) {
        std::unique_ptr<QCoreApplication> app = experimentFactory() ? experimentFactory()(argc, argv)
                                                                    : std::make_unique<QCoreApplication>(argc, argv);
        QCoreApplication::setApplicationName(QString::fromLatin1(program));
        QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));
        return runExperiment(args.mid(1));
    }
    if (first == QLatin1String("serve") || first == QLatin1String("bench") || first == QLatin1String("observe")
        || first == QLatin1String("compare")) {
        QCoreApplication app(argc, argv);
        QCoreApplication::setApplicationName(QString::fromLatin1(program));
        QCoreApplication::setApplicationVersion(QStringLiteral(CLUSTERLAB_VERSION));
        if (first == QLatin1String("observe"))
            return runObserve(args.mid(1));
        if (first == QLatin1String("compare"))
            return runCompare(args.mid(1));
        return first == QLatin1String("serve") ? runServe(args.mid(1)) : runBench(args.mid(1));
    }
    std::fprintf(stderr, "%s: unknown %s '%s'\n\n", program, first.startsWith(QLatin1Char('-')) ? "option" : "command",
                 qPrintable(first));
    printUsage(stderr, program, hasWindow);
    return 2;
}

} // namespace clusterlab
