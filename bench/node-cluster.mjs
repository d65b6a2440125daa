#!/usr/bin/env node
// The baseline: node:cluster (round-robin, or SCHED_NONE with --sched none) serving an app equivalent to handoff's
// demo app. Usage: node bench/node-cluster.mjs --port 8000 [--host 127.0.0.1] [--workers 2] [--sched rr|none]
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    sched: { type: 'string', default: 'rr' },
  },
});

if (cluster.isPrimary) {
  cluster.schedulingPolicy = values.sched === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  for (let i = 0; i < Number(values.workers); i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
} else {
  const index = String(cluster.worker.id);
  createServer((req, res) => {
    const body = `node:cluster: worker ${index} (pid ${process.pid}) served ${req.method} ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }).listen(Number(values.port), values.host);
}
