// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// The one clock of the lab: process.hrtime is CLOCK_MONOTONIC on Linux
// (libuv's uv_hrtime), the clock the native processes stamp with
// (std::chrono::steady_clock), so a Node record and a native one line up.
// Nanoseconds as BigInt; offsets from a base as Numbers (exact below 2^53
// ns, 104 days).
const nowNs = () => process.hrtime.bigint();
const msBetween = (a, b) => (a && b && b > a ? Number(b - a) / 1e6 : 0);

module.exports = { nowNs, msBetween };
