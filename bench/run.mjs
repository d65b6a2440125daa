#!/usr/bin/env node
// npm run bench: every contender (handoff's strategies, node:cluster RR and SCHED_NONE, a single process) serving
// the same app under each workload, alternated in rounds (A B C A B C …) on this noisy 2-core machine; medians and
// ratios to node:cluster round-robin from the same run. Writes records.jsonl, report.md and chart.svg to a results
// folder and prints the tables. Traffic stays on 127.0.0.1; every process it starts is stopped by pid.
//
// A contender that fails (does not start, e.g. a strategy this build does not have, or its load run fails) is
// reported in one line and left out of the rest of the run; the others go on.
//
// Usage: node bench/run.mjs [--quick] [--workloads close,keepalive,skewed,slow-worker,long-lived]
//          [--contenders least-connections,round-robin,random,cluster-rr,cluster-none,single | all]
//          [--workers 2] [--connections 50] [--duration 10] [--rounds 3] [--out bench/results]
// The default contenders are all but the opt-in ones (p2c, least-latency, ip-hash; see setup.mjs); `all` adds them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jain, maxOverMean, median, medianSplit, sharesOf, splitOf } from './metrics.mjs';
import { cpuSeconds, rssMiB } from './procfs.mjs';
import { runRecord } from './records.mjs';
import { markdown, svg, table } from './report.mjs';
import { baseline, contenders, paths, presets, workloads } from './setup.mjs';

const byDefault = Object.keys(contenders).filter((name) => !contenders[name].optIn);
const usage = `usage: node bench/run.mjs [--quick] [--workloads ${Object.keys(workloads).join(',')}]
  [--contenders ${Object.keys(contenders).join(',')} | all]
  [--workers N] [--connections N] [--duration S] [--rounds N] [--out DIR]
  [--skew FRACTION] [--skew-ms MS] [--rate REQ_PER_S]   (the skewed workload: share of slow requests, their CPU cost,
                                                         and its open-loop rate; defaults 0.005, 50, 500)`;
const { values } = parseFlags({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string', default: Object.keys(workloads).filter((name) => !workloads[name].optIn).join(',') },
    contenders: { type: 'string', default: byDefault.join(',') },
    workers: { type: 'string' },
    connections: { type: 'string' },
    skew: { type: 'string' },
    'skew-ms': { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

/** A mistyped flag gets one line and the usage, not a stack trace. */
function parseFlags(config) {
  try {
    return parseArgs(config);
  } catch (err) {
    console.error(`bench: ${err.message}\n${usage}`);
    process.exit(2);
  }
}

const preset = values.quick ? presets.quick : presets.default;
const options = {
  workers: Number(values.workers ?? preset.workers),
  connections: Number(values.connections ?? preset.connections),
  duration: Number(values.duration ?? preset.duration),
  rounds: Number(values.rounds ?? preset.rounds),
  warmup: preset.warmup,
};
const chosenWorkloads = pick(values.workloads, workloads, 'workload');
// The skewed workload's parameters: a flag replaces its value in the client's arguments.
for (const [flag, arg] of [['skew', '--slow'], ['skew-ms', '--slow-ms'], ['rate', '--rate']]) {
  if (values[flag] === undefined) continue;
  if (!(Number(values[flag]) > 0)) {
    console.error(`bench: --${flag} must be a number above 0, received ${JSON.stringify(values[flag])}\n${usage}`);
    process.exit(2);
  }
  const args = workloads.skewed.args;
  args[args.indexOf(arg) + 1] = values[flag];
}
const chosenContenders = values.contenders === 'all' ? Object.keys(contenders) : pick(values.contenders, contenders, 'contender');
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
      if (attempt === 3 || !err.portTaken) throw err;
      process.stderr.write(`(${err.message}; trying another port) `);
    }
  }
}

async function startServerOnce(name, env) {
  const port = nextPort++;
  const child = spawn(process.execPath, [...contenders[name].args(options), '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  // Exited, and its stderr read to the end (awaited only when it failed; never an unhandled rejection).
  const closed = once(child, 'close').catch(() => undefined);
  // Kept while it starts, so a failure can say why in one line; shown as it comes once it is up.
  let said = '';
  const keep = (d) => (said = (said + d).slice(-8192));
  child.stderr.on('data', keep);
  const deadline = Date.now() + 15_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const exited = child.exitCode !== null || child.signalCode !== null;
      child.kill('SIGKILL');
      await closed;
      children.delete(child);
      const why = reason(said) ?? (exited ? `exited with code ${child.exitCode}` : 'no answer within 15 s');
      throw Object.assign(new Error(`did not start on port ${port}: ${why}`), { portTaken: /EADDRINUSE/.test(said) });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.stderr.off('data', keep);
  if (said !== '') process.stderr.write(said);
  child.stderr.pipe(process.stderr, { end: false });
  return { child, port };
}

/** The line of a failed start that says why: the first naming an error (handoff's own, or a thrown one), else the last. */
function reason(stderr) {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Node.js v'));
  return lines.find((line) => /\bERR_[A-Z_]+|^\w*Error\b/.test(line)) ?? lines.at(-1);
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

const clients = { close: paths.closeClient, keepalive: paths.keepaliveClient, 'long-lived': paths.longLivedClient };

/** Connections a workload runs with: open-loop and long-lived ones set their own. */
const connectionsOf = (workload) => workloads[workload].connections ?? options.connections;

/** Runs a load client process and returns what it printed (one JSON line). */
async function load(workload, port, duration, workers) {
  const w = workloads[workload];
  const args = [clients[w.client], '--port', String(port), '--connections', String(connectionsOf(workload)), '--duration', String(duration), ...w.args];
  // The spread over workers counts a worker that never got a connection, so that client needs to know how many.
  if (w.client === 'long-lived') args.push('--workers', String(workers));
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
    const workers = contender === 'single' ? 1 : options.workers;
    await load(workload, server.port, options.warmup, workers);
    const cpuBefore = cpuSeconds(server.child.pid);
    const result = await load(workload, server.port, options.duration, workers);
    const cpu = cpuSeconds(server.child.pid) - cpuBefore;
    const rss = rssMiB(server.child.pid);
    const shares = sharesOf(result.servedBy, workers);
    // Only the long-lived client samples the spread of open connections (JSON writes NaN as null).
    const spread = (key) => result.spread?.[key] ?? Number.NaN;
    // Per connection only means something where every request is a connection (the handoff path).
    const isPerConnection = workloads[workload].client === 'close' && contender !== 'single';
    return {
      rps: result.rps,
      p50: result.latency.p50,
      p99: result.latency.p99,
      p999: result.latency.p999,
      errors: result.errors,
      errorKinds: result.errorKinds ?? {},
      jain: jain(shares),
      maxOverMean: maxOverMean(shares),
      // Per-worker shares, largest first. A close-client request is a connection of its own; the other clients say
      // which worker each connection landed on (`opened`).
      requestSplit: splitOf(result.servedBy, workers),
      connectionSplit: splitOf(result.opened ?? result.servedBy, workers),
      spreadJain: spread('jain'),
      spreadMaxOverMean: spread('maxOverMean'),
      spreadWorstMaxOverMean: spread('worstMaxOverMean'),
      // Only with slow requests in the mix (skewed): fast requests that waited behind one on their own worker.
      blocked: result.blocked ?? Number.NaN,
      // The single process balances nothing: its CPU is the serving itself.
      cpuUsPerConn: isPerConnection ? (cpu * 1e6) / result.requests : Number.NaN,
      rssMiB: contender === 'single' ? Number.NaN : rss,
    };
  } finally {
    await stopServer(server);
  }
}

const figures = ['rps', 'p50', 'p99', 'p999', 'errors', 'jain', 'maxOverMean', 'spreadJain', 'spreadMaxOverMean', 'spreadWorstMaxOverMean', 'blocked', 'cpuUsPerConn', 'rssMiB'];
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
const failed = new Map(); // contender → why, in one line; it is left out from then on
for (const workload of chosenWorkloads) {
  for (let round = 1; round <= options.rounds; round++) {
    for (const contender of chosenContenders) {
      done++;
      if (failed.has(contender)) continue;
      process.stderr.write(`[${done}/${runs}] ${workload} round ${round}: ${contender} … `);
      const record = { bench: 'handoff', node: meta.node, cores: meta.cores, workload, contender, round, workers: options.workers, connections: connectionsOf(workload), durationS: options.duration };
      let r;
      try {
        r = await measure(workload, contender);
      } catch (err) {
        const why = err.message.split('\n')[0];
        failed.set(contender, why);
        process.stderr.write(`FAILED: ${why} (left out from here on)\n`);
        records.push(runRecord({ ...record, rps: null, p99: null, failed: why }));
        continue;
      }
      const spreadNote = Number.isNaN(r.spreadJain) ? '' : `, connections Jain ${r.spreadJain.toFixed(4)} max/mean ${r.spreadMaxOverMean.toFixed(3)}`;
      const blockedNote = Number.isNaN(r.blocked) ? '' : `, ${r.blocked} fast requests blocked behind a slow one`;
      const { errorKinds, ...figuresOf } = r;
      // Which errors, when there are any: one odd reset in a run is worth knowing the kind of.
      const kinds = r.errors > 0 ? ` ${JSON.stringify(errorKinds)}` : '';
      process.stderr.write(`${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}${kinds}${spreadNote}${blockedNote}\n`);
      const perContender = results.get(workload) ?? new Map();
      results.set(workload, perContender);
      perContender.set(contender, [...(perContender.get(contender) ?? []), figuresOf]);
      records.push(runRecord({ ...record, ...figuresOf }));
    }
  }
}
meta.failed = [...failed].map(([contender, why]) => ({ contender, why }));

const summaries = [];
for (const [workload, perContender] of results) {
  const medians = new Map();
  for (const [contender, rounds] of perContender) {
    medians.set(contender, {
      ...Object.fromEntries(figures.map((f) => [f, median(rounds.map((r) => r[f]))])),
      requestSplit: medianSplit(rounds.map((r) => r.requestSplit)),
      connectionSplit: medianSplit(rounds.map((r) => r.connectionSplit)),
    });
  }
  const base = medians.get(baseline); // undefined when the baseline failed: no ratios then
  for (const [contender, m] of medians) {
    const ratio = Object.fromEntries(figures.map((f) => [f, m[f] / (base?.[f] ?? Number.NaN)]));
    summaries.push({ workload, contender, ...m, ratio });
  }
}

writeFileSync(join(out, 'records.jsonl'), `${records.join('\n')}\n`);
writeFileSync(join(out, 'report.md'), markdown(summaries, meta));
writeFileSync(join(out, 'chart.svg'), svg(summaries, meta));
console.log(table(summaries));
for (const { contender, why } of meta.failed) console.log(`\n${contender} FAILED: ${why}`);
console.log(`\nresults: ${out}/ (records.jsonl, report.md, chart.svg)`);
