// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QList>
#include <QString>

#include <cstdint>
#include <memory>

namespace clusterlab::platform {

// Which process on this machine holds the server side of a TCP connection,
// for any local server, found through the operating system (no help from
// the server): one implementation file per system.
//   Linux   attribution_linux.cpp: NETLINK_SOCK_DIAG (inet_diag) gives the
//           server socket's inode by 4-tuple; the target tree's
//           /proc/PID/fd says who holds that inode (cached, rescanned on a
//           miss).
//   Windows attribution_win.cpp: GetExtendedTcpTable(TCP_TABLE_OWNER_PID_ALL).
//   macOS   attribution_mac.cpp: proc_pidinfo(PROC_PIDLISTFDS) and
//           proc_pidfdinfo(PROC_PIDFDSOCKETINFO) over the target tree.
// What the design has to live with (docs/ATTRIBUTION.md): a connection
// still in the accept queue has no owner yet; under Node's round-robin the
// primary and the worker hold the socket together for a few ms after the
// hand-over (the descendant wins); once the server has closed its side
// (Connection: close) the socket has no owner any more; another user's
// processes need that user or privileges; only this network namespace is
// visible. Unknown stays unknown: counted, never guessed.

// One process, sampled from outside.
struct ProcessSample
{
    qint64 pid = 0;
    qint64 parentPid = 0;
    QString name;            // the executable's short name
    char state = '?';        // R running, S sleeping, D waiting, Z zombie, T stopped, '?' unknown
    std::int64_t cpuNs = -1; // user + system so far, -1 when not readable
    qint64 residentKiB = -1;
    int threads = -1;
};

// Every visible process's parent, in one pass over the process list.
QHash<qint64, qint64> processParents();
// `roots` and all their descendants (roots first, then by pid), from `parents`.
QList<qint64> processTree(const QList<qint64>& roots, const QHash<qint64, qint64>& parents);
// False when the process is gone (or not visible).
bool sampleProcess(qint64 pid, ProcessSample* out);

// Who of several processes holding one connected socket serves it: the
// one no other holder descends from (a primary or a forking server hands
// the connection to a child and keeps it a few ms), else the one that does
// not own the listener. 0 when that still leaves more than one.
qint64 chooseHolder(const QList<qint64>& holders, const QHash<qint64, qint64>& parents, const QList<qint64>& listenerOwners);

class ConnectionOwners
{
public:
    enum class Lookup {
        Found,  // *pid holds it
        NotYet, // the socket exists but no single process of the target holds it (yet): ask again
        Gone,   // the server side is gone (closed) or was never seen: ask no more
        Failed, // attribution does not work here (note() says why)
    };
    enum class Rescan { IfDue, Now };

    // The target: the processes holding a listening socket on `port` (any
    // local address), lifted to their common parent when several siblings
    // listen (reuseport), and all their descendants, followed as processes
    // come and go. `extraRoots` adds trees (a command the lab started).
    explicit ConnectionOwners(quint16 port, const QList<qint64>& extraRoots = {});
    ~ConnectionOwners();
    ConnectionOwners(const ConnectionOwners&) = delete;
    ConnectionOwners& operator=(const ConnectionOwners&) = delete;

    // False when this system offers no way (note() says why).
    bool isAvailable() const;
    // Empty, or what limits the answers (permissions, the platform).
    QString note() const;

    // Who holds the server side of our connected socket `fd`. Cheap when
    // the owner is cached; a rescan of the target's descriptors runs on a
    // miss when due (Rescan::IfDue: at most every few ms) or now.
    // `answeredAtNs` (steady clock), when the server's first answer on it
    // began: whoever answered held it then, so a socket held only by a
    // dispatcher (a primary that hands connections over) counts for it only
    // when a scan after that instant still says so. 0: not known (then a
    // scan 20 ms after the socket was first seen must).
    Lookup ownerOf(qintptr fd, qint64* pid, Rescan rescan = Rescan::IfDue, std::int64_t answeredAtNs = 0);

    // Established connections to the port, by the process holding each
    // (0: no owner yet, or not readable). One dump.
    QHash<qint64, int> connectionsByOwner();
    // The target's processes now (refreshed at most every 100 ms), the
    // listener's owners first.
    QList<qint64> targetProcesses();
    QList<qint64> listenerOwners();

    struct Impl;

private:
    std::unique_ptr<Impl> d;
};

} // namespace clusterlab::platform
