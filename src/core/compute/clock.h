// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>

namespace clusterlab {

// One monotonic clock for every process: steady_clock is CLOCK_MONOTONIC on
// Linux, mach_absolute_time on macOS and QueryPerformanceCounter on Windows,
// all system-wide, so timestamps from a worker and its tasks line up.
// Nanoseconds. Thread-safe.
std::int64_t steadyNowNs();

} // namespace clusterlab
