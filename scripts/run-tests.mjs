#!/usr/bin/env node
// Runs the tap suite and ends with the plain closing line CI reads: "N passed, N failed, N skipped".
// tap's own last line is "# { total: N, pass: N, fail: N, … }" (keys at zero are left out). Keeps tap's exit code;
// a run that executed no test at all fails.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tap = fileURLToPath(new URL('../node_modules/.bin/tap', import.meta.url));
const child = spawn(tap, process.argv.slice(2), { stdio: ['ignore', 'pipe', 'inherit'] });

let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-4096);
});

child.on('exit', (code, signal) => {
  const summary = [...tail.matchAll(/^# \{ total: (\d+)[^}]*\}$/gm)].at(-1)?.[0] ?? '';
  const count = (key) => Number(new RegExp(`\\b${key}: (\\d+)`).exec(summary)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail');
  const skipped = count('skip') + count('todo');
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (passed + failed + skipped === 0) {
    console.error('run-tests: no test ran');
    process.exit(1);
  }
  process.exit(signal === null ? (code ?? 1) : 1);
});
