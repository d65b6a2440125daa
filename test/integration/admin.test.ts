/// <reference path="../helpers/parse-prometheus-text-format.d.ts" />
import { once } from 'node:events';
import { Agent, createServer } from 'node:http';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import t, { type Test } from 'tap';
import { call } from '../helpers/admin-client.ts';
import { expectStartFailure, fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';
import { startLoad } from '../helpers/load.ts';
import { until } from '../helpers/until.ts';

const app = fixture('pid-app.cjs');

async function started(t: Test, workers = 2) {
  const s = await startMaster(t, { workers, app, adminPort: 0 });
  const admin = s.master.adminAddress()!.port;
  return { ...s, admin };
}

t.test('the admin endpoint is off unless asked, and on loopback when asked', async (t) => {
  const off = await startMaster(t, { workers: 1 });
  t.equal(off.master.adminAddress(), null);
  const { master } = await started(t, 1);
  t.equal(master.adminAddress()!.address, '127.0.0.1');
});

t.test('GET /stats, /healthz, /readyz and /metrics describe the running master', async (t) => {
  const { master, port, admin } = await started(t);
  for (let i = 0; i < 10; i++) await getJson(port);
  const stats = await call(admin, 'GET', '/stats');
  t.equal(stats.status, 200);
  t.equal(stats.body.master.state, 'running');
  t.equal(stats.body.master.accepted, 10);
  t.equal(stats.body.master.strategy, 'least-connections');
  t.same(
    stats.body.workers.map((w: { pid: number }) => w.pid).sort(),
    master.workers().map((w) => w.pid).sort(),
  );
  for (const path of ['/healthz', '/readyz']) {
    const health = await call(admin, 'GET', path);
    t.equal(health.status, 200, path);
    t.same(health.body, { status: 'ok' });
  }
  const metrics = await call(admin, 'GET', '/metrics');
  t.equal(metrics.status, 200);
  const families = new Map(parsePrometheusTextFormat(metrics.text).map((f) => [f.name, f]));
  const value = (name: string) => Number(families.get(name)?.metrics[0]?.value);
  t.equal(value('handoff_connections_accepted_total'), master.stats().accepted);
  t.equal(families.get('handoff_connections_accepted_total')?.type, 'COUNTER');
  t.equal(value('handoff_workers_ready'), 2);
  const perWorker = families.get('handoff_worker_connections_dispatched_total')!.metrics;
  t.equal(perWorker.reduce((sum, m) => sum + Number(m.value), 0), 10, 'per-worker dispatches add up to the total');
  t.ok(families.has('process_resident_memory_bytes'), "the master's own process metrics");
});

t.test('POST live control drives the master; bad input gets a 4xx and the master keeps serving', async (t) => {
  const { master, port, admin } = await started(t);
  const load = startLoad(port, 4, 5000);

  const switched = await call(admin, 'POST', '/strategy', { body: { strategy: 'p2c' } });
  t.equal(switched.status, 200);
  t.same(switched.body, { strategy: 'p2c' });
  t.equal(master.stats().strategy, 'p2c');

  const [one, two] = master.workers();
  const drained = await call(admin, 'POST', `/workers/${one!.id}/drain`);
  t.equal(drained.status, 200);
  t.equal(drained.body.weight, 0);
  const before = master.workers().find((w) => w.id === one!.id)!.dispatched;
  const dispatched = master.stats().dispatched;
  await until('50 more dispatches', () => master.stats().dispatched >= dispatched + 50, 5000);
  t.equal(master.workers().find((w) => w.id === one!.id)!.dispatched, before, 'the drained worker got no new connection');
  const weighted = await call(admin, 'POST', `/workers/${one!.id}/weight`, { body: { weight: 2 } });
  t.equal(weighted.status, 200);
  t.equal(weighted.body.weight, 2);

  const bad: [string, string, unknown, number, string][] = [
    ['POST', '/strategy', { strategy: 'fastest' }, 400, 'ERR_HANDOFF_UNKNOWN_STRATEGY'],
    ['POST', '/strategy', { strategy: './evil.mjs' }, 400, 'ERR_HANDOFF_ADMIN'],
    ['POST', '/strategy', '{not json', 400, 'ERR_HANDOFF_ADMIN'],
    ['POST', `/workers/${two!.id}/weight`, { weight: 1001 }, 400, 'ERR_HANDOFF_BAD_OPTION'],
    ['POST', `/workers/${two!.id}/weight`, { weight: 'heavy' }, 400, 'ERR_HANDOFF_ADMIN'],
    ['POST', '/workers/99999/weight', { weight: 1 }, 404, 'ERR_HANDOFF_UNKNOWN_WORKER'],
    ['POST', '/workers/99999/drain', undefined, 404, 'ERR_HANDOFF_UNKNOWN_WORKER'],
    ['POST', '/scale', { workers: 0 }, 400, 'ERR_HANDOFF_BAD_OPTION'],
    ['GET', '/nowhere', undefined, 404, 'ERR_HANDOFF_ADMIN'],
    ['DELETE', '/stats', undefined, 405, 'ERR_HANDOFF_ADMIN'],
  ];
  for (const [method, path, body, status, code] of bad) {
    const reply = await call(admin, method, path, { body });
    t.equal(reply.status, status, `${method} ${path} ${JSON.stringify(body)} → ${status}`);
    t.equal(reply.body.error.code, code);
  }
  const result = await load.stop();
  t.equal(result.failed, 0, 'no client request failed meanwhile');
  t.equal(master.stats().strategy, 'p2c', 'refused input changed nothing');
  const s = master.stats();
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  t.equal(s.accepted, s.delivered + dropped + s.queued + s.inFlight);
});

t.test('POST /scale and /reload', async (t) => {
  const { master, admin } = await started(t);
  const scaled = await call(admin, 'POST', '/scale', { body: { workers: 3 } });
  t.equal(scaled.status, 200);
  t.same(scaled.body, { workers: 3 });
  t.equal(master.stats().ready, 3);
  const before = master.workers().map((w) => w.pid);
  const reloaded = await call(admin, 'POST', '/reload');
  t.equal(reloaded.status, 200);
  t.same(reloaded.body, { ok: true, replaced: 3 });
  t.notOk(master.workers().some((w) => before.includes(w.pid) && w.state === 'ready'), 'every worker is new');
});

t.test('while the master drains, /healthz and /readyz answer 503; then the endpoint closes', async (t) => {
  const { master, port, admin } = await started(t, 1);
  // A kept-alive connection holds the worker's drain open for its idle grace (1 s): the master stays "closing".
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  await getJson(port, '/', { agent });
  const closing = master.close();
  t.equal(master.state, 'closing');
  for (const path of ['/healthz', '/readyz']) {
    const reply = await call(admin, 'GET', path);
    t.equal(reply.status, 503, path);
    t.equal(reply.body.status, 'unavailable');
  }
  await closing;
  await t.rejects(call(admin, 'GET', '/healthz'), { code: 'ECONNREFUSED' }, 'closed with the master');
});

t.test('an admin port in use fails listen() with ERR_HANDOFF_LISTEN before any worker exists', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => blocker.close());
  const taken = (blocker.address() as { port: number }).port;
  const master = await expectStartFailure(t, { workers: 2, adminPort: taken }, {
    code: 'ERR_HANDOFF_LISTEN',
    message: new RegExp(`127\\.0\\.0\\.1:${taken}.*EADDRINUSE`),
  });
  t.same(await master.close(), { forced: 0 });
});

t.test('--drain-delay: unready at once, still serving until the delay is over, then the port closes', async (t) => {
  const { master, port } = await startMaster(t, { workers: 1, app, adminPort: 0, drainDelay: 400 });
  const admin = master.adminAddress()!.port;
  const started = performance.now();
  const closing = master.close();
  t.equal((await call(admin, 'GET', '/readyz')).status, 503);
  t.equal((await call(admin, 'GET', '/healthz')).status, 503);
  for (let i = 0; i < 3; i++) t.ok((await getJson(port)).pid > 0, 'new connections are still served');
  await closing;
  t.ok(performance.now() - started >= 390, 'the port stayed open for the delay');
  await t.rejects(getJson(port), { code: 'ECONNREFUSED' });
});
