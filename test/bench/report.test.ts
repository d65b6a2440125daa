import t from 'tap';
import { runRecord } from '../../bench/records.mjs';
import { markdown, svg, table } from '../../bench/report.mjs';

const row = (contender: string, rps: number, p99: number) => ({
  workload: 'close',
  contender,
  rps,
  p50: 1,
  p99,
  p999: p99 * 2,
  errors: 0,
  jain: 1,
  maxOverMean: 1,
  cpuUsPerConn: Number.NaN,
  rssMiB: 50,
  ratio: { rps: rps / 1000, p99: p99 / 10, jain: 1 },
});
const summaries = [row('cluster-rr', 1000, 10), row('least-connections', 1300, 8)];
const meta = { date: 'd', node: 'v20', cores: 2, workers: 2, connections: 50, duration: 10, rounds: 3, baseline: 'cluster-rr' };

t.test('the table has a row per contender and shows ratios; NaN is a dash', async (t) => {
  const text = table(summaries);
  t.match(text, /^close$/m);
  t.match(text, /least-connections\s+1300\s+1\.30/);
  t.match(text, /–/);
});

t.test('markdown is a table per workload with the run described', async (t) => {
  const md = markdown(summaries, meta);
  t.match(md, /^## close$/m);
  t.match(md, /\| least-connections \| 1300 \| 1\.30 \|/);
  t.match(md, /ratios to cluster-rr in the same run/);
});

t.test('the chart is one SVG with a bar per figure and the baseline line', async (t) => {
  const chart = svg(summaries, meta);
  t.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.equal((chart.match(/<rect x="150"/g) ?? []).length, 4, 'throughput and p99 bars for two contenders');
  t.match(chart, /class="base"/);
  t.match(chart, />1\.30</);
  t.notMatch(chart, /NaN/);
});

t.test('run records are single JSON lines; NaN figures become null', async (t) => {
  const line = runRecord({ bench: 'handoff', workload: 'close', contender: 'single', round: 1, rps: 5, p99: 1, errors: 0, cpuUsPerConn: Number.NaN });
  t.same(JSON.parse(line), { bench: 'handoff', workload: 'close', contender: 'single', round: 1, rps: 5, p99: 1, errors: 0, cpuUsPerConn: null });
  t.notMatch(line, /\n/);
});

const spreadRow = (contender: string, spreadMaxOverMean: number) => ({
  ...row(contender, 2000, 2),
  workload: 'long-lived',
  spreadJain: 0.99,
  spreadMaxOverMean,
  spreadWorstMaxOverMean: spreadMaxOverMean + 0.1,
  ratio: { rps: 1, p99: 1, spreadJain: 1.005, spreadMaxOverMean: spreadMaxOverMean / 1.08, spreadWorstMaxOverMean: 0.9 },
});
const withSpread = [...summaries, spreadRow('cluster-rr', 1.08), spreadRow('least-connections', 1.01)];

t.test('spread columns appear only for workloads that measured them', async (t) => {
  const [close, longLived] = table(withSpread).split('\nlong-lived\n');
  t.notMatch(close, /conn Jain/);
  t.match(longLived, /conn Jain\s+×base\s+conn max\/mean\s+×base\s+worst max\/mean\s+×base/);
  t.match(longLived, /least-connections .* 0\.9900\s+1\.005\s+1\.010\s+0\.94\s+1\.11\s+0\.90/);
  const md = markdown(withSpread, meta);
  t.match(md, /^## long-lived$/m);
  t.match(md, /\| conn Jain \| ×base \| conn max\/mean \|/);
  t.match(md, /how evenly the open connections were spread/);
  t.notMatch(markdown(summaries, meta), /conn Jain|open connections/, 'no spread, no spread columns or note');
});

t.test('the chart adds a connections max/mean bar where there is a spread', async (t) => {
  const chart = svg(withSpread, meta);
  t.equal((chart.match(/<rect x="150"/g) ?? []).length, 4 + 6, 'three bars for each long-lived contender');
  t.equal((chart.match(/fill="#4f9a4f"/g) ?? []).length, 2);
  t.match(chart, /open connections max\/mean over the workers/);
  t.notMatch(svg(summaries, meta), /open connections/);
});

t.test('markdown lists the contenders that did not run, and why', async (t) => {
  const md = markdown(summaries, { ...meta, failed: [{ contender: 'p2c', why: 'did not start: unknown strategy "p2c"' }] });
  t.match(md, /^## Did not run\n\n- p2c: did not start: unknown strategy "p2c"$/m);
  t.notMatch(markdown(summaries, { ...meta, failed: [] }), /Did not run/);
});

t.test('run records carry the spread figures and why a contender failed', async (t) => {
  const line = runRecord({ bench: 'handoff', workload: 'long-lived', contender: 'p2c', round: 1, rps: 2000, p99: 1, spreadJain: 0.99, spreadMaxOverMean: 1.05, spreadWorstMaxOverMean: 1.2 });
  t.same(JSON.parse(line), { bench: 'handoff', workload: 'long-lived', contender: 'p2c', round: 1, rps: 2000, p99: 1, spreadJain: 0.99, spreadMaxOverMean: 1.05, spreadWorstMaxOverMean: 1.2 });
  const failed = JSON.parse(runRecord({ bench: 'handoff', workload: 'close', contender: 'p2c', round: 1, rps: null, p99: null, failed: 'did not start' }));
  t.equal(failed.failed, 'did not start');
  t.equal(failed.rps, null);
});

t.test('a blocked column (with its ratio) appears only for workloads that measured it', async (t) => {
  const skewed = (contender: string, blocked: number) => ({
    ...row(contender, 500, 8),
    workload: 'skewed',
    blocked,
    ratio: { rps: 1, p99: 1, blocked: blocked / 19 },
  });
  const rows = [...summaries, skewed('cluster-rr', 19), skewed('least-connections', 4)];
  const [close, skewedTable] = table(rows).split('\nskewed\n');
  t.notMatch(close, /blocked/);
  t.match(skewedTable, /p99\.9 ms\s+blocked\s+×base\s+errors/);
  t.match(skewedTable, /least-connections .* 4\s+0\.21\s+0/);
  const md = markdown(rows, meta);
  t.match(md, /\| p99\.9 ms \| blocked \| ×base \| errors \|/);
  t.match(md, /waited behind a slow one on their own worker/);
  t.notMatch(markdown(summaries, meta), /blocked/, 'not measured, no column or note');
});
