// SPDX-License-Identifier: GPL-3.0-or-later
// The worker's epoll event dispatcher (eventdispatcher.h). Linux only; the
// factory at the end is for every system.
#include "eventdispatcher.h"

#include <QtGlobal>

#if defined(Q_OS_LINUX)

#include <QAbstractEventDispatcher>
#include <QAtomicInt>
#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>
#include <QTimerEvent>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <unordered_map>
#include <vector>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace clusterlab::platform {

namespace {

std::int64_t monotonicNs()
{
    timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// One descriptor's notifiers, and what the kernel has been told of it.
struct FdEntry
{
    QSocketNotifier* read = nullptr;
    QSocketNotifier* write = nullptr;
    QSocketNotifier* exception = nullptr;
    std::uint32_t kernelMask = 0; // events registered with epoll (0: not registered)
    std::uint32_t generation = 0; // changes when the descriptor's last notifier goes
    bool dirty = false;           // its mask changed since it was last told to the kernel

    std::uint32_t wanted() const
    {
        return (read != nullptr ? std::uint32_t(EPOLLIN) : 0u) | (write != nullptr ? std::uint32_t(EPOLLOUT) : 0u)
            | (exception != nullptr ? std::uint32_t(EPOLLPRI) : 0u);
    }
};

struct Timer
{
    QObject* object = nullptr;
    qint64 intervalMs = 0;
    Qt::TimerType type = Qt::CoarseTimer;
    std::int64_t deadlineNs = 0;
    std::uint64_t generation = 0; // heap entries of older generations are stale
    bool firing = false;          // its event is being delivered (a nested loop does not fire it again)
};

struct HeapEntry
{
    std::int64_t deadlineNs;
    std::uint64_t generation;
    int id;
    bool operator>(const HeapEntry& o) const
    {
        return deadlineNs != o.deadlineNs ? deadlineNs > o.deadlineNs : id > o.id;
    }
};

class EpollEventDispatcher final : public QAbstractEventDispatcher
{
public:
    EpollEventDispatcher()
    {
        m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
        m_wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (m_epoll < 0 || m_wake < 0)
            qFatal("clusterlab: epoll dispatcher: %s", std::strerror(errno));
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = kWakeTag;
        ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev);
    }

    ~EpollEventDispatcher() override
    {
        ::close(m_wake);
        ::close(m_epoll);
    }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override
    {
        m_interrupt.storeRelaxed(0);
        Q_EMIT awake();
        bool did = false;
        QCoreApplication::sendPostedEvents();
        if (m_interrupt.loadRelaxed() != 0)
            return did;

        applyChanges();
        const bool wait = flags.testFlag(QEventLoop::WaitForMoreEvents) && m_interrupt.loadRelaxed() == 0;
        const bool timersToo = !flags.testFlag(QEventLoop::X11ExcludeTimers);
        timespec timeout {};
        timespec* timeoutArg = &timeout; // zero: return at once
        if (wait) {
            const std::int64_t next = timersToo ? nextDeadlineNs() : -1;
            if (next < 0) {
                timeoutArg = nullptr; // no timer: until something happens
            } else {
                const std::int64_t left = std::max<std::int64_t>(0, next - monotonicNs());
                timeout.tv_sec = static_cast<time_t>(left / 1000000000LL);
                timeout.tv_nsec = static_cast<long>(left % 1000000000LL);
            }
            if (timeoutArg == nullptr || timeout.tv_sec != 0 || timeout.tv_nsec != 0)
                Q_EMIT aboutToBlock();
        }
        const int n = waitFor(timeoutArg);
        if (wait)
            Q_EMIT awake();
        const bool sockets = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
        for (int i = 0; i < n; ++i) {
            const epoll_event& e = m_events[static_cast<std::size_t>(i)];
            if (e.data.u64 == kWakeTag) {
                std::uint64_t count = 0;
                [[maybe_unused]] const auto r = ::read(m_wake, &count, sizeof count);
                m_wakeUps.storeRelease(0);
                did = true;
                continue;
            }
            if (sockets)
                did = dispatchSocket(e) || did;
        }
        if (timersToo)
            did = fireTimers() || did;
        return did;
    }

    void registerSocketNotifier(QSocketNotifier* notifier) override
    {
        const int fd = static_cast<int>(notifier->socket());
        if (fd < 0)
            return;
        if (static_cast<std::size_t>(fd) >= m_fds.size())
            m_fds.resize(std::max<std::size_t>(static_cast<std::size_t>(fd) + 1, m_fds.size() * 2));
        FdEntry& f = m_fds[static_cast<std::size_t>(fd)];
        slotOf(f, notifier->type()) = notifier;
        markDirty(fd, f);
    }

    void unregisterSocketNotifier(QSocketNotifier* notifier) override
    {
        const int fd = static_cast<int>(notifier->socket());
        if (fd < 0 || static_cast<std::size_t>(fd) >= m_fds.size())
            return;
        FdEntry& f = m_fds[static_cast<std::size_t>(fd)];
        QSocketNotifier*& slot = slotOf(f, notifier->type());
        if (slot != notifier)
            return;
        slot = nullptr;
        if (f.wanted() == 0) {
            // The last one: out of the kernel's list now, while the
            // descriptor is surely still open (a dup of it elsewhere would
            // otherwise keep reporting for a number that may be reused).
            if (f.kernelMask != 0)
                ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
            f.kernelMask = 0;
            ++f.generation;
            return;
        }
        markDirty(fd, f); // told to the kernel before the next wait: a disable and enable in between cost nothing
    }

    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject* object) override
    {
        Timer& t = m_timers[timerId];
        t.object = object;
        t.intervalMs = std::max<qint64>(0, interval);
        t.type = timerType;
        t.deadlineNs = monotonicNs() + t.intervalMs * 1000000LL;
        t.firing = false;
        t.generation = ++m_timerGeneration;
        push({ t.deadlineNs, t.generation, timerId });
    }

    bool unregisterTimer(int timerId) override
    {
        return m_timers.erase(timerId) > 0; // its heap entry goes stale
    }

    bool unregisterTimers(QObject* object) override
    {
        bool any = false;
        for (auto it = m_timers.begin(); it != m_timers.end();) {
            if (it->second.object == object) {
                it = m_timers.erase(it);
                any = true;
            } else {
                ++it;
            }
        }
        return any;
    }

    QList<TimerInfo> registeredTimers(QObject* object) const override
    {
        QList<TimerInfo> out;
        for (const auto& [id, t] : m_timers) {
            if (t.object == object)
                out.append(TimerInfo(id, static_cast<int>(t.intervalMs), t.type));
        }
        return out;
    }

    int remainingTime(int timerId) override
    {
        const auto it = m_timers.find(timerId);
        if (it == m_timers.end())
            return -1;
        const std::int64_t left = it->second.deadlineNs - monotonicNs();
        return left <= 0 ? 0 : static_cast<int>((left + 999999) / 1000000);
    }

    void wakeUp() override
    {
        // Any thread. One write until the loop has read it.
        if (m_wakeUps.testAndSetAcquire(0, 1)) {
            const std::uint64_t one = 1;
            [[maybe_unused]] const auto r = ::write(m_wake, &one, sizeof one);
        }
    }

    void interrupt() override
    {
        m_interrupt.storeRelaxed(1);
        wakeUp();
    }

private:
    static constexpr std::uint64_t kWakeTag = ~std::uint64_t(0);

    static QSocketNotifier*& slotOf(FdEntry& f, QSocketNotifier::Type type)
    {
        return type == QSocketNotifier::Read ? f.read : type == QSocketNotifier::Write ? f.write : f.exception;
    }

    void markDirty(int fd, FdEntry& f)
    {
        if (!f.dirty) {
            f.dirty = true;
            m_dirty.push_back(fd);
        }
    }

    // The mask changes of this iteration, told to the kernel once each.
    void applyChanges()
    {
        for (int fd : m_dirty) {
            FdEntry& f = m_fds[static_cast<std::size_t>(fd)];
            f.dirty = false;
            const std::uint32_t want = f.wanted();
            if (want == f.kernelMask)
                continue;
            if (want == 0) {
                ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
                f.kernelMask = 0;
                ++f.generation;
                continue;
            }
            epoll_event ev {};
            ev.events = want;
            ev.data.u64 = (static_cast<std::uint64_t>(f.generation) << 32) | static_cast<std::uint32_t>(fd);
            int r = ::epoll_ctl(m_epoll, f.kernelMask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
            if (r != 0 && errno == ENOENT) // closed and reopened under the same number: the kernel forgot it
                r = ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
            else if (r != 0 && errno == EEXIST)
                r = ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
            f.kernelMask = r == 0 ? want : 0;
        }
        m_dirty.clear();
    }

    int waitFor(const timespec* timeout)
    {
        for (;;) {
            int n = -1;
            if (m_havePwait2) {
                n = ::epoll_pwait2(m_epoll, m_events.data(), kEpollBatch, timeout, nullptr);
                if (n < 0 && errno == ENOSYS) {
                    m_havePwait2 = false; // an older kernel: milliseconds, rounded up
                    continue;
                }
            } else {
                int ms = -1;
                if (timeout != nullptr)
                    ms = static_cast<int>(std::min<std::int64_t>(
                        INT32_MAX, timeout->tv_sec * 1000LL + (timeout->tv_nsec + 999999) / 1000000));
                n = ::epoll_wait(m_epoll, m_events.data(), kEpollBatch, ms);
            }
            if (n >= 0)
                return n;
            if (errno != EINTR)
                return 0;
            if (timeout != nullptr)
                return 0; // a signal: the loop comes round again and recomputes the wait
        }
    }

    bool dispatchSocket(const epoll_event& e)
    {
        const int fd = static_cast<int>(e.data.u64 & 0xffffffffu);
        const auto generation = static_cast<std::uint32_t>(e.data.u64 >> 32);
        bool did = false;
        // Each activation may unregister or delete any notifier: look again
        // before each one.
        auto entry = [&]() -> FdEntry* {
            if (static_cast<std::size_t>(fd) >= m_fds.size())
                return nullptr;
            FdEntry* f = &m_fds[static_cast<std::size_t>(fd)];
            return f->generation == generation ? f : nullptr;
        };
        auto activate = [&](QSocketNotifier* FdEntry::*which) {
            FdEntry* f = entry();
            if (f == nullptr || f->*which == nullptr)
                return;
            QEvent event(QEvent::SockAct);
            QCoreApplication::sendEvent(f->*which, &event);
            did = true;
        };
        if (e.events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
            activate(&FdEntry::read);
        if (e.events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            activate(&FdEntry::write);
        if (e.events & EPOLLPRI)
            activate(&FdEntry::exception);
        return did;
    }

    void push(HeapEntry e)
    {
        m_heap.push_back(e);
        std::push_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        // Stale entries (timers stopped or restarted) are dropped as they
        // come to the top; rebuilt when they outnumber the live ones.
        if (m_heap.size() > 2 * m_timers.size() + 64) {
            m_heap.clear();
            for (const auto& [id, t] : m_timers)
                m_heap.push_back({ t.deadlineNs, t.generation, id });
            std::make_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        }
    }

    bool live(const HeapEntry& e) const
    {
        const auto it = m_timers.find(e.id);
        return it != m_timers.end() && it->second.generation == e.generation;
    }

    std::int64_t nextDeadlineNs()
    {
        while (!m_heap.empty() && !live(m_heap.front())) {
            std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<>());
            m_heap.pop_back();
        }
        return m_heap.empty() ? -1 : m_heap.front().deadlineNs;
    }

    // Every timer due now, each once (a 0 ms timer fires once per pass).
    bool fireTimers()
    {
        const std::int64_t now = monotonicNs();
        m_due.clear();
        while (!m_heap.empty() && m_heap.front().deadlineNs <= now) {
            const HeapEntry e = m_heap.front();
            std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<>());
            m_heap.pop_back();
            if (live(e))
                m_due.push_back(e);
        }
        bool did = false;
        std::vector<HeapEntry> due; // m_due's storage, kept for the next pass (a nested loop uses its own)
        due.swap(m_due);
        for (const HeapEntry& e : due) {
            auto it = m_timers.find(e.id);
            if (it == m_timers.end() || it->second.generation != e.generation)
                continue; // stopped by an earlier one
            Timer& t = it->second;
            if (t.firing) { // its own event is running further up the stack (a nested loop): not before an interval
                t.deadlineNs = now + std::max<std::int64_t>(t.intervalMs * 1000000LL, 1000000LL);
                push({ t.deadlineNs, t.generation, e.id });
                continue;
            }
            // The next deadline, from this one (no drift), never in the past.
            t.deadlineNs += t.intervalMs * 1000000LL;
            if (t.deadlineNs <= now)
                t.deadlineNs = now + t.intervalMs * 1000000LL;
            t.firing = true;
            push({ t.deadlineNs, t.generation, e.id });
            QObject* object = t.object;
            const std::uint64_t generation = t.generation;
            QTimerEvent event(e.id);
            QCoreApplication::sendEvent(object, &event);
            did = true;
            it = m_timers.find(e.id); // it may be gone, or a new timer under the same id
            if (it != m_timers.end() && it->second.generation == generation)
                it->second.firing = false;
        }
        due.clear();
        if (m_due.empty())
            m_due.swap(due);
        return did;
    }

    int m_epoll = -1;
    int m_wake = -1;
    bool m_havePwait2 = true;
    QAtomicInt m_wakeUps = 0;
    QAtomicInt m_interrupt = 0;
    std::vector<FdEntry> m_fds = std::vector<FdEntry>(1024);
    std::vector<int> m_dirty;
    std::vector<epoll_event> m_events = std::vector<epoll_event>(kEpollBatch);
    std::unordered_map<int, Timer> m_timers;
    std::vector<HeapEntry> m_heap;
    std::vector<HeapEntry> m_due;
    std::uint64_t m_timerGeneration = 0;
};

} // namespace

} // namespace clusterlab::platform

#endif // Q_OS_LINUX

namespace clusterlab::platform {

QStringList eventDispatcherNames()
{
#if defined(Q_OS_LINUX)
    return { QStringLiteral("epoll"), QStringLiteral("qt") };
#else
    return { QStringLiteral("qt") };
#endif
}

QString defaultEventDispatcherName()
{
    return eventDispatcherNames().constFirst();
}

QAbstractEventDispatcher* createEventDispatcher(const QString& name, QString* error)
{
    if (name == QLatin1String("qt"))
        return nullptr;
#if defined(Q_OS_LINUX)
    if (name == QLatin1String("epoll"))
        return new EpollEventDispatcher;
#endif
    if (error != nullptr)
        *error = QStringLiteral("expected %1, not '%2'").arg(eventDispatcherNames().join(QStringLiteral(" or ")), name);
    return nullptr;
}

} // namespace clusterlab::platform
