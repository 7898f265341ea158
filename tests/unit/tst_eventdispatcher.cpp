// SPDX-License-Identifier: GPL-3.0-or-later
// The worker's epoll event dispatcher (platform/eventdispatcher.h), installed
// as this test's own: notifiers changed, deleted and reused inside their
// callbacks, timers of 0 ms and far in the future, timers stopping each
// other, posted events and wakeUp() from other threads, 10,000 descriptors,
// fairness under an always-ready descriptor, and the Qt classes the worker
// relies on (QProcess, QLocalSocket, QTimer::singleShot, queued calls).
#include <QtGlobal>

#if defined(Q_OS_LINUX)

#include "platform/eventdispatcher.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QEventLoop>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QProcess>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTest>
#include <QTimer>

#include <memory>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace clusterlab;

namespace {

struct Pair
{
    int fd[2] = { -1, -1 };
    Pair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~Pair()
    {
        for (int f : fd) {
            if (f >= 0)
                ::close(f);
        }
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;
    bool valid() const { return fd[0] >= 0 && fd[1] >= 0; }
    void poke() const { [[maybe_unused]] const auto r = ::write(fd[1], "x", 1); }
    int drain() const
    {
        char buf[256];
        int total = 0;
        for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;)
            total += static_cast<int>(n);
        return total;
    }
};

// A fixed number of passes of the loop, none waiting: to show that
// something does NOT happen, without a clock.
void spin(int passes = 20)
{
    for (int i = 0; i < passes; ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents);
}

} // namespace

class TestEventDispatcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isTheEpollDispatcher();
    void notifierToggledInsideItsCallback();
    void notifierDeletedWhileReady();
    void descriptorReusedInTheSameWakeUp();
    void writeNotifier();
    void zeroTimerStarvesNothing();
    void farFutureTimer();
    void timerStoppedByAnotherTimer();
    void nestedLoopDoesNotRefireItsTimer();
    void postedFromAnotherThreadWhileWaiting();
    void wakeUpFromAnotherThread();
    void tenThousandDescriptors();
    void anAlwaysReadyDescriptorStarvesNoOther();
    void qprocessAndQLocalSocket();
    void namesAndErrors();
};

void TestEventDispatcher::isTheEpollDispatcher()
{
    QAbstractEventDispatcher* d = QAbstractEventDispatcher::instance();
    QVERIFY(d != nullptr);
    // Qt's own would name itself (QEventDispatcherUNIX, …Glib); ours has no meta-object of its own.
    QCOMPARE(QByteArray(d->metaObject()->className()), QByteArray("QAbstractEventDispatcher"));
}

void TestEventDispatcher::notifierToggledInsideItsCallback()
{
    Pair p;
    QVERIFY(p.valid());
    QSocketNotifier n(p.fd[0], QSocketNotifier::Read);
    int fired = 0;
    connect(&n, &QSocketNotifier::activated, &n, [&]() {
        ++fired;
        p.drain();
        n.setEnabled(false); // off and on again inside its own callback: it stays on
        n.setEnabled(true);
    });
    p.poke();
    QTRY_COMPARE_WITH_TIMEOUT(fired, 1, 10000);
    p.poke();
    QTRY_COMPARE_WITH_TIMEOUT(fired, 2, 10000);
    // Off inside its callback: no more activations, data or not.
    connect(&n, &QSocketNotifier::activated, &n, [&]() { n.setEnabled(false); });
    p.poke();
    QTRY_COMPARE_WITH_TIMEOUT(fired, 3, 10000);
    p.poke();
    spin();
    QCOMPARE(fired, 3);
    n.setEnabled(true);
    QTRY_COMPARE_WITH_TIMEOUT(fired, 4, 10000);
}

void TestEventDispatcher::notifierDeletedWhileReady()
{
    // Both ready in one wake-up; whichever runs first deletes the other,
    // which must then never run.
    Pair a, b;
    auto na = std::make_unique<QSocketNotifier>(a.fd[0], QSocketNotifier::Read);
    auto nb = std::make_unique<QSocketNotifier>(b.fd[0], QSocketNotifier::Read);
    int fired = 0;
    connect(na.get(), &QSocketNotifier::activated, this, [&]() {
        ++fired;
        a.drain();
        nb.reset();
    });
    connect(nb.get(), &QSocketNotifier::activated, this, [&]() {
        ++fired;
        b.drain();
        na.reset();
    });
    a.poke();
    b.poke();
    QTRY_COMPARE_WITH_TIMEOUT(fired, 1, 10000);
    spin();
    QCOMPARE(fired, 1);
    QVERIFY(!na != !nb); // exactly one is left
}

void TestEventDispatcher::descriptorReusedInTheSameWakeUp()
{
    // The first callback closes the other descriptor and opens a new one,
    // which the kernel gives the same number: the old descriptor's event,
    // already in this wake-up's batch, must not reach the new notifier.
    auto a = std::make_unique<Pair>();
    auto b = std::make_unique<Pair>();
    auto na = std::make_unique<QSocketNotifier>(a->fd[0], QSocketNotifier::Read);
    auto nb = std::make_unique<QSocketNotifier>(b->fd[0], QSocketNotifier::Read);
    std::unique_ptr<Pair> fresh;
    std::unique_ptr<QSocketNotifier> nf;
    int freshFired = 0, first = 0;
    int reusedNumber = -1;
    auto replace = [&](std::unique_ptr<QSocketNotifier>& other, std::unique_ptr<Pair>& otherPair) {
        ++first;
        if (first > 1)
            return;
        const int number = otherPair->fd[0];
        other.reset();
        otherPair.reset();
        fresh = std::make_unique<Pair>();
        reusedNumber = fresh->fd[0] == number || fresh->fd[1] == number ? number : -1;
        nf = std::make_unique<QSocketNotifier>(fresh->fd[0], QSocketNotifier::Read);
        connect(nf.get(), &QSocketNotifier::activated, this, [&]() {
            fresh->drain();
            ++freshFired;
        });
    };
    connect(na.get(), &QSocketNotifier::activated, this, [&]() {
        a->drain();
        replace(nb, b);
    });
    connect(nb.get(), &QSocketNotifier::activated, this, [&]() {
        b->drain();
        replace(na, a);
    });
    a->poke();
    b->poke();
    QTRY_VERIFY_WITH_TIMEOUT(first >= 1, 10000);
    spin();
    QCOMPARE(freshFired, 0); // nothing was written to the new one
    QVERIFY2(reusedNumber >= 0, "the kernel did not reuse the number: the case was not reached");
    fresh->poke();
    QTRY_COMPARE_WITH_TIMEOUT(freshFired, 1, 10000);
}

void TestEventDispatcher::writeNotifier()
{
    Pair p;
    QSocketNotifier w(p.fd[1], QSocketNotifier::Write);
    int fired = 0;
    connect(&w, &QSocketNotifier::activated, &w, [&]() {
        ++fired;
        w.setEnabled(false); // writable until the buffer fills: once is enough
    });
    QTRY_COMPARE_WITH_TIMEOUT(fired, 1, 10000);
    spin();
    QCOMPARE(fired, 1);
}

void TestEventDispatcher::zeroTimerStarvesNothing()
{
    QTimer zero;
    zero.setInterval(0);
    int zeroFired = 0;
    connect(&zero, &QTimer::timeout, this, [&]() { ++zeroFired; });
    zero.start();
    bool queued = false;
    QMetaObject::invokeMethod(this, [&]() { queued = true; }, Qt::QueuedConnection);
    Pair p;
    QSocketNotifier n(p.fd[0], QSocketNotifier::Read);
    bool read = false;
    connect(&n, &QSocketNotifier::activated, this, [&]() {
        p.drain();
        read = true;
    });
    p.poke();
    bool shot = false;
    QTimer::singleShot(1, this, [&]() { shot = true; });
    QTRY_VERIFY_WITH_TIMEOUT(queued && read && shot, 10000);
    QVERIFY(zeroFired > 0);
}

void TestEventDispatcher::farFutureTimer()
{
    QTimer far;
    far.setInterval(24 * 3600 * 1000);
    far.setSingleShot(true);
    bool fired = false;
    connect(&far, &QTimer::timeout, this, [&]() { fired = true; });
    far.start();
    const int left = far.remainingTime();
    QVERIFY2(left > 23 * 3600 * 1000 && left <= 24 * 3600 * 1000, qPrintable(QString::number(left)));
    const auto listed = QAbstractEventDispatcher::instance()->registeredTimers(&far);
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed.constFirst().interval, 24 * 3600 * 1000);
    spin();
    QVERIFY(!fired);
    far.stop();
    QCOMPARE(far.remainingTime(), -1);
    QVERIFY(QAbstractEventDispatcher::instance()->registeredTimers(&far).isEmpty());
}

void TestEventDispatcher::timerStoppedByAnotherTimer()
{
    // Two timers due at once: whichever fires first stops the other, which
    // must not fire; a later one says when both were due.
    QTimer t1, t2;
    int fired = 0;
    for (QTimer* t : { &t1, &t2 }) {
        t->setSingleShot(true);
        t->setInterval(5);
    }
    connect(&t1, &QTimer::timeout, this, [&]() {
        ++fired;
        t2.stop();
    });
    connect(&t2, &QTimer::timeout, this, [&]() {
        ++fired;
        t1.stop();
    });
    t1.start();
    t2.start();
    QTimer later;
    later.setSingleShot(true);
    QSignalSpy done(&later, &QTimer::timeout);
    later.start(30);
    QVERIFY(done.wait(10000));
    QCOMPARE(fired, 1);
}

void TestEventDispatcher::nestedLoopDoesNotRefireItsTimer()
{
    // A timer whose callback runs a nested event loop is not fired again
    // inside it (Qt's own rule), while other timers are.
    QTimer ticking;
    ticking.setInterval(1);
    int depth = 0, reentered = 0, ticks = 0;
    bool otherFired = false;
    connect(&ticking, &QTimer::timeout, this, [&]() {
        ++ticks;
        if (depth > 0) {
            ++reentered;
            return;
        }
        if (ticks > 1)
            return;
        ++depth;
        QEventLoop nested;
        QTimer::singleShot(30, &nested, [&]() {
            otherFired = true;
            nested.quit();
        });
        nested.exec();
        --depth;
    });
    ticking.start();
    QTRY_VERIFY_WITH_TIMEOUT(otherFired && ticks >= 2, 10000);
    QCOMPARE(reentered, 0);
}

void TestEventDispatcher::postedFromAnotherThreadWhileWaiting()
{
    // No timer, no descriptor: the loop waits with no deadline; a call
    // queued from another thread wakes it.
    QEventLoop loop;
    bool arrived = false;
    std::thread poster([&]() {
        QMetaObject::invokeMethod(&loop, [&]() {
            arrived = true;
            loop.quit();
        }, Qt::QueuedConnection);
    });
    QTimer guard; // a failure ends the test instead of hanging it
    guard.setSingleShot(true);
    connect(&guard, &QTimer::timeout, &loop, &QEventLoop::quit);
    guard.start(20000);
    loop.exec();
    poster.join();
    QVERIFY(arrived);
}

void TestEventDispatcher::wakeUpFromAnotherThread()
{
    QAbstractEventDispatcher* d = QAbstractEventDispatcher::instance();
    QTimer guard; // a failure ends the wait instead of hanging it
    guard.setSingleShot(true);
    bool guardFired = false;
    connect(&guard, &QTimer::timeout, this, [&]() { guardFired = true; });
    guard.start(20000);
    spin(); // nothing pending
    std::thread waker([d]() { d->wakeUp(); });
    d->processEvents(QEventLoop::WaitForMoreEvents);
    waker.join();
    QVERIFY(!guardFired);
}

void TestEventDispatcher::tenThousandDescriptors()
{
    constexpr int kPairs = 5000; // 10,000 descriptors, each watched
    rlimit rl {};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2 * kPairs + 256) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 2 * kPairs + 256);
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < 2 * kPairs + 256)
        QSKIP("the descriptor limit is below 10,256 and cannot be raised here");
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<std::unique_ptr<QSocketNotifier>> notifiers;
    int fired = 0;
    for (int i = 0; i < kPairs; ++i) {
        pairs.push_back(std::make_unique<Pair>());
        QVERIFY(pairs.back()->valid());
        for (int end : { 0, 1 }) {
            const int fd = pairs.back()->fd[end];
            notifiers.push_back(std::make_unique<QSocketNotifier>(fd, QSocketNotifier::Read));
            connect(notifiers.back().get(), &QSocketNotifier::activated, this, [&fired, fd]() {
                char c;
                while (::read(fd, &c, 1) > 0) {
                }
                ++fired;
            });
        }
    }
    for (const auto& p : pairs) { // each end gets one byte: every descriptor is ready once
        [[maybe_unused]] auto r0 = ::write(p->fd[0], "x", 1);
        [[maybe_unused]] auto r1 = ::write(p->fd[1], "x", 1);
    }
    QTRY_COMPARE_WITH_TIMEOUT(fired, 2 * kPairs, 60000);
    spin();
    QCOMPARE(fired, 2 * kPairs); // each exactly once
    notifiers.clear();
}

void TestEventDispatcher::anAlwaysReadyDescriptorStarvesNoOther()
{
    // One descriptor ready on every wake-up (never drained, as a client that
    // pipelines without end): another that becomes ready is served within
    // a pass or two of the loop, not after it.
    Pair busy, quiet;
    busy.poke();
    QSocketNotifier nb(busy.fd[0], QSocketNotifier::Read);
    int busyFired = 0;
    connect(&nb, &QSocketNotifier::activated, this, [&]() { ++busyFired; });
    QSocketNotifier nq(quiet.fd[0], QSocketNotifier::Read);
    int quietFired = 0;
    connect(&nq, &QSocketNotifier::activated, this, [&]() {
        quiet.drain();
        ++quietFired;
    });
    spin(3);
    QVERIFY(busyFired >= 3);
    quiet.poke();
    spin(2);
    QCOMPARE(quietFired, 1);
}

void TestEventDispatcher::qprocessAndQLocalSocket()
{
    // QProcess (its pipes and its exit notification) on this dispatcher.
    QProcess echo;
    QSignalSpy finished(&echo, &QProcess::finished);
    echo.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), QStringLiteral("echo hello") });
    QVERIFY(finished.wait(20000));
    QCOMPARE(echo.readAllStandardOutput(), QByteArray("hello\n"));
    QCOMPARE(echo.exitCode(), 0);
    // A local socket round trip.
    QLocalServer server;
    const QString name = QStringLiteral("tst_eventdispatcher-%1").arg(QCoreApplication::applicationPid());
    QLocalServer::removeServer(name);
    QVERIFY(server.listen(name));
    QLocalSocket client;
    client.connectToServer(name);
    QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingConnections() || client.state() == QLocalSocket::ConnectedState, 10000);
    QSignalSpy pending(&server, &QLocalServer::newConnection);
    if (!server.hasPendingConnections())
        QVERIFY(pending.wait(10000));
    QLocalSocket* peer = server.nextPendingConnection();
    QVERIFY(peer != nullptr);
    client.write("ping");
    QTRY_COMPARE_WITH_TIMEOUT(peer->bytesAvailable(), qint64(4), 10000);
    QCOMPARE(peer->readAll(), QByteArray("ping"));
    peer->write("pong");
    QTRY_COMPARE_WITH_TIMEOUT(client.bytesAvailable(), qint64(4), 10000);
    QCOMPARE(client.readAll(), QByteArray("pong"));
}

void TestEventDispatcher::namesAndErrors()
{
    QCOMPARE(platform::eventDispatcherNames(), QStringList({ QStringLiteral("epoll"), QStringLiteral("qt") }));
    QCOMPARE(platform::defaultEventDispatcherName(), QStringLiteral("epoll"));
    QString error;
    QCOMPARE(platform::createEventDispatcher(QStringLiteral("qt"), &error), nullptr);
    QVERIFY(error.isEmpty());
    QCOMPARE(platform::createEventDispatcher(QStringLiteral("kqueue"), &error), nullptr);
    QVERIFY2(error.contains(QLatin1String("expected epoll or qt")), qPrintable(error));
}

int main(int argc, char** argv)
{
    QCoreApplication::setEventDispatcher(platform::createEventDispatcher(QStringLiteral("epoll"), nullptr));
    QCoreApplication app(argc, argv);
    TestEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_eventdispatcher.moc"

#else
#include <cstdio>
int main()
{
    std::puts("SKIP: the epoll event dispatcher is Linux only");
    return 0;
}
#endif
