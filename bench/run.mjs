#!/usr/bin/env node
// npm run bench: every contender (handoff's strategies, node:cluster RR and SCHED_NONE, a single process) serving
// the same app under each workload, alternated in rounds (A B C A B C …) on this noisy 2-core machine; medians and
// ratios to node:cluster round-robin from the same run. Writes records.jsonl, report.md and chart.svg to a results
// folder and prints the tables. Traffic stays on 127.0.0.1; every process it starts is stopped by pid.
//
// Usage: node bench/run.mjs [--quick] [--workloads close,keepalive,skewed,slow-worker]
//          [--contenders least-connections,round-robin,random,cluster-rr,cluster-none,single]
//          [--workers 2] [--connections 50] [--duration 10] [--rounds 3] [--out bench/results]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jain, maxOverMean, median, sharesOf } from './metrics.mjs';
import { cpuSeconds, rssMiB } from './procfs.mjs';
import { runRecord } from './records.mjs';
import { markdown, svg, table } from './report.mjs';
import { baseline, contenders, paths, presets, workloads } from './setup.mjs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string', default: Object.keys(workloads).join(',') },
    contenders: { type: 'string', default: Object.keys(contenders).join(',') },
    workers: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const preset = values.quick ? presets.quick : presets.default;
const options = {
  workers: Number(values.workers ?? preset.workers),
  connections: Number(values.connections ?? preset.connections),
  duration: Number(values.duration ?? preset.duration),
  rounds: Number(values.rounds ?? preset.rounds),
  warmup: preset.warmup,
};
const chosenWorkloads = pick(values.workloads, workloads, 'workload');
const chosenContenders = pick(values.contenders, contenders, 'contender');
if (!chosenContenders.includes(baseline)) chosenContenders.unshift(baseline); // ratios need it

function pick(list, known, what) {
  const names = list.split(',').filter(Boolean);
  for (const name of names) {
    if (!Object.hasOwn(known, name)) {
      console.error(`bench: unknown ${what} "${name}"; valid: ${Object.keys(known).join(', ')}`);
      process.exit(2);
    }
  }
  return names;
}

const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

let nextPort = 20_000 + (process.pid % 5000);

/** Starts a contender on a fresh port and waits until it answers HTTP; a port someone else holds means another try. */
async function startServer(name, env) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(name, env);
    } catch (err) {
      if (attempt === 3) throw err;
      process.stderr.write(`(${err.message}; trying another port) `);
    }
  }
}

async function startServerOnce(name, env) {
  const port = nextPort++;
  const child = spawn(process.execPath, [...contenders[name].args(options), '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  const deadline = Date.now() + 15_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      children.delete(child);
      throw new Error(`${name} did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, port };
}

function answers(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let ok = false;
    socket.on('data', (d) => (ok ||= d.toString('latin1').startsWith('HTTP/1.1 200')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(ok));
  });
}

async function stopServer({ child }) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await once(child, 'exit');
    clearTimeout(timer);
  }
  children.delete(child);
}

/** Runs a load client process and returns what it printed (one JSON line). */
async function load(workload, port, duration) {
  const w = workloads[workload];
  const client = w.client === 'close' ? paths.closeClient : paths.keepaliveClient;
  // An open-loop workload sets its own cap on open connections.
  const connections = w.connections ?? options.connections;
  const args = [client, '--port', String(port), '--connections', String(connections), '--duration', String(duration), ...w.args];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  children.delete(child);
  if (code !== 0) throw new Error(`load client for ${workload} exited with ${code}`);
  return JSON.parse(out);
}

async function measure(workload, contender) {
  const server = await startServer(contender, workloads[workload].env ?? {});
  try {
    await load(workload, server.port, options.warmup);
    const cpuBefore = cpuSeconds(server.child.pid);
    const result = await load(workload, server.port, options.duration);
    const cpu = cpuSeconds(server.child.pid) - cpuBefore;
    const rss = rssMiB(server.child.pid);
    const shares = sharesOf(result.servedBy, contender === 'single' ? 1 : options.workers);
    // Per connection only means something where every request is a connection (the handoff path).
    const isPerConnection = workloads[workload].client === 'close' && contender !== 'single';
    return {
      rps: result.rps,
      p50: result.latency.p50,
      p99: result.latency.p99,
      p999: result.latency.p999,
      errors: result.errors,
      jain: jain(shares),
      maxOverMean: maxOverMean(shares),
      // The single process balances nothing: its CPU is the serving itself.
      cpuUsPerConn: isPerConnection ? (cpu * 1e6) / result.requests : Number.NaN,
      rssMiB: contender === 'single' ? Number.NaN : rss,
    };
  } finally {
    await stopServer(server);
  }
}

const figures = ['rps', 'p50', 'p99', 'p999', 'errors', 'jain', 'maxOverMean', 'cpuUsPerConn', 'rssMiB'];
const runs = chosenWorkloads.length * options.rounds * chosenContenders.length;
const started = new Date();
const out = join(values.out, started.toISOString().replace(/[:.]/g, '-'));
mkdirSync(out, { recursive: true });
const records = [];
const meta = {
  date: started.toISOString(),
  node: process.version,
  cores: availableParallelism(),
  ...options,
  baseline,
};

let done = 0;
const results = new Map(); // workload → contender → [per-round figures]
for (const workload of chosenWorkloads) {
  for (let round = 1; round <= options.rounds; round++) {
    for (const contender of chosenContenders) {
      process.stderr.write(`[${++done}/${runs}] ${workload} round ${round}: ${contender} … `);
      const r = await measure(workload, contender);
      process.stderr.write(`${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}\n`);
      const perContender = results.get(workload) ?? new Map();
      results.set(workload, perContender);
      perContender.set(contender, [...(perContender.get(contender) ?? []), r]);
      const record = { bench: 'handoff', node: meta.node, cores: meta.cores, workload, contender, round, workers: options.workers, connections: options.connections, durationS: options.duration, ...r };
      records.push(runRecord(record));
    }
  }
}

const summaries = [];
for (const [workload, perContender] of results) {
  const medians = new Map();
  for (const [contender, rounds] of perContender) {
    medians.set(contender, Object.fromEntries(figures.map((f) => [f, median(rounds.map((r) => r[f]))])));
  }
  const base = medians.get(baseline);
  for (const [contender, m] of medians) {
    const ratio = Object.fromEntries(figures.map((f) => [f, m[f] / base[f]]));
    summaries.push({ workload, contender, ...m, ratio });
  }
}

writeFileSync(join(out, 'records.jsonl'), `${records.join('\n')}\n`);
writeFileSync(join(out, 'report.md'), markdown(summaries, meta));
writeFileSync(join(out, 'chart.svg'), svg(summaries, meta));
console.log(table(summaries));
console.log(`\nresults: ${out}/ (records.jsonl, report.md, chart.svg)`);
