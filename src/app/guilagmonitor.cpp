// SPDX-License-Identifier: GPL-3.0-or-later
#include "guilagmonitor.h"

#include "compute/clock.h"

namespace clusterlab {

namespace {
constexpr int kTickMs = 20;
}

GuiLagMonitor::GuiLagMonitor(QObject* parent)
    : QObject(parent)
{
    for (auto& s : m_seconds)
        s.first = -1;
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &GuiLagMonitor::tick);
    m_last = steadyNowNs();
    m_timer.start();
}

void GuiLagMonitor::tick()
{
    const std::int64_t now = steadyNowNs();
    const std::int64_t lag = qMax<std::int64_t>(0, now - m_last - kTickMs * 1000000LL);
    m_last = now;
    const std::int64_t second = now / 1000000000LL;
    auto& slot = m_seconds[static_cast<std::size_t>(second % 10)];
    if (slot.first != second) {
        slot.first = second;
        slot.second.reset();
    }
    slot.second.recordNs(lag);
    m_whole.recordNs(lag);
}

HdrHistogram GuiLagMonitor::window() const
{
    HdrHistogram h;
    const std::int64_t second = steadyNowNs() / 1000000000LL;
    for (const auto& s : m_seconds) {
        if (s.first >= 0 && second - s.first < 10)
            h.add(s.second);
    }
    return h;
}

double GuiLagMonitor::p99Ms() const
{
    return window().percentileMs(99);
}

double GuiLagMonitor::maxMs() const
{
    return window().maxMs();
}

} // namespace clusterlab
