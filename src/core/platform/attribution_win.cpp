// SPDX-License-Identifier: GPL-3.0-or-later
// Windows implementation of attribution.h: the TCP tables with their
// owners' process ids (GetExtendedTcpTable, TCP_TABLE_OWNER_PID_ALL), a
// Toolhelp snapshot for the process tree, and the process's own counters.
#include "platform/attribution.h"

#include <QSet>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <psapi.h>
#include <tlhelp32.h>

namespace clusterlab::platform {

namespace {

constexpr std::int64_t kMs = 1000000;

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct TcpRow
{
    bool v6 = false;
    unsigned char localAddr[16] {};
    unsigned char remoteAddr[16] {};
    quint16 localPort = 0; // host order
    quint16 remotePort = 0;
    DWORD state = 0;
    qint64 pid = 0;
};

// Every TCP socket of one family with its owner; the table may grow between
// the size query and the copy, so the query repeats.
std::vector<TcpRow> tcpTable(ULONG family)
{
    std::vector<TcpRow> rows;
    std::vector<unsigned char> buf;
    DWORD size = 0;
    DWORD rc = ERROR_INSUFFICIENT_BUFFER;
    for (int attempt = 0; attempt < 4 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        GetExtendedTcpTable(nullptr, &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
        buf.resize(size + 4096);
        size = static_cast<DWORD>(buf.size());
        rc = GetExtendedTcpTable(buf.data(), &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
    }
    if (rc != NO_ERROR)
        return rows;
    if (family == AF_INET) {
        const auto* t = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID*>(buf.data());
        for (DWORD i = 0; i < t->dwNumEntries; ++i) {
            const MIB_TCPROW_OWNER_PID& r = t->table[i];
            TcpRow row;
            std::memcpy(row.localAddr, &r.dwLocalAddr, 4);
            std::memcpy(row.remoteAddr, &r.dwRemoteAddr, 4);
            row.localPort = ntohs(static_cast<u_short>(r.dwLocalPort));
            row.remotePort = ntohs(static_cast<u_short>(r.dwRemotePort));
            row.state = r.dwState;
            row.pid = r.dwOwningPid;
            rows.push_back(row);
        }
    } else {
        const auto* t = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID*>(buf.data());
        for (DWORD i = 0; i < t->dwNumEntries; ++i) {
            const MIB_TCP6ROW_OWNER_PID& r = t->table[i];
            TcpRow row;
            row.v6 = true;
            std::memcpy(row.localAddr, r.ucLocalAddr, 16);
            std::memcpy(row.remoteAddr, r.ucRemoteAddr, 16);
            row.localPort = ntohs(static_cast<u_short>(r.dwLocalPort));
            row.remotePort = ntohs(static_cast<u_short>(r.dwRemotePort));
            row.state = r.dwState;
            row.pid = r.dwOwningPid;
            rows.push_back(row);
        }
    }
    return rows;
}

std::int64_t fileTimeNs(const FILETIME& t)
{
    ULARGE_INTEGER v;
    v.LowPart = t.dwLowDateTime;
    v.HighPart = t.dwHighDateTime;
    return static_cast<std::int64_t>(v.QuadPart) * 100;
}

} // namespace

QHash<qint64, qint64> processParents()
{
    QHash<qint64, qint64> parents;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return parents;
    PROCESSENTRY32W e {};
    e.dwSize = sizeof e;
    for (BOOL ok = Process32FirstW(snap, &e); ok; ok = Process32NextW(snap, &e))
        parents.insert(e.th32ProcessID, e.th32ParentProcessID);
    CloseHandle(snap);
    return parents;
}

bool sampleProcess(qint64 pid, ProcessSample* out)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return false;
    bool found = false;
    PROCESSENTRY32W e {};
    e.dwSize = sizeof e;
    for (BOOL ok = Process32FirstW(snap, &e); ok && !found; ok = Process32NextW(snap, &e)) {
        if (static_cast<qint64>(e.th32ProcessID) != pid)
            continue;
        found = true;
        out->pid = pid;
        out->parentPid = e.th32ParentProcessID;
        out->name = QString::fromWCharArray(e.szExeFile);
        out->threads = static_cast<int>(e.cntThreads);
    }
    CloseHandle(snap);
    if (!found)
        return false;
    out->state = 'R'; // Windows has no single process state: running while it exists
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
    if (h == nullptr)
        return true; // another user's: what the snapshot says only
    FILETIME created, exited, kernel, user;
    if (GetProcessTimes(h, &created, &exited, &kernel, &user))
        out->cpuNs = fileTimeNs(kernel) + fileTimeNs(user);
    PROCESS_MEMORY_COUNTERS pmc {};
    if (K32GetProcessMemoryInfo(h, &pmc, sizeof pmc))
        out->residentKiB = static_cast<qint64>(pmc.WorkingSetSize / 1024);
    CloseHandle(h);
    return true;
}

struct ConnectionOwners::Impl
{
    quint16 port = 0;
    QList<qint64> extraRoots;
    QList<qint64> listenerOwners;
    QList<qint64> tree;
    std::int64_t treeAt = 0;
    QString note;

    void refresh(bool force)
    {
        const std::int64_t now = nowNs();
        if (!force && treeAt != 0 && now - treeAt < 100 * kMs)
            return;
        treeAt = now;
        QList<qint64> owners;
        for (ULONG family : { ULONG(AF_INET), ULONG(AF_INET6) }) {
            for (const TcpRow& r : tcpTable(family)) {
                if (r.state == MIB_TCP_STATE_LISTEN && r.localPort == port && !owners.contains(r.pid))
                    owners.append(r.pid);
            }
        }
        listenerOwners = owners;
        QList<qint64> roots = owners;
        for (qint64 p : extraRoots) {
            if (!roots.contains(p))
                roots.append(p);
        }
        tree = processTree(roots, processParents());
    }
};

ConnectionOwners::ConnectionOwners(quint16 port, const QList<qint64>& extraRoots) : d(std::make_unique<Impl>())
{
    d->port = port;
    d->extraRoots = extraRoots;
    d->refresh(true);
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
    sockaddr_storage server {};
    int cl = sizeof client;
    int sl = sizeof server;
    const auto s = static_cast<SOCKET>(fd);
    if (getsockname(s, reinterpret_cast<sockaddr*>(&client), &cl) != 0
        || getpeername(s, reinterpret_cast<sockaddr*>(&server), &sl) != 0)
        return Lookup::Gone;
    const bool v6 = server.ss_family == AF_INET6;
    unsigned char serverAddr[16] {};
    unsigned char clientAddr[16] {};
    quint16 serverPort = 0;
    quint16 clientPort = 0;
    if (v6) {
        const auto& sa = reinterpret_cast<const sockaddr_in6&>(server);
        const auto& ca = reinterpret_cast<const sockaddr_in6&>(client);
        std::memcpy(serverAddr, &sa.sin6_addr, 16);
        std::memcpy(clientAddr, &ca.sin6_addr, 16);
        serverPort = ntohs(sa.sin6_port);
        clientPort = ntohs(ca.sin6_port);
    } else {
        const auto& sa = reinterpret_cast<const sockaddr_in&>(server);
        const auto& ca = reinterpret_cast<const sockaddr_in&>(client);
        std::memcpy(serverAddr, &sa.sin_addr, 4);
        std::memcpy(clientAddr, &ca.sin_addr, 4);
        serverPort = ntohs(sa.sin_port);
        clientPort = ntohs(ca.sin_port);
    }
    // The server side: local = the server's address, remote = ours. An IPv4
    // client of a dual-stack listener is in the IPv6 table, v4-mapped.
    for (ULONG family : { ULONG(v6 ? AF_INET6 : AF_INET), ULONG(AF_INET6) }) {
        for (const TcpRow& r : tcpTable(family)) {
            if (r.localPort != serverPort || r.remotePort != clientPort)
                continue;
            const int len = r.v6 ? 16 : 4;
            const bool mapped = r.v6 && !v6;
            const unsigned char* rl = mapped ? r.localAddr + 12 : r.localAddr;
            const unsigned char* rr = mapped ? r.remoteAddr + 12 : r.remoteAddr;
            const int cmp = mapped ? 4 : len;
            if (std::memcmp(rl, serverAddr, cmp) != 0 || std::memcmp(rr, clientAddr, cmp) != 0)
                continue;
            if (r.state != MIB_TCP_STATE_ESTAB)
                return Lookup::Gone;
            *pid = r.pid;
            return r.pid != 0 ? Lookup::Found : Lookup::NotYet;
        }
        if (v6)
            break;
    }
    return Lookup::Gone;
}

QHash<qint64, int> ConnectionOwners::connectionsByOwner()
{
    QHash<qint64, int> counts;
    for (ULONG family : { ULONG(AF_INET), ULONG(AF_INET6) }) {
        for (const TcpRow& r : tcpTable(family)) {
            if (r.state == MIB_TCP_STATE_ESTAB && r.localPort == d->port)
                counts[r.pid] += 1;
        }
    }
    return counts;
}

QList<qint64> ConnectionOwners::targetProcesses()
{
    d->refresh(false);
    return d->tree;
}

QList<qint64> ConnectionOwners::listenerOwners()
{
    return d->listenerOwners;
}

} // namespace clusterlab::platform
