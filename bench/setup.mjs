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
  longLivedClient: here('./clients/long-lived-client.mjs'),
};

const handoff = (strategy, master = paths.master) => ({
  kind: 'handoff',
  args: (o) => [
    master,
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

/**
 * Every contender serves bench/app.mjs with the same number of workers. `balancer` is the process whose CPU counts.
 * `optIn` ones run only when named (--contenders p2c,… or all): each contender adds a run per workload and round
 * (≈ 3 min to the default run), and the default should stay ≈ 15 min. (weighted-round-robin is left out: with
 * equal weights it is round-robin.)
 */
export const contenders = {
  'least-connections': handoff('least-connections'),
  'round-robin': handoff('round-robin'),
  random: handoff('random'),
  p2c: { ...handoff('p2c'), optIn: true },
  'least-latency': { ...handoff('least-latency'), optIn: true },
  'ip-hash': { ...handoff('ip-hash'), optIn: true },
  // A/B against another build (a commit checked out and built elsewhere), in the same run:
  // BENCH_ALT_MASTER=/path/to/other/dist/master.js node bench/run.mjs --contenders least-connections,alt-least-connections
  ...(process.env.BENCH_ALT_MASTER && {
    'alt-least-connections': { ...handoff('least-connections', process.env.BENCH_ALT_MASTER), optIn: true },
  }),
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
 * long-lived:  200 keep-alive connections open at all times (WebSocket-like), each sending GET / every 100 ms and
 *              living an exponential 2 s (0.2–8 s, seeded), then replaced at once: connections are placed all the
 *              time and close in a different order than they opened, so how evenly the open connections stay spread
 *              over the workers (sampled every 100 ms) is up to the strategy. The rate is fixed (≈ 2,000 req/s).
 */
export const workloads = {
  close: { client: 'close', args: ['--sources', '64'] },
  keepalive: { client: 'keepalive', args: [] },
  skewed: {
    client: 'close',
    args: ['--rate', '500', '--slow', '0.005', '--slow-ms', '50', '--sources', '64'],
    connections: 200,
  },
  'slow-worker': { client: 'close', args: ['--sources', '64'], env: { BENCH_HOG_INDEX: '1' } },
  'slow-long-lived': { client: 'long-lived', args: [], connections: 200, env: { BENCH_HOG_INDEX: '1' }, optIn: true },
  'long-lived': { client: 'long-lived', args: [], connections: 200 },
};

export const presets = {
  default: { workers: 2, connections: 50, duration: 10, rounds: 3, warmup: 1 },
  quick: { workers: 2, connections: 50, duration: 2, rounds: 1, warmup: 0.5 },
};
