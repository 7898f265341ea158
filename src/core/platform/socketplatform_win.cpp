// SPDX-License-Identifier: GPL-3.0-or-later
// Windows implementation of socketplatform.h. Compiled for Windows in CI
// here (scripts/windows/compile-check.py), run only by the Windows job of
// .github/workflows/ci.yml. Sockets reach a worker by WSADuplicateSocketW
// (socketplatform.h, kSocketsByDuplication): the listening socket or the
// handoff channel's worker end in a "socket" control message, each
// round-robin connection as one WSAPROTOCOL_INFOW record on the channel (a
// loopback TCP pair: Windows has no socketpair), acknowledged with one
// byte back as on Unix. This is what libuv does for Node's cluster.
#include "platform/socketplatform.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <QByteArray>
#include <QHash>

#include <mutex>

namespace clusterlab::platform {

namespace {
QString wsaText(const char* what)
{
    return QStringLiteral("%1 failed (WSA error %2)").arg(QLatin1String(what)).arg(WSAGetLastError());
}
} // namespace

void startNetworking()
{
    static const bool started = []() {
        WSADATA data;
        return WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    (void)started;
}

qintptr createListener(const QHostAddress& host, quint16 port, quint16* boundPort, QString* error, bool* addressInUse)
{
    startNetworking();
    if (addressInUse != nullptr)
        *addressInUse = false;
    const bool v6 = host.protocol() == QAbstractSocket::IPv6Protocol;
    SOCKET s = WSASocketW(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        *error = wsaText("WSASocketW");
        return -1;
    }
    BOOL one = TRUE;
    setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
    sockaddr_storage ss {};
    int len = 0;
    if (v6) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        const Q_IPV6ADDR raw = host.toIPv6Address();
        memcpy(&a6->sin6_addr, &raw, sizeof raw);
        len = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        a4->sin_addr.s_addr = htonl(host.toIPv4Address());
        len = sizeof *a4;
    }
    if (bind(s, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(s, SOMAXCONN) != 0) {
        const int code = WSAGetLastError();
        // Another socket on the port: WSAEADDRINUSE, or WSAEACCES when that
        // one holds it with SO_EXCLUSIVEADDRUSE.
        if (addressInUse != nullptr)
            *addressInUse = code == WSAEADDRINUSE || code == WSAEACCES;
        *error = code == WSAEADDRINUSE || code == WSAEACCES
            ? QStringLiteral("cannot listen on %1:%2: the address is already in use").arg(host.toString()).arg(port)
            : QStringLiteral("cannot listen on %1:%2 (WSA error %3)").arg(host.toString()).arg(port).arg(code);
        closesocket(s);
        return -1;
    }
    if (boundPort != nullptr) {
        sockaddr_storage bound {};
        int blen = sizeof bound;
        getsockname(s, reinterpret_cast<sockaddr*>(&bound), &blen);
        *boundPort = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                       : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    return static_cast<qintptr>(s);
}

qintptr createReusePortSocket(const QHostAddress&, quint16, bool, quint16*, QString* error, bool* addressInUse)
{
    if (addressInUse != nullptr)
        *addressInUse = false;
    *error = QStringLiteral("Windows has no SO_REUSEPORT; use round-robin or shared");
    return -1;
}

bool createHandoffPair(qintptr* primaryEnd, qintptr* workerEnd, QString* error)
{
    // No socketpair: a loopback listener on an ephemeral port, one connect,
    // one accept, and the listener closed again. Neither end is inheritable;
    // the worker's end reaches the worker by WSADuplicateSocketW.
    startNetworking();
    SOCKET listener = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    SOCKET client = INVALID_SOCKET;
    SOCKET server = INVALID_SOCKET;
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int len = sizeof addr;
    const bool ok = listener != INVALID_SOCKET
        && bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && listen(listener, 1) == 0
        && getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0
        && (client = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT))
            != INVALID_SOCKET
        && connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
        && (server = accept(listener, nullptr, nullptr)) != INVALID_SOCKET;
    if (!ok) {
        *error = wsaText("a loopback handoff channel");
        if (client != INVALID_SOCKET)
            closesocket(client);
    }
    if (listener != INVALID_SOCKET)
        closesocket(listener);
    if (!ok)
        return false;
    SetHandleInformation(reinterpret_cast<HANDLE>(server), HANDLE_FLAG_INHERIT, 0);
    BOOL one = TRUE;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
    setNonBlocking(static_cast<qintptr>(client)); // a busy worker must not stall the acceptor
    *primaryEnd = static_cast<qintptr>(client);
    *workerEnd = static_cast<qintptr>(server);
    return true;
}

QByteArray duplicateForProcess(qintptr socket, qint64 pid)
{
    WSAPROTOCOL_INFOW info {};
    if (WSADuplicateSocketW(static_cast<SOCKET>(socket), static_cast<DWORD>(pid), &info) != 0)
        return {};
    return QByteArray(reinterpret_cast<const char*>(&info), sizeof info);
}

qintptr adoptDuplicated(const QByteArray& bytes)
{
    startNetworking();
    if (bytes.size() != static_cast<qsizetype>(sizeof(WSAPROTOCOL_INFOW)))
        return -1;
    WSAPROTOCOL_INFOW info {};
    memcpy(&info, bytes.constData(), sizeof info);
    SOCKET s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    return s == INVALID_SOCKET ? -1 : static_cast<qintptr>(s);
}

bool sendDescriptor(qintptr channel, qintptr fd, qint64 workerPid)
{
    // One fixed-size record per connection. At most one hand-over per
    // worker is unacknowledged, so the channel never holds more than one
    // record: a send that does not take it whole means the worker is gone.
    const QByteArray record = duplicateForProcess(fd, workerPid);
    if (record.isEmpty())
        return false;
    const int sent = send(static_cast<SOCKET>(channel), record.constData(), static_cast<int>(record.size()), 0);
    return sent == static_cast<int>(record.size());
}

bool sendAcknowledgement(qintptr channel)
{
    const char byte = 'a';
    return send(static_cast<SOCKET>(channel), &byte, 1, 0) == 1;
}

int receiveAcknowledgements(qintptr channel, bool* closed)
{
    *closed = false;
    int count = 0;
    char buf[64];
    for (;;) {
        const int rc = recv(static_cast<SOCKET>(channel), buf, sizeof buf, 0);
        if (rc > 0) {
            count += rc;
            continue;
        }
        if (rc == 0 || WSAGetLastError() != WSAEWOULDBLOCK)
            *closed = true;
        return count;
    }
}

QList<qintptr> receiveDescriptors(qintptr channel, bool* closed)
{
    // Records may arrive in pieces: what is short of a whole one waits here
    // for the rest (one buffer per channel; a worker has one channel, the
    // primary reads a dead worker's end once).
    static std::mutex mutex;
    static QHash<qintptr, QByteArray> partial;
    constexpr qsizetype kRecord = sizeof(WSAPROTOCOL_INFOW);
    QList<qintptr> out;
    *closed = false;
    std::lock_guard<std::mutex> lock(mutex);
    QByteArray& buffer = partial[channel];
    char chunk[4096];
    for (;;) {
        const int rc = recv(static_cast<SOCKET>(channel), chunk, sizeof chunk, 0);
        if (rc > 0) {
            buffer.append(chunk, rc);
            continue;
        }
        if (rc == 0 || WSAGetLastError() != WSAEWOULDBLOCK)
            *closed = true;
        break;
    }
    qsizetype used = 0;
    while (buffer.size() - used >= kRecord) {
        // A record duplicated for another process (a dead worker's, read by
        // the primary) does not open here: that connection is lost, as the
        // primary still holds its own copy only until the acknowledgement.
        const qintptr fd = adoptDuplicated(buffer.mid(used, kRecord));
        if (fd >= 0)
            out.append(fd);
        used += kRecord;
    }
    buffer.remove(0, used);
    if (*closed)
        partial.remove(channel);
    return out;
}

QList<qintptr> acceptPending(qintptr listener)
{
    QList<qintptr> out;
    setNonBlocking(listener);
    for (;;) {
        SOCKET s = accept(static_cast<SOCKET>(listener), nullptr, nullptr);
        if (s == INVALID_SOCKET)
            return out;
        out.append(static_cast<qintptr>(s));
    }
}

// Windows would use a named file mapping; not wired yet: the primary then
// reports what a dead worker left unreported from its last batch only.
std::atomic<std::uint64_t>* createSharedCounter(qintptr*)
{
    return nullptr;
}

std::atomic<std::uint64_t>* mapSharedCounter(qintptr)
{
    return nullptr;
}

void releaseSharedCounter(std::atomic<std::uint64_t>*, qintptr) { }

bool hasPendingInput(qintptr fd)
{
    u_long available = 0;
    return ioctlsocket(static_cast<SOCKET>(fd), FIONREAD, &available) == 0 && available > 0;
}

bool reusePortMigratesRequests()
{
    return false;
}

void setNonBlocking(qintptr fd)
{
    u_long one = 1;
    ioctlsocket(static_cast<SOCKET>(fd), FIONBIO, &one);
}

void closeDescriptor(qintptr fd)
{
    if (fd >= 0)
        closesocket(static_cast<SOCKET>(fd));
}

void keepInheritedDescriptorsFromChildren()
{
    // Nothing to do: Windows handles are inherited only when created
    // inheritable and passed on purpose.
}

void closeInheritedDescriptorsInChild(QProcess*)
{
    // Windows: a child inherits only handles marked inheritable, and QProcess
    // passes none but its standard handles; ours are created non-inheritable.
}

qintptr duplicateDescriptor(qintptr fd)
{
    WSAPROTOCOL_INFOW info {};
    if (WSADuplicateSocketW(static_cast<SOCKET>(fd), GetCurrentProcessId(), &info) != 0)
        return -1;
    SOCKET s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    return s == INVALID_SOCKET ? -1 : static_cast<qintptr>(s);
}

void setCloseOnExec(qintptr fd)
{
    SetHandleInformation(reinterpret_cast<HANDLE>(fd), HANDLE_FLAG_INHERIT, 0);
}

qint64 receiveSome(qintptr fd, char* buffer, qint64 len)
{
    const int rc = recv(static_cast<SOCKET>(fd), buffer, static_cast<int>(len), 0);
    if (rc >= 0)
        return rc;
    return WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kIoError;
}

qint64 sendSome(qintptr fd, const IoSlice* slices, int count)
{
    constexpr int kMaxSlices = 64;
    WSABUF bufs[kMaxSlices];
    const int n = count < kMaxSlices ? count : kMaxSlices;
    for (int i = 0; i < n; ++i) {
        bufs[i].buf = const_cast<char*>(slices[i].data);
        bufs[i].len = static_cast<ULONG>(slices[i].len);
    }
    DWORD sent = 0;
    if (WSASend(static_cast<SOCKET>(fd), bufs, static_cast<DWORD>(n), &sent, 0, nullptr, nullptr) == 0)
        return static_cast<qint64>(sent);
    return WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kIoError;
}

bool peerReset(qintptr fd)
{
    int err = 0;
    int len = sizeof err;
    return getsockopt(static_cast<SOCKET>(fd), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0
        || err != 0;
}

void shutdownWrite(qintptr fd)
{
    shutdown(static_cast<SOCKET>(fd), SD_SEND);
}

void setNoDelay(qintptr fd)
{
    BOOL one = TRUE;
    setsockopt(static_cast<SOCKET>(fd), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

} // namespace clusterlab::platform
