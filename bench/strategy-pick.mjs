#!/usr/bin/env node
// Strategy micro-benchmark: nanoseconds per pick() for every registered strategy over 2…128 workers.
// Usage: node bench/strategy-pick.mjs [--picks N] [--json]   (--json: one record per line, see records.mjs)
// Worker views are plain objects with the same fields the master passes; a quarter of them are busy, so
// strategies that skip workers pay for it. Loads, latencies and weights vary, and each strategy is told of the pool
// through added() as the master does. Connections cycle through 1024 client addresses, so ip-hash hashes a new key
// and lands on a new ring point each pick rather than replaying one cached path.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createStrategy, registry, seededRandom } from '../dist/index.js';
import { pickRecord } from './records.mjs';

const { values } = parseArgs({
  options: { picks: { type: 'string', default: '2000000' }, json: { type: 'boolean', default: false } },
});
const picks = Number(values.picks);
const sizes = [2, 4, 8, 16, 32, 64, 128];
const addressRand = seededRandom(99);
const octet = () => Math.floor(addressRand() * 256);
const conns = Array.from({ length: 1024 }, (_, i) => ({
  remoteAddress: `${10 + (i % 200)}.${octet()}.${octet()}.${octet()}`,
  remotePort: 40000 + i,
  remoteFamily: 'IPv4',
  localPort: 8000,
}));

function pool(n) {
  const rand = seededRandom(n);
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    index: i + 1,
    pid: 1000 + i,
    active: Math.floor(rand() * 50),
    inFlight: Math.floor(rand() * 3),
    weight: i % 5 === 4 ? 0.5 : 1,
    lag: 1,
    latency: 0.2 + rand() * 2,
    heardAt: rand() * 1000,
    // One in seven inside a long task (its ping unanswered), which least-connections, p2c and least-latency weigh.
    unansweredFor: i % 7 === 6 ? 5 : 0,
    stalled: i % 7 === 6,
    canTake: i % 4 !== 3,
  }));
}

function measure(name, workers) {
  const strategy = createStrategy(name, { random: seededRandom(1) });
  for (const worker of workers) strategy.added?.(worker);
  let sink = 0;
  // Warm up so the JIT has settled before timing.
  for (let i = 0; i < 200_000; i++) sink += strategy.pick(workers, conns[i & 1023])?.id ?? 0;
  const start = performance.now();
  for (let i = 0; i < picks; i++) sink += strategy.pick(workers, conns[i & 1023])?.id ?? 0;
  const ns = ((performance.now() - start) * 1e6) / picks;
  if (sink === -1) console.log(sink); // keep the loop observable
  return ns;
}

const results = [];
for (const { name } of registry) for (const n of sizes) results.push({ strategy: name, workers: n, nsPerPick: measure(name, pool(n)) });

if (values.json) {
  const env = { bench: 'strategy-pick', node: process.version, cores: availableParallelism() };
  for (const r of results) console.log(pickRecord({ ...env, ...r }));
} else {
  const header = ['strategy', ...sizes.map((n) => `${n} w`)];
  const rows = registry.map(({ name }) => [
    name,
    ...sizes.map((n) => results.find((r) => r.strategy === name && r.workers === n).nsPerPick.toFixed(1)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`ns per pick() (${picks} picks each, node ${process.version})`);
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
