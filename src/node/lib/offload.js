// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// /worker and /child, each in the mode the user picks:
// - per-request (the seed's code): a new Worker thread, or a new forked
//   child, for every request; it exits when its answer is sent.
// - pool: a fixed set, created on first use and reused; a job waits in a
//   bounded queue while all are busy.
// Either way at most limit + maxQueue jobs are admitted at once (limit =
// poolThreads or maxChildren): beyond, run() answers { full: true } and the
// request gets 503. A job that hangs past taskTimeoutMs is ended (its
// thread terminated, its child killed) and answers { timedOut: true }.
// A thread that throws answers { threw }; a thread that crashes the
// process (fault=crash: process.abort) takes the whole worker with it, as a
// native crash does. A child that dies before answering answers { died }.

const path = require('path');
const { Worker } = require('worker_threads');
const { fork } = require('child_process');
const { now } = require('./clock');

const THREAD_MAIN = path.join(__dirname, 'thread.js');
const CHILD_MAIN = path.join(__dirname, 'child.js');

class Runner {
  constructor(mode, limit, maxQueue, timeoutMs) {
    this.mode = mode;
    this.limit = limit;
    this.maxQueue = maxQueue;
    this.timeoutMs = timeoutMs;
    this.admitted = 0; // running + queued
    this.queue = [];
    this.idle = [];    // pool: executors free for a job
    this.all = new Set();
    this.nextId = 0;
  }

  get busy() { return this.admitted - this.queue.length; }

  // job: { n, fault, payload }; resolves with the outcome, never rejects.
  run(job) {
    if (this.admitted >= this.limit + this.maxQueue)
      return Promise.resolve({ full: true });
    ++this.admitted;
    return new Promise((resolve) => {
      const entry = { job, resolve, queuedNs: now() };
      const done = (outcome) => { --this.admitted; resolve(outcome); this.next(); };
      entry.done = done;
      if (this.mode === 'per-request') {
        this.startOne(entry, this.spawn());
        return;
      }
      this.queue.push(entry);
      this.next();
    });
  }

  next() {
    if (this.mode !== 'pool') return;
    while (this.queue.length > 0) {
      let ex = this.idle.pop();
      if (!ex) {
        if (this.all.size >= this.limit) return;
        ex = this.spawn();
      }
      this.startOne(this.queue.shift(), ex);
    }
  }

  // The job an executor was running, now over (null when none was): its
  // time limit cleared, the executor free of it.
  settle(ex) {
    const entry = ex.entry;
    if (!entry) return null;
    clearTimeout(ex.timer);
    ex.entry = null;
    return entry;
  }

  // An answer: the job's outcome; a pooled executor takes the next job
  // (a per-request one ends by itself once it has answered).
  answered(ex, outcome) {
    const entry = this.settle(ex);
    if (!entry) return;
    entry.done(Object.assign({ queuedNs: entry.queuedNs, dispatchNs: entry.dispatchNs }, outcome));
    if (this.mode === 'pool') { this.idle.push(ex); this.next(); }
  }

  // No answer (threw, hung, died): the outcome says why, and the executor
  // is not reused: it is ended, and a pool makes a new one when needed.
  failed(ex, outcome) {
    const entry = this.settle(ex);
    if (!entry) return;
    entry.done(Object.assign({ queuedNs: entry.queuedNs, dispatchNs: entry.dispatchNs }, outcome));
    this.all.delete(ex);
    this.idle = this.idle.filter((e) => e !== ex);
    this.kill(ex);
  }

  // Ends every executor (a worker's graceful stop, or its exit).
  close() {
    for (const ex of this.all) this.kill(ex);
    this.all.clear();
    this.idle = [];
  }
}

// --- Worker threads ---

class ThreadRunner extends Runner {
  spawn() {
    const w = new Worker(THREAD_MAIN, { workerData: { pooled: this.mode === 'pool' } });
    const ex = { w, entry: null, id: ++this.nextId, timer: null };
    this.all.add(ex);
    w.on('message', (m) => this.answer(ex, m));
    w.on('error', (err) => this.fail(ex, { threw: String(err && err.message ? err.message : err) }));
    w.on('exit', () => {
      this.all.delete(ex);
      this.idle = this.idle.filter((e) => e !== ex);
      this.fail(ex, { died: 'the worker thread exited before answering' });
    });
    return ex;
  }

  startOne(entry, ex) {
    ex.entry = entry;
    entry.dispatchNs = now();
    ex.timer = setTimeout(() => this.fail(ex, { timedOut: true }), this.timeoutMs); // fail() ends the thread
    const { n, fault, payload } = entry.job;
    ex.w.postMessage({ n, fault, payload });
  }

  answer(ex, m) {
    this.answered(ex, { result: m.result, startNs: m.startNs, endNs: m.endNs, checksum: m.checksum, threadId: m.threadId });
  }

  fail(ex, outcome) { this.failed(ex, outcome); }

  kill(ex) { ex.w.terminate(); }
}

// --- Child processes ---

class ChildRunner extends Runner {
  spawn() {
    const spawnNs = now();
    const c = fork(CHILD_MAIN, [this.mode === 'pool' ? 'pool' : 'once'],
      { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ex = { c, entry: null, spawnNs, timer: null };
    this.all.add(ex);
    c.on('message', (m) => this.answer(ex, m));
    c.on('error', (err) => this.fail(ex, { died: `the child could not start: ${err.message}` }));
    c.on('exit', (code, signal) => {
      ex.exited = true;
      this.all.delete(ex);
      this.idle = this.idle.filter((e) => e !== ex);
      this.fail(ex, { died: signal ? `the child process was killed by ${signal} before answering`
        : `the child process exited with code ${code} before answering` });
    });
    return ex;
  }

  startOne(entry, ex) {
    ex.entry = entry;
    entry.dispatchNs = ex.spawnNs > entry.queuedNs ? ex.spawnNs : now();
    ex.timer = setTimeout(() => this.fail(ex, { timedOut: true }), this.timeoutMs); // fail() kills the child
    const { n, fault, payload } = entry.job;
    ex.c.send({ n, fault, payload: payload ? Buffer.from(payload.buffer, payload.byteOffset, payload.length) : null });
  }

  answer(ex, m) {
    this.answered(ex, { result: m.result, startNs: m.startNs, endNs: m.endNs, checksum: m.checksum, taskPid: ex.c.pid,
      answerNs: now(), peakRssKiB: m.peakRssKiB });
  }

  fail(ex, outcome) { this.failed(ex, Object.assign({ answerNs: now(), taskPid: ex.c.pid }, outcome)); }

  kill(ex) { if (!ex.exited) ex.c.kill('SIGKILL'); }
}

module.exports = { ThreadRunner, ChildRunner };
