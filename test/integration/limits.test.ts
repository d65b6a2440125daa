import { Agent } from 'node:http';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { get, getJson } from '../helpers/http.ts';
import { until } from '../helpers/until.ts';

t.test('--worker-connections: a full worker gets no more; the excess waits, then is closed and counted', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 1,
    workerConnections: 2,
    maxQueue: 1,
    queueTimeout: 300,
    app: fixture('pid-app.cjs'),
  });
  const agents = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
  t.teardown(() => agents.forEach((a) => a.destroy()));
  for (const agent of agents) await getJson(port, '/', { agent });
  await until('the worker to report 2 open connections', () => master.workers()[0]!.active === 2);

  // The third waits in the queue (the worker is full) and is closed at the queue timeout; a fourth finds the queue
  // full and is closed at once.
  const third = get(port).catch((err: NodeJS.ErrnoException) => err);
  await until('the third to wait in the queue', () => master.stats().queued === 1);
  const fourth = await get(port).catch((err: NodeJS.ErrnoException) => err);
  t.ok(fourth instanceof Error, 'the fourth is refused at once (queue full)');
  t.ok((await third) instanceof Error, 'the third is closed at the queue timeout');
  const s = master.stats();
  t.equal(s.dropped['queue-full'], 1);
  t.equal(s.dropped['queue-timeout'], 1);
  t.equal(s.delivered, 2, 'the worker never got more than 2');

  // A kept-alive connection closing frees a place: the next connection is served.
  agents[0]!.destroy();
  await until('the worker to report the close', () => master.workers()[0]!.active === 1);
  t.ok((await getJson(port)).pid > 0);
});
