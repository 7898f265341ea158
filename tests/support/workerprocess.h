// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <memory>

namespace clusterlab::test {

// Which engine serves: the native clusterlab-worker, or the Node.js engine
// (node clusterlab-node.js, one worker) for the suites that run on both.
enum class TestEngine { Native, Node };

// A real clusterlab-worker on an ephemeral port, for integration tests.
// start() waits (on signals, not sleeps) for its "listening on" line. The
// destructor stops it and reaps it, so a test leaves no process behind.
//
// With TestEngine::Node: the Node engine's primary with one worker and no
// telemetry, the same options (--max-connections, the timeouts, …); start()
// waits for its hello and its worker listening; pid() is the worker's (the
// process that serves, as the native one).
class WorkerProcess
{
public:
    explicit WorkerProcess(QStringList extraArgs = {}, QProcessEnvironment env = QProcessEnvironment::systemEnvironment(),
                           TestEngine engine = TestEngine::Native);
    WorkerProcess(TestEngine engine, QStringList extraArgs = {})
        : WorkerProcess(std::move(extraArgs), QProcessEnvironment::systemEnvironment(), engine)
    {
    }
    ~WorkerProcess();

    bool start(int timeoutMs = 10000);
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_engine == TestEngine::Node ? m_servingPid : m_process.processId(); }
    QProcess& process() { return m_process; }
    // Terminates gracefully (SIGTERM) and returns the exit code, or -1.
    int stop(int timeoutMs = 10000);
    // Everything the worker wrote on stderr so far (kept: calls accumulate).
    QByteArray stderrText()
    {
        m_stderr += m_process.readAllStandardError();
        return m_stderr;
    }

    static QString binary(const QString& name);
    // `node` (or `nodejs`) on the PATH, empty when there is none; the Node
    // engine's script in this build.
    static QString nodeProgram();
    static QString nodeScript();

private:
    bool startNode(int timeoutMs);
    TestEngine m_engine = TestEngine::Native;
    qint64 m_servingPid = 0;
    QProcess m_process;
    QStringList m_args;
    quint16 m_port = 0;
    QByteArray m_stdout;
    QByteArray m_stderr;
};

// Direct children of a process (Linux: /proc/PID/task/*/children). Empty
// elsewhere or when the process is gone.
QList<qint64> childPids(qint64 pid);
// True while a process with this pid exists (and is not a zombie).
bool processAlive(qint64 pid);
// True when /proc exposes children lists (the checks that need it skip otherwise).
bool canListChildren();

// "Kill this process", for tests, without a POSIX or Win32 call in them.
// killProcess: SIGKILL / TerminateProcess. interruptProcess: SIGINT (Ctrl+C);
// false where a test cannot send one (Windows: a console event reaches the
// whole console group, the test included).
bool killProcess(qint64 pid);
bool interruptProcess(qint64 pid);
// The signal number a crash by killProcess reports on Unix (SIGKILL).
constexpr int kKillSignal = 9;

// Socket options tests set on a connected socket: a receive buffer this
// small (to make the peer's writes partial), and SO_LINGER 0 (the close
// then resets the connection instead of a FIN).
void setReceiveBuffer(qintptr socket, int bytes);
void resetOnClose(qintptr socket);

} // namespace clusterlab::test
