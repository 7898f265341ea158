// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// A worker's telemetry, as the native worker's (server/workertelemetry.cpp):
// one record per response written, a health sample every 100 ms (event-loop
// delay from perf_hooks.monitorEventLoopDelay, CPU, resident memory, in
// flight, busy threads, running children, open connections), and a batch
// to the primary every 50 ms over the cluster's IPC channel. Batches carry
// a sequence number and the running count of responses written, so the
// primary can tell a gap from silence. At most MAX_PENDING records wait for
// a batch, and at most MAX_UNSENT_BATCHES batches wait in the channel (a
// stalled channel drops the rest, counted in "dropped"). `send(line, done)`
// returns false when the line was not handed over (done is then never called).

const { monitorEventLoopDelay } = require('perf_hooks');
const { BASE_NS, now } = require('./clock');

const MAX_PENDING = 100000;
// Batches handed to the IPC channel and not yet written: a primary that stops
// reading would make Node queue them without end; past this, a batch's
// records are dropped (and counted in "dropped").
const MAX_UNSENT_BATCHES = 64;
const RESOLUTION_MS = 10;
const lagUs = (ns) => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1000) - RESOLUTION_MS * 1000) : 0);
const ROUTES = { '/': 0, '/main': 1, '/worker': 2, '/child': 3, '/healthz': 4 };
const OTHER_ROUTE = 5;
const PATHS = { none: 0, main: 1, thread: 2, child: 3 };

class Telemetry {
  constructor(enabled, index, gauges, send) {
    this.enabled = enabled;
    this.index = index;
    this.base = BASE_NS.toString();
    this.gauges = gauges;
    this.send = send;
    this.pending = [];
    this.samples = [];
    this.batch = 0;
    this.unsent = 0;
    this.served = 0;
    this.dropped = 0;
    if (!enabled) return;
    this.delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.delay.enable();
    this.lastCpu = process.cpuUsage();
    this.flushTimer = setInterval(() => this.flush(), 50);
    this.sampleTimer = setInterval(() => this.sample(), 100);
  }

  // r: { headersNs, queuedNs, computeStartNs, computeEndNs, writtenNs (ns since BASE_NS, or null),
  //      spawnNs (Number), requestSeq, connectionId, threadOrTask, bytes, status, n, route, path }
  add(r) {
    ++this.served;
    if (!this.enabled) return;
    if (this.pending.length >= MAX_PENDING) { ++this.dropped; return; }
    this.pending.push(r);
  }

  sample() {
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const g = this.gauges();
    const max = this.delay.max;
    const mean = this.delay.mean;
    this.delay.reset();
    this.samples.push({
      t: now(),
      // The histogram records each interval between its 10 ms ticks: the
      // lag is what exceeds the tick (timer drift, as the native worker's).
      lagMaxUs: lagUs(max),
      lagMeanUs: lagUs(mean),
      cpuUs: cpu.user + cpu.system,
      rssKiB: Math.round(process.memoryUsage.rss() / 1024),
      inFlight: g.inFlight, poolBusy: g.poolBusy, tasks: g.tasks, connections: g.connections,
    });
    if (this.samples.length > 100) this.samples.shift();
  }

  flush() {
    if (!this.enabled || (this.pending.length === 0 && this.samples.length === 0)) return;
    // Times are already offsets from this process's BASE_NS: the batch is
    // written as the protocol line itself, once (the primary forwards it).
    const records = this.pending.map((r) => [r.headersNs, r.queuedNs, r.computeStartNs, r.computeEndNs, r.writtenNs,
      r.spawnNs, r.requestSeq, r.connectionId, r.threadOrTask, r.bytes, r.status, r.n, r.route, r.path]);
    const line = JSON.stringify({ type: 'telemetry', index: this.index, pid: process.pid, batch: ++this.batch,
      served: this.served, dropped: this.dropped, base: this.base, records, samples: this.samples });
    const count = this.pending.length;
    this.pending = [];
    this.samples = [];
    if (this.unsent >= MAX_UNSENT_BATCHES) { this.dropped += count; return; }
    ++this.unsent;
    if (!this.send(line, () => { --this.unsent; })) --this.unsent;
  }

  stop() {
    if (!this.enabled) return;
    clearInterval(this.flushTimer);
    clearInterval(this.sampleTimer);
    this.flush();
  }
}

module.exports = { Telemetry, ROUTES, OTHER_ROUTE, PATHS, MAX_UNSENT_BATCHES };
