import t from 'tap';
import { roundRobin } from '../../src/strategies/round-robin.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

t.test('exact order over all workers, wrapping around', async (t) => {
  const pool = views(4);
  const s = roundRobin();
  t.same(
    pickIds(() => s.pick(pool, conn), 9),
    [1, 2, 3, 4, 1, 2, 3, 4, 1],
  );
});

const skipping = [
  { busy: [2], picks: 6, expected: [1, 3, 4, 1, 3, 4] },
  { busy: [1, 2, 3], picks: 3, expected: [4, 4, 4] },
  { busy: [4], picks: 4, expected: [1, 2, 3, 1] },
];
for (const { busy, picks, expected } of skipping) {
  t.test(`skips workers that cannot take a socket (busy: ${busy.join(',')})`, async (t) => {
    const pool = views(4);
    for (const id of busy) pool[id - 1]!.canTake = false;
    const s = roundRobin();
    t.same(
      pickIds(() => s.pick(pool, conn), picks),
      expected,
    );
  });
}

t.test('a busy worker gets its turn back once free, without restarting the cycle', async (t) => {
  const pool = views(3);
  const s = roundRobin();
  t.equal(s.pick(pool, conn)?.id, 1);
  pool[1]!.canTake = false;
  t.equal(s.pick(pool, conn)?.id, 3);
  pool[1]!.canTake = true;
  t.same(
    pickIds(() => s.pick(pool, conn), 3),
    [1, 2, 3],
  );
});

t.test('undefined when nobody can take a socket, or the pool is empty', async (t) => {
  const s = roundRobin();
  t.equal(s.pick([], conn), undefined);
  t.equal(s.pick(views(3, { canTake: false }), conn), undefined);
});

t.test('a shrinking pool does not index past its end', async (t) => {
  const s = roundRobin();
  const pool = views(4);
  pickIds(() => s.pick(pool, conn), 3);
  const smaller = pool.slice(0, 2);
  t.same(
    pickIds(() => s.pick(smaller, conn), 3),
    [2, 1, 2],
  );
});
