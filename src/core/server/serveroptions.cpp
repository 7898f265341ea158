// SPDX-License-Identifier: GPL-3.0-or-later
#include "serveroptions.h"

#include "platform/processplatform.h"
#include "server/hostpolicy.h"

#include <QCommandLineParser>

namespace clusterlab {

namespace {

struct IntOption
{
    const char* name;
    const char* description;
    const char* valueName;
    int min;
    int max;
    bool internal;
};

// Internal options tune limits for tests and benchmarks; the help hides them.
const IntOption kIntOptions[] = {
    { "port", "TCP port to listen on (0 = any free port).", "P", 0, 65535, false },
    { "pool-threads", "Threads for /worker (default: one per core).", "T", 1, 1024, false },
    { "max-children", "Concurrent /child task processes (default: 2 x cores).", "K", 1, 4096, false },
    { "max-queue", "Waiting /worker jobs and /child tasks before 503 (default 64).", "Q", 0, 1000000, false },
    { "max-connections", "Open connections before 503 (default 1000).", "C", 1, 1000000, false },
    { "index", "This worker's index in its cluster (default 0).", "I", 0, 100000, true },
    { "header-timeout-ms", "A started request must be complete within this (default 10000).", "MS", 1, 3600000, true },
    { "idle-timeout-ms", "Idle keep-alive connections close after this (default 5000).", "MS", 1, 3600000, true },
    { "write-timeout-ms", "A client that takes none of our output for this long is dropped (default 10000).", "MS", 1, 3600000, true },
    { "task-timeout-ms", "A /child task running longer gets 504 (default 60000).", "MS", 1, 86400000, true },
};

} // namespace

void addServerOptions(QCommandLineParser* parser)
{
    parser->addOption({ QStringLiteral("host"), QStringLiteral("Address to bind (default 127.0.0.1)."),
                        QStringLiteral("H") });
    parser->addOption({ QStringLiteral("allow-host"),
                        QStringLiteral("Also answer requests whose Host is NAME (repeatable); others get 421."),
                        QStringLiteral("NAME") });
    for (const IntOption& o : kIntOptions) {
        QCommandLineOption opt(QString::fromLatin1(o.name), QString::fromLatin1(o.description),
                               QString::fromLatin1(o.valueName));
        if (o.internal)
            opt.setFlags(QCommandLineOption::HiddenFromHelp);
        parser->addOption(opt);
    }
    QCommandLineOption task(QStringLiteral("task-program"),
                            QStringLiteral("Executable run for /child (default: clusterlab-task beside this one)."),
                            QStringLiteral("PATH"));
    task.setFlags(QCommandLineOption::HiddenFromHelp);
    parser->addOption(task);
    parser->addOption({ QStringLiteral("fault-injection"),
                        QStringLiteral("Accept the experiments' fault=crash|throw|hang and payload=MiB on /worker and "
                                       "/child (off: a 400).") });
}

bool readServerOptions(const QCommandLineParser& parser, ServerConfig* config, QString* error)
{
    if (parser.isSet(QStringLiteral("host"))) {
        const QString text = parser.value(QStringLiteral("host"));
        QHostAddress address;
        if (text == QLatin1String("localhost"))
            address = QHostAddress(QHostAddress::LocalHost);
        else if (!address.setAddress(text)) {
            *error = QStringLiteral("--host: '%1' is not an IP address (use e.g. 127.0.0.1 or 0.0.0.0)").arg(text);
            return false;
        }
        config->host = address;
    }
    for (const QString& name : parser.values(QStringLiteral("allow-host"))) {
        if (!HostPolicy::validName(name)) {
            *error = QStringLiteral("--allow-host: '%1' is not a host name (letters, digits, '-' and '.', or an IP address; no port)").arg(name);
            return false;
        }
        config->allowedHosts << name;
    }
    for (const IntOption& o : kIntOptions) {
        const QString name = QString::fromLatin1(o.name);
        if (!parser.isSet(name))
            continue;
        bool ok = false;
        const QString text = parser.value(name);
        const int value = text.toInt(&ok);
        if (!ok || value < o.min || value > o.max) {
            *error = QStringLiteral("--%1: expected an integer %2..%3, got '%4'").arg(name).arg(o.min).arg(o.max).arg(text);
            return false;
        }
        if (name == QLatin1String("port"))
            config->port = static_cast<quint16>(value);
        else if (name == QLatin1String("pool-threads"))
            config->poolThreads = value;
        else if (name == QLatin1String("max-children"))
            config->maxChildren = value;
        else if (name == QLatin1String("max-queue"))
            config->maxQueue = value;
        else if (name == QLatin1String("max-connections"))
            config->maxConnections = value;
        else if (name == QLatin1String("index"))
            config->workerIndex = value;
        else if (name == QLatin1String("header-timeout-ms"))
            config->headerTimeoutMs = value;
        else if (name == QLatin1String("idle-timeout-ms"))
            config->idleTimeoutMs = value;
        else if (name == QLatin1String("write-timeout-ms"))
            config->writeTimeoutMs = value;
        else if (name == QLatin1String("task-timeout-ms"))
            config->taskTimeoutMs = value;
    }
    if (parser.isSet(QStringLiteral("task-program")))
        config->taskProgram = parser.value(QStringLiteral("task-program"));
    config->faultInjection = parser.isSet(QStringLiteral("fault-injection"));
    return true;
}

void raiseFileDescriptorLimit()
{
    platform::raiseDescriptorLimit();
}

} // namespace clusterlab
