import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import t, { type Test } from 'tap';
import { fixture } from '../helpers/cluster.ts';
import { type Cli, runCli } from '../helpers/cli.ts';
import { getWhenUp } from '../helpers/http.ts';
import { reap } from '../helpers/processes.ts';
import { until } from '../helpers/until.ts';

// The real thing, from Debian's package (.ci/run installs it): HAProxy in front of two handoff instances, with the
// example configuration from examples/haproxy/, PROXY protocol v2 and health checks on /readyz.
const haproxyBinary = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) => spawnSync(p, ['-v']).status === 0);
const config = new URL('../../examples/haproxy/haproxy.cfg', import.meta.url).pathname;
const app = fixture('peer-app.cjs');

interface Instance {
  cli: Cli;
  port: number;
  admin: number;
}

async function startInstance(t: Test, port = 0, admin = 0): Promise<Instance> {
  const cli = runCli(t, [
    '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(admin), '-w', '2', '-a', app,
    '--proxy-protocol', '--drain-delay', '1500', '--kill-timeout', '3000',
  ]);
  const listening = await cli.logLine('listening');
  const adminLine = await cli.logLine('admin endpoint listening');
  await cli.logLine('started');
  return { cli, port: listening.port as number, admin: adminLine.port as number };
}

/** Pids of an instance's workers, from its own admin endpoint. */
async function workerPids(admin: number): Promise<number[]> {
  const reply = await getWhenUp(admin, '/stats');
  return (JSON.parse(reply.body) as { workers: { pid: number }[] }).workers.map((w) => w.pid);
}

/** Continuous load through HAProxy from 127.0.0.77, a new connection per request; records who answered. */
function load(port: number) {
  let running = true;
  const result = { ok: 0, failed: [] as string[], pids: [] as number[], addresses: new Set<string>() };
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false, localAddress: '127.0.0.77' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200) {
            const answer = JSON.parse(body) as { pid: number; remoteAddress: string };
            result.ok++;
            result.pids.push(answer.pid);
            result.addresses.add(answer.remoteAddress);
          } else result.failed.push(`status ${res.statusCode}: ${body.slice(0, 80)}`);
          resolve();
        });
      });
      req.setTimeout(5000, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        result.failed.push(err.message);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: 4 }, async () => {
    while (running) await one();
  });
  return {
    result,
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

t.test(
  'two instances behind HAProxy: SIGTERM one under load, it drains out of rotation, no request fails, it comes back',
  { skip: haproxyBinary === undefined ? 'haproxy is not installed (apt-get install haproxy; .ci/run does)' : false },
  async (t) => {
    const a = await startInstance(t);
    const b = await startInstance(t);
    const front = await startInstance(t); // only to borrow a free port for HAProxy: stopped at once
    const listenPort = front.port;
    front.cli.child.kill('SIGKILL');
    await front.cli.exited();
    reap(front.cli.tag);

    const haproxy: ChildProcess = spawn(haproxyBinary!, ['-db', '-f', config], {
      env: {
        ...process.env,
        LISTEN_PORT: String(listenPort),
        A_PORT: String(a.port),
        A_ADMIN_PORT: String(a.admin),
        B_PORT: String(b.port),
        B_ADMIN_PORT: String(b.admin),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let haproxyLog = '';
    haproxy.stderr!.setEncoding('utf8').on('data', (d: string) => (haproxyLog += d));
    t.teardown(async () => {
      if (haproxy.exitCode === null && haproxy.signalCode === null) {
        haproxy.kill('SIGKILL');
        await once(haproxy, 'exit');
      }
    });
    await getWhenUp(listenPort, '/', 5000);

    const pidsA = await workerPids(a.admin);
    const pidsB = await workerPids(b.admin);
    const traffic = load(listenPort);
    const servedBy = (pids: number[], from = 0) => traffic.result.pids.slice(from).filter((p) => pids.includes(p)).length;
    await until('both instances to serve', () => servedBy(pidsA) > 10 && servedBy(pidsB) > 10, 10_000);

    // SIGTERM A: /readyz says 503 at once, HAProxy marks it down, then A closes its port and drains.
    a.cli.child.kill('SIGTERM');
    const exitA = await a.cli.exited();
    t.equal(exitA.code, 0, 'A drained and exited 0');
    t.match(haproxyLog, /Server handoff\/a is DOWN/, 'HAProxy had taken A out of rotation by the time A exited');
    t.match(exitA.stdout, /draining: unready, still serving/);
    const afterA = traffic.result.pids.length;
    await until('50 more answers', () => traffic.result.pids.length >= afterA + 50, 10_000);
    t.equal(servedBy(pidsA, afterA), 0, 'nothing reaches A once it is gone');
    t.same(reap(a.cli.tag), [], 'A left no process behind');

    // Bring A back on the same ports: HAProxy's checks see it rise and send it traffic again.
    const back = await startInstance(t, a.port, a.admin);
    const pidsBack = await workerPids(back.admin);
    await until('traffic to return to A', () => servedBy(pidsBack) > 10, 15_000);
    t.match(haproxyLog, /Server handoff\/a is UP/, 'HAProxy saw A come back');

    const result = await traffic.stop();
    t.same(result.failed, [], `no failed request out of ${result.ok}`);
    t.ok(result.ok > 200, `${result.ok} requests answered`);
    t.same([...result.addresses], ['127.0.0.77'], 'the apps saw the real client address, through PROXY v2');
    t.notMatch(haproxyLog, /ALERT/, 'HAProxy raised no alert');
  },
);
