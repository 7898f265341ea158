// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target: clusterlab::parseFibQuery (and percentDecode) over arbitrary
// bytes taken as a raw query string. A trap (abort) means the contract in
// fibquery.h broke.

#include "fuzzcheck.h"
#include "http/fibquery.h"

#include "compute/fib.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr const char* kFuzzTarget = "fuzz_fibquery";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray query(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));

    const clusterlab::FibQuery q = clusterlab::parseFibQuery(query);
    if (q.ok) {
        FUZZ_CHECK(q.n >= 0 && q.n <= clusterlab::kMaxFibN);
        FUZZ_CHECK(q.error.isEmpty());
    } else {
        FUZZ_CHECK(!q.error.isEmpty());
        // A one-line reason for a 400 response.
        FUZZ_CHECK(!q.error.contains('\n') && !q.error.contains('\r'));
    }
    // Deterministic: the same query gives the same answer.
    const clusterlab::FibQuery again = clusterlab::parseFibQuery(query);
    FUZZ_CHECK(again.ok == q.ok && again.n == q.n && again.error == q.error);

    QByteArray decoded("stale");
    if (clusterlab::percentDecode(query, &decoded))
        FUZZ_CHECK(decoded.size() <= query.size());
    return 0;
}
