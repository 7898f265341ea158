// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

const os = require('os');

// The engine's command line (what the clusterlab primary passes; see
// docs/NODE-ENGINE.md). Throws an Error with a one-line message on bad usage.
// node-default: whatever Node's cluster module chose (SCHED_RR except on
// Windows, or NODE_CLUSTER_SCHED_POLICY): what the distribution experiment
// measures as "Node's default".
const POLICIES = { 'round-robin': 'rr', shared: 'none', reuseport: 'reuseport', 'node-default': 'default' };
const MODES = ['per-request', 'pool'];

function cores() {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

function parseOptions(argv) {
  const o = {
    port: 3000,
    portAttempts: 1,
    host: '127.0.0.1',
    workers: cores(),
    policy: 'round-robin',
    threads: 'per-request',
    children: 'per-request',
    poolThreads: cores(),
    maxChildren: 2 * cores(),
    maxQueue: 64,
    allowedHosts: [],
    faultInjection: false,
    telemetry: true,
    gracefulStopMs: 10000,
    taskTimeoutMs: 60000,
    idleTimeoutMs: 5000,
    headerTimeoutMs: 10000,
    writeTimeoutMs: 10000,
    maxConnections: 1000,
    restart: { backoffMs: 100, capMs: 15000, healthyResetMs: 30000, quickFailureMs: 1000, crashLoopLimit: 5, erroredRetryMs: 60000 },
  };
  const int = (name, v, min, max) => {
    if (!/^[0-9]+$/.test(v || '') || Number(v) < min || Number(v) > max)
      throw new Error(`${name} must be an integer ${min}..${max}, got '${v === undefined ? '' : v}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
    case '--port': o.port = int(a, value(), 0, 65535); break;
    case '--port-attempts': o.portAttempts = int(a, value(), 1, 100); break;
    case '--host': o.host = value(); break;
    case '--workers': o.workers = int(a, value(), 1, 256); break;
    case '--policy': o.policy = value();
      if (!(o.policy in POLICIES)) throw new Error(`--policy must be round-robin, shared, reuseport or node-default, got '${o.policy}'`);
      break;
    case '--threads': o.threads = value();
      if (!MODES.includes(o.threads)) throw new Error(`--threads must be per-request or pool, got '${o.threads}'`);
      break;
    case '--children': o.children = value();
      if (!MODES.includes(o.children)) throw new Error(`--children must be per-request or pool, got '${o.children}'`);
      break;
    case '--pool-threads': o.poolThreads = int(a, value(), 1, 256); break;
    case '--max-children': o.maxChildren = int(a, value(), 1, 1024); break;
    case '--max-queue': o.maxQueue = int(a, value(), 0, 100000); break;
    case '--allow-host': o.allowedHosts.push(value()); break;
    case '--fault-injection': o.faultInjection = true; break;
    case '--no-telemetry': o.telemetry = false; break;
    case '--graceful-stop-ms': o.gracefulStopMs = int(a, value(), 0, 3600000); break;
    case '--task-timeout-ms': o.taskTimeoutMs = int(a, value(), 1, 3600000); break;
    case '--max-connections': o.maxConnections = int(a, value(), 1, 1000000); break;
    case '--header-timeout-ms': o.headerTimeoutMs = int(a, value(), 1, 3600000); break;
    case '--idle-timeout-ms': o.idleTimeoutMs = int(a, value(), 1, 3600000); break;
    case '--write-timeout-ms': o.writeTimeoutMs = int(a, value(), 1, 3600000); break;
    case '--restart-backoff-ms': o.restart.backoffMs = int(a, value(), 1, 3600000); break;
    case '--crash-loop-limit': o.restart.crashLoopLimit = int(a, value(), 1, 1000); break;
    default: throw new Error(`unknown option '${a}'`);
    }
  }
  return o;
}

// reusePort in net.Server#listen: Node 23.1 and 22.12 (Linux and other
// systems with SO_REUSEPORT load balancing).
function supportsReusePort(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

module.exports = { parseOptions, supportsReusePort, POLICIES };
