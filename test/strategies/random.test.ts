import t from 'tap';
import { random, seededRandom } from '../../src/strategies/random.ts';
import { conn, views } from '../helpers/views.ts';

t.test('seeded: the same seed gives the same sequence', async (t) => {
  const pool = views(5);
  const a = random({ random: seededRandom(42) });
  const b = random({ random: seededRandom(42) });
  const seqA = Array.from({ length: 50 }, () => a.pick(pool, conn)?.id);
  const seqB = Array.from({ length: 50 }, () => b.pick(pool, conn)?.id);
  t.same(seqA, seqB);
  t.not(new Set(seqA).size, 1);
});

t.test('roughly even over many picks (each within 10% of the mean)', async (t) => {
  const pool = views(4);
  const s = random({ random: seededRandom(7) });
  const counts = [0, 0, 0, 0];
  const picks = 40_000;
  for (let i = 0; i < picks; i++) counts[s.pick(pool, conn)!.id - 1]!++;
  for (const count of counts) t.ok(Math.abs(count - picks / 4) < picks / 40, `count ${count} near ${picks / 4}`);
});

t.test('only picks workers that can take a socket', async (t) => {
  const pool = views(4);
  pool[0]!.canTake = false;
  pool[2]!.canTake = false;
  const s = random({ random: seededRandom(1) });
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(s.pick(pool, conn)!.id);
  t.same([...seen].sort(), [2, 4]);
});

const edges = [
  { name: 'a source returning 0 picks the first taker', value: 0, expected: 2 },
  { name: 'a source returning just under 1 picks the last taker', value: 0.999999, expected: 4 },
  { name: 'a misbehaving source returning 1 still picks a taker', value: 1, expected: 4 },
];
for (const e of edges) {
  t.test(e.name, async (t) => {
    const pool = views(4);
    pool[0]!.canTake = false;
    t.equal(random({ random: () => e.value }).pick(pool, conn)?.id, e.expected);
  });
}

t.test('undefined when nobody can take a socket, or the pool is empty', async (t) => {
  const s = random();
  t.equal(s.pick([], conn), undefined);
  t.equal(s.pick(views(3, { canTake: false }), conn), undefined);
});

t.test('seededRandom stays in [0, 1)', async (t) => {
  const next = seededRandom(123);
  for (let i = 0; i < 10_000; i++) {
    const x = next();
    if (x < 0 || x >= 1) t.fail(`out of range: ${x}`);
  }
  t.pass('10000 draws in range');
});
