#include "fib.h"

#include <chrono>

namespace clusterlab {

std::uint64_t fib(int n)
{
    if (n <= 1)
        return n < 0 ? 0 : static_cast<std::uint64_t>(n);
    return fib(n - 1) + fib(n - 2);
}

std::int64_t steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace clusterlab
