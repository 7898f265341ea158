// SPDX-License-Identifier: GPL-3.0-or-later
// A plain forking HTTP server for the attribution tests, written without
// ClusterLab's code, as an unknown server would be: the lab must find which
// of its processes holds each connection through the OS alone. Every
// answer still says `X-Worker-Pid: <the answering process>`, which the
// tests compare the attribution with.
//
//   clusterlab-fork-server prefork|per-connection [--host 127.0.0.1|::] [--port P] [--close] [--workers N]
//
// prefork: the parent listens and forks N children (default 2) that all
//   accept on the shared socket (nginx's model); the parent never accepts.
// per-connection: the parent accepts and forks a child per connection,
//   which serves it and exits (the classic forking server).
// --host ::  a dual-stack listener (IPv4 clients appear v4-mapped).
// --close    answers with Connection: close and closes.
// Prints "port N" on its first line; ends, with its children, when its
// standard input closes. Linux and other Unix systems (built there only;
// elsewhere this file compiles to a stub, for the Windows compile check).
#if defined(__unix__) || defined(__APPLE__)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool g_close = false;

// Answers every complete request head in `buf`; false when the connection
// should close.
bool answer(int fd, std::string* buf)
{
    for (;;) {
        const std::size_t end = buf->find("\r\n\r\n");
        if (end == std::string::npos)
            return buf->size() < 65536;
        buf->erase(0, end + 4);
        char head[256];
        const int n = std::snprintf(head, sizeof head,
                                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Worker-Pid: %d\r\n%s\r\nok",
                                    static_cast<int>(::getpid()), g_close ? "Connection: close\r\n" : "");
        for (int off = 0; off < n;) {
            const ssize_t w = ::send(fd, head + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
            if (w <= 0)
                return false;
            off += static_cast<int>(w);
        }
        if (g_close)
            return false;
    }
}

// Serves one connection to its end (blocking).
void serveOne(int fd)
{
    std::string buf;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            break;
        buf.append(chunk, static_cast<std::size_t>(n));
        if (!answer(fd, &buf))
            break;
    }
    ::close(fd);
}

// Accepts on the shared listener and serves many connections at once.
[[noreturn]] void preforkChild(int listener)
{
    struct Conn
    {
        int fd;
        std::string buf;
    };
    std::vector<Conn> conns;
    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back({ listener, POLLIN, 0 });
        for (const Conn& c : conns)
            fds.push_back({ c.fd, POLLIN, 0 });
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
            std::_Exit(1);
        if (fds[0].revents & POLLIN) {
            const int fd = ::accept(listener, nullptr, nullptr);
            if (fd >= 0)
                conns.push_back({ fd, {} });
        }
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            Conn& c = conns[i - 1];
            char chunk[4096];
            const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
            bool keep = n > 0;
            if (keep) {
                c.buf.append(chunk, static_cast<std::size_t>(n));
                keep = answer(c.fd, &c.buf);
            }
            if (!keep) {
                ::close(c.fd);
                c.fd = -1;
            }
        }
        std::vector<Conn> open;
        for (Conn& c : conns) {
            if (c.fd >= 0)
                open.push_back(std::move(c));
        }
        conns.swap(open);
    }
}

void dieWithParent()
{
#if defined(__linux__)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s prefork|per-connection [--host 127.0.0.1|::] [--close] [--workers N]\n", argv[0]);
        return 2;
    }
    const std::string mode = argv[1];
    std::string host = "127.0.0.1";
    int workers = 2;
    int port = 0;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--host" && i + 1 < argc)
            host = argv[++i];
        else if (a == "--close")
            g_close = true;
        else if (a == "--workers" && i + 1 < argc)
            workers = std::atoi(argv[++i]);
        else if (a == "--port" && i + 1 < argc)
            port = std::atoi(argv[++i]);
    }
    if ((mode != "prefork" && mode != "per-connection") || workers < 1) {
        std::fprintf(stderr, "%s: bad arguments\n", argv[0]);
        return 2;
    }
    const bool v6 = host == "::";
    const int listener = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int bound = -1;
    if (v6) {
        const int zero = 0;
        ::setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        sockaddr_in6 a {};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_any;
        a.sin6_port = htons(static_cast<uint16_t>(port));
        bound = ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
        sockaddr_in a {};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
        a.sin_port = htons(static_cast<uint16_t>(port));
        bound = ::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (bound != 0 || ::listen(listener, 128) != 0) {
        std::perror("bind/listen");
        return 1;
    }
    sockaddr_storage got {};
    socklen_t len = sizeof got;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&got), &len);
    port = ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(got).sin6_port : reinterpret_cast<sockaddr_in&>(got).sin_port);

    // Non-blocking: every child wakes for a connection, one gets it, and the
    // others must not block in accept() with their own connections waiting.
    ::fcntl(listener, F_SETFL, ::fcntl(listener, F_GETFL) | O_NONBLOCK);
    std::vector<pid_t> children;
    if (mode == "prefork") {
        for (int i = 0; i < workers; ++i) {
            const pid_t pid = ::fork();
            if (pid == 0) {
                dieWithParent();
                preforkChild(listener);
            }
            children.push_back(pid);
        }
    }
    std::printf("port %d\n", port);
    for (pid_t c : children)
        std::printf("child %d\n", static_cast<int>(c));
    std::fflush(stdout);
    ::signal(SIGCHLD, SIG_IGN); // no zombies of per-connection children
    for (;;) {
        pollfd fds[2] = { { STDIN_FILENO, POLLIN, 0 }, { listener, static_cast<short>(mode == "per-connection" ? POLLIN : 0), 0 } };
        if (::poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char b[64];
            if (::read(STDIN_FILENO, b, sizeof b) <= 0)
                break;
        }
        if (fds[1].revents & POLLIN) {
            const int fd = ::accept(listener, nullptr, nullptr);
            if (fd < 0)
                continue;
            const pid_t pid = ::fork();
            if (pid == 0) {
                dieWithParent();
                ::close(listener);
                serveOne(fd);
                std::_Exit(0);
            }
            ::close(fd); // the child has it now
        }
    }
    for (pid_t c : children)
        ::kill(c, SIGKILL);
    return 0;
}

#else
int main()
{
    return 2; // POSIX only
}
#endif
