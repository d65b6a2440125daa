import t from 'tap';
import { leastConnections } from '../../src/strategies/least-connections.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

const cases = [
  { name: 'fewest active wins', active: [3, 1, 2, 5], inFlight: [0, 0, 0, 0], expected: 2 },
  { name: 'in-flight sockets count as load', active: [1, 0, 1, 1], inFlight: [0, 2, 0, 0], expected: 1 },
  { name: 'active + inFlight are summed', active: [2, 0, 0, 2], inFlight: [0, 3, 1, 0], expected: 3 },
];
for (const c of cases) {
  t.test(c.name, async (t) => {
    const pool = views(4);
    pool.forEach((w, i) => {
      w.active = c.active[i]!;
      w.inFlight = c.inFlight[i]!;
    });
    t.equal(leastConnections().pick(pool, conn)?.id, c.expected);
  });
}

t.test('ties rotate instead of favouring the lowest index', async (t) => {
  const pool = views(4);
  const s = leastConnections();
  t.same(
    pickIds(() => s.pick(pool, conn), 8),
    [1, 2, 3, 4, 1, 2, 3, 4],
  );
});

t.test('a loaded worker is left out of the rotation among the tied ones', async (t) => {
  const pool = views(4);
  pool[0]!.active = 5;
  const s = leastConnections();
  t.same(
    pickIds(() => s.pick(pool, conn), 6),
    [2, 3, 4, 2, 3, 4],
  );
});

t.test('keeps the counts level as connections arrive', async (t) => {
  const pool = views(4);
  const s = leastConnections();
  for (let i = 0; i < 8; i++) {
    const w = s.pick(pool, conn);
    pool[w!.id - 1]!.active++;
  }
  t.same(
    pool.map((w) => w.active),
    [2, 2, 2, 2],
  );
  pool[2]!.active = 0;
  t.same(
    pickIds(() => {
      const w = s.pick(pool, conn);
      pool[w!.id - 1]!.active++;
      return w;
    }, 2),
    [3, 3],
  );
});

t.test('ignores workers that cannot take a socket, however idle', async (t) => {
  const pool = views(3);
  pool[0]!.canTake = false;
  pool[1]!.active = 4;
  pool[2]!.active = 9;
  t.equal(leastConnections().pick(pool, conn)?.id, 2);
});

t.test('undefined when nobody can take a socket, or the pool is empty', async (t) => {
  const s = leastConnections();
  t.equal(s.pick([], conn), undefined);
  t.equal(s.pick(views(2, { canTake: false }), conn), undefined);
});
