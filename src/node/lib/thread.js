// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// A /worker job's thread (worker_threads). Per-request: one job, then the
// thread ends. Pooled: jobs until the worker terminates it.
const { parentPort, workerData, threadId } = require('worker_threads');
const { compute } = require('./job');

parentPort.on('message', (job) => {
  const answer = compute(job);
  answer.threadId = threadId;
  parentPort.postMessage(answer);
  if (!workerData.pooled) parentPort.close();
});
