#!/usr/bin/env node
// node:cluster serving bench/app.mjs: the baseline (round-robin) or the no-master-hop limit (--sched none, workers
// accept directly). Usage: node bench/servers/cluster.mjs --port 8000 [--host 127.0.0.1] [--workers 2] [--sched rr|none]
import cluster from 'node:cluster';
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
  for (let i = 1; i <= Number(values.workers); i++) cluster.fork({ BENCH_WORKER_INDEX: String(i) });
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
} else {
  const { default: server } = await import('../app.mjs');
  server.listen(Number(values.port), values.host);
}
