// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSignalSpy>
#include <QThread>

#include <memory>

namespace clusterlab::test {

// Runs blocking client code on a thread of its own while the calling thread
// keeps the primary's event loop turning (a primary that cannot run its
// loop cannot supervise). True when `work` finished in time; the thread is
// always joined.
template<typename Work>
bool offThread(Work work, int timeoutMs = 120000)
{
    std::unique_ptr<QThread> thread(QThread::create(std::move(work)));
    QSignalSpy finished(thread.get(), &QThread::finished);
    thread->start();
    const bool done = finished.count() > 0 || finished.wait(timeoutMs);
    if (!done)
        thread->wait();
    return done;
}

} // namespace clusterlab::test
