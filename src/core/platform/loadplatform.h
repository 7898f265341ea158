// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHostAddress>
#include <QString>

#include <array>
#include <cstdint>
#include <vector>

namespace clusterlab::loadplatform {

// Everything the load generator needs from the operating system, in one
// place: sockets, a readiness poller with nanosecond timeouts, descriptor
// limits, thread CPU time and timer precision. One implementation file per
// platform (loadplatform_unix.cpp: epoll on Linux, poll elsewhere; the
// kqueue and WSAPoll backends belong beside it). Descriptors are plain
// integers. Not thread-safe: one engine thread uses them.

struct Address
{
    std::array<unsigned char, 128> bytes {}; // a sockaddr_in or sockaddr_in6
    int length = 0;
    int family = 0;
};
Address toAddress(const QHostAddress& host, quint16 port);

constexpr qint64 kWouldBlock = -1;
constexpr qint64 kReset = -2;  // the peer reset the connection (or it is gone: EPIPE)
constexpr qint64 kFailed = -3; // anything else

enum class ConnectState { Connected, InProgress, Refused, Failed };
// A non-blocking TCP socket (no Nagle, close-on-exec) with its connect
// started. *fd is -1 when no socket could be made (*state Failed).
ConnectState openAndConnect(const Address& address, qintptr* fd, QString* error);
// After the socket turned writable: did the connect succeed?
ConnectState connectOutcome(qintptr fd);
qint64 sendSome(qintptr fd, const char* data, qint64 len);
qint64 receiveSome(qintptr fd, char* buffer, qint64 len); // 0: end of stream
// True when an idle connection was closed (or reset) by the peer: read
// before reusing a keep-alive connection.
bool closedByPeer(qintptr fd);
void closeSocket(qintptr fd);

// Raises the soft descriptor limit to at least `needed`. False, with a
// message naming the limit, when the hard limit is lower.
bool ensureDescriptors(int needed, QString* error);
std::int64_t threadCpuNs();
// Lets the calling thread's timed waits end when asked, not up to 50 µs
// later (Linux timer slack).
void preciseTimers();

// Readiness of up to `capacity` slots, each holding one descriptor.
class Poller
{
public:
    struct Event
    {
        int slot;
        bool readable; // includes end of stream and errors
        bool writable;
    };

    explicit Poller(int capacity);
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    bool isValid() const;
    void watch(int slot, qintptr fd, bool read, bool write);
    void forget(int slot); // before the descriptor is closed
    // Waits at most timeoutNs (0: just look; never rounded up to a
    // millisecond); the events that arrived, in `events()`.
    int wait(std::int64_t timeoutNs);
    const std::vector<Event>& events() const { return m_events; }

private:
    struct Impl;
    Impl* d;
    std::vector<Event> m_events;
};

} // namespace clusterlab::loadplatform
