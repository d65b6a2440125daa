#!/usr/bin/env node
// Is the master's memory flat? Runs new-connection load through handoff in chunks and prints the master's RSS and
// the connections served so far after each chunk. Usage: node bench/rss.mjs [--chunks 6] [--seconds 3] [--workers 2]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { rssMiB } from './procfs.mjs';
import { paths } from './setup.mjs';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  },
});
const port = 20_000 + (process.pid % 5000);
const master = spawn(
  process.execPath,
  [paths.master, '-w', values.workers, '-a', paths.app, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'],
  { stdio: 'ignore' },
);
process.on('exit', () => master.kill('SIGKILL'));
const up = () =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
while (!(await up())) await new Promise((r) => setTimeout(r, 50));

let served = 0;
console.log(`connections  master RSS MiB   (start ${rssMiB(master.pid).toFixed(1)})`);
for (let i = 0; i < Number(values.chunks); i++) {
  // From 64 source addresses: from one, 100k connections in a minute run out of ports (TIME_WAIT) and the load stalls.
  const client = [paths.closeClient, '--port', String(port), '--duration', values.seconds, '--sources', '64'];
  const out = execFileSync(process.execPath, client, { encoding: 'utf8' });
  served += JSON.parse(out).requests;
  console.log(`${String(served).padStart(11)}  ${rssMiB(master.pid).toFixed(1).padStart(14)}`);
}
master.kill('SIGTERM');
await once(master, 'exit');
