// SPDX-License-Identifier: GPL-3.0-or-later
// Unix implementation of loadplatform.h: epoll (epoll_pwait2 for
// nanosecond timeouts) on Linux, poll elsewhere.
#include "platform/loadplatform.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(Q_OS_LINUX)
#include <sys/epoll.h>
#include <sys/prctl.h>
#elif defined(Q_OS_DARWIN) || defined(Q_OS_FREEBSD) || defined(Q_OS_NETBSD) || defined(Q_OS_OPENBSD)
#define CLUSTERLAB_KQUEUE 1
#include <sys/event.h>
#endif

namespace clusterlab::loadplatform {

ConnectState openAndConnect(const Address& address, qintptr* fd, QString* error)
{
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    const int s = ::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
#else
    const int s = ::socket(address.family, SOCK_STREAM, 0);
    if (s >= 0) {
        ::fcntl(s, F_SETFD, FD_CLOEXEC);
        ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) | O_NONBLOCK);
    }
#endif
    *fd = s;
    if (s < 0) {
        *error = QString::fromLocal8Bit(std::strerror(errno));
        return ConnectState::Failed;
    }
    const int one = 1;
    ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
    ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
    if (::connect(s, reinterpret_cast<const sockaddr*>(address.bytes.data()), static_cast<socklen_t>(address.length)) == 0)
        return ConnectState::Connected;
    if (errno == EINPROGRESS)
        return ConnectState::InProgress;
    *error = QString::fromLocal8Bit(std::strerror(errno));
    return errno == ECONNREFUSED ? ConnectState::Refused : ConnectState::Failed;
}

ConnectState connectOutcome(qintptr fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        return ConnectState::Failed;
    if (err == 0)
        return ConnectState::Connected;
    return err == ECONNREFUSED ? ConnectState::Refused : ConnectState::Failed;
}

qint64 sendSome(qintptr fd, const char* data, qint64 len)
{
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_NOSIGNAL;
#else
    const int flags = 0;
#endif
    for (;;) {
        const ssize_t n = ::send(static_cast<int>(fd), data, static_cast<std::size_t>(len), flags);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return kWouldBlock;
        return errno == ECONNRESET || errno == EPIPE ? kReset : kFailed;
    }
}

qint64 receiveSome(qintptr fd, char* buffer, qint64 len)
{
    for (;;) {
        const ssize_t n = ::recv(static_cast<int>(fd), buffer, static_cast<std::size_t>(len), 0);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return kWouldBlock;
        return errno == ECONNRESET ? kReset : kFailed;
    }
}

bool closedByPeer(qintptr fd)
{
    char byte = 0;
    const ssize_t n = ::recv(static_cast<int>(fd), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return true;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

void closeSocket(qintptr fd)
{
    if (fd >= 0)
        ::close(static_cast<int>(fd));
}

bool ensureDescriptors(int needed, QString* error)
{
    rlimit rl {};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return true; // nothing we can learn or change
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= static_cast<rlim_t>(needed))
        return true;
    if (rl.rlim_cur == RLIM_INFINITY)
        return true;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < static_cast<rlim_t>(needed)) {
        *error = QStringLiteral("%1 descriptors are needed but the hard limit is %2: ask for fewer connections, "
                                "or raise the limit (ulimit -Hn, or /etc/security/limits.conf)")
                     .arg(needed)
                     .arg(static_cast<qulonglong>(rl.rlim_max));
        return false;
    }
    rl.rlim_cur = static_cast<rlim_t>(needed);
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        *error = QStringLiteral("cannot raise the descriptor limit to %1: %2")
                     .arg(needed)
                     .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
}

std::int64_t threadCpuNs()
{
    timespec ts {};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

void preciseTimers()
{
#if defined(Q_OS_LINUX)
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
}

#if defined(Q_OS_LINUX)

struct Poller::Impl
{
    int epfd = -1;
    std::vector<int> fds;           // by slot, -1 when none
    std::vector<std::uint32_t> mask; // registered events by slot
    std::vector<epoll_event> ready;
    bool pwait2 = true;             // epoll_pwait2 exists (Linux 5.11+)
};

Poller::Poller(int capacity)
    : d(new Impl)
{
    d->epfd = ::epoll_create1(EPOLL_CLOEXEC);
    d->fds.assign(static_cast<std::size_t>(capacity), -1);
    d->mask.assign(static_cast<std::size_t>(capacity), 0);
    d->ready.resize(static_cast<std::size_t>(qMax(1, qMin(capacity, 1024))));
}

Poller::~Poller()
{
    if (d->epfd >= 0)
        ::close(d->epfd);
    delete d;
}

bool Poller::isValid() const
{
    return d->epfd >= 0;
}

void Poller::watch(int slot, qintptr fd, bool read, bool write)
{
    const std::uint32_t want = (read ? EPOLLIN | EPOLLRDHUP : 0u) | (write ? EPOLLOUT : 0u);
    const auto i = static_cast<std::size_t>(slot);
    if (d->fds[i] == static_cast<int>(fd) && d->mask[i] == want)
        return;
    epoll_event ev {};
    ev.events = want;
    ev.data.u32 = static_cast<std::uint32_t>(slot);
    if (d->fds[i] != static_cast<int>(fd)) {
        if (d->fds[i] >= 0)
            ::epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->fds[i], nullptr);
        ::epoll_ctl(d->epfd, EPOLL_CTL_ADD, static_cast<int>(fd), &ev);
        d->fds[i] = static_cast<int>(fd);
    } else {
        ::epoll_ctl(d->epfd, EPOLL_CTL_MOD, static_cast<int>(fd), &ev);
    }
    d->mask[i] = want;
}

void Poller::forget(int slot)
{
    const auto i = static_cast<std::size_t>(slot);
    if (d->fds[i] >= 0)
        ::epoll_ctl(d->epfd, EPOLL_CTL_DEL, d->fds[i], nullptr);
    d->fds[i] = -1;
    d->mask[i] = 0;
}

int Poller::wait(std::int64_t timeoutNs)
{
    m_events.clear();
    if (timeoutNs < 0)
        timeoutNs = 0;
    int n = -1;
    if (d->pwait2) {
        timespec ts { static_cast<time_t>(timeoutNs / 1000000000LL), static_cast<long>(timeoutNs % 1000000000LL) };
        n = ::epoll_pwait2(d->epfd, d->ready.data(), static_cast<int>(d->ready.size()), &ts, nullptr);
        if (n < 0 && errno == ENOSYS)
            d->pwait2 = false;
    }
    if (!d->pwait2) {
        // Rounded down, never up: an early wake-up only means another look.
        n = ::epoll_wait(d->epfd, d->ready.data(), static_cast<int>(d->ready.size()),
                         static_cast<int>(timeoutNs / 1000000));
    }
    for (int k = 0; k < n; ++k) {
        const epoll_event& e = d->ready[static_cast<std::size_t>(k)];
        m_events.push_back({ static_cast<int>(e.data.u32),
                             (e.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0,
                             (e.events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0 });
    }
    return static_cast<int>(m_events.size());
}

#elif defined(CLUSTERLAB_KQUEUE) // macOS and the BSDs: kevent, with a timespec (nanoseconds) timeout

struct Poller::Impl
{
    int kq = -1;
    std::vector<int> fds;
    std::vector<bool> reading;
    std::vector<bool> writing;
    std::vector<struct kevent> ready;
};

Poller::Poller(int capacity)
    : d(new Impl)
{
    d->kq = ::kqueue();
    if (d->kq >= 0)
        ::fcntl(d->kq, F_SETFD, FD_CLOEXEC);
    d->fds.assign(static_cast<std::size_t>(capacity), -1);
    d->reading.assign(static_cast<std::size_t>(capacity), false);
    d->writing.assign(static_cast<std::size_t>(capacity), false);
    d->ready.resize(static_cast<std::size_t>(qMax(1, qMin(capacity, 1024))));
}

Poller::~Poller()
{
    if (d->kq >= 0)
        ::close(d->kq);
    delete d;
}

bool Poller::isValid() const
{
    return d->kq >= 0;
}

void Poller::watch(int slot, qintptr fd, bool read, bool write)
{
    const auto i = static_cast<std::size_t>(slot);
    if (d->fds[i] != static_cast<int>(fd))
        forget(slot);
    struct kevent changes[2];
    int n = 0;
    void* udata = reinterpret_cast<void*>(static_cast<intptr_t>(slot));
    if (read != d->reading[i] || d->fds[i] != static_cast<int>(fd))
        EV_SET(&changes[n++], static_cast<uintptr_t>(fd), EVFILT_READ, read ? EV_ADD | EV_ENABLE : EV_DELETE, 0, 0, udata);
    if (write != d->writing[i] || d->fds[i] != static_cast<int>(fd))
        EV_SET(&changes[n++], static_cast<uintptr_t>(fd), EVFILT_WRITE, write ? EV_ADD | EV_ENABLE : EV_DELETE, 0, 0, udata);
    if (n > 0)
        ::kevent(d->kq, changes, n, nullptr, 0, nullptr); // deleting a filter never added fails harmlessly
    d->fds[i] = static_cast<int>(fd);
    d->reading[i] = read;
    d->writing[i] = write;
}

void Poller::forget(int slot)
{
    const auto i = static_cast<std::size_t>(slot);
    if (d->fds[i] >= 0) {
        struct kevent changes[2];
        EV_SET(&changes[0], static_cast<uintptr_t>(d->fds[i]), EVFILT_READ, EV_DELETE, 0, 0, nullptr);
        EV_SET(&changes[1], static_cast<uintptr_t>(d->fds[i]), EVFILT_WRITE, EV_DELETE, 0, 0, nullptr);
        ::kevent(d->kq, changes, 2, nullptr, 0, nullptr);
    }
    d->fds[i] = -1;
    d->reading[i] = false;
    d->writing[i] = false;
}

int Poller::wait(std::int64_t timeoutNs)
{
    m_events.clear();
    if (timeoutNs < 0)
        timeoutNs = 0;
    const timespec ts { static_cast<time_t>(timeoutNs / 1000000000LL), static_cast<long>(timeoutNs % 1000000000LL) };
    const int n = ::kevent(d->kq, nullptr, 0, d->ready.data(), static_cast<int>(d->ready.size()), &ts);
    for (int k = 0; k < n; ++k) {
        const struct kevent& e = d->ready[static_cast<std::size_t>(k)];
        const int slot = static_cast<int>(reinterpret_cast<intptr_t>(e.udata));
        const bool failed = (e.flags & (EV_EOF | EV_ERROR)) != 0;
        m_events.push_back({ slot, e.filter == EVFILT_READ || failed, e.filter == EVFILT_WRITE || failed });
    }
    return static_cast<int>(m_events.size());
}

#else // poll(2): any other Unix

struct Poller::Impl
{
    std::vector<pollfd> fds;
};

Poller::Poller(int capacity)
    : d(new Impl)
{
    d->fds.assign(static_cast<std::size_t>(capacity), pollfd { -1, 0, 0 });
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
    pollfd& p = d->fds[static_cast<std::size_t>(slot)];
    p.fd = static_cast<int>(fd);
    p.events = static_cast<short>((read ? POLLIN : 0) | (write ? POLLOUT : 0));
}

void Poller::forget(int slot)
{
    d->fds[static_cast<std::size_t>(slot)] = pollfd { -1, 0, 0 };
}

int Poller::wait(std::int64_t timeoutNs)
{
    m_events.clear();
    const int ms = static_cast<int>(qMax<std::int64_t>(0, timeoutNs) / 1000000); // rounded down, never up
    const int n = ::poll(d->fds.data(), static_cast<nfds_t>(d->fds.size()), ms);
    if (n <= 0)
        return 0;
    for (std::size_t i = 0; i < d->fds.size(); ++i) {
        const short r = d->fds[i].revents;
        if (r == 0)
            continue;
        m_events.push_back({ static_cast<int>(i), (r & (POLLIN | POLLHUP | POLLERR)) != 0,
                             (r & (POLLOUT | POLLERR | POLLHUP)) != 0 });
    }
    return static_cast<int>(m_events.size());
}

#endif

} // namespace clusterlab::loadplatform
