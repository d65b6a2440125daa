import t from 'tap';
import { adminWorker, serializeStats, statsSchema } from '../../src/admin/stats-schema.ts';
import type { MasterStats, WorkerInfo } from '../../src/stats.ts';
import { call, serve } from '../helpers/admin-client.ts';
import { FakeTarget } from '../helpers/fake-target.ts';

// Written out here rather than read from the schema, so a field dropped from the schema fails this test.
const masterFields = {
  state: 'string',
  strategy: 'string',
  uptime: 'number',
  accepted: 'integer',
  dispatched: 'integer',
  delivered: 'integer',
  redispatched: 'integer',
  strategyErrors: 'integer',
  dropped: {
    'queue-full': 'integer',
    'queue-timeout': 'integer',
    closing: 'integer',
    'proxy-invalid': 'integer',
    'proxy-timeout': 'integer',
    'client-closed': 'integer',
  },
  queued: 'integer',
  inFlight: 'integer',
  awaitingHeader: 'integer',
  workers: 'integer',
  ready: 'integer',
  fairness: { jain: 'number', maxOverMean: 'number' },
} as const;

const workerFields = {
  id: 'integer',
  index: 'integer',
  pid: 'integer',
  state: 'string',
  active: 'integer',
  inFlight: 'integer',
  dispatched: 'integer',
  delivered: 'integer',
  startedAt: 'integer',
  restarts: 'integer',
  isResponsive: 'boolean',
  lag: 'number',
  unansweredFor: 'number',
  isStalled: 'boolean',
  latency: 'number',
  weight: 'number',
  effectiveWeight: 'number',
  uptime: 'number',
} as const;

type Shape = string | { readonly [key: string]: Shape };

/** Every field of `shape` is present with the right type, and nothing else is. */
function conforms(value: unknown, shape: Shape, where: string): string[] {
  if (typeof shape === 'string') {
    const ok = shape === 'integer' ? Number.isInteger(value) : shape === 'number' ? Number.isFinite(value) : typeof value === shape;
    return ok ? [] : [`${where}: expected ${shape}, got ${JSON.stringify(value)}`];
  }
  if (typeof value !== 'object' || value === null) return [`${where}: expected an object`];
  const problems = Object.keys(value)
    .filter((key) => !Object.hasOwn(shape, key))
    .map((key) => `${where}.${key}: not in the schema`);
  for (const [key, inner] of Object.entries(shape)) {
    if (!Object.hasOwn(value, key)) problems.push(`${where}.${key}: missing`);
    else problems.push(...conforms((value as Record<string, unknown>)[key], inner, `${where}.${key}`));
  }
  return problems;
}

t.test('GET /stats: the master and every worker with every field, typed as the schema says', async (t) => {
  const { port, target } = await serve(t);
  const before = Date.now();
  const answer = await call(port, 'GET', '/stats');
  t.equal(answer.status, 200);
  t.equal(answer.headers['content-type'], 'application/json');
  t.same(Object.keys(answer.body), ['master', 'workers']);
  t.same(conforms(answer.body.master, masterFields, 'master'), []);
  t.same(answer.body.master, target.stats(), 'the values are the master stats');
  t.equal(answer.body.workers.length, 2);
  for (const [i, worker] of (answer.body.workers as unknown[]).entries()) {
    t.same(conforms(worker, workerFields, `workers[${i}]`), []);
    const info = target.workers()[i]!;
    const { uptime, ...rest } = worker as WorkerInfo & { uptime: number };
    t.same(rest, info, 'the values are the WorkerInfo');
    t.ok(uptime >= (before - info.startedAt) / 1000 && uptime <= (Date.now() - info.startedAt) / 1000, `uptime ${uptime} s`);
  }
});

t.test('the schema lists exactly the fields the test expects', async (t) => {
  const { master, workers } = statsSchema.properties;
  t.same(Object.keys(master.properties), Object.keys(masterFields));
  t.same(master.required, Object.keys(masterFields));
  t.same(Object.keys(workers.items.properties), Object.keys(workerFields));
  t.same(workers.items.required, Object.keys(workerFields));
});

class LeakyTarget extends FakeTarget {
  override stats(): MasterStats {
    return { ...super.stats(), secret: 'master internals', dropped: { ...super.stats().dropped, extra: 1 } } as MasterStats;
  }
  override workers(): WorkerInfo[] {
    return super.workers().map((w) => ({ ...w, child: { pid: 1, env: { TOKEN: 'x' } } }));
  }
}

t.test('fields the schema does not list never leak', async (t) => {
  const { port } = await serve(t, { target: new LeakyTarget() });
  const answer = await call(port, 'GET', '/stats');
  t.equal(answer.status, 200);
  t.notMatch(answer.text, /secret|extra|child|TOKEN/);
  t.same(conforms(answer.body.master, masterFields, 'master'), []);
});

class LossyTarget extends FakeTarget {
  override stats(): MasterStats {
    const { queued: _, ...rest } = super.stats();
    return rest as MasterStats;
  }
}

t.test('a field missing at run time is a 500, not a silently shorter answer', async (t) => {
  const { port } = await serve(t, { target: new LossyTarget() });
  const answer = await call(port, 'GET', '/stats');
  t.equal(answer.status, 500);
  t.same(answer.body, { error: { code: 'ERR_HANDOFF_ADMIN', message: 'internal error in the admin endpoint' } });
});

t.test('serializeStats refuses a value that is not a number where one is required', async (t) => {
  const target = new FakeTarget();
  t.throws(() => serializeStats({ master: { ...target.stats(), uptime: Number.NaN }, workers: [] }));
  t.throws(() => serializeStats({ master: { ...target.stats(), accepted: 'many' as unknown as number }, workers: [] }));
});

t.test('adminWorker adds the uptime in seconds, never negative (a clock step back)', async (t) => {
  const info = new FakeTarget().workers()[0]!;
  t.equal(adminWorker(info, info.startedAt + 2500).uptime, 2.5);
  t.equal(adminWorker(info, info.startedAt - 1000).uptime, 0);
  t.equal(adminWorker(info, info.startedAt).id, info.id);
});
