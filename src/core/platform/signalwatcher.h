// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>

class QSocketNotifier;

namespace clusterlab {

// Turns SIGINT and SIGTERM (Ctrl-C and Ctrl-Break/close on Windows) into a
// Qt signal on the thread that created the watcher, so that shutdown runs
// in the event loop, not in a signal handler. One per process.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject* parent = nullptr);
    ~SignalWatcher() override;

Q_SIGNALS:
    void terminationRequested(int signalNumber);

private:
    void onNotifier();
    QSocketNotifier* m_notifier = nullptr;
};

} // namespace clusterlab
