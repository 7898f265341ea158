// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "telemetry/histogram.h"

#include <QObject>
#include <QTimer>

#include <array>

namespace clusterlab {

// The window's own event-loop lag: a 20 ms timer measuring how late it
// fires, kept as ten one-second histograms (the last 10 s). GUI thread.
class GuiLagMonitor : public QObject
{
    Q_OBJECT
public:
    explicit GuiLagMonitor(QObject* parent = nullptr);
    double p99Ms() const;   // last 10 s
    double maxMs() const;   // last 10 s
    const HdrHistogram& whole() const { return m_whole; } // since start (or reset)
    void resetWhole() { m_whole.reset(); }

private:
    void tick();
    HdrHistogram window() const;
    QTimer m_timer;
    std::int64_t m_last = 0;
    std::array<std::pair<std::int64_t, HdrHistogram>, 10> m_seconds {};
    HdrHistogram m_whole;
};

} // namespace clusterlab
