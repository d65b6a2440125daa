#!/usr/bin/env node
// Chooses the default --max-inflight by measurement: new-connection-per-request load (wrk, Connection: close)
// against handoff with several --max-inflight values and node:cluster round-robin as the baseline, alternated in
// rounds (these machines are noisy), medians reported as ratios to the baseline measured in the same run.
// Usage: node bench/max-inflight.mjs [--values 1,2,4] [--workers 2] [--connections 50] [--duration 5] [--rounds 3]
//        [--json]   (also one record per result on stdout, see records.mjs)
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadRecord } from './records.mjs';

const { values } = parseArgs({
  options: {
    values: { type: 'string', default: '1,2,4' },
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const master = fileURLToPath(new URL('../dist/master.js', import.meta.url));
const clusterBaseline = fileURLToPath(new URL('./servers/cluster.mjs', import.meta.url));

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.error('max-inflight: wrk is not installed (apt-get install wrk)');
    process.exit(1);
  }
}

const contenders = [
  { name: 'node:cluster rr', args: [clusterBaseline, '--workers', values.workers] },
  ...values.values.split(',').map((n) => ({
    name: `handoff max-inflight ${n}`,
    args: [master, '--workers', values.workers, '--strategy', 'least-conn', '--max-inflight', n, '--log-level', 'warn'],
  })),
];

async function start(contender, port) {
  const child = spawn(process.execPath, [...contender.args, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Neither prints when ready at this log level: probe the port until it answers.
  for (let i = 0; i < 200; i++) {
    try {
      execFileSync('wrk', ['-t1', '-c1', '-d1s', `http://127.0.0.1:${port}/`], { stdio: 'ignore', timeout: 3000 });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${contender.name} did not start`);
}

function wrk(port) {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${values.connections}`, `-d${values.duration}s`, '--latency', '-H', 'Connection: close', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p99ms = Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]];
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? 'none';
  return { rps, p99ms, errors };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = new Map(contenders.map((c) => [c.name, []]));
let port = 18100;
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const contender of contenders) {
    const child = await start(contender, ++port);
    const r = wrk(port);
    results.get(contender.name).push(r);
    if (values.json) {
      console.log(
        loadRecord({
          bench: 'max-inflight',
          node: process.version,
          cores: availableParallelism(),
          contender: contender.name,
          round,
          workers: Number(values.workers),
          connections: Number(values.connections),
          durationS: Number(values.duration),
          rps: r.rps,
          p99Ms: r.p99ms,
          errors: r.errors,
        }),
      );
    }
    console.error(`round ${round} ${contender.name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99ms.toFixed(2)} ms, errors ${r.errors}`);
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}
const base = median(results.get(contenders[0].name).map((r) => r.rps));
console.log(`\nworkers ${values.workers}, wrk -t1 -c${values.connections} -d${values.duration}s, Connection: close, ${values.rounds} rounds, medians`);
console.log('contender                   req/s   ratio   p99 ms');
for (const c of contenders) {
  const rs = results.get(c.name);
  const rps = median(rs.map((r) => r.rps));
  console.log(`${c.name.padEnd(26)} ${rps.toFixed(0).padStart(6)}  ${(rps / base).toFixed(2).padStart(6)}  ${median(rs.map((r) => r.p99ms)).toFixed(2).padStart(7)}`);
}
