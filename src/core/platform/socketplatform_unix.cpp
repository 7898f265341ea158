// SPDX-License-Identifier: GPL-3.0-or-later
// Unix (Linux, macOS) implementation of socketplatform.h.
#include "platform/socketplatform.h"

#include <QByteArray>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

namespace clusterlab::platform {

namespace {

QString errnoText(const char* what)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromLocal8Bit(std::strerror(errno)));
}

bool toSockaddr(const QHostAddress& host, quint16 port, sockaddr_storage* ss, socklen_t* len)
{
    std::memset(ss, 0, sizeof *ss);
    if (host.protocol() == QAbstractSocket::IPv6Protocol) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        const Q_IPV6ADDR raw = host.toIPv6Address();
        std::memcpy(&a6->sin6_addr, &raw, sizeof raw);
        *len = sizeof *a6;
        return true;
    }
    bool ok = false;
    const quint32 v4 = host.toIPv4Address(&ok);
    if (!ok)
        return false;
    auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    a4->sin_addr.s_addr = htonl(v4);
    *len = sizeof *a4;
    return true;
}

quint16 localPort(int fd)
{
    sockaddr_storage ss {};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

int newTcpSocket(const QHostAddress& host)
{
    const int family = host.protocol() == QAbstractSocket::IPv6Protocol ? AF_INET6 : AF_INET;
#if defined(SOCK_CLOEXEC)
    return ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
    const int fd = ::socket(family, SOCK_STREAM, 0);
    if (fd >= 0)
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#endif
}

qintptr bindAndMaybeListen(int fd, const QHostAddress& host, quint16 port, bool listen, quint16* boundPort,
                           QString* error, bool* addressInUse)
{
    if (addressInUse != nullptr)
        *addressInUse = false;
    sockaddr_storage ss {};
    socklen_t len = 0;
    if (!toSockaddr(host, port, &ss, &len)) {
        *error = QStringLiteral("not an IP address: %1").arg(host.toString());
        ::close(fd);
        return -1;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        if (addressInUse != nullptr)
            *addressInUse = errno == EADDRINUSE;
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(host.toString())
                     .arg(port)
                     .arg(errno == EADDRINUSE ? QStringLiteral("the address is already in use")
                                              : QString::fromLocal8Bit(std::strerror(errno)));
        ::close(fd);
        return -1;
    }
    if (listen && ::listen(fd, SOMAXCONN) != 0) {
        *error = errnoText("listen");
        ::close(fd);
        return -1;
    }
    if (boundPort != nullptr)
        *boundPort = localPort(fd);
    return fd;
}

} // namespace

qintptr createListener(const QHostAddress& host, quint16 port, quint16* boundPort, QString* error, bool* addressInUse)
{
    const int fd = newTcpSocket(host);
    if (fd < 0) {
        *error = errnoText("socket");
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    return bindAndMaybeListen(fd, host, port, true, boundPort, error, addressInUse);
}

qintptr createReusePortSocket(const QHostAddress& host, quint16 port, bool listen, quint16* boundPort,
                              QString* error, bool* addressInUse)
{
#if defined(Q_OS_MACOS)
    // macOS has SO_REUSEPORT but hands every connection to the last
    // socket bound: no balancing between workers, so no such policy.
    Q_UNUSED(host);
    Q_UNUSED(port);
    Q_UNUSED(listen);
    Q_UNUSED(boundPort);
    Q_UNUSED(addressInUse);
    *error = QStringLiteral("macOS does not balance SO_REUSEPORT between processes; use round-robin or shared");
    return -1;
#elif defined(SO_REUSEPORT)
    const int fd = newTcpSocket(host);
    if (fd < 0) {
        *error = errnoText("socket");
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        *error = errnoText("SO_REUSEPORT");
        ::close(fd);
        return -1;
    }
    return bindAndMaybeListen(fd, host, port, listen, boundPort, error, addressInUse);
#else
    Q_UNUSED(host);
    Q_UNUSED(port);
    Q_UNUSED(listen);
    Q_UNUSED(boundPort);
    Q_UNUSED(addressInUse);
    *error = QStringLiteral("SO_REUSEPORT is not available on this system");
    return -1;
#endif
}

bool createHandoffPair(qintptr* primaryEnd, qintptr* workerEnd, QString* error)
{
    int fds[2] = { -1, -1 };
#if defined(SOCK_CLOEXEC)
    const int rc = ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
#else
    const int rc = ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
    if (rc == 0) {
        ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    }
#endif
    if (rc != 0) {
        *error = errnoText("socketpair");
        return false;
    }
    // A busy worker must not stall the acceptor: sends fail instead of block.
    setNonBlocking(fds[0]);
    *primaryEnd = fds[0];
    *workerEnd = fds[1];
    return true;
}

void startNetworking()
{
}

QByteArray duplicateForProcess(qintptr, qint64)
{
    return {};
}

qintptr adoptDuplicated(const QByteArray&)
{
    return -1;
}

bool sendDescriptor(qintptr channel, qintptr fd, qint64)
{
    char byte = 'c';
    iovec iov { &byte, 1 };
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    std::memset(control, 0, sizeof control);
    msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    const int value = static_cast<int>(fd);
    std::memcpy(CMSG_DATA(cmsg), &value, sizeof value);
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_NOSIGNAL;
#else
    const int flags = 0;
#endif
    ssize_t rc;
    do {
        rc = ::sendmsg(static_cast<int>(channel), &msg, flags);
    } while (rc < 0 && errno == EINTR);
    return rc == 1;
}

bool sendAcknowledgement(qintptr channel)
{
    const char byte = 'a';
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
#else
    const int flags = MSG_DONTWAIT;
#endif
    ssize_t rc;
    do {
        rc = ::send(static_cast<int>(channel), &byte, 1, flags);
    } while (rc < 0 && errno == EINTR);
    return rc == 1;
}

int receiveAcknowledgements(qintptr channel, bool* closed)
{
    *closed = false;
    int count = 0;
    char buf[64];
    for (;;) {
        const ssize_t rc = ::recv(static_cast<int>(channel), buf, sizeof buf, MSG_DONTWAIT);
        if (rc > 0) {
            count += static_cast<int>(rc);
            continue;
        }
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            *closed = true;
        return count;
    }
}

QList<qintptr> receiveDescriptors(qintptr channel, bool* closed)
{
    QList<qintptr> out;
    *closed = false;
    for (;;) {
        char byte = 0;
        iovec iov { &byte, 1 };
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
        msghdr msg {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
#if defined(MSG_CMSG_CLOEXEC)
        const int flags = MSG_CMSG_CLOEXEC | MSG_DONTWAIT;
#else
        const int flags = MSG_DONTWAIT;
#endif
        const ssize_t rc = ::recvmsg(static_cast<int>(channel), &msg, flags);
        if (rc == 0) {
            *closed = true;
            return out;
        }
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                *closed = true;
            return out;
        }
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
#if !defined(MSG_CMSG_CLOEXEC)
                ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
                out.append(fd);
            }
        }
    }
}

QList<qintptr> acceptPending(qintptr listener)
{
    QList<qintptr> out;
    setNonBlocking(listener);
    for (;;) {
#if defined(Q_OS_LINUX)
        const int fd = ::accept4(static_cast<int>(listener), nullptr, nullptr, SOCK_CLOEXEC);
#else
        const int fd = ::accept(static_cast<int>(listener), nullptr, nullptr);
        if (fd >= 0)
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return out;
        }
        out.append(fd);
    }
}

std::atomic<std::uint64_t>* mapSharedCounter(qintptr fd)
{
    void* p = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(fd), 0);
    return p == MAP_FAILED ? nullptr : static_cast<std::atomic<std::uint64_t>*>(p);
}

std::atomic<std::uint64_t>* createSharedCounter(qintptr* fd)
{
#if defined(Q_OS_LINUX)
    const int f = ::memfd_create("clusterlab-served", MFD_CLOEXEC);
#else
    char path[] = "/tmp/clusterlab-served-XXXXXX";
    const int f = ::mkstemp(path);
    if (f >= 0) {
        ::unlink(path);
        ::fcntl(f, F_SETFD, FD_CLOEXEC);
    }
#endif
    if (f < 0)
        return nullptr;
    if (::ftruncate(f, sizeof(std::uint64_t)) != 0) {
        ::close(f);
        return nullptr;
    }
    auto* counter = mapSharedCounter(f);
    if (counter == nullptr) {
        ::close(f);
        return nullptr;
    }
    *fd = f;
    return counter;
}

void releaseSharedCounter(std::atomic<std::uint64_t>* counter, qintptr fd)
{
    if (counter != nullptr)
        ::munmap(counter, sizeof(std::uint64_t));
    if (fd >= 0)
        ::close(static_cast<int>(fd));
}

bool hasPendingInput(qintptr fd)
{
    char byte = 0;
    const ssize_t rc = ::recv(static_cast<int>(fd), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return rc > 0;
}

bool reusePortMigratesRequests()
{
#if defined(Q_OS_LINUX)
    const int fd = ::open("/proc/sys/net/ipv4/tcp_migrate_req", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char c = '0';
    const bool on = ::read(fd, &c, 1) == 1 && c == '1';
    ::close(fd);
    return on;
#else
    return false;
#endif
}

void setNonBlocking(qintptr fd)
{
    const int flags = ::fcntl(static_cast<int>(fd), F_GETFL);
    if (flags >= 0)
        ::fcntl(static_cast<int>(fd), F_SETFL, flags | O_NONBLOCK);
}

void closeDescriptor(qintptr fd)
{
    if (fd >= 0)
        ::close(static_cast<int>(fd));
}

namespace {
// Async-signal-safe: also used between fork and exec.
void markAllAbove2CloseOnExec()
{
#if defined(Q_OS_LINUX) && defined(CLOSE_RANGE_CLOEXEC)
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
#endif
    struct rlimit rl {};
    long top = 65536;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        top = static_cast<long>(rl.rlim_cur) < top ? static_cast<long>(rl.rlim_cur) : top;
    for (long fd = 3; fd < top; ++fd) {
        const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
        if (flags >= 0 && (flags & FD_CLOEXEC) == 0)
            ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
    }
}
} // namespace

void keepInheritedDescriptorsFromChildren()
{
    markAllAbove2CloseOnExec();
}

void closeInheritedDescriptorsInChild(QProcess* process)
{
    // Runs between fork and exec: async-signal-safe calls only. Qt's own
    // pipe that reports a failed exec must stay open until the exec, so
    // everything above 2 is marked close-on-exec rather than closed now;
    // the exec then closes it all.
    process->setChildProcessModifier([]() { markAllAbove2CloseOnExec(); });
}

qintptr duplicateDescriptor(qintptr fd)
{
    return ::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 3);
}

void setCloseOnExec(qintptr fd)
{
    const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
    if (flags >= 0)
        ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
}

qint64 receiveSome(qintptr fd, char* buffer, qint64 len)
{
    for (;;) {
        const ssize_t rc = ::recv(static_cast<int>(fd), buffer, static_cast<std::size_t>(len), 0);
        if (rc >= 0)
            return rc;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kIoError;
    }
}

qint64 sendSome(qintptr fd, const IoSlice* slices, int count)
{
    constexpr int kMaxSlices = 64;
    iovec iov[kMaxSlices];
    const int n = count < kMaxSlices ? count : kMaxSlices;
    for (int i = 0; i < n; ++i) {
        iov[i].iov_base = const_cast<char*>(slices[i].data);
        iov[i].iov_len = static_cast<std::size_t>(slices[i].len);
    }
    msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
#if defined(MSG_NOSIGNAL)
    const int flags = MSG_NOSIGNAL;
#else
    const int flags = 0; // macOS: SO_NOSIGPIPE is set on the socket (setNoDelay)
#endif
    for (;;) {
        const ssize_t rc = ::sendmsg(static_cast<int>(fd), &msg, flags);
        if (rc >= 0)
            return rc;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kIoError;
    }
}

bool peerReset(qintptr fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    return ::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0;
}

void shutdownWrite(qintptr fd)
{
    ::shutdown(static_cast<int>(fd), SHUT_WR);
}

void setNoDelay(qintptr fd)
{
    const int one = 1;
    ::setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
    ::setsockopt(static_cast<int>(fd), SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

} // namespace clusterlab::platform
