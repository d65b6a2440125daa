import { once } from 'node:events';
import t from 'tap';
import type { Master, WorkerInfo } from '../../dist/index.js';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';

/** The next app message the master receives that `match` accepts. */
function nextMessage(master: Master, match: (data: Record<string, unknown>) => boolean) {
  return new Promise<[WorkerInfo, Record<string, unknown>]>((resolve) => {
    const onMessage = (worker: WorkerInfo, data: unknown) => {
      if (typeof data !== 'object' || data === null || !match(data as Record<string, unknown>)) return;
      master.off('message', onMessage);
      resolve([worker, data as Record<string, unknown>]);
    };
    master.on('message', onMessage);
  });
}

t.test('master → worker → master, and broadcast; plain process.on("message") sees master messages too', async (t) => {
  const { master } = await startMaster(t, { workers: 2, app: fixture('chat-app.mjs') });
  const [a, b] = master.workers().sort((x, y) => x.index - y.index);

  const reply = nextMessage(master, (d) => d.echoed === 'hello');
  t.equal(master.send(a!.id, { echo: 'hello' }), true);
  const [from, data] = await reply;
  t.equal(from.id, a!.id);
  t.same(data, { echoed: 'hello', by: a!.id, from: 'master', plain: { echo: 'hello' } });

  const replies: number[] = [];
  const both = new Promise<void>((resolve) =>
    master.on('message', (w, d) => {
      if ((d as { echoed?: string }).echoed === 'all' && replies.push(w.id) === 2) resolve();
    }),
  );
  t.equal(master.broadcast({ echo: 'all' }), 2);
  await both;
  t.same(replies.sort(), [a!.id, b!.id].sort());
  t.equal(master.send(9999, { echo: 'nobody' }), false, 'no such worker');
});

t.test('worker → worker through the master, with the sender named', async (t) => {
  const { master } = await startMaster(t, { workers: 2, app: fixture('chat-app.mjs') });
  const [a, b] = master.workers().sort((x, y) => x.index - y.index);
  // a pings b; b answers a; a reports the pong to the master.
  const done = nextMessage(master, (d) => d.gotPong === 7);
  master.send(a!.id, { relay: { to: b!.id, data: { ping: 7 } } });
  const [reporter, data] = await done;
  t.equal(reporter.id, a!.id);
  t.same(data, { gotPong: 7, by: a!.id, from: b!.id });
  // A message for a worker that does not exist is dropped, and nothing breaks.
  master.send(a!.id, { relay: { to: 424242, data: { ping: 1 } } });
  const still = nextMessage(master, (d) => d.echoed === 'alive');
  master.send(a!.id, { echo: 'alive' });
  await still;
});

t.test('an agent starts first, gets no connections, answers workers, and is restarted when it dies', async (t) => {
  const forks: number[] = [];
  const { master, port } = await startMaster(t, {
    workers: 2,
    app: fixture('chat-app.mjs'),
    agent: fixture('agent.mjs'),
    restartDelay: 10,
    // The agent says hello once it runs; listen for it from the first fork on.
  });
  master.on('fork', (w) => forks.push(w.index));
  const agent = master.agent();
  t.ok(agent, 'there is an agent');
  t.equal(agent!.index, 0);
  t.equal(agent!.state, 'ready');
  t.equal(master.workers().length, 2, 'the agent is not one of the workers');
  t.equal(master.stats().workers, 2);

  const [w] = master.workers();
  const answered = nextMessage(master, (d) => d.agentSaid === 42);
  master.send(w!.id, { relay: { to: 'agent', data: { question: 'the answer?' } } });
  const [asker, data] = await answered;
  t.equal(asker.id, w!.id);
  t.same(data, { agentSaid: 42, from: 'agent' });

  const pids = new Set<number>();
  for (let i = 0; i < 6; i++) pids.add((await getJson(port)).pid);
  t.notOk(pids.has(agent!.pid), 'no connection went to the agent');

  const hello = nextMessage(master, (d) => d.agentUp === true);
  const restarted = once(master, 'restart');
  process.kill(agent!.pid, 'SIGKILL');
  const [index] = await restarted;
  t.equal(index, 0);
  const [newAgent, up] = await hello;
  t.not(newAgent.pid, agent!.pid);
  t.same(up, { agentUp: true, index: 0 });
  t.same(forks, [0], 'only the agent was forked again');
});

t.test('the agent is started before any worker', async (t) => {
  const order: number[] = [];
  const { createMaster } = await import('../../dist/index.js');
  const { workerExecArgv } = await import('../helpers/cluster.ts');
  const master = createMaster({
    host: '127.0.0.1',
    port: 0,
    workers: 2,
    app: fixture('chat-app.mjs'),
    agent: fixture('agent.mjs'),
    stdout: 'ignore',
    execArgv: workerExecArgv,
  });
  t.teardown(() => master.close());
  master.on('fork', (w) => order.push(w.index));
  master.on('ready', (w) => order.push(100 + w.index));
  await master.listen();
  t.same(order.slice(0, 2), [0, 100], 'agent forked and ready before the first worker is forked');
});
