#!/usr/bin/env node
// New-connection-per-request load (Connection: close): the workload that exercises the handoff itself.
// Raw sockets and a prebuilt request, so the client costs little; `concurrency` loops each open a connection, send
// one request, wait for the server to close, and start over, for `duration` seconds. A fraction `slow` of requests
// ask for `slowMs` of CPU (the skewed workload). Prints one JSON line: requests, errors, rps, latency percentiles (ms),
// and requests per serving process (from x-served-by); with --slow, also `blocked`: how many fast requests waited
// behind a slow one on their own worker (bench/metrics.mjs blockedBehindSlow).
// With --rate R the load is open-loop instead: R requests a second start on schedule whatever the answers, and each
// latency counts from its scheduled start (no coordinated omission); --connections then caps how many may be open.
// Usage: node bench/clients/close-client.mjs --port P [--connections 50] [--duration 10] [--slow 0] [--slow-ms 20]
//          [--rate R] [--sources N]
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { blockedBehindSlow, latencySummary } from '../metrics.mjs';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    slow: { type: 'string', default: '0' },
    'slow-ms': { type: 'string', default: '20' },
    timeout: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' },
    sources: { type: 'string', default: '1' },
  },
});
// --sources N: connect from 127.0.0.1 … 127.0.0.N in turn (Linux answers for all of 127/8), so a balancer that
// hashes the client address (ip-hash) sees N clients rather than one.
const sources = Array.from({ length: Math.max(1, Number(values.sources)) }, (_, i) => `127.0.0.${i + 1}`);
let nextSource = 0;
const rate = Number(values.rate);
const port = Number(values.port);
const slow = Number(values.slow);
const timeout = Number(values.timeout);
const request = (path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${values.host}\r\nConnection: close\r\n\r\n`);
const fast = request('/');
const slowRequest = request(`/cpu?ms=${values['slow-ms']}`);

// Deterministic choice of slow requests (mulberry32), so every contender gets the same mix.
let state = Number(values.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const latencies = [];
// With slow requests in the mix: every answered request's { start, end, slow, worker }, for `blocked`.
const requests = slow > 0 ? [] : undefined;
const servedBy = {};
const errors = {};
let running = true;
let loops = Number(values.connections);
const marker = Buffer.from('x-served-by: ');
const ok = Buffer.from('HTTP/1.1 200');

/** One loop: a connection per request, the next one opened from the previous one's close (no promise per request). */
function next() {
  if (!running) {
    if (--loops === 0) finish();
    return;
  }
  fire(performance.now(), next);
}

/** One request on a new connection; its latency counts from `started`; `done` runs once it has closed. */
function fire(started, done) {
  const localAddress = sources[nextSource];
  nextSource = nextSource + 1 === sources.length ? 0 : nextSource + 1;
  const socket = connect({ port, host: values.host, localAddress });
  let head;
  let failed;
  let isSlow = false;
  socket.setTimeout(timeout, onTimeout);
  socket.once('connect', () => {
    isSlow = random() < slow;
    socket.end(isSlow ? slowRequest : fast);
  });
  socket.on('data', (chunk) => {
    head ??= chunk;
  });
  socket.on('error', (err) => (failed = err.code ?? err.message));
  socket.once('close', () => {
    if (failed === undefined && head !== undefined && head.subarray(0, ok.length).equals(ok)) {
      const end = performance.now();
      latencies.push(end - started);
      const at = head.indexOf(marker);
      const who = at === -1 ? 'unknown' : head.toString('latin1', at + marker.length, head.indexOf(13, at));
      servedBy[who] = (servedBy[who] ?? 0) + 1;
      requests?.push({ start: started, end, slow: isSlow, worker: who });
    } else {
      const key = failed ?? `bad response: ${head?.toString('latin1', 0, 12) ?? 'empty'}`;
      errors[key] = (errors[key] ?? 0) + 1;
    }
    done();
  });
}

/** Open loop: starts requests on schedule (every ms, as many as are due); finishes when the last one has closed. */
function schedule() {
  const interval = 1000 / rate;
  let due = performance.now();
  let open = 0;
  const cap = Number(values.connections);
  const closed = () => {
    open--;
    if (!running && open === 0) finish();
  };
  const tick = setInterval(() => {
    const now = performance.now();
    while (running && due <= now) {
      if (open < cap) {
        open++;
        fire(due, closed);
      } else {
        errors['over --connections (server too slow for --rate)'] = (errors['over --connections (server too slow for --rate)'] ?? 0) + 1;
      }
      due += interval;
    }
    if (!running) {
      clearInterval(tick);
      if (open === 0) finish();
    }
  }, 1);
}

function onTimeout() {
  this.destroy(new Error('timeout'));
}

const started = performance.now();
setTimeout(() => (running = false), Number(values.duration) * 1000);
if (rate > 0) schedule();
else for (let i = 0; i < loops; i++) next();

// Once: in open loop both the last close and the scheduler's next tick see "stopped and nothing open".
let isFinished = false;

function finish() {
  if (isFinished) return;
  isFinished = true;
  const seconds = (performance.now() - started) / 1000;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${JSON.stringify({ requests: latencies.length, errors: errorCount, errorKinds: errors, rps: latencies.length / seconds, latency: latencySummary(latencies), servedBy, blocked: requests && blockedBehindSlow(requests) })}\n`,
  );
}
