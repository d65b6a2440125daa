// Turns benchmark summaries into a terminal table, a Markdown report and an SVG chart.
// A summary: { workload, contender, rps, p50, p99, p999, errors, jain, maxOverMean, requestSplit, connectionSplit,
// spreadJain, spreadMaxOverMean, spreadWorstMaxOverMean, cpuUsPerConn, rssMiB, ratio } where `ratio` holds the
// figures divided by the baseline's (cluster-rr) from the same run (the splits are per worker: no ratio). The spread figures (open connections per worker over time) exist only
// for the long-lived workload; their columns and bar are shown only for workloads that have them. So does `blocked`
// (fast requests that waited behind a slow one on their own worker), measured only with slow requests (skewed).

const columns = [
  ['contender', (s) => s.contender],
  ['req/s', (s) => fixed(s.rps, 0)],
  ['×base', (s) => fixed(s.ratio.rps, 2)],
  ['p50 ms', (s) => fixed(s.p50, 2)],
  ['p99 ms', (s) => fixed(s.p99, 2)],
  ['p99 ×base', (s) => fixed(s.ratio.p99, 2)],
  ['p99.9 ms', (s) => fixed(s.p999, 2)],
  ['errors', (s) => String(s.errors)],
  ['Jain', (s) => fixed(s.jain, 3)],
  ['max/mean', (s) => fixed(s.maxOverMean, 2)],
  ['req split %', (s) => split(s.requestSplit)],
  ['conn split %', (s) => split(s.connectionSplit)],
  ['bal. µs/conn', (s) => fixed(s.cpuUsPerConn, 1)],
  ['bal. RSS MiB', (s) => fixed(s.rssMiB, 1)],
];

// Jain is given to 4 places here: spreads of a few connections in 200 differ in the third.
const spreadColumns = [
  ['conn Jain', (s) => fixed(s.spreadJain, 4)],
  ['×base', (s) => fixed(s.ratio.spreadJain, 3)],
  ['conn max/mean', (s) => fixed(s.spreadMaxOverMean, 3)],
  ['×base', (s) => fixed(s.ratio.spreadMaxOverMean, 2)],
  ['worst max/mean', (s) => fixed(s.spreadWorstMaxOverMean, 2)],
  ['×base', (s) => fixed(s.ratio.spreadWorstMaxOverMean, 2)],
];

const blockedColumns = [
  ['blocked', (s) => fixed(s.blocked, 0)],
  ['×base', (s) => fixed(s.ratio.blocked, 2)],
];

const hasSpread = (rows) => rows.some((r) => Number.isFinite(r.spreadJain));
const hasBlocked = (rows) => rows.some((r) => Number.isFinite(r.blocked));

/**
 * The columns for one workload's rows: `blocked` after the latencies and the spread ones after the served-requests
 * fairness, where measured.
 */
function columnsFor(rows) {
  const insert = (list, afterHeader, extra) => {
    const after = list.findIndex(([h]) => h === afterHeader) + 1;
    return [...list.slice(0, after), ...extra, ...list.slice(after)];
  };
  let chosen = columns;
  if (hasBlocked(rows)) chosen = insert(chosen, 'p99.9 ms', blockedColumns);
  if (hasSpread(rows)) chosen = insert(chosen, 'conn split %', spreadColumns);
  return chosen;
}

/** Per-worker shares as whole percentages, largest first: 51/49. */
function split(shares) {
  return shares === undefined || shares.length === 0 ? '–' : shares.map((s) => Math.round(s * 100)).join('/');
}

function fixed(value, digits) {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

function byWorkload(summaries) {
  const groups = new Map();
  for (const s of summaries) groups.set(s.workload, [...(groups.get(s.workload) ?? []), s]);
  return groups;
}

/** A fixed-width table per workload, for the terminal. */
export function table(summaries) {
  const out = [];
  for (const [workload, rows] of byWorkload(summaries)) {
    const columns = columnsFor(rows);
    const cells = [columns.map(([h]) => h), ...rows.map((r) => columns.map(([, f]) => f(r)))];
    const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
    out.push(`\n${workload}`);
    for (const row of cells) out.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  }
  return out.join('\n');
}

/** The same tables in Markdown, with what was run and on what. */
export function markdown(summaries, meta) {
  const lines = [
    '# handoff benchmark',
    '',
    `${meta.date} · Node ${meta.node} · ${meta.cores} cores · ${meta.workers} workers · ${meta.connections} connections · ${meta.duration} s × ${meta.rounds} rounds (medians) · ratios to ${meta.baseline} in the same run`,
    '',
    'bal. = the balancing process (handoff master, cluster primary); µs/conn = its CPU per connection. req split, conn split: each worker\'s share of the requests and of the connections, largest first (medians over the rounds, position by position).',
  ];
  if (hasBlocked(summaries)) {
    lines.push(
      '',
      'blocked: fast requests that waited behind a slow one on their own worker (started while it ran there, finished after it): the part of the tail the balancer makes.',
    );
  }
  if (hasSpread(summaries)) {
    lines.push(
      '',
      'conn Jain, conn max/mean: how evenly the open connections were spread over the workers, sampled every 100 ms (means over the samples); worst max/mean: the most uneven sample.',
    );
  }
  for (const [workload, rows] of byWorkload(summaries)) {
    const columns = columnsFor(rows);
    lines.push('', `## ${workload}`, '', `| ${columns.map(([h]) => h).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
    for (const r of rows) lines.push(`| ${columns.map(([, f]) => f(r)).join(' | ')} |`);
  }
  if (meta.failed?.length > 0) {
    lines.push('', '## Did not run', '');
    for (const { contender, why } of meta.failed) lines.push(`- ${contender}: ${why}`);
  }
  return `${lines.join('\n')}\n`;
}

const palette = { rps: '#3b6fb6', p99: '#e0802c', spreadMaxOverMean: '#4f9a4f' };

/**
 * Throughput and p99 as ratios to the baseline, one panel per workload: a 1.0 line marks the baseline. Workloads
 * with a spread of open connections get a third bar, its mean max/mean.
 */
export function svg(summaries, meta) {
  const groups = [...byWorkload(summaries)];
  const width = 760;
  const left = 150;
  const plot = width - left - 30;
  const bar = 11;
  const max = Math.max(
    2,
    ...summaries.flatMap((s) => [s.ratio.rps, s.ratio.p99, s.ratio.spreadMaxOverMean].filter((v) => Number.isFinite(v))),
  );
  const x = (v) => left + (Math.min(v, max) / max) * plot;
  const parts = [];
  // The third bar's legend gets a line of its own: the first is full.
  const legend = hasSpread(summaries)
    ? '\n<text x="10" y="34" font-size="13">open connections max/mean over the workers (green, lower is better)</text>'
    : '';
  let y = legend === '' ? 40 : 56;
  for (const [workload, rows] of groups) {
    parts.push(`<text x="10" y="${y}" class="title">${escape(workload)}</text>`);
    y += 10;
    const top = y;
    const keys = hasSpread(rows) ? ['rps', 'p99', 'spreadMaxOverMean'] : ['rps', 'p99'];
    const rowHeight = keys.length * bar + 8;
    for (const r of rows) {
      parts.push(`<text x="${left - 8}" y="${y + bar + 3}" class="label" text-anchor="end">${escape(r.contender)}</text>`);
      for (const [i, key] of keys.entries()) {
        const v = r.ratio[key];
        if (!Number.isFinite(v)) continue;
        const by = y + i * bar;
        parts.push(`<rect x="${left}" y="${by}" width="${(x(v) - left).toFixed(1)}" height="${bar - 1}" fill="${palette[key]}"/>`);
        parts.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${by + bar - 2}" class="value">${v.toFixed(2)}</text>`);
      }
      y += rowHeight;
    }
    parts.push(`<line x1="${x(1).toFixed(1)}" y1="${top - 4}" x2="${x(1).toFixed(1)}" y2="${y - 4}" class="base"/>`);
    y += 24;
  }
  const height = y + 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<style>.title{font-size:14px;font-weight:bold}.label{font-size:12px}.value{font-size:10px;fill:#333}.base{stroke:#000;stroke-dasharray:3 3}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="18" font-size="13">${escape(`handoff vs ${meta.baseline} (= 1.0, dashed): throughput (blue, higher is better), p99 latency (orange, lower is better)`)}</text>${legend}
${parts.join('\n')}
<text x="10" y="${height - 6}" font-size="10" fill="#555">${escape(`Node ${meta.node}, ${meta.cores} cores, ${meta.workers} workers, ${meta.connections} connections, ${meta.duration} s × ${meta.rounds} rounds, medians`)}</text>
</svg>
`;
}

function escape(text) {
  return String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}
