import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { flags } from '../../src/cli-options.ts';
import { fixture } from '../helpers/cluster.ts';
import { runCli } from '../helpers/cli.ts';
import { get, getJson, getWhenUp } from '../helpers/http.ts';
import { reap } from '../helpers/processes.ts';

const local = ['--host', '127.0.0.1'];

const badInput: { args: string[]; code: number; stderr: RegExp }[] = [
  { args: ['--workers', '0'], code: 2, stderr: /invalid --workers: expected an integer from 1 to 1024, received 0/ },
  { args: ['--workers', '-2'], code: 2, stderr: /invalid --workers: .*received -2/ },
  { args: ['--workers', 'abc'], code: 2, stderr: /invalid --workers: .*received "abc"/ },
  {
    args: ['--strategy', 'fastest'],
    code: 2,
    stderr: /unknown strategy "fastest"; valid: round-robin, least-connections, random, .*\brr, least-conn\b/,
  },
  { args: ['--weights', '5,x'], code: 2, stderr: /invalid --weights: expected an integer from 0 to 1000, received "x"/ },
  { args: ['--weights', '5,,1'], code: 2, stderr: /invalid --weights: expected a weight for slot 2, received "5,,1"/ },
  { args: ['--slow-start', '-1'], code: 2, stderr: /invalid --slow-start: expected an integer >= 0, received "?-1"?/ },
  { args: ['--draws', '0'], code: 2, stderr: /invalid --draws: expected an integer from 1 to 1024, received "?0"?/ },
  { args: ['--balance-factor', '1'], code: 2, stderr: /invalid --balance-factor: expected a number above 1/ },
  { args: ['--balance-factor', 'high'], code: 2, stderr: /invalid --balance-factor: expected a number, received "high"/ },
  { args: ['--port', '70000'], code: 2, stderr: /invalid --port: expected an integer from 0 to 65535, received 70000/ },
  { args: ['--port', 'http'], code: 2, stderr: /invalid --port: .*received "http"/ },
  { args: ['--app', './no/such/app.js'], code: 2, stderr: /app not found: .*no\/such\/app\.js/ },
  { args: ['--wrokers', '2'], code: 2, stderr: /Unknown argument: wrokers \(did you mean --workers\?\)/ },
  { args: ['--workers'], code: 2, stderr: /Not enough arguments following: workers/ },
  { args: ['--log-level', 'loud'], code: 2, stderr: /Invalid values: Argument: log-level, Given: "loud"/ },
  { args: ['--strategy', './no-such-strategy.mjs'], code: 2, stderr: /strategy module not found/ },
  {
    args: ['--app', fixture('throws-at-load.cjs'), '--workers', '2', '--port', '0'],
    code: 1,
    stderr: /app .*throws-at-load\.cjs threw while loading: Error: DATABASE_URL is not set/,
  },
];

for (const c of badInput) {
  t.test(`bad input ${c.args.join(' ')}: one line, exit ${c.code}, no process left`, async (t) => {
    const cli = runCli(t, [...local, ...c.args], { HANDOFF_PORT: '0' });
    const { code, stderr } = await cli.exited();
    t.equal(code, c.code);
    t.match(stderr, c.stderr);
    const lines = stderr.trimEnd().split('\n');
    t.equal(lines.length, 1, 'exactly one line');
    t.match(lines[0], /^handoff: /);
    t.notMatch(stderr, /\n\s+at /, 'no stack trace');
    t.same(reap(cli.tag), [], 'no worker left running');
  });
}

t.test('a port in use: one line, exit 1, no worker forked', async (t) => {
  const blocker: Server = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const cli = runCli(t, [...local, '--port', String(port), '--workers', '2']);
  const { code, stderr, stdout } = await cli.exited();
  t.equal(code, 1);
  t.match(stderr, new RegExp(`^handoff: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE \\[ERR_HANDOFF_LISTEN\\]\\n$`));
  t.notMatch(stdout, /worker forked/);
  t.same(reap(cli.tag), []);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`serves the demo app from several workers, then ${signal} stops everything with exit 0`, async (t) => {
    const cli = runCli(t, [...local, '--port', '0', '--workers', '3', '--strategy', 'least-conn']);
    const listening = await cli.logLine('listening');
    t.equal(listening.workers, 3);
    t.equal(listening.strategy, 'least-connections');
    const started = await cli.logLine('started');
    t.equal((started.workers as number[]).length, 3);
    const port = listening.port as number;
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const reply = await get(port);
      t.equal(reply.status, 200);
      pids.add(String(reply.headers['x-handoff-pid']));
    }
    t.equal(pids.size, 3, 'three worker pids answered');
    cli.child.kill(signal);
    const { code, stdout } = await cli.exited();
    t.equal(code, 0);
    t.match(stdout, /"msg":"closed"/);
    t.same(reap(cli.tag), [], 'no worker left running');
  });
}

t.test('--strategy takes a path to a strategy module', async (t) => {
  const cli = runCli(t, [...local, '--port', '0', '-w', '2', '-s', fixture('prefer-first.mjs'), '-a', fixture('pid-app.cjs')]);
  const port = (await cli.logLine('listening')).port as number;
  await cli.logLine('started');
  const indexes = new Set<string>();
  for (let i = 0; i < 4; i++) indexes.add((await getJson(port)).index);
  t.same([...indexes], ['1']);
  cli.child.kill('SIGTERM');
  t.equal((await cli.exited()).code, 0);
});

t.test('every option can come from a HANDOFF_ environment variable', async (t) => {
  const cli = runCli(t, [...local], { HANDOFF_PORT: '0', HANDOFF_WORKERS: '2', HANDOFF_STRATEGY: 'rr' });
  const listening = await cli.logLine('listening');
  t.equal(listening.workers, 2);
  t.equal(listening.strategy, 'round-robin');
  cli.child.kill('SIGTERM');
  t.equal((await cli.exited()).code, 0);
});

t.test('--help lists every flag; --version prints the package version', async (t) => {
  const help = await runCli(t, ['--help']).exited();
  t.equal(help.code, 0);
  for (const name of Object.keys(flags)) t.match(help.stdout, `--${name}`);
  const version = await runCli(t, ['--version']).exited();
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.equal(version.stdout.trim(), pkg.version);
});

t.test('--log-level silent prints nothing; --log-pretty prints readable lines', async (t) => {
  const pretty = runCli(t, [...local, '--port', '0', '-w', '1', '--log-pretty']);
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => d.toString().includes('started') && resolve();
    pretty.child.stdout!.on('data', onData);
  });
  pretty.child.kill('SIGTERM');
  const p = await pretty.exited();
  t.equal(p.code, 0);
  t.match(p.stdout, /INFO.*listening/);
  t.notMatch(p.stdout, /^\{/m, 'no JSON lines');

  // The silent one cannot tell us its port, so it gets one that was free a moment ago.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const quiet = runCli(t, [...local, '--port', String(port), '-w', '1', '--log-level', 'silent']);
  t.equal((await getWhenUp(port)).status, 200, 'it serves');
  quiet.child.kill('SIGTERM');
  const q = await quiet.exited();
  t.equal(q.code, 0);
  t.equal(q.stdout, '');
});

t.test('--admin-port serves health and stats next to the app; --admin-port in use fails in one line', async (t) => {
  const cli = runCli(t, [...local, '--port', '0', '-w', '2', '--admin-port', '0', '--weights', '3,1', '-s', 'wrr']);
  const admin = (await cli.logLine('admin endpoint listening')).port as number;
  await cli.logLine('started');
  const health = await get(admin, '/healthz');
  t.equal(health.status, 200);
  const stats = JSON.parse((await get(admin, '/stats')).body) as { master: { strategy: string }; workers: { weight: number }[] };
  t.equal(stats.master.strategy, 'weighted-round-robin');
  t.same(stats.workers.map((w) => w.weight), [3, 1]);
  const second = runCli(t, [...local, '--port', '0', '-w', '1', '--admin-port', String(admin)]);
  const failed = await second.exited();
  t.equal(failed.code, 1);
  t.match(failed.stderr, new RegExp(`^handoff: .*127\\.0\\.0\\.1:${admin}: EADDRINUSE \\[ERR_HANDOFF_LISTEN\\]\\n$`));
  t.same(reap(second.tag), [], 'no worker left by the failed one');
  cli.child.kill('SIGTERM');
  t.equal((await cli.exited()).code, 0);
});
