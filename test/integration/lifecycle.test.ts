import { once } from 'node:events';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { runCli } from '../helpers/cli.ts';
import { get, getJson } from '../helpers/http.ts';
import { reap, taggedPids } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

t.test('close(): a worker that will not finish is stopped at killTimeout and counted as forced', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app: fixture('half-open-echo.mjs'), killTimeout: 300 });
  // A TCP client that never ends: the echo server waits for it forever.
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  t.teardown(() => client.destroy());
  client.write('x');
  await until('the worker to hold the connection', () => master.workers()[0]!.active === 1);
  const exited = once(master, 'exit');
  const started = Date.now();
  const { forced } = await master.close();
  const [, code] = await exited;
  t.equal(forced, 1);
  t.equal(code, 1, 'the worker gave up at its own deadline');
  t.ok(Date.now() - started >= 250, 'it was given the kill timeout first');
});

t.test('maxConnections set by the app is enforced on handed-over sockets', async (t) => {
  const { port } = await startMaster(t, { workers: 1, app: fixture('max-connections.mjs') });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await getJson<{ drops: number }>(port, '/', { agent })).drops, 0, 'one held connection');
  await t.rejects(get(port), 'a second connection is closed at once');
  t.equal((await getJson<{ drops: number }>(port, '/', { agent })).drops, 1, "the app's server saw a 'drop'");
});

t.test('a second signal exits at once with 1 and leaves no worker', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '1', '-a', fixture('half-open-echo.mjs')]);
  const port = (await cli.logLine('listening')).port as number;
  await cli.logLine('started');
  const client = connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  t.teardown(() => client.destroy());
  client.write('x'); // holds the worker open, so the first SIGTERM waits
  await once(client, 'connect');
  cli.child.kill('SIGTERM');
  await cli.logLine('stopping');
  cli.child.kill('SIGTERM');
  const { code, stdout } = await cli.exited();
  t.equal(code, 1);
  t.match(stdout, /second signal, exiting now/);
  // The master's exit hook SIGKILLed the worker on the way out; the kernel takes a moment to remove it.
  await until('the worker to be gone', () => taggedPids(cli.tag).length === 0);
  t.same(reap(cli.tag), [], 'no worker left running');
});

t.test('dist/worker.js refuses to run on its own', async (t) => {
  const child = spawn(process.execPath, [new URL('../../dist/worker.js', import.meta.url).pathname], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = await once(child, 'exit');
  t.equal(code, 1);
  t.equal(stderr, 'handoff: dist/worker.js is started by the master (node dist/master.js), not directly\n');
});
