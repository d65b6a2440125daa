#!/usr/bin/env node
// Long-lived, chatty connections (WebSocket-like): `connections` keep-alive connections open at all times, each
// sending GET / every `interval` ms (the next one `interval` after the previous answer, one at a time) until its
// lifetime ends; then it closes and a new one opens at once, so the count stays constant and the balancer places
// connections all the time. Lifetimes are exponential (mean 2 s, clamped to 0.2–8 s) from a seeded PRNG per slot,
// so every contender sees the same lifetimes whatever the timing. The first answer on a connection names the worker
// holding it (x-served-by); every 100 ms the client samples how many open connections each worker holds.
// The first connections open evenly over `ramp` ms, not all at once: a burst of 200 connects measures how the
// balancer copes with a burst (workers that are slower to take one get fewer), not how it spreads a churning pool.
// Sampling starts once the pool is full.
// Prints one JSON line, the same shape as close-client.mjs (requests, errors, rps, latency in ms, requests per
// serving process) plus `opened` (connections per worker) and `spread` (of open connections over the workers:
// mean Jain's index, mean and worst max/mean over the samples).
// Raw sockets: 200 connections × 10 req/s is light, and this keeps the client far from being the bottleneck.
// Usage: node bench/clients/long-lived-client.mjs --port P [--connections 200] [--duration 10] [--interval 100]
//          [--mean-lifetime 2000] [--min-lifetime 200] [--max-lifetime 8000] [--ramp 500] [--seed 1] [--workers N]
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { latencySummary, spread } from '../metrics.mjs';
import { lifetimes, seedFor } from '../random.mjs';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    connections: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    interval: { type: 'string', default: '100' },
    'mean-lifetime': { type: 'string', default: '2000' },
    'min-lifetime': { type: 'string', default: '200' },
    'max-lifetime': { type: 'string', default: '8000' },
    ramp: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    // Workers the server runs: one that never gets a connection still counts (as zeros) in the spread.
    workers: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '10000' },
    'sample-ms': { type: 'string', default: '100' },
  },
});
const port = Number(values.port);
const interval = Number(values.interval);
const timeout = Number(values.timeout);
const distribution = {
  mean: Number(values['mean-lifetime']),
  min: Number(values['min-lifetime']),
  max: Number(values['max-lifetime']),
};
const request = Buffer.from(`GET / HTTP/1.1\r\nHost: ${values.host}\r\n\r\n`);
const headEnd = Buffer.from('\r\n\r\n');
// After an error, wait this long before reconnecting, so a dead server does not make a busy loop.
const retryMs = 100;
// At the end, answers still owed get this long before their sockets are destroyed.
const graceMs = 2000;

const latencies = [];
const servedBy = {}; // worker → requests answered
const opened = {}; // worker → connections it got
const held = {}; // worker → connections it holds now
const samples = [];
const errors = {};
const live = new Set();
let running = true;

const count = (table, key, by = 1) => (table[key] = (table[key] ?? 0) + by);

const slots = Array.from({ length: Number(values.connections) }, (_, i) => ({
  nextLifetime: lifetimes(seedFor(Number(values.seed), i), distribution),
}));

/** Opens the slot's next connection; its lifetime starts now. */
function open(slot) {
  if (!running) return; // a retry that was due after the end
  const conn = {
    slot,
    socket: connect(port, values.host),
    worker: undefined,
    sentAt: undefined, // set while a request is unanswered
    buffered: undefined,
    ending: false,
    failed: undefined,
    next: undefined,
    life: undefined,
  };
  live.add(conn);
  conn.life = setTimeout(retire, slot.nextLifetime(), conn);
  const { socket } = conn;
  socket.setNoDelay(true);
  socket.setTimeout(timeout, () => socket.destroy(new Error('timeout')));
  socket.once('connect', () => send(conn));
  socket.on('data', (chunk) => onData(conn, chunk));
  socket.on('error', (err) => (conn.failed ??= err.code ?? err.message));
  socket.once('close', () => onClose(conn));
}

function send(conn) {
  conn.next = undefined;
  conn.sentAt = performance.now();
  conn.socket.write(request);
}

/** The lifetime is over: close (once the request in flight is answered) and open the slot's next one at once. */
function retire(conn) {
  conn.ending = true;
  clearTimeout(conn.next);
  if (conn.sentAt === undefined) conn.socket.end();
  if (running) open(conn.slot);
}

/** Frames answers by content-length (the app always sets it; one request is in flight at a time). */
function onData(conn, chunk) {
  let buffer = conn.buffered === undefined ? chunk : Buffer.concat([conn.buffered, chunk]);
  for (;;) {
    const end = buffer.indexOf(headEnd);
    if (end === -1) break;
    const head = buffer.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (buffer.length < end + 4 + length) break;
    buffer = buffer.subarray(end + 4 + length);
    onAnswer(conn, head);
  }
  conn.buffered = buffer.length === 0 ? undefined : buffer;
}

function onAnswer(conn, head) {
  if (conn.sentAt === undefined) {
    count(errors, 'answer without a request');
    return;
  }
  latencies.push(performance.now() - conn.sentAt);
  conn.sentAt = undefined;
  if (!head.startsWith('HTTP/1.1 200')) count(errors, `bad response: ${head.slice(0, 12)}`);
  const who = /\r\nx-served-by: *([^\r]*)/i.exec(head)?.[1] ?? 'unknown';
  count(servedBy, who);
  if (conn.worker === undefined) {
    // The first answer tells which worker holds the connection (it stays there until it closes).
    conn.worker = who;
    count(opened, who);
    count(held, who);
  }
  if (conn.ending) conn.socket.end();
  else conn.next = setTimeout(send, interval, conn);
}

function onClose(conn) {
  live.delete(conn);
  clearTimeout(conn.life);
  clearTimeout(conn.next);
  if (conn.worker !== undefined) count(held, conn.worker, -1);
  if (conn.sentAt !== undefined || conn.failed !== undefined || !conn.ending) {
    const why = conn.failed ?? (conn.sentAt !== undefined ? 'closed with a request unanswered' : 'closed by the server');
    count(errors, why);
    if (!conn.ending && running) setTimeout(open, retryMs, conn.slot);
  }
  if (!running && live.size === 0) finish();
}

const started = performance.now();
const ramp = Math.min(Number(values.ramp), Number(values.duration) * 500); // at most half the run
let sampler;
const startSampling = () => (sampler = setInterval(() => samples.push({ ...held }), Number(values['sample-ms'])));
const opener = setTimeout(startSampling, ramp);
for (const [i, slot] of slots.entries()) setTimeout(open, (i * ramp) / slots.length, slot);
setTimeout(stop, Number(values.duration) * 1000);

/** Stops opening and sampling, and closes every connection once it has its answer (or after a grace period). */
function stop() {
  running = false;
  clearTimeout(opener);
  clearInterval(sampler);
  for (const conn of live) {
    clearTimeout(conn.life);
    if (!conn.ending) retire(conn);
  }
  setTimeout(() => {
    for (const conn of live) conn.socket.destroy(new Error('no answer before the end'));
  }, graceMs).unref();
  if (live.size === 0) finish();
}

function finish() {
  const seconds = (performance.now() - started) / 1000;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      errors: errorCount,
      errorKinds: errors,
      rps: latencies.length / seconds,
      latency: latencySummary(latencies),
      servedBy,
      opened,
      spread: spread(samples, Number(values.workers)),
    })}\n`,
  );
}
