import t from 'tap';
import { OptionError } from '../../src/errors.ts';
import { powerOfTwoChoices } from '../../src/strategies/p2c.ts';
import { random, seededRandom } from '../../src/strategies/random.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';
import { conn, views } from '../helpers/views.ts';

/** A random source replaying `values` in a loop, to pin which workers a pick samples. */
function replay(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

t.test('draws must be an integer >= 1', async (t) => {
  for (const draws of [0, -1, 1.5, Number.NaN, Infinity, '2']) {
    const err = t.throws(() => powerOfTwoChoices({ draws: draws as number })) as OptionError;
    t.equal(err.code, 'ERR_HANDOFF_BAD_OPTION');
    t.equal(err.option, 'draws');
    t.ok(Object.is(err.received, draws), 'names the value received');
  }
  for (const draws of [1, 2, 3, 100]) t.equal(powerOfTwoChoices({ draws }).name, 'p2c');
});

// Four workers, all free. Sampling is a partial Fisher–Yates over the takers [1, 2, 3, 4]: the first draw picks
// position floor(r × 4), the second floor(r × 3) among the positions left after a swap.
const samples = [
  { name: 'samples 1 and 2, takes the lighter', active: [5, 1, 3, 0], random: [0, 0], expected: 2 },
  { name: 'samples 4 then 1 (swapped into the last place)', active: [5, 1, 3, 0], random: [0.99, 0.99], expected: 4 },
  { name: 'samples 3 then 2', active: [5, 1, 3, 0], random: [0.5, 0], expected: 2 },
  { name: 'a tie goes to the first sampled', active: [2, 2, 2, 2], random: [0.99, 0], expected: 4 },
  { name: 'the same tie, sampled the other way', active: [2, 2, 2, 2], random: [0.3, 0.99], expected: 2 },
  { name: 'a source returning 1 stays in range', active: [0, 0, 0, 9], random: [1, 1], expected: 1 },
];
for (const c of samples) {
  t.test(c.name, async (t) => {
    const pool = views(4);
    pool.forEach((w, i) => (w.active = c.active[i]!));
    t.equal(powerOfTwoChoices({ random: replay(c.random) }).pick(pool, conn)?.id, c.expected);
  });
}

t.test('samples are distinct: the most loaded of three is never chosen with two draws', async (t) => {
  const pool = views(3);
  pool[1]!.active = 50;
  const s = powerOfTwoChoices({ random: seededRandom(3) });
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[s.pick(pool, conn)!.id - 1]!++;
  // Sampling with replacement would draw worker 2 twice one time in nine.
  t.equal(counts[1], 0);
  t.ok(counts[0]! > 1200 && counts[2]! > 1200, `the other two share the picks: ${counts}`);
});

t.test('load is divided by weight', async (t) => {
  const cases = [
    { active: [0, 0], weight: [1, 3], expected: 2 },
    { active: [2, 5], weight: [1, 3], expected: 2 },
    { active: [2, 9], weight: [1, 3], expected: 1 },
  ];
  for (const c of cases) {
    const pool = views(2);
    pool.forEach((w, i) => Object.assign(w, { active: c.active[i]!, weight: c.weight[i]! }));
    const s = powerOfTwoChoices({ random: seededRandom(9) });
    for (let i = 0; i < 20; i++) t.equal(s.pick(pool, conn)?.id, c.expected, JSON.stringify(c));
  }
});

t.test('with draws >= takers it is a full least-load pick', async (t) => {
  const rand = seededRandom(11);
  const s = powerOfTwoChoices({ draws: 8, random: seededRandom(12) });
  for (let round = 0; round < 200; round++) {
    const pool = views(6);
    for (const w of pool) {
      w.active = Math.floor(rand() * 20);
      w.canTake = rand() < 0.8;
    }
    const takers = pool.filter((w) => w.canTake);
    const least = Math.min(...takers.map((w) => w.active));
    const picked = s.pick(pool, conn);
    if (takers.length === 0) t.equal(picked, undefined);
    else t.equal(picked?.active, least, `round ${round}`);
  }
});

t.test('full least-load breaks ties at random, not by position', async (t) => {
  const pool = views(4);
  pool[0]!.active = 3;
  const s = powerOfTwoChoices({ draws: 4, random: seededRandom(5) });
  const seen = new Set<number>();
  for (let i = 0; i < 100; i++) seen.add(s.pick(pool, conn)!.id);
  t.same([...seen].sort(), [2, 3, 4]);
});

t.test('only samples workers that can take a socket', async (t) => {
  const pool = views(40);
  for (const w of pool) w.canTake = w.id % 3 === 0;
  const s = powerOfTwoChoices({ random: seededRandom(8) });
  for (let i = 0; i < 500; i++) {
    const w = s.pick(pool, conn)!;
    if (w.id % 3 !== 0) t.fail(`picked busy worker ${w.id}`);
  }
  t.pass('500 picks, all takers');
});

t.test('draws: 1 is uniformly random among takers', async (t) => {
  const pool = views(4);
  pool[0]!.active = 40;
  const s = powerOfTwoChoices({ draws: 1, random: seededRandom(21) });
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[s.pick(pool, conn)!.id - 1]!++;
  for (const count of counts) t.ok(Math.abs(count - 10_000) < 1000, `count ${count} near 10000`);
});

t.test('keeps loads far more level than one random choice as connections pile up', async (t) => {
  function spread(s: Strategy): number {
    const pool = views(32);
    for (let i = 0; i < 3200; i++) pool[s.pick(pool, conn)!.id - 1]!.active++;
    const loads = pool.map((w) => w.active);
    return Math.max(...loads) - Math.min(...loads);
  }
  const p2c = spread(powerOfTwoChoices({ random: seededRandom(31) }));
  const one = spread(random({ random: seededRandom(31) }));
  t.ok(p2c <= 6, `p2c max - min = ${p2c}`);
  t.ok(one >= 3 * p2c, `random max - min = ${one} against ${p2c}`);
});

t.test('pools of any size, growing and shrinking', async (t) => {
  const s = powerOfTwoChoices({ random: seededRandom(2) });
  for (const n of [1, 3, 17, 100, 5, 64]) {
    const pool = views(n);
    pool[n - 1]!.active = -1;
    const picked = new Set<number>();
    for (let i = 0; i < 50 * n; i++) picked.add(s.pick(pool, conn)!.id);
    t.ok(picked.has(n), `pool of ${n}: the lightest worker is found`);
  }
});

t.test('undefined when nobody can take a socket, or the pool is empty', async (t) => {
  const s = powerOfTwoChoices();
  t.equal(s.pick([], conn), undefined);
  t.equal(s.pick(views(3, { canTake: false }), conn), undefined);
});

t.test('a tie between two busy samples goes to the one heard from last', async (t) => {
  const pool = views(2, { active: 1 });
  pool[0]!.heardAt = 50;
  pool[1]!.heardAt = 10;
  const s = powerOfTwoChoices({ random: seededRandom(3) });
  for (let i = 0; i < 20; i++) t.equal(s.pick(pool, conn)?.id, 1);
});

t.test('a stalled sample comes last, whatever its count', async (t) => {
  const pool = views(2);
  Object.assign(pool[0]!, { active: 0, stalled: true });
  Object.assign(pool[1]!, { active: 6 });
  const s = powerOfTwoChoices({ random: seededRandom(5) });
  for (let i = 0; i < 20; i++) t.equal(s.pick(pool, conn)?.id, 2);
  pool[1]!.stalled = true;
  t.equal(s.pick(pool, conn)?.id, 1, 'both stalled: the lighter one');
});
