// SPDX-License-Identifier: GPL-3.0-or-later
#include "restartpolicy.h"

#include <QElapsedTimer>

#include <cmath>
#include <memory>

namespace clusterlab {

RestartPolicy::RestartPolicy()
    : RestartPolicy(Config())
{
}

RestartPolicy::RestartPolicy(Config config, Clock clock)
    : m_config(config)
    , m_clock(std::move(clock))
{
    if (!m_clock) {
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_clock = [timer]() { return timer->elapsed(); };
    }
}

void RestartPolicy::started()
{
    m_startedMs = m_clock();
    m_listeningMs = -1;
}

void RestartPolicy::listening()
{
    if (m_listeningMs < 0)
        m_listeningMs = m_clock();
}

RestartPolicy::Decision RestartPolicy::crashed()
{
    const qint64 now = m_clock();
    const qint64 listenedFor = m_listeningMs < 0 ? -1 : now - m_listeningMs;
    if (listenedFor >= m_config.healthyResetMs)
        m_crashes = 0;
    ++m_crashes;
    Decision d;
    d.quick = listenedFor < m_config.quickFailureMs; // never listened counts too (-1)
    m_quickFailures = d.quick ? m_quickFailures + 1 : 0;
    if (d.quick && m_quickFailures >= m_config.crashLoopLimit) {
        d.errored = true;
        return d;
    }
    if (d.quick) {
        const double delay = m_config.backoffMs * std::pow(m_config.factor, m_crashes - 1);
        d.delayMs = static_cast<int>(qMin<double>(m_config.capMs, delay));
    }
    return d;
}

RestartPolicy::Decision RestartPolicy::killedBySupervisor()
{
    return {};
}

void RestartPolicy::reset()
{
    m_quickFailures = 0;
    m_crashes = 0;
}

} // namespace clusterlab
