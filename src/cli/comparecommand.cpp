// SPDX-License-Identifier: GPL-3.0-or-later
#include "comparecommand.h"
#include "commandline.h"
#include "version.h"

#include "session/sessioncompare.h"
#include "session/sessionreader.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>
#include <memory>
#include <vector>

namespace clusterlab {

int runCompare(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Compare sessions, B against A, route by route: p50, p99 and throughput, each B/A with its 95% interval, "
                       "~ where the interval includes 1. Several sessions on a side are runs of one configuration: the "
                       "intervals then come from the variation between runs."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("A.sqlite... -- B.sqlite..."),
                                 QStringLiteral("Side A's sessions, then -- and side B's (options go before --)."));
    const QCommandLineOption jsonOpt(QStringLiteral("json"),
                                     QStringLiteral("Write the comparison as JSON (- : to standard output, the table then to standard error)."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), QStringLiteral("Seed of the bootstrap (default 1: the same files give the same intervals)."),
                                     QStringLiteral("S"));
    parser.addOptions({ jsonOpt, seedOpt });
    auto usage = [](const QString& message) {
        std::fprintf(stderr, "%s compare: %s\n(see %s compare --help)\n", programName(), qPrintable(message), programName());
        return 2;
    };
    const qsizetype dashes = args.indexOf(QStringLiteral("--"));
    const QStringList before = dashes < 0 ? args : args.mid(0, dashes);
    const QStringList bFiles = dashes < 0 ? QStringList() : args.mid(dashes + 1);
    if (!parser.parse(QStringList { QStringLiteral("clusterlab compare") } + before))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) {
        std::fputs(qPrintable(subcommandHelp(parser, QStringLiteral("compare"))), stdout);
        return 0;
    }
    const QStringList aFiles = parser.positionalArguments();
    if (dashes < 0 || aFiles.isEmpty() || bFiles.isEmpty())
        return usage(QStringLiteral("expected A.sqlite... -- B.sqlite... (at least one session on each side of --)"));
    std::uint64_t seed = 1;
    if (parser.isSet(seedOpt)) {
        bool ok = false;
        seed = parser.value(seedOpt).toULongLong(&ok);
        if (!ok || seed == 0)
            return usage(QStringLiteral("--seed: expected a positive integer, got '%1'").arg(parser.value(seedOpt)));
    }
    std::vector<std::unique_ptr<SessionSummary>> read;
    auto readSide = [&read](const QStringList& files, QList<const SessionSummary*>* side) {
        for (const QString& f : files) {
            auto s = std::make_unique<SessionSummary>();
            QString error;
            if (!readSession(f, s.get(), &error)) {
                std::fprintf(stderr, "%s compare: %s: %s\n", programName(), qPrintable(f), qPrintable(error));
                return false;
            }
            side->append(s.get());
            read.push_back(std::move(s));
        }
        return true;
    };
    QList<const SessionSummary*> a, b;
    if (!readSide(aFiles, &a) || !readSide(bFiles, &b))
        return 1;
    const RunComparison c = RunComparison::of(a, b, seed);
    const bool jsonToStdout = parser.isSet(jsonOpt) && parser.value(jsonOpt) == QLatin1String("-");
    std::FILE* text = jsonToStdout ? stderr : stdout;
    std::fputs(qPrintable(c.toText()), text);
    std::fflush(text);
    if (parser.isSet(jsonOpt)) {
        QJsonObject o = c.toJson();
        o.insert(QStringLiteral("program"), QCoreApplication::applicationName());
        o.insert(QStringLiteral("version"), QStringLiteral(CLUSTERLAB_VERSION));
        o.insert(QStringLiteral("startedUtc"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
        o.insert(QStringLiteral("seed"), QString::number(seed));
        const QByteArray bytes = QJsonDocument(o).toJson();
        bool ok = false;
        QString why;
        if (jsonToStdout) {
            ok = std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stdout) == static_cast<std::size_t>(bytes.size());
            std::fflush(stdout);
            why = QStringLiteral("standard output is closed");
        } else {
            QSaveFile f(parser.value(jsonOpt));
            ok = f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size() && f.commit();
            why = f.errorString();
        }
        if (!ok) {
            std::fprintf(stderr, "%s compare: cannot write %s: %s\n", programName(), qPrintable(parser.value(jsonOpt)), qPrintable(why));
            return 1;
        }
    }
    return 0;
}

} // namespace clusterlab
