// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// A /child job's process (child_process.fork). 'once' (per-request): one
// job, then it disconnects and exits; 'pool': jobs until it is killed. It
// exits as soon as its worker's channel closes, so a worker that dies
// leaves no child behind (once the running job, if any, ends).
const { compute } = require('./job');

const once = process.argv[2] !== 'pool';
process.on('disconnect', () => process.exit(0));
process.on('message', (job) => {
  if (job.payload) job.payload = new Uint8Array(job.payload.buffer, job.payload.byteOffset, job.payload.length);
  const answer = compute(job);
  answer.peakRssKiB = process.resourceUsage().maxRSS;
  process.send(answer, () => { if (once) process.disconnect(); });
});
