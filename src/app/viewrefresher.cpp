// SPDX-License-Identifier: GPL-3.0-or-later
#include "viewrefresher.h"

#include <QRegion>
#include <QWidget>

namespace clusterlab {

ViewRefresher::ViewRefresher(QObject* parent)
    : QObject(parent)
{
    m_turn.setInterval(0);
    connect(&m_turn, &QTimer::timeout, this, &ViewRefresher::turn);
}

void ViewRefresher::add(QWidget* view, Refresh refresh, InSight inSight)
{
    m_views.append({ view, std::move(refresh), std::move(inSight), 0, false });
}

bool ViewRefresher::inSight(const View& view) const
{
    if (view.inSight && view.inSight())
        return true;
    // Shown, and some of it not clipped away by a scroll area or a parent.
    return view.widget->isVisible() && !view.widget->visibleRegion().isEmpty();
}

void ViewRefresher::enqueue(int index)
{
    View& view = m_views[index];
    if (view.queued)
        return;
    view.queued = true;
    m_queue.append(index);
    if (!m_turn.isActive())
        m_turn.start();
}

void ViewRefresher::take(std::shared_ptr<const ChartFeed> feed)
{
    if (!feed)
        return;
    m_feed = std::move(feed);
    ++m_feedNumber;
    for (int i = 0; i < m_views.size(); ++i) {
        if (inSight(m_views[i]) || m_feedNumber - m_views[i].fed >= kOutOfSightEvery)
            enqueue(i);
    }
}

void ViewRefresher::catchUp()
{
    if (!m_feed)
        return;
    for (int i = 0; i < m_views.size(); ++i) {
        if (m_views[i].fed != m_feedNumber && inSight(m_views[i]))
            enqueue(i);
    }
}

void ViewRefresher::flush()
{
    if (!m_feed)
        return;
    for (View& view : m_views) {
        if (view.fed != m_feedNumber) {
            view.refresh(*m_feed);
            view.fed = m_feedNumber;
            ++m_refreshes;
        }
        view.queued = false;
    }
    m_queue.clear();
    m_turn.stop();
    ++m_rounds;
}

void ViewRefresher::turn()
{
    // One view per turn: its repaint, the timers and input come in between.
    if (!m_queue.isEmpty()) {
        View& view = m_views[m_queue.takeFirst()];
        view.queued = false;
        view.refresh(*m_feed);
        view.fed = m_feedNumber;
        ++m_refreshes;
    }
    if (m_queue.isEmpty()) {
        m_turn.stop();
        ++m_rounds;
    }
}

} // namespace clusterlab
