// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QProcess>
#include <QList>
#include <QString>

#include <atomic>
#include <cstdint>

namespace clusterlab::platform {

// Every socket detail of the cluster lives behind these functions, one
// implementation file per platform (socketplatform_unix.cpp,
// socketplatform_win.cpp). Descriptors are plain integers (qintptr); all
// that we create are close-on-exec, so nothing leaks into workers or tasks
// unless handed over on purpose.

// The descriptor number a worker finds its inherited socket at (Unix).
constexpr int kInheritedFd = 3;

// Starts the system's socket layer once (WSAStartup on Windows, before our
// first socket call: Qt starts its own only when a Qt socket is made);
// nothing on Unix. Every function here that makes a socket calls it.
void startNetworking();

// A listening TCP socket (SO_REUSEADDR on Unix, SO_EXCLUSIVEADDRUSE on
// Windows). *boundPort receives the port (useful with port 0). On failure,
// *addressInUse (when given) says whether another socket has the port.
qintptr createListener(const QHostAddress& host, quint16 port, quint16* boundPort, QString* error,
                       bool* addressInUse = nullptr);

// A socket bound with SO_REUSEPORT, listening when `listen` is true. The
// primary binds one without listening to reserve (and learn) the port; each
// worker then binds and listens its own. Linux only.
qintptr createReusePortSocket(const QHostAddress& host, quint16 port, bool listen, quint16* boundPort,
                              QString* error, bool* addressInUse = nullptr);

// How a worker gets sockets from the primary.
// Unix: the listening socket or the worker's end of its handoff channel is
// inherited (placed at kInheritedFd), and each round-robin connection
// travels over the channel as SCM_RIGHTS; the primary may close its copy at
// once. Windows (kSocketsByDuplication): nothing is inherited; the primary
// calls WSADuplicateSocketW for the worker's pid and the worker opens its
// own handle from those WSAPROTOCOL_INFOW bytes with WSASocketW: the
// listening socket or the channel's worker end in a "socket" message on the
// control channel, each connection as one record on the handoff channel.
// The primary keeps its copy of a connection until the worker acknowledged
// it (what Node does too), so none is lost to a worker that dies first.
#if defined(Q_OS_WIN)
constexpr bool kSocketsByDuplication = true;
#else
constexpr bool kSocketsByDuplication = false;
#endif

// A connected pair for handing accepted connections to one worker
// (socketpair on Unix; two loopback TCP sockets on Windows).
bool createHandoffPair(qintptr* primaryEnd, qintptr* workerEnd, QString* error);

// Sends one connection over a handoff channel to the worker process
// `workerPid`. False when the worker end is gone or full; the caller still
// owns `fd` either way (and must keep it until the acknowledgement when
// kSocketsByDuplication).
bool sendDescriptor(qintptr channel, qintptr fd, qint64 workerPid);

// Windows: the bytes that let process `pid` open its own handle to
// `socket`; empty on failure (and always on Unix, where sockets travel by
// inheritance and SCM_RIGHTS).
QByteArray duplicateForProcess(qintptr socket, qint64 pid);
// Windows: the socket those bytes describe, opened in this process; -1 on
// failure (and always on Unix).
qintptr adoptDuplicated(const QByteArray& bytes);

// Round-robin hand-over acknowledgements (Node's semantic: a worker is
// given its next connection only once it has adopted the previous one).
// The worker sends one byte per adopted connection; the primary counts
// what arrived (non-blocking; *closed when the worker's end is gone).
bool sendAcknowledgement(qintptr channel);
int receiveAcknowledgements(qintptr channel, bool* closed);

// Receives every descriptor waiting on a handoff channel (non-blocking).
// *closed is set when the primary's end is gone.
QList<qintptr> receiveDescriptors(qintptr channel, bool* closed);

// Accepts every connection already queued on a listening socket
// (non-blocking), so that closing it resets none of them.
QList<qintptr> acceptPending(qintptr listener);

// A 64-bit counter in memory shared with a worker, which the primary can
// still read after the worker died (even by SIGKILL): how many responses
// it wrote. The primary creates it and hands the descriptor over; the
// worker maps it. Null on failure.
std::atomic<std::uint64_t>* createSharedCounter(qintptr* fd);
std::atomic<std::uint64_t>* mapSharedCounter(qintptr fd);
void releaseSharedCounter(std::atomic<std::uint64_t>* counter, qintptr fd);

// The descriptor number the shared counter is handed over at (Unix).
constexpr int kServedCounterFd = 4;

// True when bytes wait in the kernel's receive buffer of a connected socket.
bool hasPendingInput(qintptr fd);

// Linux: whether net.ipv4.tcp_migrate_req is on, i.e. the kernel moves
// connections queued on a closing SO_REUSEPORT socket to another one.
bool reusePortMigratesRequests();

void setNonBlocking(qintptr fd);
void closeDescriptor(qintptr fd);
// A second descriptor for the same socket (close-on-exec); -1 on failure.
qintptr duplicateDescriptor(qintptr fd);
// Keeps a descriptor we were handed (at a fixed number, inheritable) out of
// every process we start from now on.
void setCloseOnExec(qintptr fd);

// Makes `process`, when started, inherit no descriptor above 2 (stdin,
// stdout, stderr): whatever the worker was handed or inherited stays out
// of its tasks.
void closeInheritedDescriptorsInChild(QProcess* process);

// Marks every descriptor above 2 that this process inherited close-on-exec
// (they stay usable here): what a shell or a parent leaked into us does not
// reach the processes we start. Call once, early in main().
void keepInheritedDescriptorsFromChildren();

// Non-blocking stream I/O on a connection the worker owns (no FIONREAD,
// no intermediate buffer).
constexpr qint64 kWouldBlock = -1;
constexpr qint64 kIoError = -2;
// Up to `len` bytes into `buffer`: > 0 bytes read, 0 the peer shut down its
// write side (end of stream), kWouldBlock, or kIoError (reset, ...).
qint64 receiveSome(qintptr fd, char* buffer, qint64 len);
struct IoSlice
{
    const char* data;
    qint64 len;
};
// Writes from several buffers in one call (writev / WSASend), never raising
// SIGPIPE: bytes written (>= 0), kWouldBlock, or kIoError.
qint64 sendSome(qintptr fd, const IoSlice* slices, int count);
// True when the peer reset the connection (a pending socket error): how a
// connection that already saw the end of input learns that its client is
// gone rather than only done sending.
bool peerReset(qintptr fd);
// FIN after our last byte; reading stays possible.
void shutdownWrite(qintptr fd);
void setNoDelay(qintptr fd);

} // namespace clusterlab::platform
