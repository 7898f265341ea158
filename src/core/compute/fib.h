#pragma once

#include <cstdint>

namespace clusterlab {

// The seed's workload: naive recursive Fibonacci. It is deliberately
// exponential (about 1.6^n calls); do not memoise or iterate it, the cost is
// the point. Thread-safe (pure).
std::uint64_t fib(int n);

// Largest N the HTTP surface accepts (fib(45) is seconds of CPU).
constexpr int kMaxFibN = 45;
constexpr int kDefaultFibN = 30;

// One monotonic clock for every process: steady_clock is CLOCK_MONOTONIC on
// Linux, mach_absolute_time on macOS and QueryPerformanceCounter on Windows,
// all system-wide, so timestamps from a worker and its tasks line up.
std::int64_t steadyNowNs();

} // namespace clusterlab
