// SPDX-License-Identifier: GPL-3.0-or-later
// Linux implementation of attribution.h: inet_diag over NETLINK_SOCK_DIAG
// for a socket's inode, /proc/PID/fd for who holds it, /proc/PID/stat for
// the process tree and the samples.
#include "platform/attribution.h"

#include <QSet>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace clusterlab::platform {

namespace {

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool readSmallFile(const char* path, char* buf, std::size_t size, std::size_t* len)
{
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const ssize_t n = ::read(fd, buf, size - 1);
    ::close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    *len = static_cast<std::size_t>(n);
    return true;
}

// /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and
// parentheses, so everything after the last ')' is split.
bool readStat(qint64 pid, ProcessSample* out)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    char buf[1024];
    std::size_t len = 0;
    if (!readSmallFile(path, buf, sizeof buf, &len))
        return false;
    char* open = std::strchr(buf, '(');
    char* close = std::strrchr(buf, ')');
    if (open == nullptr || close == nullptr || close < open)
        return false;
    out->pid = pid;
    out->name = QString::fromUtf8(open + 1, static_cast<int>(close - open - 1));
    // Fields after comm: 3 state, 4 ppid, ... 14 utime, 15 stime, ... 20 num_threads, ... 24 rss (pages).
    std::vector<char*> fields;
    char* save = nullptr;
    for (char* t = strtok_r(close + 1, " ", &save); t != nullptr && fields.size() < 24; t = strtok_r(nullptr, " ", &save))
        fields.push_back(t);
    if (fields.size() < 22)
        return false;
    out->state = fields[0][0];
    out->parentPid = std::strtoll(fields[1], nullptr, 10);
    const long tick = ::sysconf(_SC_CLK_TCK);
    const long long ticks = std::strtoll(fields[11], nullptr, 10) + std::strtoll(fields[12], nullptr, 10);
    out->cpuNs = tick > 0 ? ticks * (1000000000LL / tick) : -1;
    out->threads = static_cast<int>(std::strtol(fields[17], nullptr, 10));
    const long page = ::sysconf(_SC_PAGESIZE);
    out->residentKiB = std::strtoll(fields[21], nullptr, 10) * (page > 0 ? page : 4096) / 1024;
    return true;
}

qint64 readParent(qint64 pid)
{
    ProcessSample s;
    return readStat(pid, &s) ? s.parentPid : -1;
}

// The socket inodes a process holds; false when its descriptors cannot be
// read (gone, or another user's without privileges: *denied).
bool socketInodes(qint64 pid, std::vector<std::uint64_t>* out, bool* denied)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%lld/fd", static_cast<long long>(pid));
    DIR* dir = ::opendir(path);
    if (dir == nullptr) {
        *denied = errno == EACCES || errno == EPERM;
        return false;
    }
    const int dfd = ::dirfd(dir);
    char link[64];
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        const ssize_t n = ::readlinkat(dfd, e->d_name, link, sizeof link - 1);
        if (n <= 8 || std::strncmp(link, "socket:[", 8) != 0)
            continue;
        link[n] = '\0';
        out->push_back(std::strtoull(link + 8, nullptr, 10));
    }
    ::closedir(dir);
    return true;
}

struct DiagSocket
{
    std::uint64_t inode = 0;
    int state = 0;
    quint16 localPort = 0;
};

// One netlink conversation: a request, its answers until done. For an
// exact lookup the kernel answers one message (or an error).
class Netlink
{
public:
    Netlink() { m_fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG); }
    ~Netlink()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Netlink(const Netlink&) = delete;
    Netlink& operator=(const Netlink&) = delete;
    bool isValid() const { return m_fd >= 0; }

    // Sockets of `family` in `states` whose local port is `port` (0: any).
    bool dump(int family, std::uint32_t states, quint16 port, std::vector<DiagSocket>* out)
    {
        inet_diag_req_v2 req {};
        req.sdiag_family = static_cast<std::uint8_t>(family);
        req.sdiag_protocol = IPPROTO_TCP;
        req.idiag_states = states;
        return ask(req, NLM_F_REQUEST | NLM_F_DUMP, port, out);
    }

    // The server side of a connection: local = server, remote = client.
    // -1 when the kernel knows no such socket.
    bool find(const sockaddr_storage& server, const sockaddr_storage& client, DiagSocket* out, bool* missing)
    {
        inet_diag_req_v2 req {};
        req.sdiag_protocol = IPPROTO_TCP;
        req.idiag_states = ~0U;
        req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
        req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
        if (server.ss_family == AF_INET) {
            const auto& s = reinterpret_cast<const sockaddr_in&>(server);
            const auto& c = reinterpret_cast<const sockaddr_in&>(client);
            req.sdiag_family = AF_INET;
            req.id.idiag_sport = s.sin_port;
            req.id.idiag_dport = c.sin_port;
            std::memcpy(req.id.idiag_src, &s.sin_addr, 4);
            std::memcpy(req.id.idiag_dst, &c.sin_addr, 4);
        } else {
            const auto& s = reinterpret_cast<const sockaddr_in6&>(server);
            const auto& c = reinterpret_cast<const sockaddr_in6&>(client);
            req.sdiag_family = AF_INET6;
            req.id.idiag_sport = s.sin6_port;
            req.id.idiag_dport = c.sin6_port;
            std::memcpy(req.id.idiag_src, &s.sin6_addr, 16);
            std::memcpy(req.id.idiag_dst, &c.sin6_addr, 16);
        }
        std::vector<DiagSocket> found;
        *missing = false;
        if (!ask(req, NLM_F_REQUEST, 0, &found, missing))
            return false;
        if (found.empty()) {
            *missing = true;
            return true;
        }
        *out = found.front();
        return true;
    }

private:
    bool ask(const inet_diag_req_v2& r, int flags, quint16 port, std::vector<DiagSocket>* out, bool* missing = nullptr)
    {
        struct
        {
            nlmsghdr nlh;
            inet_diag_req_v2 req;
        } msg {};
        msg.nlh.nlmsg_len = sizeof msg;
        msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
        msg.nlh.nlmsg_flags = static_cast<std::uint16_t>(flags);
        msg.nlh.nlmsg_seq = ++m_seq;
        msg.req = r;
        sockaddr_nl kernel {};
        kernel.nl_family = AF_NETLINK;
        if (::sendto(m_fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0)
            return false;
        alignas(nlmsghdr) char buf[32768];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return false;
            }
            // The messages are copied out, not cast in place: the buffer's
            // alignment is the kernel's business, not the compiler's.
            const auto total = static_cast<std::size_t>(n);
            for (std::size_t off = 0; off + sizeof(nlmsghdr) <= total;) {
                nlmsghdr h {};
                std::memcpy(&h, buf + off, sizeof h);
                if (h.nlmsg_len < sizeof(nlmsghdr) || off + h.nlmsg_len > total)
                    break;
                const char* payload = buf + off + NLMSG_HDRLEN;
                const std::size_t payloadLen = h.nlmsg_len - NLMSG_HDRLEN;
                off += NLMSG_ALIGN(h.nlmsg_len);
                if (h.nlmsg_seq != m_seq)
                    continue;
                if (h.nlmsg_type == NLMSG_DONE)
                    return true;
                if (h.nlmsg_type == NLMSG_ERROR) {
                    nlmsgerr err {};
                    std::memcpy(&err, payload, std::min(sizeof err, payloadLen));
                    if (err.error == -ENOENT && missing != nullptr) {
                        *missing = true;
                        return true;
                    }
                    return err.error == 0;
                }
                if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY || payloadLen < sizeof(inet_diag_msg))
                    continue;
                inet_diag_msg m {};
                std::memcpy(&m, payload, sizeof m);
                const quint16 local = ntohs(m.id.idiag_sport);
                if (port == 0 || local == port)
                    out->push_back({ m.idiag_inode, m.idiag_state, local });
                if (!(flags & NLM_F_DUMP))
                    return true; // an exact lookup answers once
            }
        }
    }

    int m_fd = -1;
    std::uint32_t m_seq = 0;
};

// The kernel's TCP states (include/net/tcp_states.h), as inet_diag reports them.
constexpr int TCP_ESTABLISHED = 1;
constexpr int TCP_LISTEN = 10;

constexpr std::int64_t kMs = 1000000;
constexpr std::int64_t kTreeRefreshNs = 100 * kMs;
// A rescan on a miss waits at least this long after the last one, and at
// least four times as long as the last one took: scans take at most a fifth
// of the caller's time however many descriptors the target holds.
constexpr std::int64_t kRescanGapNs = 1 * kMs;
constexpr std::int64_t kListenerRescanGapNs = 1000 * kMs;
// A connection held only by a dispatcher (a listener's owner with children:
// Node's or our round-robin primary, which accepts and hands connections
// over) may be in the middle of its hand-over, the descriptor in flight to
// a worker: it counts for the dispatcher only when a scan this long after
// the socket was first seen still finds it there.
constexpr std::int64_t kHandOverNs = 20 * kMs;

} // namespace

QHash<qint64, qint64> processParents();

namespace {

// The parents of `roots` and of all their descendants, read down from the
// roots through /proc/PID/task/TID/children: the cost follows the tree, not
// the machine's process count. The whole process list where the kernel has
// no such files (CONFIG_PROC_CHILDREN off).
QHash<qint64, qint64> parentsAround(const QList<qint64>& roots)
{
    static const bool haveChildrenFiles = [] {
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%d/task/%d/children", static_cast<int>(::getpid()), static_cast<int>(::getpid()));
        return ::access(path, R_OK) == 0;
    }();
    if (!haveChildrenFiles)
        return processParents();
    QHash<qint64, qint64> parents;
    QList<qint64> queue;
    for (qint64 root : roots) {
        const qint64 parent = readParent(root);
        if (parent >= 0 && !parents.contains(root)) {
            parents.insert(root, parent);
            queue.append(root);
        }
    }
    char path[320]; // "/proc/PID/task/" and a directory entry's name (at most 255 bytes)
    char buf[4096];
    for (qsizetype i = 0; i < queue.size() && queue.size() < 100000; ++i) {
        const qint64 pid = queue[i];
        std::snprintf(path, sizeof path, "/proc/%lld/task", static_cast<long long>(pid));
        DIR* tasks = ::opendir(path);
        if (tasks == nullptr)
            continue;
        while (dirent* t = ::readdir(tasks)) { // children are per thread: a child forked by any of them
            if (t->d_name[0] < '0' || t->d_name[0] > '9')
                continue;
            std::snprintf(path, sizeof path, "/proc/%lld/task/%s/children", static_cast<long long>(pid), t->d_name);
            std::size_t len = 0;
            if (!readSmallFile(path, buf, sizeof buf, &len))
                continue;
            char* save = nullptr;
            for (char* c = strtok_r(buf, " \n", &save); c != nullptr; c = strtok_r(nullptr, " \n", &save)) {
                const qint64 child = std::strtoll(c, nullptr, 10);
                if (child > 0 && !parents.contains(child)) {
                    parents.insert(child, pid);
                    queue.append(child);
                }
            }
        }
        ::closedir(tasks);
    }
    return parents;
}

} // namespace

QHash<qint64, qint64> processParents()
{
    QHash<qint64, qint64> parents;
    DIR* dir = ::opendir("/proc");
    if (dir == nullptr)
        return parents;
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        const qint64 pid = std::strtoll(e->d_name, nullptr, 10);
        const qint64 parent = readParent(pid);
        if (parent >= 0)
            parents.insert(pid, parent);
    }
    ::closedir(dir);
    return parents;
}

bool sampleProcess(qint64 pid, ProcessSample* out)
{
    if (!readStat(pid, out))
        return false;
    if (out->name.size() >= 15) { // the kernel cuts comm at 15 bytes: argv[0]'s base name is whole
        char path[64];
        std::snprintf(path, sizeof path, "/proc/%lld/cmdline", static_cast<long long>(pid));
        char buf[512];
        std::size_t len = 0;
        if (readSmallFile(path, buf, sizeof buf, &len)) {
            const char* base = std::strrchr(buf, '/');
            const QString full = QString::fromUtf8(base != nullptr ? base + 1 : buf);
            if (full.startsWith(out->name))
                out->name = full;
        }
    }
    return true;
}

struct ConnectionOwners::Impl
{
    quint16 port = 0;
    QList<qint64> extraRoots;
    Netlink netlink;
    QString note;
    QList<qint64> listenerOwners; // who holds a listening socket on the port
    QList<qint64> tree;
    QHash<qint64, qint64> parents; // of the tree's processes
    std::unordered_map<std::uint64_t, std::vector<qint64>> holders; // inode -> processes of the tree
    std::unordered_map<std::uint64_t, std::int64_t> firstSeen; // inode -> the scan that first saw it
    QList<qint64> dispatchers; // listener owners with children in the tree
    std::vector<std::uint64_t> listenerInodes;
    std::int64_t treeAt = 0;
    std::int64_t treeTookNs = 0;
    std::int64_t scanAt = 0;
    std::int64_t scanTookNs = 0;
    std::int64_t listenersAt = 0;
    int unreadable = 0;

    void findListeners()
    {
        listenersAt = nowNs();
        if (port == 0) // no port: the tree of extraRoots only
            return;
        std::vector<DiagSocket> found;
        for (int family : { AF_INET, AF_INET6 })
            netlink.dump(family, 1U << TCP_LISTEN, port, &found);
        listenerInodes.clear();
        for (const DiagSocket& s : found)
            listenerInodes.push_back(s.inode);
        if (listenerInodes.empty()) {
            listenerOwners.clear();
            return;
        }
        // Who holds them: a pass over every readable process once (the
        // tree is not known yet). Another user's processes cannot be read
        // without privileges.
        QList<qint64> owners;
        int denied = 0;
        DIR* dir = ::opendir("/proc");
        if (dir != nullptr) {
            while (dirent* e = ::readdir(dir)) {
                if (e->d_name[0] < '0' || e->d_name[0] > '9')
                    continue;
                const qint64 pid = std::strtoll(e->d_name, nullptr, 10);
                std::vector<std::uint64_t> inodes;
                bool wasDenied = false;
                if (!socketInodes(pid, &inodes, &wasDenied)) {
                    denied += wasDenied ? 1 : 0;
                    continue;
                }
                for (std::uint64_t i : inodes) {
                    if (std::find(listenerInodes.begin(), listenerInodes.end(), i) != listenerInodes.end()) {
                        owners.append(pid);
                        break;
                    }
                }
            }
            ::closedir(dir);
        }
        listenerOwners = owners;
        if (owners.isEmpty())
            note = QStringLiteral("something listens on port %1, but no process of this user holds it: "
                                  "attribution needs the server's user or privileges (%2 processes could not be read)")
                       .arg(port)
                       .arg(denied);
    }

    void refreshTree(bool force)
    {
        const std::int64_t now = nowNs();
        if (!force && treeAt != 0 && now - treeAt < kTreeRefreshNs)
            return;
        treeAt = now;
        // Roots: the listener's owners whose parent does not also own it;
        // several sibling roots (reuseport workers) are lifted to their
        // common parent, the cluster's primary.
        QHash<qint64, qint64> ownerParents;
        for (qint64 p : listenerOwners) {
            const qint64 parent = readParent(p);
            if (parent >= 0)
                ownerParents.insert(p, parent);
        }
        QList<qint64> r;
        const QSet<qint64> owners(listenerOwners.cbegin(), listenerOwners.cend());
        for (qint64 p : listenerOwners) {
            if (ownerParents.contains(p) && !owners.contains(ownerParents.value(p)))
                r.append(p);
        }
        if (r.size() > 1) {
            const qint64 parent = ownerParents.value(r.first());
            bool same = parent > 1;
            for (qint64 p : r)
                same = same && ownerParents.value(p) == parent;
            if (same && parent != ::getpid())
                r = { parent };
        }
        for (qint64 p : extraRoots) {
            if (!r.contains(p))
                r.append(p);
        }
        const QHash<qint64, qint64> all = parentsAround(r);
        treeTookNs = nowNs() - now;
        tree = processTree(r, all);
        parents.clear();
        dispatchers.clear();
        for (qint64 p : tree) {
            parents.insert(p, all.value(p));
            const qint64 parent = all.value(p);
            if (listenerOwners.contains(parent) && !dispatchers.contains(parent))
                dispatchers.append(parent);
        }
    }

    void rescan()
    {
        scanAt = nowNs();
        refreshTree(false);
        holders.clear();
        unreadable = 0;
        for (qint64 pid : tree) {
            std::vector<std::uint64_t> inodes;
            bool denied = false;
            if (!socketInodes(pid, &inodes, &denied)) {
                unreadable += denied ? 1 : 0;
                continue;
            }
            for (std::uint64_t i : inodes) {
                std::vector<qint64>& h = holders[i];
                if (std::find(h.begin(), h.end(), pid) == h.end())
                    h.push_back(pid);
                firstSeen.emplace(i, scanAt);
            }
        }
        if (firstSeen.size() > 2 * holders.size() + 4096) { // bounded: forget the sockets gone since
            for (auto it = firstSeen.begin(); it != firstSeen.end();)
                it = holders.count(it->first) != 0 ? std::next(it) : firstSeen.erase(it);
        }
        scanTookNs = nowNs() - scanAt;
        if (unreadable > 0)
            note = QStringLiteral("%1 of the target's processes could not be read: attribution needs the server's "
                                  "user or privileges")
                       .arg(unreadable);
    }

    // The holder, or 0 while it may still be a hand-over in progress.
    qint64 settled(std::uint64_t inode, const std::vector<qint64>& h, std::int64_t answeredAtNs) const
    {
        const qint64 pid = choose(h);
        if (pid == 0)
            return 0;
        // A listener's owner may be about to hand the connection to a child
        // the tree does not show yet (a forking server, Node's primary):
        // it answered only if a scan, of a tree read, after the answer
        // began still finds it alone.
        if (answeredAtNs > 0 && listenerOwners.contains(pid))
            return scanAt > answeredAtNs && treeAt > answeredAtNs ? pid : 0;
        if (!dispatchers.contains(pid))
            return pid;
        const auto seen = firstSeen.find(inode);
        return seen != firstSeen.end() && scanAt - seen->second >= kHandOverNs ? pid : 0;
    }

    qint64 choose(const std::vector<qint64>& h) const
    {
        if (h.size() == 1)
            return h.front();
        return chooseHolder(QList<qint64>(h.cbegin(), h.cend()), parents, listenerOwners);
    }
};

ConnectionOwners::ConnectionOwners(quint16 port, const QList<qint64>& extraRoots) : d(std::make_unique<Impl>())
{
    d->port = port;
    d->extraRoots = extraRoots;
    if (!d->netlink.isValid()) {
        d->note = QStringLiteral("the kernel's socket diagnostics (NETLINK_SOCK_DIAG) are not available: %1")
                      .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return;
    }
    d->findListeners();
    d->refreshTree(true);
    d->rescan();
}

ConnectionOwners::~ConnectionOwners() = default;

bool ConnectionOwners::isAvailable() const
{
    return d->netlink.isValid();
}

QString ConnectionOwners::note() const
{
    return d->note;
}

ConnectionOwners::Lookup ConnectionOwners::ownerOf(qintptr fd, qint64* pid, Rescan rescan, std::int64_t answeredAtNs)
{
    *pid = 0;
    if (!d->netlink.isValid())
        return Lookup::Failed;
    sockaddr_storage client {};
    sockaddr_storage server {};
    socklen_t cl = sizeof client;
    socklen_t sl = sizeof server;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&client), &cl) != 0
        || ::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&server), &sl) != 0)
        return Lookup::Gone;
    DiagSocket s;
    bool missing = false;
    if (!d->netlink.find(server, client, &s, &missing))
        return Lookup::Failed;
    if (missing || s.state != TCP_ESTABLISHED)
        return missing || s.inode == 0 ? Lookup::Gone : Lookup::NotYet;
    if (s.inode == 0)
        return Lookup::NotYet; // in the accept queue: nobody has accepted it yet
    auto it = d->holders.find(s.inode);
    const std::int64_t now = nowNs();
    if (it == d->holders.end() || d->settled(s.inode, it->second, answeredAtNs) == 0) {
        const bool due = rescan == Rescan::Now || now - d->scanAt >= std::max(kRescanGapNs, 4 * d->scanTookNs);
        if (!due)
            return Lookup::NotYet;
        if (it == d->holders.end() && now - d->listenersAt >= kListenerRescanGapNs) {
            // A process the tree did not have (a new worker of a
            // reuseport server whose primary does not listen): look for
            // the listener's owners again, at most once a second.
            d->findListeners();
            d->refreshTree(true);
        } else if (rescan == Rescan::Now
                   || (answeredAtNs > 0 && d->treeAt <= answeredAtNs
                       && now - d->treeAt >= std::max(kRescanGapNs, 4 * d->treeTookNs))) {
            d->refreshTree(true);
        }
        d->rescan();
        it = d->holders.find(s.inode);
        if (it == d->holders.end() && nowNs() - d->treeAt >= std::max(kRescanGapNs, 4 * d->treeTookNs)) {
            // Held by a process the tree did not have yet (a child forked
            // for this connection): the tree again, then the scan.
            d->refreshTree(true);
            d->rescan();
            it = d->holders.find(s.inode);
        }
        if (it == d->holders.end())
            return Lookup::NotYet;
    }
    *pid = d->settled(s.inode, it->second, answeredAtNs);
    return *pid != 0 ? Lookup::Found : Lookup::NotYet;
}

QHash<qint64, int> ConnectionOwners::connectionsByOwner()
{
    QHash<qint64, int> counts;
    if (!d->netlink.isValid())
        return counts;
    std::vector<DiagSocket> found;
    for (int family : { AF_INET, AF_INET6 })
        d->netlink.dump(family, 1U << TCP_ESTABLISHED, d->port, &found);
    d->rescan();
    for (const DiagSocket& s : found) {
        const auto it = d->holders.find(s.inode);
        counts[it == d->holders.end() ? 0 : d->choose(it->second)] += 1;
    }
    return counts;
}

QList<qint64> ConnectionOwners::targetProcesses()
{
    if (d->listenerOwners.isEmpty() && nowNs() - d->listenersAt >= kListenerRescanGapNs)
        d->findListeners(); // the server was not listening yet
    d->refreshTree(false);
    return d->tree;
}

QList<qint64> ConnectionOwners::listenerOwners()
{
    return d->listenerOwners;
}

} // namespace clusterlab::platform
