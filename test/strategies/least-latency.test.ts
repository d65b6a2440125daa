import t from 'tap';
import { leastConnections } from '../../src/strategies/least-connections.ts';
import { leastLatency } from '../../src/strategies/least-latency.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

interface Row {
  active: number[];
  latency: number[];
  inFlight?: number[];
  weight?: number[];
}

function pool(row: Row) {
  const p = views(row.active.length, { lag: -1 });
  p.forEach((w, i) =>
    Object.assign(w, {
      active: row.active[i]!,
      latency: row.latency[i]!,
      inFlight: row.inFlight?.[i] ?? 0,
      weight: row.weight?.[i] ?? 1,
    }),
  );
  return p;
}

// cost = (active + inFlight + 1) × (latency + 0.05) / weight; the comment gives each row's costs.
const cases: (Row & { name: string; expected: number })[] = [
  { name: 'equal load: the lower latency wins', active: [2, 2, 2], latency: [3, 1, 2], expected: 2 },
  // 1 × 10.05 against 6 × 1.05 = 6.3
  { name: 'a loaded but fast worker beats an idle slow one', active: [0, 5], latency: [10, 1], expected: 2 },
  // 1 × 2.05 against 21 × 1.05 = 22.05
  { name: 'enough load outweighs a lower latency', active: [0, 20], latency: [2, 1], expected: 1 },
  // 3 × 1.05 = 3.15 against 2 × 1.05 = 2.1
  { name: 'in-flight sockets count as load', active: [0, 1], inFlight: [2, 0], latency: [1, 1], expected: 2 },
  // 2 × 1.05 / 1 = 2.1 against 2 × 1.05 / 3 = 0.7
  { name: 'weight divides the cost', active: [1, 1], latency: [1, 1], weight: [1, 3], expected: 2 },
  // 1 × 0.05 / 0.1 = 0.5 against 1 × 0.25 = 0.25
  { name: 'slow start waits for the weight', active: [0, 0], latency: [0, 0.2], weight: [0.1, 1], expected: 2 },
  // 1 × 0.05 against 1 × 0.06
  { name: 'a fresh worker (latency 0) wins among idle ones', active: [0, 0], latency: [0, 0.01], expected: 1 },
  // 4 × 0.05 = 0.2 against 1 × 0.15: the floor keeps a fresh worker from taking everything
  { name: 'a fresh worker does not win whatever its load', active: [3, 0], latency: [0, 0.1], expected: 2 },
];
for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(leastLatency().pick(pool(c), conn)?.id, c.expected);
  });
}

t.test('ties rotate instead of favouring the lowest index', async (t) => {
  const p = pool({ active: [1, 1, 1, 1], latency: [0.5, 0.5, 0.5, 0.5] });
  const s = leastLatency();
  t.same(
    pickIds(() => s.pick(p, conn), 8),
    [1, 2, 3, 4, 1, 2, 3, 4],
  );
  p[1]!.active = 3;
  t.same(
    pickIds(() => s.pick(p, conn), 4),
    [1, 3, 4, 1],
  );
});

t.test('skips workers that cannot take a socket, however cheap', async (t) => {
  const p = pool({ active: [0, 4, 9], latency: [0.1, 1, 1] });
  p[0]!.canTake = false;
  t.equal(leastLatency().pick(p, conn)?.id, 2);
});

t.test('undefined when nobody can take a socket, or the pool is empty', async (t) => {
  const s = leastLatency();
  t.equal(s.pick([], conn), undefined);
  const p = pool({ active: [0, 0], latency: [1, 1] });
  for (const w of p) w.canTake = false;
  t.equal(s.pick(p, conn), undefined);
});

t.test('a shrinking pool does not index past its end', async (t) => {
  const p = pool({ active: [0, 0, 0, 0], latency: [1, 1, 1, 1] });
  const s = leastLatency();
  pickIds(() => s.pick(p, conn), 3);
  t.same(
    pickIds(() => s.pick(p.slice(0, 2), conn), 3),
    [1, 2, 1],
  );
});

t.test('a worker with a slow event loop gets far fewer connections than under least-connections', async (t) => {
  // Worker 4 acks ten times slower (a CPU hog on its core); connections pile up and none close.
  function share(s: Strategy): number[] {
    const p = pool({ active: [0, 0, 0, 0], latency: [0.5, 0.5, 0.5, 5] });
    for (let i = 0; i < 400; i++) p[s.pick(p, conn)!.id - 1]!.active++;
    return p.map((w) => w.active);
  }
  t.same(share(leastConnections()), [100, 100, 100, 100]);
  const slow = share(leastLatency());
  t.ok(slow[3]! * 8 < slow[0]!, `the slow worker got ${slow[3]} against ${slow[0]}`);
  t.equal(
    slow.reduce((a, b) => a + b, 0),
    400,
  );
});

t.test('a ping left unanswered counts as latency before any sample shows it', async (t) => {
  const s = leastLatency();
  const pool = views(2);
  // Worker 1 looks fast and idle, but has not answered a ping for 30 ms: 1 × 30.05 against 3 × 0.55.
  Object.assign(pool[0]!, { active: 0, latency: 0.1, unansweredFor: 30 });
  Object.assign(pool[1]!, { active: 2, latency: 0.5 });
  t.same(pickIds(() => s.pick(pool, conn), 3), [2, 2, 2]);
  pool[0]!.unansweredFor = 0;
  t.equal(s.pick(pool, conn)?.id, 1, 'answered: its real latency decides');
});
