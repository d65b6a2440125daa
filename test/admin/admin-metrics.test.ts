/// <reference path="../helpers/parse-prometheus-text-format.d.ts" />
import parsePrometheusTextFormat, { type MetricFamily, type Sample } from 'parse-prometheus-text-format';
import t from 'tap';
import { AdminMetrics } from '../../src/admin/admin-metrics.ts';
import { call, serve } from '../helpers/admin-client.ts';
import { FakeTarget } from '../helpers/fake-target.ts';

// Written out here rather than read from the definitions, so a renamed or retyped metric fails this test.
const expectedFamilies = {
  handoff_connections_accepted_total: 'COUNTER',
  handoff_connections_dispatched_total: 'COUNTER',
  handoff_connections_delivered_total: 'COUNTER',
  handoff_connections_redispatched_total: 'COUNTER',
  handoff_connections_dropped_total: 'COUNTER',
  handoff_strategy_errors_total: 'COUNTER',
  handoff_queue_length: 'GAUGE',
  handoff_connections_in_flight: 'GAUGE',
  handoff_connections_awaiting_header: 'GAUGE',
  handoff_workers: 'GAUGE',
  handoff_workers_ready: 'GAUGE',
  handoff_fairness_jain_index: 'GAUGE',
  handoff_fairness_max_over_mean_ratio: 'GAUGE',
  handoff_master_uptime_seconds: 'GAUGE',
  handoff_master_state: 'GAUGE',
  handoff_strategy_info: 'GAUGE',
  handoff_worker_connections_dispatched_total: 'COUNTER',
  handoff_worker_connections_delivered_total: 'COUNTER',
  handoff_worker_restarts_total: 'COUNTER',
  handoff_worker_active_connections: 'GAUGE',
  handoff_worker_connections_in_flight: 'GAUGE',
  handoff_worker_weight: 'GAUGE',
  handoff_worker_effective_weight: 'GAUGE',
  handoff_worker_responsive: 'GAUGE',
  handoff_worker_lag_seconds: 'GAUGE',
  handoff_worker_ack_latency_seconds: 'GAUGE',
  handoff_worker_start_time_seconds: 'GAUGE',
  handoff_worker_uptime_seconds: 'GAUGE',
  handoff_worker_info: 'GAUGE',
} as const;

type Scrape = Map<string, MetricFamily>;

async function scrape(port: number): Promise<Scrape> {
  const answer = await call(port, 'GET', '/metrics');
  if (answer.status !== 200) throw new Error(`GET /metrics: ${answer.status} ${answer.text}`);
  return new Map(parsePrometheusTextFormat(answer.text).map((family) => [family.name, family]));
}

function family(metrics: Scrape, name: string): MetricFamily {
  const found = metrics.get(name);
  if (found === undefined) throw new Error(`no metric ${name}`);
  return found;
}

/** The value of the one sample whose labels include `labels`. */
function value(metrics: Scrape, name: string, labels: Record<string, string> = {}): number {
  const matching = family(metrics, name).metrics.filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels?.[k] === v),
  );
  if (matching.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${matching.length} samples`);
  return Number(matching[0]!.value);
}

function workerIds(metrics: Scrape): Set<string> {
  const ids = new Set<string>();
  for (const f of metrics.values()) for (const s of f.metrics) if (s.labels?.worker !== undefined) ids.add(s.labels.worker);
  return ids;
}

/** Every number a sample carries, with where it comes from. */
function numbers(f: MetricFamily, s: Sample): [string, string][] {
  const where = `${f.name}${JSON.stringify(s.labels ?? {})}`;
  const out: [string, string][] = [];
  if (s.value !== undefined) out.push([where, s.value]);
  for (const [le, count] of Object.entries(s.buckets ?? {})) out.push([`${where} le=${le}`, count]);
  for (const [q, v] of Object.entries(s.quantiles ?? {})) out.push([`${where} quantile=${q}`, v]);
  if (s.count !== undefined) out.push([`${where} count`, s.count]);
  if (s.sum !== undefined) out.push([`${where} sum`, s.sum]);
  return out;
}

t.test('GET /metrics is Prometheus text exposition a real parser reads', async (t) => {
  const { port } = await serve(t);
  const answer = await call(port, 'GET', '/metrics');
  t.equal(answer.status, 200);
  t.equal(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  const families = parsePrometheusTextFormat(answer.text);
  t.ok(families.length > Object.keys(expectedFamilies).length, `${families.length} families`);

  for (const f of families) {
    t.ok(f.help.length > 0, `${f.name} has help`);
    t.equal(f.name.endsWith('_total'), f.type === 'COUNTER', `${f.name}: _total exactly when TYPE counter (${f.type})`);
    for (const s of f.metrics) {
      for (const [where, text] of numbers(f, s)) {
        // The event-loop delay histogram has no sample yet right after it started: NaN is its honest answer
        // (prom-client writes it "Nan", which Prometheus reads: it parses floats ignoring case).
        const isLegit = Number.isFinite(Number(text)) || (/^nan$/i.test(text) && f.name.startsWith('nodejs_eventloop_lag'));
        t.ok(text.trim() !== '' && isLegit, `${where} = ${text}`);
      }
    }
  }

  const byName = new Map(families.map((f) => [f.name, f]));
  for (const [name, type] of Object.entries(expectedFamilies)) t.equal(byName.get(name)?.type, type, name);
  t.same(
    families.filter((f) => f.name.startsWith('handoff_')).map((f) => f.name).sort(),
    Object.keys(expectedFamilies).sort(),
    'no handoff_ metric the test does not know',
  );
  // The master's own process, under the standard names.
  t.equal(byName.get('process_cpu_seconds_total')?.type, 'COUNTER');
  t.ok(Number(byName.get('process_resident_memory_bytes')?.metrics[0]?.value) > 0, 'RSS');
  t.equal(byName.get('nodejs_eventloop_lag_seconds')?.type, 'GAUGE');
});

t.test('the values are the master stats, in base units', async (t) => {
  const { port, target } = await serve(t);
  const m = await scrape(port);
  const w1 = target.worker(1);
  const expected: [string, Record<string, string>, number][] = [
    ['handoff_connections_accepted_total', {}, 10],
    ['handoff_connections_dispatched_total', {}, 12],
    ['handoff_connections_delivered_total', {}, 11],
    ['handoff_connections_redispatched_total', {}, 1],
    ['handoff_strategy_errors_total', {}, 0],
    ['handoff_connections_dropped_total', { reason: 'queue-full' }, 3],
    ['handoff_connections_dropped_total', { reason: 'queue-timeout' }, 1],
    ['handoff_connections_dropped_total', { reason: 'closing' }, 0],
    ['handoff_queue_length', {}, 2],
    ['handoff_connections_in_flight', {}, 1],
    ['handoff_connections_awaiting_header', {}, 0],
    ['handoff_connections_dropped_total', { reason: 'proxy-invalid' }, 0],
    ['handoff_workers', {}, 2],
    ['handoff_workers_ready', {}, 2],
    ['handoff_fairness_jain_index', {}, 0.9],
    ['handoff_fairness_max_over_mean_ratio', {}, 1.5],
    ['handoff_master_uptime_seconds', {}, 12.5],
    ['handoff_master_state', { state: 'running' }, 1],
    ['handoff_master_state', { state: 'closing' }, 0],
    ['handoff_master_state', { state: 'idle' }, 0],
    ['handoff_strategy_info', { strategy: 'round-robin' }, 1],
    ['handoff_worker_connections_dispatched_total', { worker: '2', index: '2' }, 10],
    ['handoff_worker_connections_delivered_total', { worker: '1', index: '1' }, 5],
    ['handoff_worker_restarts_total', { index: '1' }, 0],
    ['handoff_worker_active_connections', { worker: '2', index: '2' }, 2],
    ['handoff_worker_connections_in_flight', { worker: '1' }, 0],
    ['handoff_worker_weight', { worker: '1' }, 1],
    ['handoff_worker_effective_weight', { worker: '1' }, 0.5],
    ['handoff_worker_responsive', { worker: '1' }, 1],
    ['handoff_worker_lag_seconds', { worker: '1' }, 0.0015],
    ['handoff_worker_ack_latency_seconds', { worker: '1' }, 0.00025],
    ['handoff_worker_start_time_seconds', { worker: '1' }, w1.startedAt / 1000],
    ['handoff_worker_info', { worker: '1', index: '1', pid: '1001', state: 'ready' }, 1],
  ];
  for (const [name, labels, want] of expected) t.equal(value(m, name, labels), want, `${name} ${JSON.stringify(labels)}`);
  t.equal(family(m, 'handoff_master_state').metrics.length, 5, 'every state has a sample');
  const uptime = value(m, 'handoff_worker_uptime_seconds', { worker: '1' });
  t.ok(uptime >= 1.5 && uptime < 60, `worker uptime ${uptime} s`);
});

t.test('counters are the absolute totals at each scrape, not sums of scrapes', async (t) => {
  const { port, target } = await serve(t);
  t.equal(value(await scrape(port), 'handoff_connections_accepted_total'), 10);
  target.counters.accepted = 15;
  target.dropped['queue-full'] = 4;
  const m = await scrape(port);
  t.equal(value(m, 'handoff_connections_accepted_total'), 15);
  t.equal(value(m, 'handoff_connections_dropped_total', { reason: 'queue-full' }), 4);
  t.equal(value(m, 'handoff_worker_connections_dispatched_total', { worker: '1' }), 5);
});

t.test('workers that are gone leave no label sets behind; new ones appear', async (t) => {
  const { port, target } = await serve(t);
  t.same([...workerIds(await scrape(port))].sort(), ['1', '2']);
  target.remove(2);
  let m = await scrape(port);
  t.same([...workerIds(m)], ['1'], 'worker 2 is gone from every per-worker metric');
  t.same(family(m, 'handoff_worker_restarts_total').metrics.map((s) => s.labels?.index), ['1'], 'and its slot');
  t.equal(value(m, 'handoff_workers'), 1);
  await call(port, 'POST', '/scale', { body: { workers: 3 } });
  m = await scrape(port);
  t.same([...workerIds(m)].sort(), ['1', '3', '4']);
  t.equal(value(m, 'handoff_worker_active_connections', { worker: '4', index: '3' }), 3);
});

t.test('the strategy and state label sets follow the master', async (t) => {
  const { port, target } = await serve(t);
  await call(port, 'POST', '/strategy', { body: { strategy: 'least-connections' } });
  target.state = 'closing';
  const m = await scrape(port);
  t.same(family(m, 'handoff_strategy_info').metrics, [{ value: '1', labels: { strategy: 'least-connections' } }]);
  t.equal(value(m, 'handoff_master_state', { state: 'closing' }), 1);
  t.equal(value(m, 'handoff_master_state', { state: 'running' }), 0);
});

t.test('lag and latency are left out until measured; restarts count once per slot', async (t) => {
  const { port, target } = await serve(t);
  target.worker(1).lag = -1;
  target.worker(1).latency = 0;
  target.worker(1).isResponsive = false;
  target.worker(2).restarts = 2;
  // A reload in progress: slot 2's replacement starts beside the draining worker, carrying the slot's count.
  target.worker(2).state = 'draining';
  target.fork(2, 2);
  const m = await scrape(port);
  t.same(family(m, 'handoff_worker_lag_seconds').metrics.map((s) => s.labels?.worker).sort(), ['2', '3']);
  t.same(family(m, 'handoff_worker_ack_latency_seconds').metrics.map((s) => s.labels?.worker).sort(), ['2', '3']);
  t.equal(value(m, 'handoff_worker_responsive', { worker: '1' }), 0);
  t.same(family(m, 'handoff_worker_restarts_total').metrics, [
    { value: '0', labels: { index: '1' } },
    { value: '2', labels: { index: '2' } },
  ]);
  t.equal(value(m, 'handoff_worker_info', { worker: '2' }), 1);
  t.equal(family(m, 'handoff_worker_info').metrics.find((s) => s.labels?.worker === '2')?.labels?.state, 'draining');
});

t.test('two admin servers in one process share the process metrics without clashing', async (t) => {
  const a = await serve(t);
  const b = await serve(t, { target: new FakeTarget(3) });
  const [ma, mb] = await Promise.all([scrape(a.port), scrape(b.port)]);
  t.equal(value(ma, 'handoff_workers'), 2);
  t.equal(value(mb, 'handoff_workers'), 3);
  t.ok(ma.has('process_cpu_seconds_total') && mb.has('process_cpu_seconds_total'));
});

t.test('overlapping scrapes each see the snapshot taken when they started', async (t) => {
  const target = new FakeTarget();
  const metrics = new AdminMetrics(target);
  const first = metrics.render();
  // The master changes while the first scrape is still being written.
  target.remove(2);
  target.counters.accepted = 99;
  const second = metrics.render();
  const parse = async (text: Promise<string>) =>
    new Map(parsePrometheusTextFormat(await text).map((f) => [f.name, f] as const));
  const [before, after] = await Promise.all([parse(first), parse(second)]);
  t.equal(value(before, 'handoff_connections_accepted_total'), 10);
  t.same([...workerIds(before)].sort(), ['1', '2']);
  t.equal(value(after, 'handoff_connections_accepted_total'), 99);
  t.same([...workerIds(after)], ['1']);
});
