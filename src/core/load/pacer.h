// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cmath>
#include <cstdint>

namespace clusterlab {

// The constant-rate schedule of a load test: request k is due at
// t0 + k / rate, computed from k each time (no accumulated drift), and the
// wait until a due time is exact to the nanosecond (never rounded up: a
// wait rounded up to a millisecond is lateness of the generator's own that
// coordinated-omission correction would book as the server's). Value type.
class Pacer
{
public:
    Pacer() = default;
    Pacer(double ratePerSecond, std::int64_t t0Ns)
        : m_rate(ratePerSecond)
        , m_t0(t0Ns)
    {
    }

    bool paced() const { return m_rate > 0; }
    // When request k (0, 1, 2, ...) should be sent; `now` when unpaced.
    std::int64_t dueNs(std::int64_t k, std::int64_t now) const
    {
        if (!paced())
            return now;
        return m_t0 + static_cast<std::int64_t>(std::llround(static_cast<long double>(k) * 1e9L / m_rate));
    }
    // How long to wait from `now` until `due`: exact, 0 when already due.
    static std::int64_t waitNs(std::int64_t now, std::int64_t due) { return due > now ? due - now : 0; }

private:
    double m_rate = 0;
    std::int64_t m_t0 = 0;
};

} // namespace clusterlab
