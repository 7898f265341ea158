// SPDX-License-Identifier: GPL-3.0-or-later
// macOS implementation of attribution.h: libproc. The target tree's
// descriptors (PROC_PIDLISTFDS), each socket's TCP endpoints
// (PROC_PIDFDSOCKETINFO), and PROC_PIDTBSDINFO / PROC_PIDTASKINFO for the
// tree and the samples. Not compiled by this project's CI (no macOS
// toolchain on its Linux machines): see docs/ATTRIBUTION.md.
#include "platform/attribution.h"

#include <QSet>

#include <algorithm>
#include <chrono>
#include <vector>

#include <arpa/inet.h>
#include <libproc.h>
#include <mach/mach_time.h>
#include <netinet/in.h>
#include <sys/proc_info.h>
#include <sys/socket.h>
#include <unistd.h>

namespace clusterlab::platform {

namespace {

constexpr std::int64_t kMs = 1000000;

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

QList<qint64> allPids()
{
    QList<qint64> out;
    const int n = proc_listallpids(nullptr, 0);
    if (n <= 0)
        return out;
    std::vector<pid_t> pids(static_cast<std::size_t>(n) + 64);
    const int got = proc_listallpids(pids.data(), static_cast<int>(pids.size() * sizeof(pid_t)));
    for (int i = 0; i < got; ++i)
        out.append(pids[static_cast<std::size_t>(i)]);
    return out;
}

struct TcpSocket
{
    std::uint64_t id = 0; // the kernel's socket, the same in every process holding it
    quint16 localPort = 0;
    quint16 remotePort = 0;
    int state = 0;
};

// The TCP sockets a process holds; false when it cannot be read.
bool tcpSockets(qint64 pid, std::vector<TcpSocket>* out, bool* denied)
{
    const int size = proc_pidinfo(static_cast<int>(pid), PROC_PIDLISTFDS, 0, nullptr, 0);
    if (size <= 0) {
        *denied = errno == EPERM || errno == EACCES;
        return false;
    }
    std::vector<proc_fdinfo> fds(static_cast<std::size_t>(size) / sizeof(proc_fdinfo) + 16);
    const int got = proc_pidinfo(static_cast<int>(pid), PROC_PIDLISTFDS, 0, fds.data(),
                                 static_cast<int>(fds.size() * sizeof(proc_fdinfo)));
    if (got <= 0)
        return false;
    for (int i = 0; i < got / static_cast<int>(sizeof(proc_fdinfo)); ++i) {
        const proc_fdinfo& f = fds[static_cast<std::size_t>(i)];
        if (f.proc_fdtype != PROX_FDTYPE_SOCKET)
            continue;
        socket_fdinfo si {};
        if (proc_pidfdinfo(static_cast<int>(pid), f.proc_fd, PROC_PIDFDSOCKETINFO, &si, sizeof si) != sizeof si)
            continue;
        if (si.psi.soi_kind != SOCKINFO_TCP)
            continue;
        const tcp_sockinfo& t = si.psi.soi_proto.pri_tcp;
        TcpSocket s;
        s.id = si.psi.soi_pcb;
        s.localPort = ntohs(static_cast<uint16_t>(t.tcpsi_ini.insi_lport));
        s.remotePort = ntohs(static_cast<uint16_t>(t.tcpsi_ini.insi_fport));
        s.state = t.tcpsi_state;
        out->push_back(s);
    }
    return true;
}

} // namespace

QHash<qint64, qint64> processParents()
{
    QHash<qint64, qint64> parents;
    for (qint64 pid : allPids()) {
        proc_bsdinfo info {};
        if (proc_pidinfo(static_cast<int>(pid), PROC_PIDTBSDINFO, 0, &info, sizeof info) == sizeof info)
            parents.insert(pid, info.pbi_ppid);
    }
    return parents;
}

bool sampleProcess(qint64 pid, ProcessSample* out)
{
    proc_bsdinfo info {};
    if (proc_pidinfo(static_cast<int>(pid), PROC_PIDTBSDINFO, 0, &info, sizeof info) != sizeof info)
        return false;
    out->pid = pid;
    out->parentPid = info.pbi_ppid;
    out->name = QString::fromUtf8(info.pbi_name[0] != '\0' ? info.pbi_name : info.pbi_comm);
    static const char states[] = "?IRSTZ"; // SIDL SRUN SSLEEP SSTOP SZOMB
    out->state = info.pbi_status < sizeof states - 1 ? states[info.pbi_status] : '?';
    proc_taskinfo task {};
    if (proc_pidinfo(static_cast<int>(pid), PROC_PIDTASKINFO, 0, &task, sizeof task) == sizeof task) {
        mach_timebase_info_data_t tb {};
        mach_timebase_info(&tb);
        const double scale = tb.denom != 0 ? static_cast<double>(tb.numer) / tb.denom : 1.0;
        out->cpuNs = static_cast<std::int64_t>(static_cast<double>(task.pti_total_user + task.pti_total_system) * scale);
        out->residentKiB = static_cast<qint64>(task.pti_resident_size / 1024);
        out->threads = task.pti_threadnum;
    }
    return true;
}

struct ConnectionOwners::Impl
{
    quint16 port = 0;
    QList<qint64> extraRoots;
    QList<qint64> listenerOwners;
    QList<qint64> tree;
    QHash<qint64, qint64> parents;
    std::int64_t treeAt = 0;
    std::int64_t listenersAt = 0;
    QString note;

    void findListeners()
    {
        listenersAt = nowNs();
        if (port == 0) // no port: the tree of extraRoots only
            return;
        QList<qint64> owners;
        int denied = 0;
        for (qint64 pid : allPids()) {
            std::vector<TcpSocket> socks;
            bool wasDenied = false;
            if (!tcpSockets(pid, &socks, &wasDenied)) {
                denied += wasDenied ? 1 : 0;
                continue;
            }
            for (const TcpSocket& s : socks) {
                if (s.state == TSI_S_LISTEN && s.localPort == port) {
                    owners.append(pid);
                    break;
                }
            }
        }
        listenerOwners = owners;
        if (owners.isEmpty() && denied > 0)
            note = QStringLiteral("no process of this user listens on port %1 (%2 could not be read): "
                                  "attribution needs the server's user or privileges")
                       .arg(port)
                       .arg(denied);
    }

    void refreshTree(bool force)
    {
        const std::int64_t now = nowNs();
        if (!force && treeAt != 0 && now - treeAt < 100 * kMs)
            return;
        treeAt = now;
        const QHash<qint64, qint64> all = processParents();
        QList<qint64> roots;
        const QSet<qint64> owners(listenerOwners.cbegin(), listenerOwners.cend());
        for (qint64 p : listenerOwners) {
            if (!owners.contains(all.value(p)))
                roots.append(p);
        }
        for (qint64 p : extraRoots) {
            if (!roots.contains(p))
                roots.append(p);
        }
        tree = processTree(roots, all);
        parents.clear();
        for (qint64 p : tree)
            parents.insert(p, all.value(p));
    }
};

ConnectionOwners::ConnectionOwners(quint16 port, const QList<qint64>& extraRoots) : d(std::make_unique<Impl>())
{
    d->port = port;
    d->extraRoots = extraRoots;
    d->findListeners();
    d->refreshTree(true);
}

ConnectionOwners::~ConnectionOwners() = default;

bool ConnectionOwners::isAvailable() const
{
    return true;
}

QString ConnectionOwners::note() const
{
    return d->note;
}

ConnectionOwners::Lookup ConnectionOwners::ownerOf(qintptr fd, qint64* pid, Rescan, std::int64_t)
{
    *pid = 0;
    sockaddr_storage client {};
    socklen_t cl = sizeof client;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&client), &cl) != 0)
        return Lookup::Gone;
    const quint16 clientPort = ntohs(client.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(client).sin6_port
                                                                  : reinterpret_cast<sockaddr_in&>(client).sin_port);
    d->refreshTree(false);
    QList<qint64> holders;
    bool seen = false;
    for (qint64 p : d->tree) {
        std::vector<TcpSocket> socks;
        bool denied = false;
        if (!tcpSockets(p, &socks, &denied))
            continue;
        for (const TcpSocket& s : socks) {
            if (s.localPort == d->port && s.remotePort == clientPort) {
                seen = true;
                if (s.state == TSI_S_ESTABLISHED && !holders.contains(p))
                    holders.append(p);
            }
        }
    }
    if (holders.isEmpty())
        return seen ? Lookup::Gone : Lookup::NotYet;
    *pid = chooseHolder(holders, d->parents, d->listenerOwners);
    return *pid != 0 ? Lookup::Found : Lookup::NotYet;
}

QHash<qint64, int> ConnectionOwners::connectionsByOwner()
{
    QHash<qint64, int> counts;
    d->refreshTree(false);
    QHash<std::uint64_t, QList<qint64>> holders;
    for (qint64 p : d->tree) {
        std::vector<TcpSocket> socks;
        bool denied = false;
        if (!tcpSockets(p, &socks, &denied))
            continue;
        for (const TcpSocket& s : socks) {
            if (s.localPort == d->port && s.state == TSI_S_ESTABLISHED)
                holders[s.id].append(p);
        }
    }
    for (auto it = holders.cbegin(); it != holders.cend(); ++it)
        counts[chooseHolder(it.value(), d->parents, d->listenerOwners)] += 1;
    return counts;
}

QList<qint64> ConnectionOwners::targetProcesses()
{
    if (d->listenerOwners.isEmpty() && nowNs() - d->listenersAt >= 1000 * kMs)
        d->findListeners();
    d->refreshTree(false);
    return d->tree;
}

QList<qint64> ConnectionOwners::listenerOwners()
{
    return d->listenerOwners;
}

} // namespace clusterlab::platform
