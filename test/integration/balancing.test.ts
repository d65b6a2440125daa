import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import t from 'tap';
import { seededRandom, strategies } from '../../dist/index.js';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { until } from '../helpers/until.ts';

function tally(pids: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return counts;
}

t.test('round-robin: 100 sequential connections land 25 on each of 4 workers, in turn', async (t) => {
  const { master, port } = await startMaster(t, { workers: 4, strategy: 'round-robin', app: fixture('pid-app.cjs') });
  const pids: number[] = [];
  for (let i = 0; i < 100; i++) pids.push((await getJson(port)).pid);
  const workerPids = master.workers().map((w) => w.pid);
  t.same(
    [...tally(pids).entries()].sort(),
    workerPids.map((pid) => [pid, 25]).sort(),
  );
  t.same(pids.slice(0, 4).sort(), [...workerPids].sort(), 'the first four go to four different workers');
  for (let i = 4; i < 100; i++) if (pids[i] !== pids[i - 4]) t.fail(`connection ${i} broke the rotation`);
  // The last ack may still be on its way through the pipe: it is then counted in flight, never lost.
  const stats = master.stats();
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  t.equal(stats.accepted, 100);
  t.equal(dropped, 0);
  t.equal(stats.delivered + stats.inFlight + stats.queued, 100, 'accepted = delivered + dropped + queued + inFlight');
});

t.test('least-connections: 8 held connections spread 2/2/2/2, and a freed worker gets the next ones', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 4,
    strategy: 'least-conn',
    app: fixture('pid-app.cjs'),
  });
  const agents: Agent[] = [];
  t.teardown(() => agents.forEach((a) => a.destroy()));
  const held = async (): Promise<{ pid: number; agent: Agent }> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return { pid: (await getJson(port, '/', { agent })).pid, agent };
  };

  const conns: { pid: number; agent: Agent }[] = [];
  for (let i = 0; i < 8; i++) conns.push(await held());
  t.same([...tally(conns.map((c) => c.pid)).values()], [2, 2, 2, 2]);
  // What least-connections balances on: an ack not yet read by the master still counts, as in flight.
  const load = () => master.workers().map((w) => w.active + w.inFlight);
  t.same(load(), [2, 2, 2, 2], 'the master sees the same counts');

  const freed = conns[0]!.pid;
  const closedAt = performance.now();
  for (const c of conns.filter((c) => c.pid === freed)) c.agent.destroy();
  // The worker reports the drop on its own; wait for the master to see it (bounded), and measure how long it took.
  await until('the master to see the closes', () => master.workers().find((w) => w.pid === freed)!.active === 0);
  const lag = performance.now() - closedAt;
  t.ok(lag < 250, `master saw the closes within ${lag.toFixed(1)} ms`);

  const next = [await held(), await held()];
  t.same(
    next.map((c) => c.pid),
    [freed, freed],
    'both new connections go to the worker that was freed',
  );
  t.same(load(), [2, 2, 2, 2]);
});

t.test('random (seeded): uses every worker', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 4,
    strategy: strategies.random({ random: seededRandom(2024) }),
    app: fixture('pid-app.cjs'),
  });
  const pids: number[] = [];
  for (let i = 0; i < 40; i++) pids.push((await getJson(port)).pid);
  t.same([...tally(pids).keys()].sort(), master.workers().map((w) => w.pid).sort());
  t.equal(master.strategy.name, 'random');
});

t.test('a custom strategy object is used as given', async (t) => {
  const picks: number[] = [];
  const { master, port } = await startMaster(t, {
    workers: 3,
    app: fixture('pid-app.cjs'),
    strategy: {
      name: 'last-one',
      pick(workers) {
        const w = workers.at(-1);
        if (w) picks.push(w.index);
        return w;
      },
    },
  });
  const pids = new Set<number>();
  for (let i = 0; i < 5; i++) pids.add((await getJson(port)).pid);
  t.same([...pids], [master.workers().find((w) => w.index === 3)!.pid]);
  t.same(picks, [3, 3, 3, 3, 3]);
});

t.test("the README's capped strategy: connections wait in the master until a worker frees up", async (t) => {
  // The example from the README, verbatim in behaviour.
  const capped = (cap: number) => {
    const inner = strategies.leastConnections();
    return {
      name: `capped-${cap}`,
      pick(workers: Parameters<typeof inner.pick>[0], conn: Parameters<typeof inner.pick>[1]) {
        const worker = inner.pick(workers, conn);
        return worker !== undefined && worker.active + worker.inFlight < cap ? worker : undefined;
      },
    };
  };
  const { master, port } = await startMaster(t, { workers: 2, strategy: capped(1), app: fixture('pid-app.cjs') });
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  t.teardown(() => agents.forEach((a) => a.destroy()));
  const held = [await getJson(port, '/', { agent: agents[0] }), await getJson(port, '/', { agent: agents[1] })];
  t.not(held[0]!.pid, held[1]!.pid, 'one connection on each worker');

  const third = getJson(port, '/', { timeout: 5000 });
  await until('the third connection to wait in the queue', () => master.stats().queued === 1);
  agents[0]!.destroy();
  const reply = await third;
  t.equal(reply.pid, held[0]!.pid, 'it went to the worker whose connection closed');
  t.equal(master.stats().queued, 0);
});
