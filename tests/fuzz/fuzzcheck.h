// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// FUZZ_CHECK(cond): an invariant of a fuzz target. When it does not hold,
// the target says which one (naming itself) and aborts, which libFuzzer
// (and the corpus replay in ctest) reports as a crash with this input.
#include <cstdio>
#include <cstdlib>

namespace clusterlab::fuzz {

[[noreturn]] inline void violated(const char* target, const char* what)
{
    std::fprintf(stderr, "%s: invariant violated: %s\n", target, what);
    std::abort();
}

} // namespace clusterlab::fuzz

#define FUZZ_CHECK(cond)                                        \
    do {                                                        \
        if (!(cond))                                            \
            ::clusterlab::fuzz::violated(kFuzzTarget, #cond);   \
    } while (false)
