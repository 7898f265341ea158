// SPDX-License-Identifier: GPL-3.0-or-later
#include "fib.h"

namespace clusterlab {

std::uint64_t fib(int n)
{
    if (n <= 1)
        return n < 0 ? 0 : static_cast<std::uint64_t>(n);
    return fib(n - 1) + fib(n - 2);
}

} // namespace clusterlab
