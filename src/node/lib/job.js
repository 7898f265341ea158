// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// What a /worker or /child job does, in its thread or process: fib(n), the
// payload's checksum when there is one, and the faults of the isolation
// experiment (only ever asked for by a worker run with --fault-injection):
// crash aborts the process (a native crash: a thread takes its whole
// worker with it), throw throws (Node contains it: the host gets an error
// event, or the child dies of it), hang never finishes (its host ends it).
const { fib, payloadChecksum } = require('./fib');
const { nowNs } = require('./clock');

function hang() {
  // A busy loop, as a stuck computation is; a child whose worker is gone
  // (its parent changed) stops, so that nothing outlives the cluster.
  const parent = process.ppid;
  for (let i = 0; ; ++i) {
    if ((i & 0xffffff) === 0 && process.ppid !== parent) process.exit(1);
  }
}

// A native crash: the process dies of SIGABRT, as the native engine's
// std::abort (a Worker thread may not call process.abort(), but a signal
// to its own process takes that process, every thread of it, down).
function crash() {
  process.kill(process.pid, 'SIGABRT');
  for (;;) { /* the signal is on its way */ }
}

function compute(job) {
  if (job.fault === 'crash') crash();
  const startNs = nowNs();
  if (job.fault === 'throw') throw new Error('fault=throw: the computation threw');
  if (job.fault === 'hang') hang();
  const checksum = job.payload ? payloadChecksum(job.payload) : 0;
  const result = fib(job.n);
  return { result, startNs, endNs: nowNs(), checksum };
}

module.exports = { compute };
