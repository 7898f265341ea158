// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// One cluster worker: the HTTP surface of clusterlab-worker (DESIGN.md,
// "HTTP surface of every worker"), on Node's own http module, under Node's
// own cluster scheduling. /main computes on this event loop, /worker on a
// Worker thread, /child in a forked child (lib/offload.js: per-request or
// pool). Every response carries X-Worker-Pid, X-Worker-Index,
// X-Connection-Id, X-Request-Seq and Server-Timing.

const http = require('http');
const net = require('net');
const { now, sinceBase, msBetween } = require('./clock');
const { fib, fillPayload, MAX_FIB_N, DEFAULT_FIB_N, MAX_PAYLOAD_MB } = require('./fib');
const { HostPolicy } = require('./hostpolicy');
const { ThreadRunner, ChildRunner } = require('./offload');
const { Telemetry, ROUTES, OTHER_ROUTE, PATHS } = require('./telemetry');

const MAX_URI = 8 * 1024;
const MAX_BODY = 1 << 20;
const REASONS = http.STATUS_CODES;

function printable(s) {
  const t = s.slice(0, 16).replace(/[^\x20-\x7e]/g, '?');
  return s.length > 16 ? `${t}...` : t;
}

// n, fault and payload, as the native FibQuery parses them (same messages).
function parseQuery(query) {
  const q = { ok: false, n: DEFAULT_FIB_N, fault: '', payloadMb: 0, experiment: false, error: '' };
  const seen = new Set();
  const small = (name, value, max) => {
    if (value === '') { q.error = `${name} is empty; expected an integer 0..${max}`; return -1; }
    if (value.length > 3 || !/^[0-9]+$/.test(value)) {
      q.error = `${name} must be a plain integer 0..${max}, got '${printable(value)}'`; return -1;
    }
    const v = Number(value);
    if (v > max) { q.error = `${name} must be at most ${max}, got ${value}`; return -1; }
    return v;
  };
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let key;
    let value;
    try {
      key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = decodeURIComponent((eq < 0 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '));
    } catch (e) {
      q.error = 'bad percent-encoding in the query';
      return q;
    }
    if (key !== 'n' && key !== 'fault' && key !== 'payload') continue;
    if (seen.has(key)) { q.error = `${key} is given more than once`; return q; }
    seen.add(key);
    if (key === 'n') {
      if ((q.n = small('n', value, MAX_FIB_N)) < 0) return q;
    } else if (key === 'payload') {
      q.experiment = true;
      if ((q.payloadMb = small('payload', value, MAX_PAYLOAD_MB)) < 0) return q;
    } else {
      q.experiment = true;
      if (value !== 'crash' && value !== 'throw' && value !== 'hang') {
        q.error = `fault must be crash, throw or hang, got '${printable(value)}'`;
        return q;
      }
      q.fault = value;
    }
  }
  q.ok = true;
  return q;
}

function runWorker() {
  const o = JSON.parse(process.env.CLUSTERLAB_NODE_OPTIONS);
  const index = Number(process.env.CLUSTERLAB_WORKER_INDEX);
  const pid = process.pid;
  const started = Date.now();
  const hosts = new HostPolicy(o.host, o.allowedHosts);
  const threads = new ThreadRunner(o.threads, o.poolThreads, o.maxQueue, o.taskTimeoutMs);
  const children = new ChildRunner(o.children, o.maxChildren, o.maxQueue, o.taskTimeoutMs);
  let connectionSeq = 0;
  let requestSeq = 0;
  let inFlight = 0;
  let connections = 0;
  let stopping = false;
  // One copy, the largest asked for (as the native worker): shared with the
  // threads (SharedArrayBuffer); a smaller payload is a view of its start.
  let payloadBytes = new Uint8Array(0);
  const telemetry = new Telemetry(o.telemetry, index,
    () => ({ inFlight, poolBusy: threads.busy, tasks: children.busy, connections }),
    (line, sent) => {
      if (!process.connected) return false;
      process.send(line, sent);
      return true;
    });

  const payloadOf = (mb) => {
    const size = mb * 1024 * 1024;
    if (payloadBytes.length < size) {
      payloadBytes = new Uint8Array(new SharedArrayBuffer(size));
      fillPayload(payloadBytes);
    }
    return payloadBytes.subarray(0, size);
  };

  function handle(req, res) {
    const rec = { headersNs: now(), queuedNs: null, computeStartNs: null, computeEndNs: null, writtenNs: null, spawnNs: 0,
      requestSeq: ++requestSeq, connectionId: req.socket.clusterlabId || 0, threadOrTask: 0, bytes: 0, status: 0,
      n: -1, route: OTHER_ROUTE, path: PATHS.none };
    ++inFlight;
    const json = /application\/json/i.test(req.headers.accept || '');
    let finished = false;
    res.on('close', () => {
      --inFlight;
      rec.writtenNs = now();
      if (!finished) rec.status = 0; // its client left first: dropped
      telemetry.add(rec);
      if (stopping && inFlight === 0) server.closeIdleConnections();
    });
    res.on('finish', () => { finished = true; });

    const send = (status, body, type, timing, extra) => {
      if (res.headersSent || res.destroyed) return; // answered already (413 while reading), or the client left
      const buf = Buffer.from(body);
      rec.status = status;
      rec.bytes = buf.length;
      const t = timing || { queueMs: 0, computeMs: 0, spawnMs: 0 };
      const headers = Object.assign({
        'Content-Type': type || 'text/plain; charset=utf-8',
        'Content-Length': buf.length,
        'X-Worker-Pid': pid,
        'X-Worker-Index': index,
        'X-Connection-Id': rec.connectionId,
        'X-Request-Seq': rec.requestSeq,
        'Server-Timing': `queue;dur=${t.queueMs.toFixed(3)}, compute;dur=${t.computeMs.toFixed(3)}, spawn;dur=${t.spawnMs.toFixed(3)}`,
      }, extra || {});
      if (stopping) headers.Connection = 'close';
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : buf);
    };
    const error = (status, reason, extra) => {
      if (json) send(status, `${JSON.stringify({ status, error: reason })}\n`, 'application/json', null, extra);
      else send(status, `${status} ${REASONS[status]}: ${reason}\n`, null, null, extra);
    };

    if (req.url.length > MAX_URI) return error(414, `the request-target is longer than ${MAX_URI} bytes`);
    const length = Number(req.headers['content-length'] || 0);
    if (length > MAX_BODY) return error(413, `the body is longer than ${MAX_BODY} bytes`, { Connection: 'close' });
    let bodyBytes = 0;
    req.on('data', (chunk) => {
      bodyBytes += chunk.length;
      if (bodyBytes > MAX_BODY && !res.headersSent) error(413, `the body is longer than ${MAX_BODY} bytes`, { Connection: 'close' });
    });
    req.resume(); // read and discard
    // A request with a body is answered once the body is in (as the native
    // worker does): a body that trickles stalls on the request timeout (408),
    // not on an early 405 that leaves the connection waiting for the rest.
    const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      req.on('end', () => route(req, rec, json, send, error));
      return undefined;
    }
    return route(req, rec, json, send, error);
  }

  function route(req, rec, json, send, error) {
    const qmark = req.url.indexOf('?');
    const pathname = qmark < 0 ? req.url : req.url.slice(0, qmark);
    const query = qmark < 0 ? '' : req.url.slice(qmark + 1);
    rec.route = pathname in ROUTES ? ROUTES[pathname] : OTHER_ROUTE;
    const getOrHead = req.method === 'GET' || req.method === 'HEAD';
    const readOnly = (pathname === '/' || pathname === '/healthz') && getOrHead;
    const refused = hosts.check(req, readOnly);
    if (refused) return error(refused[0], refused[1]);
    if (rec.route === OTHER_ROUTE) return error(404, `no route ${printable(pathname.slice(0, 64))}; try /`);
    if (!getOrHead) return error(405, 'only GET and HEAD are allowed here', { Allow: 'GET, HEAD' });
    if (pathname === '/') {
      if (json) {
        return send(200, `${JSON.stringify({ route: '/', message: `Hello from worker ${pid}`, pid, workerIndex: index,
          connectionId: rec.connectionId, requestSeq: rec.requestSeq,
          routes: ['/main?n=N', '/worker?n=N', '/child?n=N', '/healthz'] })}\n`, 'application/json');
      }
      return send(200, `Hello from worker ${pid}\nRoutes:\n` +
        "  /main?n=N    fib(N) on this worker's event loop (blocks it)\n" +
        "  /worker?n=N  fib(N) on this worker's thread pool\n" +
        '  /child?n=N   fib(N) in a child process\n' +
        '  /healthz     status as JSON\n' +
        'N is an integer 0..45, default 30.\n');
    }
    if (pathname === '/healthz') {
      return send(200, `${JSON.stringify({ status: 'ok', pid, workerIndex: index, uptimeMs: Date.now() - started,
        openConnections: connections, inFlight, requests: telemetry.served, engine: 'node', node: process.version,
        threads: o.threads, children: o.children, poolThreads: o.poolThreads, threadsBusy: threads.busy,
        maxChildren: o.maxChildren, tasksRunning: children.busy })}\n`, 'application/json');
    }
    const q = parseQuery(query);
    if (!q.ok) return error(400, q.error);
    if (q.experiment) {
      if (!o.faultInjection)
        return error(400, 'fault= and payload= are experiment parameters: this worker was not started with --fault-injection');
      if (pathname === '/main') return error(400, 'fault= and payload= are for /worker and /child');
    }
    rec.n = q.n;
    const answer = (path, result, t, more) => {
      if (json) {
        send(200, `${JSON.stringify(Object.assign({ route: pathname, n: q.n, result, path, pid, workerIndex: index,
          connectionId: rec.connectionId, requestSeq: rec.requestSeq, queueMs: t.queueMs, computeMs: t.computeMs,
          spawnMs: t.spawnMs }, more || {}))}\n`, 'application/json', t);
      } else {
        const where = path === 'main' ? 'on the event loop' : path === 'thread' ? 'in a worker thread' : 'in a child process';
        send(200, `fib(${q.n}) = ${result}, computed ${where} of worker ${pid}\n`, null, t);
      }
    };
    if (pathname === '/main') {
      rec.path = PATHS.main;
      rec.queuedNs = rec.computeStartNs = now();
      const result = fib(q.n);
      rec.computeEndNs = now();
      return answer('main', result, { queueMs: msBetween(rec.headersNs, rec.computeStartNs),
        computeMs: msBetween(rec.computeStartNs, rec.computeEndNs), spawnMs: 0 });
    }
    const payload = q.payloadMb > 0 ? payloadOf(q.payloadMb) : null;
    const more = (r) => (q.payloadMb > 0 ? { payloadMb: q.payloadMb, payloadChecksum: r.checksum.toString(16) } : {});
    if (pathname === '/worker') {
      rec.path = PATHS.thread;
      rec.queuedNs = now();
      threads.run({ n: q.n, fault: q.fault, payload }).then((r) => {
        if (r.full) return error(503, 'the thread pool queue is full', { 'Retry-After': '1' });
        if (r.timedOut) return error(504, `the job hung past its ${o.taskTimeoutMs} ms limit`);
        if (r.threw) return error(500, `the computation threw in its worker thread: ${r.threw}`);
        if (r.died) return error(500, r.died);
        rec.computeStartNs = r.startNs = sinceBase(r.startNs);
        rec.computeEndNs = r.endNs = sinceBase(r.endNs);
        rec.threadOrTask = r.threadId;
        // Spawn: a per-request thread's start-up (dispatch -> compute start) is the seed's cost of a new Worker.
        const spawnMs = o.threads === 'per-request' ? msBetween(r.dispatchNs, r.startNs) : 0;
        rec.spawnNs = Math.round(spawnMs * 1e6);
        return answer('thread', r.result, { queueMs: msBetween(rec.headersNs, r.startNs) - spawnMs,
          computeMs: msBetween(r.startNs, r.endNs), spawnMs }, more(r));
      });
      return undefined;
    }
    rec.path = PATHS.child;
    rec.queuedNs = now();
    children.run({ n: q.n, fault: q.fault, payload }).then((r) => {
      if (r.full) return error(503, 'the child-process limit and its queue are full', { 'Retry-After': '1' });
      rec.threadOrTask = r.taskPid || 0;
      if (r.timedOut) return error(504, `the child ran past its ${o.taskTimeoutMs} ms limit and was killed`);
      if (r.died) return error(502, r.died);
      rec.queuedNs = r.dispatchNs;
      rec.computeStartNs = r.startNs = sinceBase(r.startNs);
      rec.computeEndNs = r.endNs = sinceBase(r.endNs);
      const spawnMs = msBetween(r.dispatchNs, r.startNs) + msBetween(r.endNs, r.answerNs);
      rec.spawnNs = Math.round(spawnMs * 1e6);
      return answer('child', r.result, { queueMs: msBetween(rec.headersNs, r.dispatchNs),
        computeMs: msBetween(r.startNs, r.endNs), spawnMs }, Object.assign(more(r), { taskPeakRssKiB: r.peakRssKiB }));
    });
    return undefined;
  }

  // A started request must be complete within headerTimeoutMs (headers and
  // body: 408, as the native worker); Node checks its clocks every
  // connectionsCheckingInterval.
  const server = http.createServer({ maxHeaderSize: 16 * 1024, headersTimeout: o.headerTimeoutMs,
    requestTimeout: o.headerTimeoutMs, keepAliveTimeout: o.idleTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(o.headerTimeoutMs / 2))) }, handle);
  // A client that shut down its write side after its requests still gets
  // their answers (Node's default aborts the requests still running at the
  // end of input: an async /worker or /child answer was lost), then the
  // connection closes after the last one.
  server.httpAllowHalfOpen = true;
  // The listening socket is a plain net.Server that hands connections to
  // the HTTP server while they are under the cap, and answers the rest with
  // 503 and Retry-After itself (Node's own maxConnections drops them
  // silently). Node's cluster scheduling is the same for it.
  const open = new Set();
  const tcp = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.clusterlabId = ++connectionSeq;
    // While stopping, a connection still handed over is served (with
    // Connection: close), not refused: a rolling restart loses nothing.
    if (open.size >= o.maxConnections) {
      const body = '503 Service Unavailable: this worker has too many open connections\n';
      socket.on('error', () => {});
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nRetry-After: 1\r\nX-Worker-Pid: ${pid}\r\n` +
        `X-Worker-Index: ${index}\r\nX-Request-Seq: ${++requestSeq}\r\nConnection: close\r\n\r\n${body}`);
      socket.resume(); // read and discard what the client sends until it closes
      return;
    }
    open.add(socket);
    ++connections;
    socket.on('close', () => { --connections; open.delete(socket); });
    server.emit('connection', socket);
  });
  // A client that takes none of our output for writeTimeoutMs is dropped
  // (its buffered responses with it), as the native worker does; Node
  // itself stops reading a connection whose output backs up.
  const sweepMs = Math.max(25, Math.min(1000, Math.floor(o.writeTimeoutMs / 4)));
  setInterval(() => {
    const now = Date.now();
    for (const socket of open) {
      const flushed = socket.bytesWritten - socket.writableLength;
      if (socket.writableLength === 0 || socket.clusterlabFlushed !== flushed) {
        socket.clusterlabFlushed = flushed;
        socket.clusterlabSince = now;
      } else if (now - socket.clusterlabSince >= o.writeTimeoutMs) {
        socket.destroy();
      }
    }
  }, sweepMs).unref();
  server.on('clientError', (err, socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (socket.writable && !socket.destroyed) {
      const body = `${status} ${REASONS[status]}: ${err.code || 'malformed request'}\n`;
      socket.end(`HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Worker-Pid: ${pid}\r\nX-Worker-Index: ${index}\r\n` +
        `Connection: close\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
  });

  let exiting = false;
  function exitWhenDrained() {
    if (exiting) return;
    exiting = true;
    telemetry.stop();
    threads.close();
    children.close();
    // Let the last batch reach the primary before the channel goes.
    setImmediate(() => process.exit(0));
  }
  // A terminal's Ctrl-C reaches the whole process group: the primary decides
  // how this worker stops (a graceful stop command), not the signal.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('message', (m) => {
    if (!m || m.cmd !== 'stop' || stopping) return;
    stopping = true;
    // The listener closes; its callback comes once every connection it
    // handed over has ended (idle ones now, busy ones after their answer,
    // which says Connection: close). Then a short grace: under SCHED_RR a
    // connection the primary was handing over as the close reached it is
    // answered "not accepted" by this live process and dealt to another
    // worker; a process that exited at once lost it, and its client waited
    // (found by a rolling restart under a trickle of requests).
    tcp.close(() => setTimeout(exitWhenDrained, 100));
    server.closeIdleConnections();
    setTimeout(exitWhenDrained, o.gracefulStopMs).unref();
  });

  const listenOptions = { port: o.port, host: o.host };
  if (o.policy === 'reuseport') { listenOptions.exclusive = true; listenOptions.reusePort = true; }
  tcp.on('error', (err) => {
    process.send({ type: 'listen-error', message: `${err.code || ''} ${err.message}`.trim() });
    process.exit(3);
  });
  // The HTTP server never listens itself: 'listening' starts its clocks
  // (headers and request timeouts, idle connections).
  tcp.on('listening', () => server.emit('listening'));
  tcp.listen(listenOptions);
}

module.exports = { runWorker, parseQuery };
