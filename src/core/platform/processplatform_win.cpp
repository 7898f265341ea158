// SPDX-License-Identifier: GPL-3.0-or-later
// Windows implementation of processplatform.h.
#include "platform/processplatform.h"

#include <QCoreApplication>
#include <QDir>
#include <QProcess>

#include <mutex>

#include <windows.h>
#include <psapi.h>

namespace clusterlab::platform {

QString siblingExecutable(const QString& name)
{
    return QDir(QCoreApplication::applicationDirPath()).filePath(name + QStringLiteral(".exe"));
}

namespace {
std::int64_t fileTimeNs(const FILETIME& t)
{
    ULARGE_INTEGER v;
    v.LowPart = t.dwLowDateTime;
    v.HighPart = t.dwHighDateTime;
    return static_cast<std::int64_t>(v.QuadPart) * 100; // 100 ns units
}

HANDLE killOnCloseJob()
{
    static HANDLE job = nullptr;
    static std::once_flag once;
    std::call_once(once, []() {
        job = CreateJobObjectW(nullptr, nullptr);
        if (job == nullptr)
            return;
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits {};
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
            CloseHandle(job);
            job = nullptr;
        }
        // Never closed: the handle closes when the primary exits, however
        // it exits, and the system then ends every process in the job.
    });
    return job;
}
} // namespace

std::int64_t processCpuNs()
{
    FILETIME created, exited, kernel, user;
    if (!GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user))
        return 0;
    return fileTimeNs(kernel) + fileTimeNs(user);
}

qint64 residentKiB()
{
    PROCESS_MEMORY_COUNTERS counters {};
    if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters))
        return 0;
    return static_cast<qint64>(counters.WorkingSetSize / 1024);
}

void stopProcess(QProcess* process, Stop how)
{
    if (process == nullptr || process->state() == QProcess::NotRunning)
        return;
    // A console worker has no window to receive WM_CLOSE (what
    // QProcess::terminate sends): the cluster asks it to stop through the
    // control channel; when that is not possible, end it.
    Q_UNUSED(how);
    process->kill();
}

void dieWithParent()
{
}

void assignToKillOnCloseJob(QProcess* process)
{
    if (process == nullptr || process->state() == QProcess::NotRunning)
        return;
    const HANDLE job = killOnCloseJob();
    if (job == nullptr)
        return;
    const HANDLE child = OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, FALSE,
                                     static_cast<DWORD>(process->processId()));
    if (child == nullptr)
        return;
    AssignProcessToJobObject(job, child);
    CloseHandle(child);
}

void raiseDescriptorLimit()
{
}

void startAsGroupLeader(QProcess*)
{
    // Nothing before the start; the caller puts the started process in the
    // kill-on-close job (assignToKillOnCloseJob).
}

void stopGroup(qint64 leaderPid, Stop)
{
    const HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, static_cast<DWORD>(leaderPid));
    if (h == nullptr)
        return;
    TerminateProcess(h, 1);
    CloseHandle(h);
}

bool stopPid(qint64 pid, Stop)
{
    const HANDLE h = OpenProcess(PROCESS_TERMINATE, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr)
        return false;
    const bool ok = TerminateProcess(h, 1) != 0;
    CloseHandle(h);
    return ok;
}

bool stdoutIsTerminal()
{
    DWORD mode = 0;
    return GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) != 0;
}

bool processRunning(qint64 pid)
{
    if (pid <= 0 || pid > 0xFFFFFFFFLL)
        return false;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr)
        return GetLastError() == ERROR_ACCESS_DENIED; // it runs, as someone else
    DWORD code = 0;
    const bool running = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
    CloseHandle(h);
    return running;
}

bool stderrIsTerminal()
{
    DWORD mode = 0;
    return GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode) != 0;
}

void handDescriptorsToChild(QProcess*, qintptr, qintptr)
{
}

void lowerCurrentThreadPriority()
{
    ::SetThreadPriority(::GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
}

} // namespace clusterlab::platform
