// SPDX-License-Identifier: GPL-3.0-or-later
#include "commandline.h"
#include "observecommand.h"

#include "load/loadconfig.h"
#include "platform/attribution.h"
#include "platform/processplatform.h"
#include "platform/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QProcess>
#include <QSet>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace clusterlab {

namespace {

int usage(const QString& message)
{
    std::fprintf(stderr, "%s observe: %s\n(see clusterlab observe --help)\n", programName(), qPrintable(message));
    return 2;
}

struct Previous
{
    std::int64_t cpuNs = -1;
    qint64 atMs = 0;
};

class Observer
{
public:
    Observer(quint16 port, int count, QProcess* command)
        : m_port(port), m_count(count), m_command(command)
    {
    }

    bool start()
    {
        QList<qint64> roots;
        if (m_command != nullptr)
            roots.append(m_command->processId());
        m_owners = std::make_unique<platform::ConnectionOwners>(m_port, roots);
        if (!m_owners->isAvailable()) {
            std::fprintf(stderr, "%s observe: %s\n", programName(), qPrintable(m_owners->note()));
            return false;
        }
        if (m_command == nullptr && m_owners->listenerOwners().isEmpty()) {
            std::fprintf(stderr, "%s observe: nothing on this machine listens on port %u%s%s\n", programName(), m_port,
                         m_owners->note().isEmpty() ? "" : ": ", qPrintable(m_owners->note()));
            return false;
        }
        m_clock.start();
        return true;
    }

    // One table; false when observing should end.
    bool tick()
    {
        const QList<qint64> tree = m_owners->targetProcesses();
        const QList<qint64> listeners = m_owners->listenerOwners();
        const QHash<qint64, int> conns = m_port != 0 ? m_owners->connectionsByOwner() : QHash<qint64, int>();
        const qint64 nowMs = m_clock.elapsed();
        QList<platform::ProcessSample> samples;
        QSet<qint64> alive;
        for (qint64 pid : tree) {
            platform::ProcessSample s;
            if (platform::sampleProcess(pid, &s)) {
                samples.append(s);
                alive.insert(pid);
            }
        }
        for (qint64 pid : alive) {
            if (!m_seen.contains(pid) && m_tables > 0)
                std::printf("+ pid %lld appeared\n", static_cast<long long>(pid));
        }
        for (qint64 pid : m_seen) {
            if (!alive.contains(pid))
                std::printf("- pid %lld exited\n", static_cast<long long>(pid));
        }
        m_seen = alive;
        for (auto it = m_prev.begin(); it != m_prev.end();) // bounded: only the living are remembered
            it = alive.contains(it.key()) ? std::next(it) : m_prev.erase(it);
        int total = 0;
        for (int n : conns)
            total += n;
        std::printf("%s — %lld %s, %d connection%s  (%s)\n",
                    m_port != 0 ? qPrintable(QStringLiteral("port %1").arg(m_port)) : "the command's processes",
                    static_cast<long long>(samples.size()), samples.size() == 1 ? "process" : "processes", total,
                    total == 1 ? "" : "s", qPrintable(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss"))));
        std::printf("  %7s %7s %-8s %5s %6s %8s %7s %6s  %s\n", "PID", "PPID", "ROLE", "STATE", "CPU%", "RSS MiB", "THREADS",
                    m_port != 0 ? "CONNS" : "", "NAME");
        QHash<qint64, int> depth;
        for (const platform::ProcessSample& s : samples) {
            const int d = depth.contains(s.parentPid) ? depth.value(s.parentPid) + 1 : 0;
            depth.insert(s.pid, d);
            const Previous prev = m_prev.value(s.pid);
            QString cpu = QStringLiteral("-");
            if (s.cpuNs >= 0 && prev.cpuNs >= 0 && nowMs > prev.atMs)
                cpu = QString::number(100.0 * static_cast<double>(s.cpuNs - prev.cpuNs) / 1e6 / static_cast<double>(nowMs - prev.atMs), 'f', 1);
            m_prev.insert(s.pid, { s.cpuNs, nowMs });
            const QString rss = s.residentKiB >= 0 ? QString::number(static_cast<double>(s.residentKiB) / 1024.0, 'f', 1)
                                                   : QStringLiteral("-");
            const QString threads = s.threads >= 0 ? QString::number(s.threads) : QStringLiteral("-");
            const QString role = listeners.contains(s.pid) ? QStringLiteral("listener")
                                                           : (d == 0 ? QStringLiteral("command") : QString());
            const QString c = m_port != 0 ? QString::number(conns.value(s.pid, 0)) : QString();
            std::printf("  %7lld %7lld %-8s %5c %6s %8s %7s %6s  %s%s\n", static_cast<long long>(s.pid),
                        static_cast<long long>(s.parentPid), qPrintable(role), s.state, qPrintable(cpu), qPrintable(rss),
                        qPrintable(threads), qPrintable(c), qPrintable(QString(2 * d, QLatin1Char(' '))), qPrintable(s.name));
        }
        if (conns.value(0, 0) > 0)
            std::printf("  %d connection%s not held by a process of the target (not accepted yet, or not readable)\n",
                        conns.value(0), conns.value(0) == 1 ? "" : "s");
        if (!m_owners->note().isEmpty())
            std::printf("  Note: %s\n", qPrintable(m_owners->note()));
        std::printf("\n");
        std::fflush(stdout);
        ++m_tables;
        return m_count == 0 || m_tables < m_count;
    }

private:
    quint16 m_port;
    int m_count;
    QProcess* m_command;
    std::unique_ptr<platform::ConnectionOwners> m_owners;
    QHash<qint64, Previous> m_prev;
    QSet<qint64> m_seen;
    QElapsedTimer m_clock;
    int m_tables = 0;
};

} // namespace

int runObserve(const QStringList& allArgs)
{
    // Everything after "--" is the command, untouched by the parser.
    const qsizetype dashes = allArgs.indexOf(QStringLiteral("--"));
    const QStringList args = dashes >= 0 ? allArgs.mid(0, dashes) : allArgs;
    const QStringList command = dashes >= 0 ? allArgs.mid(dashes + 1) : QStringList();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Show a server's processes live: the owner of the port's listening socket and its descendants, or a command "
        "started here, with CPU, memory, threads and connections per process, found through the operating system."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("-- COMMAND"), QStringLiteral("Start COMMAND and observe its processes."),
                                 QStringLiteral("[-- COMMAND [ARGS...]]"));
    const QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("The server's TCP port on this machine."), QStringLiteral("P"));
    const QCommandLineOption intervalOpt(QStringLiteral("interval"), QStringLiteral("Between tables: 1s (default), 500ms, 2s; a bare number is ms (at least 100 ms)."),
                                         QStringLiteral("DURATION"));
    const QCommandLineOption countOpt(QStringLiteral("count"), QStringLiteral("Stop after N tables (default: until Ctrl-C)."), QStringLiteral("N"));
    parser.addOptions({ portOpt, intervalOpt, countOpt });
    if (!parser.parse(QStringList { QStringLiteral("clusterlab observe") } + args))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help")) || parser.isSet(QStringLiteral("help-all"))) {
        std::fputs(qPrintable(subcommandHelp(parser, QStringLiteral("observe"))), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usage(QStringLiteral("unexpected '%1' (a command goes after --)").arg(parser.positionalArguments().constFirst()));
    bool ok = true;
    quint16 port = 0;
    if (parser.isSet(portOpt)) {
        const int p = parser.value(portOpt).toInt(&ok);
        if (!ok || p < 1 || p > 65535)
            return usage(QStringLiteral("--port: expected 1..65535, got '%1'").arg(parser.value(portOpt)));
        port = static_cast<quint16>(p);
    }
    if (port == 0 && command.isEmpty())
        return usage(QStringLiteral("expected --port P or -- COMMAND"));
    if (dashes >= 0 && command.isEmpty())
        return usage(QStringLiteral("expected a command after --"));
    std::int64_t intervalMs = 1000;
    if (parser.isSet(intervalOpt)) {
        QString why;
        if (!parseDurationSpec(parser.value(intervalOpt), &intervalMs, &why, true))
            return usage(QStringLiteral("--interval: ") + why);
        if (intervalMs < 100 || intervalMs > 3600000)
            return usage(QStringLiteral("--interval: expected 100 ms to 1 h, got '%1'").arg(parser.value(intervalOpt)));
    }
    const int count = parser.isSet(countOpt) ? parser.value(countOpt).toInt(&ok) : 0;
    if (!ok || count < 0)
        return usage(QStringLiteral("--count: expected a number of tables, got '%1'").arg(parser.value(countOpt)));

    std::unique_ptr<QProcess> child;
    if (!command.isEmpty()) {
        child = std::make_unique<QProcess>();
        child->setProcessChannelMode(QProcess::ForwardedChannels);
        child->setInputChannelMode(QProcess::ForwardedInputChannel);
        platform::startAsGroupLeader(child.get());
        child->start(command.constFirst(), command.mid(1));
        if (!child->waitForStarted(10000)) {
            std::fprintf(stderr, "%s observe: cannot start %s: %s\n", programName(), qPrintable(command.constFirst()),
                         qPrintable(child->errorString()));
            return 1;
        }
        platform::assignToKillOnCloseJob(child.get());
    }
    Observer observer(port, count, child.get());
    auto stopCommand = [&child]() {
        if (!child || child->state() == QProcess::NotRunning)
            return;
        const qint64 pid = child->processId();
        platform::stopGroup(pid, platform::Stop::Terminate);
        if (!child->waitForFinished(3000)) {
            platform::stopGroup(pid, platform::Stop::Kill);
            child->waitForFinished(3000);
        }
    };
    if (!observer.start()) {
        stopCommand();
        return 1;
    }
    SignalWatcher signals;
    QTimer timer;
    timer.setInterval(static_cast<int>(intervalMs));
    int result = 0;
    QObject::connect(&timer, &QTimer::timeout, [&]() {
        if (!observer.tick())
            QCoreApplication::exit(0);
    });
    QObject::connect(&signals, &SignalWatcher::terminationRequested, [](int) { QCoreApplication::exit(0); });
    if (child) {
        QObject::connect(child.get(), &QProcess::finished, [&](int code, QProcess::ExitStatus status) {
            std::printf("The command exited %s %d\n", status == QProcess::NormalExit ? "with code" : "by signal", code);
            QCoreApplication::exit(0);
        });
    }
    if (observer.tick()) {
        timer.start();
        result = QCoreApplication::exec();
    }
    if (child && child->state() != QProcess::NotRunning) {
        QObject::disconnect(child.get(), &QProcess::finished, nullptr, nullptr);
        std::printf("Stopping the command (its process group)\n");
    }
    stopCommand();
    return result;
}

} // namespace clusterlab
