import t from 'tap';
import { PendingConnection } from '../../src/master/pending-connection.ts';
import { SocketQueue } from '../../src/master/socket-queue.ts';

const make = (id: number) => new PendingConnection(id, { getpeername: () => 0, getsockname: () => 0, close() {} });

function drain(q: SocketQueue): number[] {
  const out: number[] = [];
  for (let c = q.shift(); c !== undefined; c = q.shift()) out.push(c.id);
  return out;
}

t.test('FIFO: push then shift in order', async (t) => {
  const q = new SocketQueue();
  for (let i = 1; i <= 5; i++) q.push(make(i));
  t.equal(q.size, 5);
  t.equal(q.peek()?.id, 1);
  t.same(drain(q), [1, 2, 3, 4, 5]);
  t.equal(q.size, 0);
  t.equal(q.shift(), undefined);
  t.equal(q.peek(), undefined);
});

t.test('unshift puts entries at the front (re-dispatch order)', async (t) => {
  const q = new SocketQueue();
  q.push(make(3));
  q.unshift(make(2));
  q.unshift(make(1));
  q.push(make(4));
  t.same(drain(q), [1, 2, 3, 4]);
  q.unshift(make(9));
  t.same(drain(q), [9]);
});

const removals = [
  { remove: 1, rest: [2, 3] },
  { remove: 2, rest: [1, 3] },
  { remove: 3, rest: [1, 2] },
];
for (const { remove, rest } of removals) {
  t.test(`remove(${remove}) from [1, 2, 3] keeps the links whole`, async (t) => {
    const q = new SocketQueue();
    const items = [make(1), make(2), make(3)];
    for (const c of items) q.push(c);
    q.remove(items[remove - 1]!);
    t.equal(q.size, 2);
    t.same(drain(q), rest);
  });
}

t.test('a removed entry can be queued again', async (t) => {
  const q = new SocketQueue();
  const a = make(1);
  q.push(a);
  q.remove(a);
  q.push(make(2));
  q.push(a);
  t.same(drain(q), [2, 1]);
});
