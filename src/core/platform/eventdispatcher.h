// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

class QAbstractEventDispatcher;

namespace clusterlab::platform {

// The worker's event dispatcher (figures: docs/PERFORMANCE.md): how its Qt event
// loop waits, not what it does. "epoll" (Linux, the default there): socket
// notifiers stay in the kernel's interest list, a wake-up hands over only
// what is ready (at most kEpollBatch at a time, each served once per
// wake-up), timers wait in a heap, posted events and wakeUp() come through
// an eventfd. "qt": Qt's own (QEventDispatcherUNIX, or the platform's),
// kept for comparison. Elsewhere only "qt" exists.
QStringList eventDispatcherNames();     // the names this build offers, the default first
QString defaultEventDispatcherName();
// A new dispatcher by name, for QCoreApplication::setEventDispatcher (null:
// Qt's own, with "qt"). Null and `error` for a name this build does not offer.
QAbstractEventDispatcher* createEventDispatcher(const QString& name, QString* error);

constexpr int kEpollBatch = 256; // ready descriptors handled per wake-up, at most

} // namespace clusterlab::platform
