import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { blockWorker } from '../helpers/stuck.ts';
import { until } from '../helpers/until.ts';

/*
 * The tail-latency case least-connections exists for: a worker inside a long task looks like the least loaded one
 * (it holds fewer connections), yet every connection handed to it waits for the task to end. The master finds out by
 * pinging a worker that holds connections and has gone quiet; until it answers, it is passed over. The heartbeat is
 * set far out (60 s), so it cannot be what keeps connections away from the blocked worker.
 */
t.test('least-connections passes over a worker inside a long task, though it holds the fewest connections', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 2,
    strategy: 'least-connections',
    app: fixture('pid-app.cjs'),
    heartbeatInterval: 60_000,
    // Room for the one connection handed over before the master can know (below): the blocked worker can still take.
    maxInFlight: 2,
  });
  const agents: { pid: number; agent: Agent }[] = [];
  const sockets: Socket[] = [];
  t.teardown(() => {
    agents.forEach((a) => a.agent.destroy());
    sockets.forEach((s) => s.destroy());
  });

  // Eight kept-alive connections, four per worker; then worker "blocked" drops its four: 0 against 4.
  for (let i = 0; i < 8; i++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push({ pid: (await getJson(port, '/', { agent })).pid, agent });
  }
  const blockedPid = agents[0]!.pid;
  const workers = () => master.workers();
  const blocked = () => workers().find((w) => w.pid === blockedPid)!;
  const other = () => workers().find((w) => w.pid !== blockedPid)!;
  agents.filter((a) => a.pid === blockedPid).forEach((a) => a.agent.destroy());
  await until('the master to see the closes', () => blocked().active === 0 && other().active === 4);

  // The least loaded worker takes the blocking request, and its event loop stops.
  await blockWorker(port, 3000);
  t.equal(blocked().active, 1, 'the long task went to the least loaded worker');
  // What is being waited for is silence itself: the master only asks a worker that has been quiet for over 1 ms.
  await delay(5);
  // This connection is what makes the master ask; nothing has told it anything yet, so it goes to the blocked worker
  // (2 against 5): the one connection a long task can catch.
  const caught = connect(port, '127.0.0.1');
  sockets.push(caught);
  await until('the master to judge the blocked worker stalled', () => blocked().isStalled);
  t.equal(blocked().inFlight + blocked().active, 2, 'the caught connection waits on the blocked worker');

  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    const reply = await getJson(port, '/', { timeout: 2500 });
    const took = performance.now() - started;
    t.equal(reply.pid, other().pid, `request ${i} went to the worker whose loop runs`);
    if (took > 1000) t.fail(`request ${i} took ${took.toFixed(0)} ms`);
  }
  t.equal(blocked().isResponsive, true, 'the heartbeat never took it out of the pool: the stall rule did');
  t.equal(blocked().isStalled, true, 'still inside its task');
});
