import { once } from 'node:events';
import { Agent } from 'node:http';
import t from 'tap';
import { type HandoffError, createMaster } from '../../dist/index.js';
import { runCli } from '../helpers/cli.ts';
import { fixture, startMaster, workerExecArgv } from '../helpers/cluster.ts';
import { get } from '../helpers/http.ts';
import { newTag, reap, tagVar, taggedPids } from '../helpers/processes.ts';
import { startRequest } from '../helpers/slow.ts';
import { until } from '../helpers/until.ts';

for (const [route, reason] of [
  ['/boom', 'uncaughtException'],
  ['/reject', 'unhandledRejection'],
] as const) {
  t.test(`${reason} in a worker: its in-flight requests complete, a replacement serves new ones`, async (t) => {
    const { master, port } = await startMaster(t, { workers: 1, app: fixture('failing-app.cjs') });
    const [original] = master.workers();
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    const busy = new Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => [idle, busy].forEach((a) => a.destroy()));

    t.equal((await get(port, '/', { agent: idle })).status, 200, 'a keep-alive connection, now idle');
    const message = once(master, 'message');
    const slow = startRequest(port, '/slow-quiet?ms=400', busy);
    await message; // the request is inside the worker, its headers not written yet
    const draining = once(master, 'draining');
    const replaced = once(master, 'ready');
    const exited = once(master, 'exit');
    t.equal((await get(port, route)).status, 200);
    const [drained, why, failure] = await draining;
    t.equal(drained.pid, original!.pid);
    t.equal(why, reason);
    t.match(failure, reason === 'uncaughtException' ? /boom: the session store is gone/ : /nobody awaited me/);

    const done = await slow.done;
    t.equal(done.status, 200, 'the request in flight completed');
    t.equal(done.body, 'slow done\n');
    t.equal(done.headers.connection, 'close', 'its keep-alive connection was told to close');
    await until('the idle keep-alive connection to be closed by the worker', () => {
      return Object.keys(idle.freeSockets).length === 0 && Object.keys(idle.sockets).length === 0;
    });

    const [fresh] = await replaced;
    t.not(fresh.pid, original!.pid);
    const after = await get(port, '/');
    t.equal(after.headers['x-pid'], String(fresh.pid), 'the replacement serves new connections');
    const [gone, code] = await exited;
    t.equal(gone.pid, original!.pid);
    t.equal(code, 0, 'the failed worker exited cleanly once drained');
  });
}

t.test('crash loop: bounded restarts, then an error with the app’s own message, and nothing left', async (t) => {
  const tag = newTag();
  const master = createMaster({
    host: '127.0.0.1',
    port: 0,
    workers: 2,
    app: fixture('crash-after-start.mjs'),
    maxRestarts: 3,
    restartDelay: 10,
    stdout: 'ignore',
    stderr: 'ignore',
    execArgv: workerExecArgv,
    env: { [tagVar]: tag },
  });
  t.teardown(async () => {
    await master.close();
    reap(tag);
  });
  let restarts = 0;
  master.on('restart', () => restarts++);
  const failed = once(master, 'error');
  await master.listen();
  const [err] = (await failed) as [HandoffError];
  t.equal(err.code, 'ERR_HANDOFF_CRASH_LOOP');
  t.match(err.message, /more than 3 times within 60000 ms; giving up\. Last failure \(worker \d\): Error: cache warm-up failed: ENOSPC/);
  t.equal(restarts, 3, 'three replacements, then no more');
  const { forced } = await master.close();
  t.equal(forced, 0);
  t.equal(master.state, 'closed');
  await until('every worker to be gone', () => taggedPids(tag).length === 0);
});

t.test('crash loop from the CLI: one line with the app’s message, exit 1, no process left', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '2', '-a', fixture('crash-after-start.mjs'), '--max-restarts', '2']);
  const { code, stderr } = await cli.exited();
  t.equal(code, 1);
  t.match(stderr, /^handoff: workers failed more than 2 times .*cache warm-up failed: ENOSPC \[ERR_HANDOFF_CRASH_LOOP\]\n$/);
  t.same(reap(cli.tag), []);
});

t.test('SIGTERM with a slow request in flight: it completes with 200, exit 0, no process left', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '2', '-a', fixture('failing-app.cjs')]);
  const port = (await cli.logLine('listening')).port as number;
  await cli.logLine('started');
  const slow = startRequest(port, '/slow?ms=600');
  await slow.started;
  cli.child.kill('SIGTERM');
  const done = await slow.done;
  t.equal(done.status, 200);
  t.equal(done.body, 'slow done\n');
  const { code, stdout } = await cli.exited();
  t.equal(code, 0);
  t.match(stdout, /"forced":0/);
  t.same(reap(cli.tag), []);
});

t.test('master SIGKILL: every worker is gone within 2 s', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '3']);
  const started = await cli.logLine('started');
  t.equal((started.workers as number[]).length, 3);
  t.equal(taggedPids(cli.tag).length, 4, 'the master and three workers');
  cli.child.kill('SIGKILL');
  await cli.exited();
  const took = await until('the orphaned workers to exit', () => taggedPids(cli.tag).length === 0, 2000);
  t.ok(took <= 2000, `gone after ${took.toFixed(0)} ms`);
});
