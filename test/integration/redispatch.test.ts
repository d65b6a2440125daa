import { EventEmitter, once } from 'node:events';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { blockWorker, preferFirst } from '../helpers/stuck.ts';

t.test('sockets in flight to a worker that is SIGKILLed go to another worker and are answered', async (t) => {
  const events = new EventEmitter();
  const { master, port } = await startMaster(t, {
    workers: 2,
    maxInFlight: 4,
    app: fixture('pid-app.cjs'),
    strategy: preferFirst(events),
  });
  const [first, second] = master.workers().sort((a, b) => a.index - b.index);

  await blockWorker(port, 5000);
  // Four connections to the stuck worker: one written to its pipe, three in Node's private queue behind it.
  const inFlight = new Promise<void>((resolve) => {
    events.on('picked-first', (n: number) => {
      if (n === 4) resolve();
    });
  });
  const replies = Array.from({ length: 4 }, () => getJson(port, '/', { timeout: 5000 }));
  await inFlight;
  t.equal(master.workers().find((w) => w.id === first!.id)!.inFlight, 4, 'four sockets unacknowledged');

  const redispatched = once(master, 'redispatch');
  const replaced = new Promise<number>((resolve) => {
    master.on('ready', (w) => {
      if (w.index === 1) resolve(w.pid);
    });
  });
  process.kill(first!.pid, 'SIGKILL');

  const answered = await Promise.all(replies);
  t.same(
    answered.map((r) => r.pid),
    [second!.pid, second!.pid, second!.pid, second!.pid],
    'every client was answered, by the surviving worker',
  );
  const [worker, count] = await redispatched;
  t.equal(worker.id, first!.id);
  t.equal(count, 4);
  const stats = master.stats();
  t.equal(stats.redispatched, 4);
  t.equal(stats.accepted, 5);
  t.equal(stats.delivered, 5, 'the blocking request (acked by the dead worker) and the four re-dispatched ones');

  const newPid = await replaced;
  t.not(newPid, first!.pid, 'slot 1 was refilled by a new process');
  t.equal(master.stats().ready, 2, 'the pool is back to two workers');
});

t.test('a worker that dies on its own is restarted in the same slot, with backoff', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, app: fixture('pid-app.cjs'), restartDelay: 50 });
  const victim = master.workers().find((w) => w.index === 2)!;
  const restart = once(master, 'restart');
  const ready = new Promise<number>((resolve) => master.on('ready', (w) => w.index === 2 && resolve(w.pid)));
  process.kill(victim.pid, 'SIGKILL');
  const [index, delay] = await restart;
  t.equal(index, 2);
  t.equal(delay, 50, 'first restart after the base delay');
  const pid = await ready;
  t.not(pid, victim.pid);
  const seen = new Set<number>();
  for (let i = 0; i < 6; i++) seen.add((await getJson(port)).pid);
  t.ok(seen.has(pid), 'the replacement serves');
});
