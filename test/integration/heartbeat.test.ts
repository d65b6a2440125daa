import { once } from 'node:events';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { blockWorker, preferFirst } from '../helpers/stuck.ts';

t.test('a blocked worker gets no new sockets: the others serve promptly, and it rejoins when it answers', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 2,
    strategy: 'round-robin',
    app: fixture('pid-app.cjs'),
    heartbeatInterval: 100,
  });
  const [first, second] = master.workers().sort((a, b) => a.index - b.index);
  // Round-robin sends the first connection to worker 1.
  const unresponsive = once(master, 'unresponsive');
  await blockWorker(port, 2500);
  const [stuck, silentFor] = await unresponsive;
  t.equal(stuck.pid, first!.pid);
  t.ok(silentFor > 200, `noticed after ${silentFor} ms of silence`);

  const responsive = once(master, 'responsive');
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const reply = await getJson(port);
    const took = performance.now() - started;
    t.equal(reply.pid, second!.pid, `request ${i} served by the other worker`);
    if (took > 300) t.fail(`request ${i} took ${took.toFixed(0)} ms`);
  }
  const [back] = await responsive;
  t.equal(back.pid, first!.pid);
  t.ok(back.lag >= 0);
  const pids = new Set<number>();
  for (let i = 0; i < 4; i++) pids.add((await getJson(port)).pid);
  t.equal(pids.size, 2, 'both workers serve again');
});

t.test('unresponsive past --unresponsive-timeout: replaced, and its unacknowledged socket is answered elsewhere', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 2,
    strategy: preferFirst(),
    app: fixture('pid-app.cjs'),
    heartbeatInterval: 100,
    unresponsiveTimeout: 600,
    restartDelay: 10,
  });
  const [first, second] = master.workers().sort((a, b) => a.index - b.index);
  await blockWorker(port, 5000);
  // Sent to worker 1 before the heartbeat notices: it sits unacknowledged in the stuck worker's pipe.
  const waiting = getJson(port, '/', { timeout: 5000 });
  const exited = once(master, 'exit');
  const [gone, code, signal] = await exited;
  t.equal(gone.pid, first!.pid);
  t.equal(code, null);
  t.equal(signal, 'SIGKILL');
  const reply = await waiting;
  t.equal(reply.pid, second!.pid, 'the waiting client was answered by the other worker');
  t.ok(master.stats().redispatched >= 1);
  const [refilled] = await once(master, 'ready');
  t.equal(refilled.index, 1, 'slot 1 refilled');
});
