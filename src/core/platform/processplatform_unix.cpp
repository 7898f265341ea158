// SPDX-License-Identifier: GPL-3.0-or-later
// Unix implementation of processplatform.h (Linux and macOS).
#include "platform/processplatform.h"

#include "platform/socketplatform.h"

#include <QFile>
#include <QList>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>

#include <cerrno>
#include <csignal>
#include <limits>
#include <ctime>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(Q_OS_LINUX)
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif
#if defined(Q_OS_MACOS)
#include <mach/mach.h>
#include <pthread/qos.h>
#include <sys/event.h>
#endif

namespace clusterlab::platform {

QString siblingExecutable(const QString& name)
{
    const QDir here(QCoreApplication::applicationDirPath());
    const QString beside = here.filePath(name);
#if defined(CLUSTERLAB_HELPERS_FROM_BINDIR)
    // CMake's install layout: the helpers in LIBEXECDIR/clusterlab,
    // written relative to BINDIR (usually "../libexec/clusterlab").
    if (!QFileInfo(beside).isExecutable()) {
        const QString installed = QDir::cleanPath(here.filePath(QStringLiteral(CLUSTERLAB_HELPERS_FROM_BINDIR "/") + name));
        if (QFileInfo(installed).isExecutable())
            return installed;
    }
#endif
    return beside;
}

std::int64_t processCpuNs()
{
    timespec ts {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

qint64 residentKiB()
{
#if defined(Q_OS_LINUX)
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    const long page = ::sysconf(_SC_PAGESIZE);
    return parts.size() > 1 ? parts[1].toLongLong() * (page > 0 ? page : 4096) / 1024 : 0;
#elif defined(Q_OS_MACOS)
    mach_task_basic_info_data_t info {};
    mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
    if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info), &count) != KERN_SUCCESS)
        return 0;
    return static_cast<qint64>(info.resident_size / 1024);
#else
    return 0;
#endif
}

void stopProcess(QProcess* process, Stop how)
{
    if (process == nullptr || process->state() == QProcess::NotRunning)
        return;
    ::kill(static_cast<pid_t>(process->processId()), how == Stop::Terminate ? SIGTERM : SIGKILL);
}

void dieWithParent()
{
#if defined(Q_OS_LINUX)
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
#elif defined(Q_OS_MACOS)
    // No parent-death signal on macOS: a thread waits on a kqueue for the
    // parent's exit and ends us (a SIGTERM, so the graceful path runs).
    const pid_t parent = ::getppid();
    const int kq = ::kqueue();
    if (kq < 0)
        return;
    struct kevent change {};
    EV_SET(&change, parent, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, nullptr);
    if (::kevent(kq, &change, 1, nullptr, 0, nullptr) < 0) {
        ::close(kq);
        if (::getppid() != parent) // gone already
            ::kill(::getpid(), SIGTERM);
        return;
    }
    std::thread([kq]() {
        struct kevent event {};
        while (::kevent(kq, nullptr, 0, &event, 1, nullptr) < 0) {
        }
        ::kill(::getpid(), SIGTERM);
    }).detach();
#endif
}

void assignToKillOnCloseJob(QProcess*)
{
}

void lowerCurrentThreadPriority()
{
#if defined(Q_OS_LINUX)
    // Linux schedules threads as tasks: a nice value set on this thread's id
    // applies to this thread alone.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5);
#elif defined(Q_OS_MACOS)
    // macOS: the utility QoS class (below the window's user-interactive one).
    ::pthread_set_qos_class_self_np(QOS_CLASS_UTILITY, 0);
#endif
}

void raiseDescriptorLimit()
{
    struct rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
#if defined(Q_OS_MACOS)
        // macOS refuses a soft limit above OPEN_MAX whatever the hard one says.
        if (rl.rlim_cur > OPEN_MAX)
            rl.rlim_cur = OPEN_MAX;
#endif
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void startAsGroupLeader(QProcess* process)
{
    process->setChildProcessModifier([]() { ::setpgid(0, 0); });
}

void stopGroup(qint64 leaderPid, Stop how)
{
    if (leaderPid > 1)
        ::kill(-static_cast<pid_t>(leaderPid), how == Stop::Terminate ? SIGTERM : SIGKILL);
}

bool stopPid(qint64 pid, Stop how)
{
    return pid > 1 && ::kill(static_cast<pid_t>(pid), how == Stop::Terminate ? SIGTERM : SIGKILL) == 0;
}

bool stdoutIsTerminal()
{
    return ::isatty(STDOUT_FILENO) != 0;
}

bool processRunning(qint64 pid)
{
    if (pid <= 0 || pid > std::numeric_limits<pid_t>::max())
        return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool stderrIsTerminal()
{
    return ::isatty(STDERR_FILENO) != 0;
}

void handDescriptorsToChild(QProcess* process, qintptr inheritFd, qintptr counterFd)
{
    if (inheritFd < 0 && counterFd < 0)
        return;
    // The descriptors handed over on purpose; everything else of ours is
    // close-on-exec (Qt 6.4's QProcess closes nothing itself). Runs in the
    // child between fork and exec: async-signal-safe calls only. Both
    // sources are first copied above the targets, so that placing one
    // never overwrites the other.
    const int a = static_cast<int>(inheritFd);
    const int b = static_cast<int>(counterFd);
    process->setChildProcessModifier([a, b]() {
        const int ha = a >= 0 ? ::fcntl(a, F_DUPFD_CLOEXEC, 10) : -1;
        const int hb = b >= 0 ? ::fcntl(b, F_DUPFD_CLOEXEC, 10) : -1;
        if (ha >= 0)
            ::dup2(ha, kInheritedFd); // dup2 clears close-on-exec on the copy
        if (hb >= 0)
            ::dup2(hb, kServedCounterFd);
    });
}

} // namespace clusterlab::platform
