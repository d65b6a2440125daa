import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { createMaster } from '../../dist/index.js';
import { fixture, startMaster, workerExecArgv } from '../helpers/cluster.ts';
import { get, getJson } from '../helpers/http.ts';
import { newTag, reap, tagVar } from '../helpers/processes.ts';

interface PidApp {
  pid: number;
  index: string;
  port: number;
  listening: boolean;
  callbackFired: boolean;
  seen: unknown[];
}

t.test('an unmodified CommonJS app calling listen() itself is served on the master port', async (t) => {
  const { master, port } = await startMaster(t, { app: fixture('pid-app.cjs') });
  const reply = await getJson<PidApp>(port);
  t.ok(
    master.workers().some((w) => w.pid === reply.pid),
    'answered by one of our workers',
  );
  t.equal(reply.port, port, 'server.address() reports the master port');
  t.equal(reply.listening, true, 'server.listening is true');
  t.equal(reply.callbackFired, true, "the app's listen callback ran");
  t.ok(['1', '2'].includes(reply.index), 'HANDOFF_WORKER_INDEX is set');
});

const shapes = [
  { file: 'late-listen-app.mjs', kind: 'late-esm', what: 'an unmodified ESM app that listens after async set-up' },
  { file: 'exported-server.mjs', kind: 'exported', what: 'an exported server that never listens' },
  { file: 'handler.cjs', kind: 'handler', what: 'an exported (req, res) handler' },
  { file: 'factory.mjs', kind: 'factory', what: 'an async factory' },
  { file: 'exports-object.cjs', kind: 'object', what: 'CommonJS module.exports = { server }' },
  { file: 'koa-like.mjs', kind: 'koa', what: 'a Koa-style app with callback()' },
];
for (const shape of shapes) {
  t.test(`serves ${shape.what}`, async (t) => {
    const { master, port } = await startMaster(t, { app: fixture(shape.file) });
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const reply = await getJson<{ pid: number; kind: string }>(port);
      t.equal(reply.kind, shape.kind);
      pids.add(reply.pid);
    }
    t.same([...pids].sort(), master.workers().map((w) => w.pid).sort(), 'both workers served');
  });
}

t.test('without an app, the demo app answers and names the worker', async (t) => {
  const { master, port } = await startMaster(t, {});
  const reply = await get(port, '/hello');
  t.equal(reply.status, 200);
  const pid = Number(reply.headers['x-handoff-pid']);
  t.ok(
    master.workers().some((w) => w.pid === pid),
    'x-handoff-pid is a worker',
  );
  t.match(reply.body, new RegExp(`^handoff demo: worker [12] \\(pid ${pid}\\) served GET /hello\\n$`));
});

t.test('a plain TCP server keeps its allowHalfOpen semantics', async (t) => {
  const { master, port } = await startMaster(t, { app: fixture('half-open-echo.mjs') });
  const socket = connect(port, '127.0.0.1');
  socket.end('ping');
  let answer = '';
  socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
  await once(socket, 'close');
  const [pid, text] = answer.split(':');
  t.equal(text, 'PING', 'the worker wrote after the client half-closed');
  t.ok(master.workers().some((w) => w.pid === Number(pid)));
});

t.test("the app's own process.send() messages reach the master; ours never reach the app", async (t) => {
  const { master, port } = await startMaster(t, { app: fixture('pid-app.cjs') });
  const message = once(master, 'message');
  const reply = await getJson<PidApp>(port, '/send');
  const [worker, data] = await message;
  t.same(data, { from: 'app', pid: reply.pid });
  t.equal(worker.pid, reply.pid);
  for (let i = 0; i < 3; i++) await getJson(port);
  const after = await getJson<PidApp>(port);
  t.same(after.seen, [], 'no protocol message was emitted to the app');
});

const failures = [
  {
    file: 'throws-at-load.cjs',
    code: 'ERR_HANDOFF_APP_LOAD',
    message: /throws-at-load\.cjs threw while loading: Error: DATABASE_URL is not set \(at .*throws-at-load\.cjs:2/,
  },
  {
    file: 'factory-returns-nothing.mjs',
    code: 'ERR_HANDOFF_APP_LOAD',
    message: /called as a factory, and it returned an object instead of a net\.Server/,
  },
  {
    file: 'never-listens.mjs',
    code: 'ERR_HANDOFF_WORKER_START',
    message: /was not ready within 800 ms: the app neither exported a server nor called listen\(\)/,
  },
];
for (const f of failures) {
  t.test(`${f.file}: listen() rejects with the app's reason and leaves no process`, async (t) => {
    const tag = newTag();
    const master = createMaster({
      host: '127.0.0.1',
      port: 0,
      workers: 2,
      app: fixture(f.file),
      startTimeout: 800,
      stdout: 'ignore',
      stderr: 'ignore',
      execArgv: workerExecArgv,
      env: { [tagVar]: tag },
    });
    t.teardown(() => master.close());
    await t.rejects(master.listen(), { code: f.code, message: f.message });
    t.equal(master.state, 'closed');
    t.equal(master.address(), null, 'the listener is closed');
    t.same(reap(tag), [], 'no worker left');
  });
}

t.test('listen() twice is a state error', async (t) => {
  const { master } = await startMaster(t, {});
  await t.rejects(master.listen(), { code: 'ERR_HANDOFF_STATE' });
});

t.test('a port in use fails before any worker is forked', async (t) => {
  const { port } = await startMaster(t, {});
  const second = createMaster({ host: '127.0.0.1', port, workers: 2 });
  let forked = 0;
  second.on('fork', () => forked++);
  await t.rejects(second.listen(), { code: 'ERR_HANDOFF_LISTEN', message: /EADDRINUSE/ });
  t.equal(forked, 0);
  await second.close();
  t.equal(second.state, 'closed');
});
