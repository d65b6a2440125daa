// Bench records: one JSON line per result, serialized by fast-json-stringify from a schema, so every record of a
// kind has the same fields in the same order and nothing unexpected leaks into the output.
import fastJson from 'fast-json-stringify';

const common = {
  bench: { type: 'string' },
  node: { type: 'string' },
  cores: { type: 'integer' },
};

export const pickRecord = fastJson({
  title: 'strategy-pick record',
  type: 'object',
  properties: {
    ...common,
    strategy: { type: 'string' },
    workers: { type: 'integer' },
    nsPerPick: { type: 'number' },
  },
  required: ['bench', 'strategy', 'workers', 'nsPerPick'],
});

export const loadRecord = fastJson({
  title: 'load record',
  type: 'object',
  properties: {
    ...common,
    contender: { type: 'string' },
    round: { type: 'integer' },
    workers: { type: 'integer' },
    connections: { type: 'integer' },
    durationS: { type: 'number' },
    rps: { type: 'number' },
    p99Ms: { type: 'number' },
    errors: { type: 'string' },
  },
  required: ['bench', 'contender', 'round', 'rps', 'p99Ms'],
});

const figure = { type: ['number', 'null'] };
const serializeRun = fastJson({
  title: 'benchmark run record',
  type: 'object',
  properties: {
    ...common,
    workload: { type: 'string' },
    contender: { type: 'string' },
    round: { type: 'integer' },
    workers: { type: 'integer' },
    connections: { type: 'integer' },
    durationS: { type: 'number' },
    rps: figure,
    p50: figure,
    p99: figure,
    p999: figure,
    errors: { type: 'integer' },
    jain: figure,
    maxOverMean: figure,
    // each worker's share of the requests and of the connections, largest first
    requestSplit: { type: 'array', items: { type: 'number' } },
    connectionSplit: { type: 'array', items: { type: 'number' } },
    // long-lived only: how evenly open connections were spread over the workers, sampled every 100 ms
    spreadJain: figure,
    spreadMaxOverMean: figure,
    spreadWorstMaxOverMean: figure,
    // skewed only: fast requests that waited behind a slow one on their own worker
    blocked: figure,
    cpuUsPerConn: figure,
    rssMiB: figure,
    // set (and the figures null) when the contender did not run: why, in one line
    failed: { type: 'string' },
  },
  required: ['bench', 'workload', 'contender', 'round', 'rps', 'p99'],
});

/** One measured run as a JSON line; figures that do not apply (NaN) are written as null. */
export function runRecord(record) {
  const clean = Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]),
  );
  return serializeRun(clean);
}
