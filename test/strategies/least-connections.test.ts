import t from 'tap';
import { leastConnections } from '../../src/strategies/least-connections.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

const cases: { name: string; active: number[]; inFlight: number[]; weight?: number[]; expected: number }[] = [
  { name: 'fewest active wins', active: [3, 1, 2, 5], inFlight: [0, 0, 0, 0], expected: 2 },
  { name: 'in-flight sockets count as load', active: [1, 0, 1, 1], inFlight: [0, 2, 0, 0], expected: 1 },
  { name: 'active + inFlight are summed', active: [2, 0, 0, 2], inFlight: [0, 3, 1, 0], expected: 3 },
  // (4 + 1) / 2 = 2.5 beats (2 + 1) / 1 = 3: a worker of weight 2 is meant to hold twice the connections.
  { name: 'weight divides the load', active: [4, 2, 3, 3], inFlight: [0, 0, 0, 0], weight: [2, 1, 1, 1], expected: 1 },
  {
    name: 'an idle heavy worker beats an idle light one',
    active: [0, 0, 0, 0],
    inFlight: [0, 0, 0, 0],
    weight: [1, 1, 4, 1],
    expected: 3,
  },
  // (0 + 1) / 0.1 = 10 against (3 + 1) / 1 = 4: a worker early in slow start waits until its weight has grown.
  {
    name: 'a worker in slow start is passed over',
    active: [0, 3, 3, 3],
    inFlight: [0, 0, 0, 0],
    weight: [0.1, 1, 1, 1],
    expected: 2,
  },
  // (2 + 3 + 1) / 3 = 2 against (1 + 1 + 1) / 1 = 3.
  { name: 'in-flight is divided too', active: [2, 1, 1, 1], inFlight: [3, 1, 1, 1], weight: [3, 1, 1, 1], expected: 1 },
];
for (const c of cases) {
  t.test(c.name, async (t) => {
    const pool = views(4);
    pool.forEach((w, i) => {
      w.active = c.active[i]!;
      w.inFlight = c.inFlight[i]!;
      Object.assign(w, { weight: c.weight?.[i] ?? 1 });
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

t.test('connections settle in proportion to the weights', async (t) => {
  const pool = views(3);
  [3, 2, 1].forEach((weight, i) => Object.assign(pool[i]!, { weight }));
  const s = leastConnections();
  for (let i = 0; i < 600; i++) pool[s.pick(pool, conn)!.id - 1]!.active++;
  // (active + 1) / weight levels out, so the counts split 3 : 2 : 1.
  t.same(
    pool.map((w) => w.active),
    [300, 200, 100],
  );
});

t.test('a tie between busy workers goes to the one heard from last; an idle tie still rotates', async (t) => {
  const s = leastConnections();
  const pool = views(3, { active: 1 });
  pool[0]!.heardAt = 100;
  pool[1]!.heardAt = 300; // reported most recently: its loop is running
  pool[2]!.heardAt = 200;
  t.same(pickIds(() => s.pick(pool, conn), 3), [2, 2, 2], 'worker 1 may be inside a long task: not it');
  pool[1]!.active = 2;
  t.equal(s.pick(pool, conn)?.id, 3, 'a real difference in load still wins');
  const idle = views(3);
  idle.forEach((w, i) => (w.heardAt = 100 * i));
  t.same(pickIds(() => s.pick(idle, conn), 3).sort(), [1, 2, 3], 'idle ties rotate whatever the timestamps');
});

t.test('a stalled worker (inside a long task) comes last, whatever its count', async (t) => {
  const s = leastConnections();
  const pool = views(3);
  Object.assign(pool[0]!, { active: 1, stalled: true, unansweredFor: 30 });
  Object.assign(pool[1]!, { active: 4 });
  Object.assign(pool[2]!, { active: 3 });
  t.same(pickIds(() => s.pick(pool, conn), 3), [3, 3, 3], 'the idle-looking worker is inside a long task');
  Object.assign(pool[0]!, { stalled: false, unansweredFor: 0 });
  t.equal(s.pick(pool, conn)?.id, 1, 'it answered: its count decides again');
});

t.test('when every taker is stalled, the one silent for the shortest time, then the least loaded', async (t) => {
  const s = leastConnections();
  const pool = views(3, { stalled: true, unansweredFor: 20 });
  [5, 2, 7].forEach((active, i) => (pool[i]!.active = active));
  t.equal(s.pick(pool, conn)?.id, 2, 'silent alike: the least loaded');
  pool[2]!.unansweredFor = 3;
  t.equal(s.pick(pool, conn)?.id, 3, 'a task 3 ms old is likely nearer its end than one 20 ms old');
});

t.test('waits for a worker that is only awaiting an ack rather than hand a stalled one the socket', async (t) => {
  const s = leastConnections();
  const pool = views(2);
  Object.assign(pool[0]!, { active: 1, stalled: true, unansweredFor: 10 });
  Object.assign(pool[1]!, { active: 5, canTake: false, inFlight: 1 });
  t.equal(s.pick(pool, conn), undefined, 'the queue holds it until the ack frees worker 2, whatever its count');
  Object.assign(pool[1]!, { inFlight: 0 });
  t.equal(s.pick(pool, conn)?.id, 1, 'worker 2 cannot take and nothing is coming back from it: the stalled one');
  Object.assign(pool[1]!, { inFlight: 1, stalled: true, unansweredFor: 2 });
  t.equal(s.pick(pool, conn), undefined, 'both stalled: the ack of the one silent for less time is nearer');
  pool[1]!.unansweredFor = 15;
  t.equal(s.pick(pool, conn)?.id, 1, 'both stalled, the one awaited for longer: no point waiting');
});

t.test('a worker in doubt (pinged, not answered yet) loses ties and waits behind an ack that is as good', async (t) => {
  const s = leastConnections();
  // The shape of the skewed workload's tail: worker 1 took a slow request and went quiet, two connections arrive
  // together, the first goes to worker 2; the master has just pinged worker 1.
  const pool = views(2);
  Object.assign(pool[0]!, { active: 1, unansweredFor: 0.1, heardAt: 200 });
  Object.assign(pool[1]!, { active: 0, inFlight: 1, canTake: false, heardAt: 100 });
  t.equal(s.pick(pool, conn), undefined, 'worker 2 will hold as many once it acks: wait for the ack');
  Object.assign(pool[1]!, { active: 1, inFlight: 0, canTake: true });
  t.same(pickIds(() => s.pick(pool, conn), 2), [2, 2], 'acked: the tie goes to the worker not in doubt');
  Object.assign(pool[1]!, { active: 2, inFlight: 1, canTake: false });
  t.equal(s.pick(pool, conn)?.id, 1, 'worker 2 would hold more: the doubt is not worth a wait');
  Object.assign(pool[1]!, { active: 0, inFlight: 1, unansweredFor: 0.2 });
  t.equal(s.pick(pool, conn)?.id, 1, 'worker 2 has been silent longer still: nothing better to wait for');
  Object.assign(pool[0]!, { active: 2 });
  Object.assign(pool[1]!, { active: 1, unansweredFor: 0.05 });
  t.equal(s.pick(pool, conn)?.id, 1, 'both in doubt (held connections, pinged): a wait would be a coin toss too');
  Object.assign(pool[0]!, { active: 1 });
  Object.assign(pool[0]!, { unansweredFor: 0 });
  Object.assign(pool[1]!, { active: 1, unansweredFor: 0, inFlight: 0, canTake: true, heardAt: 300 });
  t.equal(s.pick(pool, conn)?.id, 2, 'it answered: a plain tie again, to the one heard from last');
  const idle = views(2, { unansweredFor: 0.5 });
  idle[1]!.canTake = false;
  idle[1]!.inFlight = 1;
  t.equal(s.pick(idle, conn)?.id, 1, 'a heartbeat ping to a worker with no connections raises no doubt');
});
