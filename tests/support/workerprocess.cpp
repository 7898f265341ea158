// SPDX-License-Identifier: GPL-3.0-or-later
#include "workerprocess.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QRegularExpression>

#if defined(Q_OS_UNIX)
#include <csignal>
#include <sys/socket.h>
#include <sys/types.h>
#elif defined(Q_OS_WIN)
#include <winsock2.h>
#include <windows.h>
#endif

namespace clusterlab::test {

QString WorkerProcess::binary(const QString& name)
{
    // Tests are built into the same bin/ folder as the programs.
    return QDir(QCoreApplication::applicationDirPath()).filePath(name);
}

WorkerProcess::WorkerProcess(QStringList extraArgs, QProcessEnvironment env, TestEngine engine)
    : m_engine(engine)
    , m_args(std::move(extraArgs))
{
    m_process.setProgram(engine == TestEngine::Node ? nodeProgram() : binary(QStringLiteral("clusterlab-worker")));
    m_process.setProcessEnvironment(env);
}

QString WorkerProcess::nodeProgram()
{
    for (const QString& name : { QStringLiteral("node"), QStringLiteral("nodejs") }) {
        const QString found = QStandardPaths::findExecutable(name);
        if (!found.isEmpty())
            return found;
    }
    return QString();
}

QString WorkerProcess::nodeScript()
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/clusterlab/node/clusterlab-node.js"));
}

bool WorkerProcess::startNode(int timeoutMs)
{
    QStringList args { nodeScript(), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--workers"),
                       QStringLiteral("1"), QStringLiteral("--no-telemetry") };
    args += m_args;
    m_process.setArguments(args);
    m_process.start(); // its standard input stays open: the primary lives until it closes
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (!m_process.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime()))))
            break;
        m_stdout += m_process.readAllStandardOutput();
        qsizetype end = 0;
        while ((end = m_stdout.indexOf('\n')) >= 0) {
            const QJsonObject o = QJsonDocument::fromJson(m_stdout.left(end)).object();
            m_stdout.remove(0, end + 1);
            const QString type = o.value(QStringLiteral("type")).toString();
            if (type == QLatin1String("hello"))
                m_port = static_cast<quint16>(o.value(QStringLiteral("port")).toInt());
            else if (type == QLatin1String("event") && o.value(QStringLiteral("kind")).toString() == QLatin1String("listening"))
                m_servingPid = o.value(QStringLiteral("pid")).toInteger();
            else if (type == QLatin1String("all-listening") && m_port != 0 && m_servingPid != 0)
                return true;
        }
    }
    m_stderr += m_process.readAllStandardError();
    return false;
}

WorkerProcess::~WorkerProcess()
{
    stop(10000);
}

bool WorkerProcess::start(int timeoutMs)
{
    if (m_engine == TestEngine::Node)
        return startNode(timeoutMs);
    QStringList args { QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--die-with-parent") };
    args += m_args;
    m_process.setArguments(args);
    m_process.start();
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    static const QRegularExpression re(QStringLiteral("listening on http://[^:]+:(\\d+)"));
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (!m_process.waitForReadyRead(static_cast<int>(qMax<qint64>(1, deadline.remainingTime()))))
            break;
        m_stdout += m_process.readAllStandardOutput();
        const auto match = re.match(QString::fromUtf8(m_stdout));
        if (match.hasMatch()) {
            m_port = static_cast<quint16>(match.captured(1).toUInt());
            return true;
        }
    }
    m_stderr += m_process.readAllStandardError();
    return false;
}

int WorkerProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    if (m_engine == TestEngine::Node)
        m_process.closeWriteChannel(); // the Node primary stops its workers and exits
    else
        m_process.terminate();
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(timeoutMs);
        return -1;
    }
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

bool canListChildren()
{
    return QFile::exists(QStringLiteral("/proc/self/task/%1/children").arg(QCoreApplication::applicationPid()));
}

QList<qint64> childPids(qint64 pid)
{
    QList<qint64> result;
    QDir tasks(QStringLiteral("/proc/%1/task").arg(pid));
    const QStringList tids = tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString& tid : tids) {
        QFile f(tasks.filePath(tid + QStringLiteral("/children")));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QList<QByteArray> parts = f.readAll().simplified().split(' ');
        for (const QByteArray& p : parts) {
            bool ok = false;
            const qint64 child = p.toLongLong(&ok);
            if (ok)
                result.append(child);
        }
    }
    return result;
}

bool processAlive(qint64 pid)
{
#if defined(Q_OS_UNIX)
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        const qsizetype close = text.lastIndexOf(')');
        return close < 0 || text.mid(close + 2, 1) != "Z";
    }
    return ::kill(static_cast<pid_t>(pid), 0) == 0;
#else
    const HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr)
        return false;
    const bool running = WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
    CloseHandle(h);
    return running;
#endif
}

bool killProcess(qint64 pid)
{
#if defined(Q_OS_UNIX)
    return ::kill(static_cast<pid_t>(pid), SIGKILL) == 0;
#else
    const HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr)
        return false;
    const bool ok = TerminateProcess(h, 1) != 0;
    CloseHandle(h);
    return ok;
#endif
}

bool interruptProcess(qint64 pid)
{
#if defined(Q_OS_UNIX)
    return ::kill(static_cast<pid_t>(pid), SIGINT) == 0;
#else
    Q_UNUSED(pid);
    return false;
#endif
}

void setReceiveBuffer(qintptr socket, int bytes)
{
#if defined(Q_OS_UNIX)
    ::setsockopt(static_cast<int>(socket), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
#else
    ::setsockopt(static_cast<SOCKET>(socket), SOL_SOCKET, SO_RCVBUF, reinterpret_cast<const char*>(&bytes), sizeof bytes);
#endif
}

void resetOnClose(qintptr socket)
{
    const linger l { 1, 0 };
#if defined(Q_OS_UNIX)
    ::setsockopt(static_cast<int>(socket), SOL_SOCKET, SO_LINGER, &l, sizeof l);
#else
    ::setsockopt(static_cast<SOCKET>(socket), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l);
#endif
}

} // namespace clusterlab::test
