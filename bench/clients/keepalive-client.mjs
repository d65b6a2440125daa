#!/usr/bin/env node
// Keep-alive load with autocannon: `connections` connections kept open, requests back to back on each.
// Prints one JSON line, the same shape as close-client.mjs: requests, errors, rps, latency (ms), requests per
// serving process (from x-served-by), and connections per serving process (`opened`).
// Usage: node bench/clients/keepalive-client.mjs --port P [--connections 50] [--duration 10]
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
  },
});

const servedBy = {};
// Which worker each connection landed on: the first answer on each TCP connection autocannon opens (it opens a new
// one after an error) names its worker.
const opened = {};
const counted = new WeakSet();
const setupClient = (client) => {
  client.on('headers', ({ headers }) => {
    if (counted.has(client.conn)) return;
    counted.add(client.conn);
    const at = headers.findIndex((h, i) => i % 2 === 0 && String(h).toLowerCase() === 'x-served-by');
    const who = at === -1 ? 'unknown' : String(headers[at + 1]);
    opened[who] = (opened[who] ?? 0) + 1;
  });
};
const result = await autocannon({
  url: `http://${values.host}:${values.port}/`,
  connections: Number(values.connections),
  duration: Number(values.duration),
  setupClient,
  requests: [
    {
      method: 'GET',
      path: '/',
      onResponse: (status, body, context, headers) => {
        // autocannon passes the headers as an object of name → value
        const who = headers['x-served-by'] ?? 'unknown';
        servedBy[who] = (servedBy[who] ?? 0) + 1;
      },
    },
  ],
});
const requests = result.requests.total;
const errors = result.errors + result.timeouts + result.non2xx;
process.stdout.write(
  `${JSON.stringify({
    requests,
    errors,
    errorKinds: { errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx },
    rps: requests / (result.duration || Number(values.duration)),
    latency: { p50: result.latency.p50, p99: result.latency.p99, p999: result.latency.p99_9, max: result.latency.max },
    servedBy,
    opened,
  })}\n`,
);
