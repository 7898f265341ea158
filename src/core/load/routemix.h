// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

namespace clusterlab {

// A weighted route mix drawn at random: request k's route is a pure
// function of (seed, k), so a run with the same seed sends the same
// sequence of routes, whatever the timing. A fixed cycle would alias with a
// round-robin distribution (2 workers, 4 routes, a new connection per
// request: every /main on one worker); a random draw does not. Value type.
class RouteMix
{
public:
    RouteMix() = default;
    RouteMix(const std::vector<int>& weights, std::uint64_t seed)
        : m_seed(seed)
    {
        std::uint64_t total = 0;
        for (int w : weights) {
            total += static_cast<std::uint64_t>(w > 0 ? w : 0);
            m_cumulative.push_back(total);
        }
    }

    std::uint64_t seed() const { return m_seed; }
    int routeFor(std::uint64_t k) const
    {
        if (m_cumulative.size() <= 1 || m_cumulative.back() == 0)
            return 0;
        // splitmix64 of (seed, k): well mixed, and the same on every platform.
        std::uint64_t z = m_seed + (k + 1) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        const std::uint64_t pick = z % m_cumulative.back(); // bias < total / 2^64: nil for any real mix
        for (std::size_t i = 0; i < m_cumulative.size(); ++i) {
            if (pick < m_cumulative[i])
                return static_cast<int>(i);
        }
        return static_cast<int>(m_cumulative.size() - 1);
    }

private:
    std::uint64_t m_seed = 0;
    std::vector<std::uint64_t> m_cumulative;
};

} // namespace clusterlab
