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
