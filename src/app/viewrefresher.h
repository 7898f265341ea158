// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterfeed.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

class QWidget;

namespace clusterlab {

// Hands each feed (10 Hz) to the window's views one at a time, one view per
// turn of the event loop, so that no turn holds the window for all of them
// (six charts laid out and painted in one turn made the window's lag p99
// 20–30 ms under a full-speed load test on two cores). A view out of sight
// (another tab in front, scrolled away, its window hidden) is fed once a
// second instead of ten times, and at once when it comes into sight.
// GUI thread.
class ViewRefresher : public QObject
{
    Q_OBJECT
public:
    using Refresh = std::function<void(const ChartFeed&)>;
    using InSight = std::function<bool()>;
    static constexpr int kOutOfSightEvery = 10; // feeds: once a second at 10 Hz

    explicit ViewRefresher(QObject* parent = nullptr);
    // `inSight` adds to the widget's own visibility (a chart shown in a
    // window of its own).
    void add(QWidget* view, Refresh refresh, InSight inSight = {});
    // A new feed: the views in sight (and those out of sight for a second)
    // are queued; each gets the newest feed when its turn comes.
    void take(std::shared_ptr<const ChartFeed> feed);
    // Views that came into sight and missed feeds are queued now (a tab or
    // a scroll brought them).
    void catchUp();
    // Every view, now, with the newest feed (an export draws them).
    void flush();
    bool busy() const { return m_turn.isActive(); }
    // Refreshes done, and rounds: the times every queued view had the
    // newest feed (at 10 Hz when the window keeps up).
    quint64 refreshes() const { return m_refreshes; }
    quint64 rounds() const { return m_rounds; }

private:
    struct View
    {
        QWidget* widget = nullptr;
        Refresh refresh;
        InSight inSight;
        quint64 fed = 0; // the feed number it last took
        bool queued = false;
    };
    bool inSight(const View& view) const;
    void enqueue(int index);
    void turn();

    QList<View> m_views;
    QList<int> m_queue;
    std::shared_ptr<const ChartFeed> m_feed;
    quint64 m_feedNumber = 0;
    quint64 m_refreshes = 0;
    quint64 m_rounds = 0;
    QTimer m_turn;
};

} // namespace clusterlab
