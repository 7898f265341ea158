// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// The one clock of the lab: process.hrtime is CLOCK_MONOTONIC on Linux
// (libuv's uv_hrtime), the clock the native processes stamp with
// (std::chrono::steady_clock), so a Node record and a native one line up.
//
// On the hot path (a worker stamping each request) times are Numbers: ns
// since BASE_NS, this process's clock when it loaded this file, read from
// performance.now() (the same uv_hrtime, as a double: no BigInt allocated
// per stamp; exact to the ns for 104 days). Jobs on another thread or in
// another process stamp absolute BigInts (nowNs), turned into offsets with
// sinceBase when they come back.
const { performance } = require('perf_hooks');

const BASE_NS = process.hrtime.bigint();
const BASE_MS = performance.now();
const now = () => Math.round((performance.now() - BASE_MS) * 1e6);
const nowNs = () => process.hrtime.bigint();
const sinceBase = (ns) => Number(BigInt(ns) - BASE_NS);
const msBetween = (a, b) => (a !== null && b !== null && b > a ? (b - a) / 1e6 : 0);

module.exports = { BASE_NS, now, nowNs, sinceBase, msBetween };
