// What the benchmark compares (contenders) and under which load (workloads), declared as data.
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
export const paths = {
  master: here('../dist/master.js'),
  app: here('./app.mjs'),
  cluster: here('./servers/cluster.mjs'),
  single: here('./servers/single.mjs'),
  closeClient: here('./clients/close-client.mjs'),
  keepaliveClient: here('./clients/keepalive-client.mjs'),
};

const handoff = (strategy) => ({
  kind: 'handoff',
  args: (o) => [
    paths.master,
    '--workers',
    String(o.workers),
    '--strategy',
    strategy,
    '--app',
    paths.app,
    '--log-level',
    'warn',
  ],
});

/** Every contender serves bench/app.mjs with the same number of workers. `balancer` is the process whose CPU counts. */
export const contenders = {
  'least-connections': handoff('least-connections'),
  'round-robin': handoff('round-robin'),
  random: handoff('random'),
  'cluster-rr': { kind: 'cluster', args: (o) => [paths.cluster, '--workers', String(o.workers), '--sched', 'rr'] },
  'cluster-none': {
    kind: 'cluster',
    args: (o) => [paths.cluster, '--workers', String(o.workers), '--sched', 'none'],
  },
  single: { kind: 'single', args: () => [paths.single] },
};

/** Ratios are to this contender, measured in the same run. */
export const baseline = 'cluster-rr';

/**
 * close:       a new connection per request (Connection: close): the handoff path itself.
 * keepalive:   connections kept open, requests back to back: the master is out of the request path.
 * skewed:      new connections at a fixed 500 req/s (open loop, below saturation), 0.5% of them burning 50 ms of
 *              CPU: fast requests that land on a busy worker make the tail, so who gets the next connection decides
 *              p99. (Closed-loop load saturates the box whatever the connection count, and with 5% slow requests
 *              p99 is just the slow requests themselves: measured, neither shows any strategy mattering.)
 * slow-worker: close, with worker 1 running a background CPU hog (50% duty): strategies that notice load route around it.
 */
export const workloads = {
  close: { client: 'close', args: [] },
  keepalive: { client: 'keepalive', args: [] },
  skewed: { client: 'close', args: ['--rate', '500', '--slow', '0.005', '--slow-ms', '50'], connections: 200 },
  'slow-worker': { client: 'close', args: [], env: { BENCH_HOG_INDEX: '1' } },
};

export const presets = {
  default: { workers: 2, connections: 50, duration: 10, rounds: 3, warmup: 1 },
  quick: { workers: 2, connections: 50, duration: 2, rounds: 1, warmup: 0.5 },
};
