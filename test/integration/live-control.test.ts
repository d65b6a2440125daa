import { once } from 'node:events';
import { Agent } from 'node:http';
import t from 'tap';
import { HandoffError } from '../../dist/index.js';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { startLoad } from '../helpers/load.ts';
import { until } from '../helpers/until.ts';

const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

t.test('switching strategy 30 times under load: no failed request, every socket accounted for', async (t) => {
  const { master, port } = await startMaster(t, { workers: 3, strategy: 'least-connections', app: fixture('pid-app.cjs') });
  const names = ['round-robin', 'random', 'least-connections'];
  const seen: string[] = [];
  master.on('strategy', (name) => seen.push(name));
  const load = startLoad(port, 8, 5000);
  for (let i = 0; i < 30; i++) {
    const before = master.stats().dispatched;
    master.setStrategy(names[i % names.length]!);
    t.equal(master.strategy.name, names[i % names.length]);
    await until('20 more connections to be dispatched', () => master.stats().dispatched >= before + 20, 5000);
  }
  const result = await load.stop();
  t.equal(result.failed, 0, `no failed request (${result.errors.slice(0, 3).join('; ')})`);
  t.ok(result.ok >= 600, `${result.ok} requests answered`);
  t.equal(seen.length, 30, 'a strategy event per switch');
  const s = master.stats();
  t.equal(total(s.dropped), 0);
  t.equal(s.accepted, s.delivered + total(s.dropped) + s.queued + s.inFlight, 'accepted = delivered + dropped + queued + inFlight');
  t.equal(s.accepted, s.dispatched - s.redispatched, 'each socket sent once: no re-dispatch, no duplicate');
});

t.test('setStrategy rejects an unknown name and keeps the current strategy', async (t) => {
  const { master } = await startMaster(t, { workers: 1, strategy: 'round-robin' });
  t.throws(() => master.setStrategy('fastest'), { code: 'ERR_HANDOFF_UNKNOWN_STRATEGY' });
  t.throws(() => master.setStrategy({} as never), { code: 'ERR_HANDOFF_BAD_STRATEGY' });
  t.equal(master.stats().strategy, 'round-robin');
});

t.test('drain: a worker takes no new connections but keeps serving the ones it has; a weight brings it back', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, strategy: 'round-robin', app: fixture('pid-app.cjs') });
  const [one, two] = master.workers();
  const weights: [number, number][] = [];
  master.on('weight', (w, previous) => weights.push([w.weight, previous]));
  const drained = master.drain(one!.id);
  t.equal(drained.weight, 0);
  t.equal(drained.state, 'ready', 'drained, not stopped');
  for (let i = 0; i < 10; i++) t.equal((await getJson(port)).pid, two!.pid, `new connection ${i} goes to the other worker`);
  t.equal(master.workers().find((w) => w.id === one!.id)!.weight, 0);

  const back = master.setWeight(one!.id, 1);
  t.equal(back.weight, 1);
  const pids = new Set<number>();
  for (let i = 0; i < 4; i++) pids.add((await getJson(port)).pid);
  t.same([...pids].sort(), [one!.pid, two!.pid].sort(), 'both workers take new connections again');
  t.same(weights, [
    [0, 1],
    [1, 0],
  ]);
});

t.test('a kept-alive connection on a drained worker is still served by it', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app: fixture('pid-app.cjs') });
  const [only] = master.workers();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await getJson(port, '/', { agent })).pid, only!.pid);
  master.drain(only!.id);
  t.equal((await getJson(port, '/', { agent })).pid, only!.pid, 'same connection, same worker, after the drain');
  t.equal(master.stats().ready, 1);
});

t.test("a slot's weight survives its worker's restart, which counts as one", async (t) => {
  const { master } = await startMaster(t, { workers: 2, weights: [3], restartDelay: 1 });
  const [one] = master.workers();
  t.equal(one!.weight, 3, 'from the weights option');
  master.setWeight(one!.id, 0);
  process.kill(one!.pid, 'SIGKILL');
  const [replacement] = (await once(master, 'ready')) as [{ index: number; weight: number; restarts: number }];
  t.equal(replacement.index, 1);
  t.equal(replacement.weight, 0, 'the replacement inherits the drained weight');
  t.equal(replacement.restarts, 1);
});

t.test('live-control input errors: unknown worker, bad weight; the master keeps serving', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app: fixture('pid-app.cjs') });
  const [only] = master.workers();
  t.throws(() => master.setWeight(9999, 1), { code: 'ERR_HANDOFF_UNKNOWN_WORKER' });
  t.throws(() => master.drain(-1), { code: 'ERR_HANDOFF_UNKNOWN_WORKER' });
  for (const bad of [-1, 1.5, 1001, Number.NaN, '2x']) {
    t.throws(() => master.setWeight(only!.id, bad as number), { code: 'ERR_HANDOFF_BAD_OPTION' }, `weight ${String(bad)}`);
  }
  try {
    master.setWeight(9999, 1);
  } catch (err) {
    t.ok(err instanceof HandoffError);
    t.match((err as Error).message, new RegExp(`live workers: ${only!.id}$`));
  }
  t.equal((await getJson(port)).pid, only!.pid);
});

t.test('slow start: a replacement joins at 5% of its weight and ramps to all of it', async (t) => {
  const { master } = await startMaster(t, { workers: 2, slowStart: 600, restartDelay: 1 });
  t.same(
    master.workers().map((w) => w.effectiveWeight),
    [1, 1],
    'no slow start at start-up: every worker is equally cold',
  );
  const [one] = master.workers();
  process.kill(one!.pid, 'SIGKILL');
  const [ready] = (await once(master, 'ready')) as [{ id: number; effectiveWeight: number }];
  t.equal(ready.effectiveWeight, 0.05);
  const ramp = () => master.workers().find((w) => w.id === ready.id)!.effectiveWeight;
  await until('the ramp to pass half', () => ramp() >= 0.5 && ramp() < 1, 2000);
  const full = await until('the full weight', () => ramp() === 1, 2000);
  t.ok(full > 0, 'full weight came after half');
});

t.test('stats: state, uptime, fairness, per-worker latency and lag', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, heartbeatInterval: 50, app: fixture('pid-app.cjs') });
  for (let i = 0; i < 10; i++) await getJson(port);
  await until('a heartbeat round trip', () => master.workers().every((w) => w.lag >= 0));
  // Each worker reports its closes a moment after the client saw its answer.
  await until('every close to be reported', () => master.workers().every((w) => w.active === 0));
  const s = master.stats();
  t.equal(s.state, 'running');
  t.ok(s.uptime > 0);
  t.same(s.fairness, { jain: 1, maxOverMean: 1 }, 'nothing open: even by convention');
  for (const w of master.workers()) {
    t.ok(w.latency > 0, `worker ${w.id} has a handoff latency (${w.latency} ms)`);
    t.equal(w.restarts, 0);
  }
});
