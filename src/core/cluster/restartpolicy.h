// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QtGlobal>

#include <functional>

namespace clusterlab {

// The supervisor's restart rules for one worker slot, as plain logic over
// an injected clock (so that tests can reach the cap and the reset):
// - a worker that served (listened for at least quickFailureMs) and then
//   died is replaced at once: a killed worker must not cost its slot seconds;
// - a quick failure (it died before listening, or soon after) waits
//   backoffMs x factor^(crashes - 1), capped at capMs, where `crashes` counts
//   unintended deaths since the slot last ran healthyResetMs without one;
// - crashLoopLimit quick failures in a row make the slot errored (not
//   restarted until revived, or until the supervisor's long retry);
// - deaths the supervisor caused itself (it killed a worker it could not
//   read, or one that did not stop in time) restart at once and count for
//   nothing.
// Not thread-safe; a value type.
class RestartPolicy
{
public:
    struct Config
    {
        int backoffMs = 100;
        double factor = 1.5;
        int capMs = 15000;
        int healthyResetMs = 30000;
        int quickFailureMs = 1000;
        int crashLoopLimit = 5;
    };
    struct Decision
    {
        bool errored = false; // do not restart
        int delayMs = 0;      // restart after this long
        bool quick = false;   // it counted as a quick failure
    };
    using Clock = std::function<qint64()>; // milliseconds, monotonic

    RestartPolicy();
    explicit RestartPolicy(Config config, Clock clock = {});

    void started();   // a new process for the slot was forked
    void listening(); // it accepts connections
    Decision crashed();
    Decision killedBySupervisor();
    void reset();     // revived by the user, or replaced on purpose

    int quickFailures() const { return m_quickFailures; }
    int crashes() const { return m_crashes; }
    const Config& config() const { return m_config; }

private:
    Config m_config;
    Clock m_clock;
    qint64 m_startedMs = 0;
    qint64 m_listeningMs = -1; // -1: not listening yet
    int m_quickFailures = 0;
    int m_crashes = 0;
};

} // namespace clusterlab
