import t from 'tap';
import { weightedRoundRobin } from '../../src/strategies/weighted-round-robin.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

function pool(weights: number[]) {
  const p = views(weights.length);
  p.forEach((w, i) => Object.assign(w, { weight: weights[i]! }));
  return p;
}

// Worked by hand from nginx's ngx_http_upstream_get_peer (src/http/ngx_http_upstream_round_robin.c).
const sequences = [
  { weights: [5, 1, 1], expected: [1, 1, 2, 1, 3, 1, 1, 1, 1, 2, 1, 3, 1, 1] },
  { weights: [4, 2, 1], expected: [1, 2, 1, 3, 1, 2, 1] },
  { weights: [2, 1], expected: [1, 2, 1, 1, 2, 1] },
  { weights: [1, 1, 1], expected: [1, 2, 3, 1, 2, 3] },
  { weights: [1, 3], expected: [2, 1, 2, 2, 2, 1, 2, 2] },
];
for (const { weights, expected } of sequences) {
  t.test(`smooth order for weights ${weights.join('/')}`, async (t) => {
    const p = pool(weights);
    const s = weightedRoundRobin();
    t.same(
      pickIds(() => s.pick(p, conn), expected.length),
      expected,
    );
  });
}

const ratios = [
  { weights: [3, 2, 1, 4], picks: 1000 },
  { weights: [1, 1, 1, 1, 1, 1, 1, 10], picks: 1700 },
  // Slow start ramps weights through fractions; these are exact in binary, so the counts are too.
  { weights: [0.5, 1.5, 0.25], picks: 900 },
];
for (const { weights, picks } of ratios) {
  t.test(`over whole cycles the counts are exactly the weights ${weights.join('/')}`, async (t) => {
    const p = pool(weights);
    const s = weightedRoundRobin();
    const counts = weights.map(() => 0);
    for (let i = 0; i < picks; i++) counts[s.pick(p, conn)!.id - 1]!++;
    const total = weights.reduce((a, b) => a + b, 0);
    t.same(
      counts,
      weights.map((w) => (w / total) * picks),
    );
  });
}

const skipping = [
  { weights: [5, 1, 1], busy: [1], expected: [2, 3, 2, 3] },
  { weights: [5, 1, 1], busy: [2], expected: [1, 1, 1, 3, 1, 1] },
  { weights: [1, 2, 3], busy: [1, 2, 3], expected: [undefined, undefined] },
];
for (const { weights, busy, expected } of skipping) {
  t.test(`skips busy workers (weights ${weights.join('/')}, busy ${busy.join(',')})`, async (t) => {
    const p = pool(weights);
    for (const id of busy) p[id - 1]!.canTake = false;
    const s = weightedRoundRobin();
    t.same(
      pickIds(() => s.pick(p, conn), expected.length),
      expected,
    );
  });
}

t.test('a busy worker keeps its place in the cycle while skipped', async (t) => {
  const p = pool([1, 1]);
  const s = weightedRoundRobin();
  t.equal(s.pick(p, conn)?.id, 1);
  p[1]!.canTake = false;
  t.same(
    pickIds(() => s.pick(p, conn), 2),
    [1, 1],
  );
  p[1]!.canTake = true;
  t.same(
    pickIds(() => s.pick(p, conn), 4),
    [2, 1, 2, 1],
  );
});

t.test('weights changed at run time take effect on the next picks', async (t) => {
  const p = pool([1, 1]);
  const s = weightedRoundRobin();
  t.same(
    pickIds(() => s.pick(p, conn), 4),
    [1, 2, 1, 2],
  );
  Object.assign(p[0]!, { weight: 3 });
  const counts = [0, 0];
  for (let i = 0; i < 400; i++) counts[s.pick(p, conn)!.id - 1]!++;
  t.same(counts, [300, 100]);
  Object.assign(p[1]!, { weight: 7 });
  counts.fill(0);
  for (let i = 0; i < 1000; i++) counts[s.pick(p, conn)!.id - 1]!++;
  t.same(counts, [300, 700]);
});

t.test('a worker joining or leaving the pool keeps the others in their order', async (t) => {
  const p = pool([2, 1, 1]);
  const s = weightedRoundRobin();
  for (const w of p) s.added!(w);
  const first = p.slice(0, 2);
  t.same(
    pickIds(() => s.pick(first, conn), 3),
    [1, 2, 1],
  );
  t.same(
    pickIds(() => s.pick(p, conn), 8),
    [1, 2, 3, 1, 1, 2, 3, 1],
  );
  s.removed!(p[0]!);
  t.same(
    pickIds(() => s.pick(p.slice(1), conn), 4),
    [2, 3, 2, 3],
  );
});

t.test('removed() forgets a worker: a view that comes back starts afresh', async (t) => {
  const p = pool([1, 2]);
  const fresh = weightedRoundRobin();
  const expected = pickIds(() => fresh.pick(p, conn), 6);
  const s = weightedRoundRobin();
  for (const w of p) s.added!(w);
  // One pick leaves the two owed different amounts; forgetting both must wipe that out.
  t.equal(s.pick(p, conn)?.id, 2);
  for (const w of p) s.removed!(w);
  for (const w of p) s.added!(w);
  t.same(
    pickIds(() => s.pick(p, conn), 6),
    expected,
  );
  // Without forgetting, the next pick would have been worker 1's turn.
  t.equal(expected[0], 2);
});

t.test('added() for a worker already seen keeps its place', async (t) => {
  const p = pool([1, 3]);
  const s = weightedRoundRobin();
  t.equal(s.pick(p, conn)?.id, 2);
  // Reset to 0, worker 2 would win again (3 > 2); kept at -1, the two tie and worker 1 goes first.
  s.added!(p[1]!);
  t.equal(s.pick(p, conn)?.id, 1);
});

t.test('the pool reordered or shrunk without hooks still maps each worker to its own turn', async (t) => {
  const p = pool([3, 1]);
  const s = weightedRoundRobin();
  t.same(
    pickIds(() => s.pick(p, conn), 2),
    [1, 1],
  );
  // Worker 1 is owed -2 and worker 2 is owed 2: reversed, the positions must not swap their debts.
  t.same(
    pickIds(() => s.pick([p[1]!, p[0]!], conn), 2),
    [2, 1],
  );
});

t.test('undefined when the pool is empty', async (t) => {
  t.equal(weightedRoundRobin().pick([], conn), undefined);
});
