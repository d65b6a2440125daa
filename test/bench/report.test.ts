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
