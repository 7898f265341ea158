// SPDX-License-Identifier: GPL-3.0-or-later
// Windows implementation of loadplatform.h: Winsock sockets and WSAPoll.
// NOT BUILT on the project's Linux CI (see docs/PLATFORMS.md); it is
// written to the same contract as loadplatform_unix.cpp.
#include "platform/loadplatform.h"
#include "platform/socketplatform.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <cstring>

namespace clusterlab::loadplatform {

namespace {
QString wsaText(int code)
{
    return QStringLiteral("WSA error %1").arg(code);
}
} // namespace

ConnectState openAndConnect(const Address& address, qintptr* fd, QString* error)
{
    platform::startNetworking();
    SOCKET s = WSASocketW(address.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        *fd = -1;
        *error = wsaText(WSAGetLastError());
        return ConnectState::Failed;
    }
    *fd = static_cast<qintptr>(s);
    u_long one = 1;
    ioctlsocket(s, FIONBIO, &one);
    BOOL noDelay = TRUE;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&noDelay), sizeof noDelay);
    if (connect(s, reinterpret_cast<const sockaddr*>(address.bytes.data()), address.length) == 0)
        return ConnectState::Connected;
    const int err = WSAGetLastError();
    if (err == WSAEWOULDBLOCK || err == WSAEINPROGRESS)
        return ConnectState::InProgress;
    *error = wsaText(err);
    return err == WSAECONNREFUSED ? ConnectState::Refused : ConnectState::Failed;
}

ConnectState connectOutcome(qintptr fd)
{
    int err = 0;
    int len = sizeof err;
    if (getsockopt(static_cast<SOCKET>(fd), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0)
        return ConnectState::Failed;
    if (err == 0)
        return ConnectState::Connected;
    return err == WSAECONNREFUSED ? ConnectState::Refused : ConnectState::Failed;
}

qint64 sendSome(qintptr fd, const char* data, qint64 len)
{
    const int n = send(static_cast<SOCKET>(fd), data, static_cast<int>(len), 0);
    if (n >= 0)
        return n;
    const int err = WSAGetLastError();
    if (err == WSAEWOULDBLOCK)
        return kWouldBlock;
    return err == WSAECONNRESET || err == WSAECONNABORTED || err == WSAESHUTDOWN ? kReset : kFailed;
}

qint64 receiveSome(qintptr fd, char* buffer, qint64 len)
{
    const int n = recv(static_cast<SOCKET>(fd), buffer, static_cast<int>(len), 0);
    if (n >= 0)
        return n;
    const int err = WSAGetLastError();
    if (err == WSAEWOULDBLOCK)
        return kWouldBlock;
    return err == WSAECONNRESET || err == WSAECONNABORTED ? kReset : kFailed;
}

bool closedByPeer(qintptr fd)
{
    char byte = 0;
    const int n = recv(static_cast<SOCKET>(fd), &byte, 1, MSG_PEEK);
    if (n == 0)
        return true;
    return n < 0 && WSAGetLastError() != WSAEWOULDBLOCK;
}

void closeSocket(qintptr fd)
{
    if (fd >= 0)
        closesocket(static_cast<SOCKET>(fd));
}

bool ensureDescriptors(int, QString*)
{
    return true; // Winsock has no per-process descriptor limit to raise
}

std::int64_t threadCpuNs()
{
    FILETIME creation, exit, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &creation, &exit, &kernel, &user))
        return 0;
    const auto ticks = [](const FILETIME& f) {
        return (static_cast<std::int64_t>(f.dwHighDateTime) << 32) | f.dwLowDateTime;
    };
    return (ticks(kernel) + ticks(user)) * 100; // 100 ns units
}

void preciseTimers()
{
    // WSAPoll waits in whole milliseconds (rounded down here); a high-
    // resolution waitable timer would refine the last millisecond.
}

struct Poller::Impl
{
    std::vector<WSAPOLLFD> fds;
};

Poller::Poller(int capacity)
    : d(new Impl)
{
    platform::startNetworking();
    d->fds.assign(static_cast<std::size_t>(capacity), WSAPOLLFD { INVALID_SOCKET, 0, 0 });
}

Poller::~Poller()
{
    delete d;
}

bool Poller::isValid() const
{
    return true;
}

void Poller::watch(int slot, qintptr fd, bool read, bool write)
{
    WSAPOLLFD& p = d->fds[static_cast<std::size_t>(slot)];
    p.fd = static_cast<SOCKET>(fd);
    p.events = static_cast<SHORT>((read ? POLLRDNORM : 0) | (write ? POLLWRNORM : 0));
}

void Poller::forget(int slot)
{
    d->fds[static_cast<std::size_t>(slot)] = WSAPOLLFD { INVALID_SOCKET, 0, 0 };
}

int Poller::wait(std::int64_t timeoutNs)
{
    m_events.clear();
    const INT ms = static_cast<INT>(qMax<std::int64_t>(0, timeoutNs) / 1000000); // rounded down, never up
    // WSAPoll rejects an array of invalid sockets only; skip empty slots.
    std::vector<WSAPOLLFD> active;
    std::vector<int> slots;
    for (std::size_t i = 0; i < d->fds.size(); ++i) {
        if (d->fds[i].fd != INVALID_SOCKET && d->fds[i].events != 0) {
            active.push_back(d->fds[i]);
            slots.push_back(static_cast<int>(i));
        }
    }
    if (active.empty()) {
        Sleep(static_cast<DWORD>(ms));
        return 0;
    }
    const int n = WSAPoll(active.data(), static_cast<ULONG>(active.size()), ms);
    if (n <= 0)
        return 0;
    for (std::size_t i = 0; i < active.size(); ++i) {
        const SHORT r = active[i].revents;
        if (r == 0)
            continue;
        m_events.push_back({ slots[i], (r & (POLLRDNORM | POLLHUP | POLLERR)) != 0,
                             (r & (POLLWRNORM | POLLHUP | POLLERR)) != 0 });
    }
    return static_cast<int>(m_events.size());
}

} // namespace clusterlab::loadplatform
