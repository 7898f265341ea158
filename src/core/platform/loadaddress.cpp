// SPDX-License-Identifier: GPL-3.0-or-later
// loadplatform::toAddress, once for every platform: a sockaddr is the same
// structure on POSIX and Winsock, only its header differs.
#include "loadplatform.h"

#include <QtGlobal>

#if defined(Q_OS_WIN)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include <cstring>

namespace clusterlab::loadplatform {

Address toAddress(const QHostAddress& host, quint16 port)
{
    Address a;
    if (host.protocol() == QAbstractSocket::IPv6Protocol) {
        sockaddr_in6 s6 {};
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(port);
        const Q_IPV6ADDR raw = host.toIPv6Address();
        std::memcpy(&s6.sin6_addr, &raw, sizeof raw);
        std::memcpy(a.bytes.data(), &s6, sizeof s6);
        a.length = sizeof s6;
        a.family = AF_INET6;
    } else {
        sockaddr_in s4 {};
        s4.sin_family = AF_INET;
        s4.sin_port = htons(port);
        s4.sin_addr.s_addr = htonl(host.toIPv4Address());
        std::memcpy(a.bytes.data(), &s4, sizeof s4);
        a.length = sizeof s4;
        a.family = AF_INET;
    }
    return a;
}

} // namespace clusterlab::loadplatform
