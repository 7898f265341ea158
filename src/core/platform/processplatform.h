// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <QtGlobal>

#include <cstdint>

class QProcess;

namespace clusterlab::platform {

// The path of a helper executable of ours ("clusterlab-worker" ->
// ".../clusterlab-worker", or ".exe" on Windows): beside this executable
// when it is there (the build tree, macOS's bundle, Windows), else in the
// installed helpers' folder relative to it (Linux packages:
// /usr/bin/clusterlab -> /usr/libexec/clusterlab/clusterlab-worker), else the
// path beside this one, for the caller's "not found" message.
QString siblingExecutable(const QString& name);

// Every process detail (resources, signals, parent watch, descriptor
// limits) lives behind these functions: processplatform_unix.cpp (Linux and
// macOS) and processplatform_win.cpp.

// This process's CPU time, user + system, in nanoseconds.
std::int64_t processCpuNs();

// This process's resident memory in KiB (0 when the system does not say).
qint64 residentKiB();

// Stops a child process: Terminate asks (SIGTERM on Unix; on Windows a
// console process has no such signal, so the cluster asks through its
// control channel first and this falls back to Kill), Kill ends it now.
enum class Stop { Terminate, Kill };
void stopProcess(QProcess* process, Stop how);

// Ends this process when its parent dies, even by SIGKILL: the kernel's
// parent-death signal on Linux, a kqueue NOTE_EXIT watch on macOS. On
// Windows the parent puts its children in a kill-on-close Job Object
// instead (see assignToKillOnCloseJob), so this does nothing there.
void dieWithParent();

// Windows: puts the started process into the primary's Job Object, created
// once with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, so that nothing outlives
// the primary. Unix: nothing (dieWithParent covers it from the child).
void assignToKillOnCloseJob(QProcess* process);

// Raises the soft limit on open descriptors to the hard limit (Unix);
// nothing on Windows, whose handle table has no such soft limit.
void raiseDescriptorLimit();

// Lowers the calling thread's scheduling priority a little (Linux: nice +5
// for this thread only; Windows: below normal): background work that must
// not take the CPU from a window's thread. Best effort.
void lowerCurrentThreadPriority();

// A command started for the user (`observe -- COMMAND`): Unix, it leads a
// process group of its own, so that it and whatever it starts stop
// together; Windows, it joins the kill-on-close Job Object.
void startAsGroupLeader(QProcess* process);
// Stops that group: Unix, the signal goes to every process of the group;
// Windows, the process itself (the job ends the rest when we exit).
void stopGroup(qint64 leaderPid, Stop how);

// Stops a process we did not start (an external server's): Terminate asks
// (SIGTERM; Windows has no such request for another process and ends it),
// Kill ends it. False when it cannot be signalled (gone, not ours).
bool stopPid(qint64 pid, Stop how);

// Whether a process with this pid runs (any user's; a zombie counts).
bool processRunning(qint64 pid);

// True when standard output is a terminal (for progress lines).
bool stdoutIsTerminal();
bool stderrIsTerminal();

// Unix: makes `inheritFd` and `counterFd` (either may be -1) appear at
// kInheritedFd and kServedCounterFd in the child QProcess will start, and
// nothing else of ours. Windows: nothing (sockets go to a worker through
// WSADuplicateSocketW over the control channel, not by inheritance).
void handDescriptorsToChild(QProcess* process, qintptr inheritFd, qintptr counterFd);

} // namespace clusterlab::platform
