// SPDX-License-Identifier: GPL-3.0-or-later
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

} // namespace clusterlab
