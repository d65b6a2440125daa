import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { HandoffError } from '../../dist/index.js';
import { runCli } from '../helpers/cli.ts';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { startLoad } from '../helpers/load.ts';
import { until } from '../helpers/until.ts';

/** A copy of the versioned app in a temp dir, and a way to deploy a new version (or a broken one) over it. */
function deployable(t: Test): { app: string; deploy(version: string): void; breakIt(message: string): void } {
  const dir = t.testdir({});
  const app = join(dir, 'app.mjs');
  copyFileSync(fixture('versioned-app.mjs'), app);
  const template = readFileSync(app, 'utf8');
  return {
    app,
    deploy: (version) => writeFileSync(app, template.replace("'v1'", `'${version}'`)),
    breakIt: (message) => writeFileSync(app, `throw new Error(${JSON.stringify(message)});\n`),
  };
}

t.test('reload under load: zero failed requests, every worker replaced, the new version serves', async (t) => {
  const { app, deploy } = deployable(t);
  const { master, port } = await startMaster(t, { workers: 3, app });
  const before = new Set(master.workers().map((w) => w.pid));
  const load = startLoad(port, 6);
  await until('some load to flow', () => master.stats().delivered > 50, 5000);
  deploy('v2');
  const result = await master.reload();
  t.same(result, { ok: true, replaced: 3 });
  await until('more load to flow after the reload', () => master.stats().delivered > 300, 10_000).catch(() => undefined);
  const { ok, failed, errors } = await load.stop();
  t.equal(failed, 0, `no failed request (${errors.slice(0, 3).join('; ')})`);
  t.ok(ok > 100, `${ok} requests served across the reload`);
  const after = master.workers();
  t.equal(after.length, 3);
  t.same(
    after.map((w) => w.index).sort(),
    [1, 2, 3],
  );
  t.ok(
    after.every((w) => !before.has(w.pid)),
    'every worker is new',
  );
  const reply = await getJson<{ version: string }>(port);
  t.equal(reply.version, 'v2');
  t.equal(master.stats().dropped['queue-timeout'] + master.stats().dropped['queue-full'], 0);
});

t.test('reload under keep-alive load: zero failed requests; clients are told to reconnect', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, app: fixture('pid-app.cjs') });
  const load = startLoad(port, 8, 5000, true);
  await until('some load to flow', () => master.stats().delivered >= 8, 5000);
  await master.reload();
  await master.reload();
  const { ok, failed, errors, closes } = await load.stop();
  t.equal(failed, 0, `no failed request (${errors.slice(0, 3).join('; ')})`);
  t.ok(closes >= 8, `${closes} responses told a kept-alive client to reconnect`);
  t.ok(ok > 100, `${ok} requests served across two reloads`);
});

t.test('a reload whose new workers cannot start leaves the old ones serving', async (t) => {
  const { app, deploy, breakIt } = deployable(t);
  const { master, port } = await startMaster(t, { workers: 2, app, stderr: 'ignore' });
  const before = master.workers().map((w) => w.pid).sort();
  breakIt('config.yaml: unknown key "prot"');
  const err = (await master.reload().catch((e: unknown) => e)) as HandoffError;
  t.equal(err.code, 'ERR_HANDOFF_RELOAD');
  t.match(err.message, /reload stopped after replacing 0 of 2 workers: .*config\.yaml: unknown key "prot".*the other workers keep serving/);
  t.same(master.workers().map((w) => w.pid).sort(), before, 'the same two workers');
  t.equal(master.state, 'running');
  const reply = await getJson<{ version: string }>(port);
  t.equal(reply.version, 'v1', 'still serving the old version');

  deploy('v3');
  const fixed = await master.reload();
  t.same(fixed, { ok: true, replaced: 2 });
  t.equal((await getJson<{ version: string }>(port)).version, 'v3');
});

t.test('reload() during a reload joins it; reload() when not running is a state error', async (t) => {
  const { master } = await startMaster(t, { workers: 2 });
  const a = master.reload();
  const b = master.reload();
  t.equal(a, b);
  t.same(await a, { ok: true, replaced: 2 });
  await master.close();
  await t.rejects(master.reload(), { code: 'ERR_HANDOFF_STATE' });
});

t.test('scale(n) adds and removes slots; the highest slots drain', async (t) => {
  const { master, port } = await startMaster(t, { workers: 2, app: fixture('pid-app.cjs') });
  await master.scale(4);
  t.same(
    master.workers().map((w) => w.index).sort(),
    [1, 2, 3, 4],
  );
  t.equal(master.size, 4);
  await master.scale(1);
  t.same(
    master.workers().map((w) => w.index),
    [1],
  );
  t.equal((await getJson(port)).index, '1');
  await t.rejects(master.scale(0), { code: 'ERR_HANDOFF_BAD_OPTION' });
});

t.test('CLI: SIGHUP reloads, SIGTTIN adds a worker, SIGTTOU removes one', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '-w', '2']);
  await cli.logLine('started');
  cli.child.kill('SIGHUP');
  const reloaded = await cli.logLine('reload finished');
  t.equal(reloaded.replaced, 2);
  cli.child.kill('SIGTTIN');
  const up = await cli.logLine('scaling');
  t.same([up.from, up.to], [2, 3]);
  await cli.logLine('worker ready', (e) => e.index === 3);
  cli.child.kill('SIGTTOU');
  const down = await cli.logLine('scaling', (e) => e.from === 3);
  t.equal(down.to, 2);
  await cli.logLine('worker exited', (e) => e.index === 3);
  cli.child.kill('SIGTERM');
  const { code, stdout } = await cli.exited();
  t.equal(code, 0);
  t.match(stdout, /"msg":"worker ready".*"index":3/s);
});
