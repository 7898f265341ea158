// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// The engine's primary: Node's own cluster primary (its scheduling: rr or
// none; reusePort where this Node has it), a supervisor with the native
// engine's restart rules, and the line protocol to the clusterlab primary
// that started it (docs/NODE-ENGINE.md): one JSON object per line on
// stdout (hello, event, telemetry, error, stopped), commands one per line
// on stdin (stop, scale, rolling, revive, kill). Its standard input closing
// means the clusterlab primary is gone: every worker is killed and it
// exits, so nothing outlives the lab. Nothing else is written to stdout;
// the workers' own output goes to stderr, each line prefixed.

const cluster = require('cluster');
const net = require('net');
const path = require('path');
const readline = require('readline');
const { parseOptions, supportsReusePort, POLICIES } = require('./options');

const PROTOCOL = 1;
const MAX_COMMAND_LINE = 64 * 1024;
const MAX_UNWRITTEN = 16 * 1024 * 1024;
let droppedLines = 0;

function out(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function fatal(code, message) {
  out({ type: 'error', fatal: true, message });
  process.stderr.write(`clusterlab-node: ${message}\n`);
  process.exitCode = code;
  // stdout is a pipe: let the line reach the reader before exiting.
  process.stdout.write('', () => process.exit(code));
}

// The first free port from o.port (o.portAttempts ports in all); 0: any.
function findPort(o) {
  return new Promise((resolve, reject) => {
    const tryPort = (port, left) => {
      const probe = net.createServer();
      probe.once('error', (err) => {
        if (err.code === 'EADDRINUSE' && left > 1 && port !== 0 && port < 65535) tryPort(port + 1, left - 1);
        else if (err.code === 'EADDRINUSE')
          reject(new Error(o.portAttempts > 1 ? `ports ${o.port} to ${port} on ${o.host} are all in use`
            : `port ${port} on ${o.host} is in use`));
        else reject(new Error(`cannot listen on ${o.host}:${port}: ${err.code || err.message}`));
      });
      probe.listen({ port, host: o.host, exclusive: true }, () => {
        const chosen = probe.address().port;
        probe.close(() => resolve(chosen));
      });
    };
    tryPort(o.port, o.portAttempts);
  });
}

// The native supervisor's rules (cluster/restartpolicy.cpp), per slot.
class RestartPolicy {
  constructor(c) { this.c = c; this.startedMs = 0; this.listeningMs = -1; this.quickFailures = 0; this.crashes = 0; }
  started() { this.startedMs = Date.now(); this.listeningMs = -1; }
  listening() { if (this.listeningMs < 0) this.listeningMs = Date.now(); }
  reset() { this.quickFailures = 0; this.crashes = 0; }
  crashed() {
    const listenedFor = this.listeningMs < 0 ? -1 : Date.now() - this.listeningMs;
    if (listenedFor >= this.c.healthyResetMs) this.crashes = 0;
    ++this.crashes;
    const quick = listenedFor < this.c.quickFailureMs;
    this.quickFailures = quick ? this.quickFailures + 1 : 0;
    if (quick && this.quickFailures >= this.c.crashLoopLimit) return { errored: true, delayMs: 0 };
    const delayMs = quick ? Math.min(this.c.capMs, Math.round(this.c.backoffMs * 1.5 ** (this.crashes - 1))) : 0;
    return { errored: false, delayMs };
  }
}

function runPrimary(argv) {
  let o;
  try {
    o = parseOptions(argv);
  } catch (e) {
    fatal(2, e.message);
    return;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 18) { fatal(2, `the Node engine needs Node.js 18 or newer; this is ${process.version}`); return; }
  if (o.policy === 'reuseport' && !supportsReusePort()) {
    fatal(2, `reuseport needs Node.js 22.12, 23.1 or newer (reusePort in net.Server#listen); this is ${process.version}`);
    return;
  }
  if (o.policy !== 'node-default')
    cluster.schedulingPolicy = o.policy === 'round-robin' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: path.join(__dirname, '..', 'clusterlab-node.js'), silent: true });

  const slots = [];
  let stopping = false;
  let everListened = false;
  let rolling = null; // { queue: [slot indices], old: worker }

  const event = (kind, slot, worker, more) => {
    out(Object.assign({ type: 'event', kind, index: slot ? slot.index : -1, pid: worker ? worker.process.pid : 0,
      t: process.hrtime.bigint().toString() }, more || {}));
  };

  const forward = (stream, prefix) => {
    if (!stream) return;
    readline.createInterface({ input: stream, crlfDelay: Infinity })
      .on('line', (line) => process.stderr.write(`${prefix}${line}\n`));
  };

  function spawn(slot) {
    slot.timer = null;
    const worker = cluster.fork({
      CLUSTERLAB_NODE_ROLE: 'worker',
      CLUSTERLAB_WORKER_INDEX: String(slot.index),
      CLUSTERLAB_NODE_OPTIONS: JSON.stringify(o),
    });
    worker.slot = slot;
    slot.worker = worker;
    slot.policy.started();
    event('forked', slot, worker);
    forward(worker.process.stdout, `[worker ${slot.index}] `);
    forward(worker.process.stderr, `[worker ${slot.index}] `);
    worker.on('online', () => event('online', slot, worker));
    worker.on('listening', () => {
      everListened = true;
      slot.policy.listening();
      event('listening', slot, worker);
      if (rolling && rolling.next === worker) rollOn(worker);
      checkAllListening();
    });
    worker.on('message', (m) => {
      if (typeof m === 'string' && m.startsWith('{"type":"telemetry"')) {
        // A protocol line, written by the worker as it is. A reader that
        // stops reading would make stdout buffer without end: past 16 MiB
        // unwritten, telemetry lines are dropped (events never are), and counted.
        if (process.stdout.writableLength > MAX_UNWRITTEN) {
          if (droppedLines++ % 100 === 0)
            event('info', null, null, { detail: `${droppedLines} telemetry batch(es) dropped: the lab is not reading` });
        } else {
          process.stdout.write(`${m}\n`);
        }
      } else if (m && m.type === 'listen-error') {
        if (!everListened) {
          stopAll(true);
          fatal(1, `cannot listen on ${o.host}:${o.port}: ${m.message}`);
        }
      }
    });
    worker.on('disconnect', () => event('disconnected', slot, worker));
    worker.on('exit', (code, signal) => exited(slot, worker, code, signal));
    return worker;
  }

  let allListeningSaid = false;
  function checkAllListening() {
    if (allListeningSaid) return;
    if (slots.every((s) => s.worker && s.policy.listeningMs >= 0)) {
      allListeningSaid = true;
      out({ type: 'all-listening' });
    }
  }

  function exited(slot, worker, code, signal) {
    const asked = worker.clusterlabStopping === true;
    const signalNumber = signal ? require('os').constants.signals[signal] || 0 : 0;
    event('exited', slot, worker, { crash: !asked, exitCode: code === null ? 0 : code, signal: signalNumber });
    if (slot.worker === worker) {
      slot.worker = null;
      allListeningSaid = false; // said again once the slot's replacement listens (as the native engine)
    }
    if (rolling && rolling.old === worker) { rolling.old = null; rollNext(); }
    if (stopping) { maybeStopped(); return; }
    if (asked || !slots.includes(slot) || slot.worker) return;
    slot.restarts += 1;
    const d = slot.policy.crashed();
    if (d.errored) {
      slot.errored = true;
      event('errored', slot, worker, { detail: `${slot.policy.quickFailures} quick failures in a row; retrying in ${o.restart.erroredRetryMs / 1000} s` });
      slot.timer = setTimeout(() => { slot.errored = false; slot.policy.reset(); spawn(slot); }, o.restart.erroredRetryMs);
      return;
    }
    event('restarting', slot, worker, { delayMs: d.delayMs });
    slot.timer = setTimeout(() => spawn(slot), d.delayMs);
  }

  function stopWorker(worker) {
    if (!worker || worker.isDead()) return;
    worker.clusterlabStopping = true;
    if (worker.isConnected()) worker.send({ cmd: 'stop' });
    setTimeout(() => { if (!worker.isDead()) worker.process.kill('SIGKILL'); }, o.gracefulStopMs + 2000).unref();
  }

  function maybeStopped() {
    if (Object.values(cluster.workers).some((w) => w && !w.isDead())) return;
    out({ type: 'stopped' });
    process.stdout.write('', () => process.exit(0));
  }

  function stopAll(now) {
    stopping = true;
    for (const s of slots) if (s.timer) clearTimeout(s.timer);
    for (const w of Object.values(cluster.workers)) {
      if (!w) continue;
      if (now) { w.clusterlabStopping = true; w.process.kill('SIGKILL'); } else stopWorker(w);
    }
    maybeStopped();
  }

  function scale(count) {
    if (slots.length < count) allListeningSaid = false; // said again when the new ones listen
    while (slots.length < count) {
      const slot = { index: slots.length, worker: null, restarts: 0, errored: false, timer: null, policy: new RestartPolicy(o.restart) };
      slots.push(slot);
      spawn(slot);
    }
    while (slots.length > count) {
      const slot = slots.pop();
      if (slot.timer) clearTimeout(slot.timer);
      stopWorker(slot.worker);
    }
    o.workers = count;
  }

  // Rolling restart: each slot's new worker listens before its predecessor stops.
  function rollNext() {
    if (!rolling || rolling.old || rolling.next) return;
    const index = rolling.queue.shift();
    if (index === undefined) {
      rolling = null;
      event('info', null, null, { detail: 'rolling restart finished' });
      out({ type: 'rolling-finished' });
      return;
    }
    const slot = slots[index];
    if (!slot) { rollNext(); return; }
    rolling.old = slot.worker;
    rolling.next = spawn(slot);
  }
  function rollOn(worker) {
    rolling.next = null;
    if (rolling.old) stopWorker(rolling.old); else rollNext();
    void worker;
  }

  function command(line) {
    if (line.length > MAX_COMMAND_LINE) { process.stderr.write('clusterlab-node: a command line longer than 64 KiB, ignored\n'); return; }
    let c;
    try { c = JSON.parse(line); } catch (e) { process.stderr.write(`clusterlab-node: not a JSON command: ${line.slice(0, 80)}\n`); return; }
    if (stopping) return;
    switch (c && c.cmd) {
    case 'stop': stopAll(false); break;
    case 'scale': if (Number.isInteger(c.workers) && c.workers >= 1 && c.workers <= 256) scale(c.workers); break;
    case 'rolling':
      if (!rolling) { rolling = { queue: slots.map((s) => s.index), old: null, next: null }; event('info', null, null, { detail: 'rolling restart' }); rollNext(); }
      break;
    case 'revive': {
      const slot = slots[c.index];
      if (slot && slot.errored) { clearTimeout(slot.timer); slot.errored = false; slot.policy.reset(); spawn(slot); }
      break;
    }
    case 'kill': {
      const slot = slots[c.index];
      if (slot && slot.worker && !slot.worker.isDead()) slot.worker.process.kill(c.signal || 'SIGKILL');
      break;
    }
    default: process.stderr.write(`clusterlab-node: unknown command: ${line.slice(0, 80)}\n`);
    }
  }

  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on('line', command);
  // The lab is gone (even killed): nothing of ours may outlive it.
  input.on('close', () => stopAll(true));
  process.on('SIGTERM', () => stopAll(false));
  process.on('SIGINT', () => stopAll(false));

  findPort(o).then((port) => {
    o.port = port;
    out({ type: 'hello', protocol: PROTOCOL, node: process.version, pid: process.pid, port, host: o.host,
      policy: o.policy,
      scheduling: o.policy === 'reuseport' ? 'reuseport' : (cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none'), threads: o.threads, children: o.children,
      poolThreads: o.poolThreads, maxChildren: o.maxChildren, workers: o.workers });
    scale(o.workers);
  }, (err) => fatal(1, err.message));
}

module.exports = { runPrimary };
