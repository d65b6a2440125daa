#!/usr/bin/env node
// Profiles the master under load with clinic: `npm run profile:doctor` or `npm run profile:flame`.
// The master (2 workers, least-connections, demo app; scripts/profile-target.mjs) runs on a free port under
// clinic; autocannon drives keep-alive load, or with --close wrk opens a new connection per request (the handoff
// path, the one that costs the master). Prints where the report is.
// Usage: node scripts/profile.mjs doctor|flame|bubbleprof [--duration 10] [--connections 50] [--close]
// clinic bubbleprof is known to hang on this machine kind (the profiled process never exits) and to leave a
// node_trace.*.log that blocks the next doctor run (TOOLCHAIN.md): it runs in its own process group, which is
// SIGKILLed after a hard timeout, and stale trace logs are removed before and after.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    close: { type: 'boolean', default: false },
  },
});
const tool = positionals[0];
if (tool !== 'doctor' && tool !== 'flame' && tool !== 'bubbleprof') {
  console.error('usage: node scripts/profile.mjs doctor|flame|bubbleprof [--duration 10] [--connections 50] [--close]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const removeTraceLogs = () => {
  for (const name of readdirSync(root)) if (/^node_trace\.\d+\.log$/.test(name)) rmSync(`${root}${name}`);
};
removeTraceLogs();
const clinic = fileURLToPath(new URL('../node_modules/.bin/clinic', import.meta.url));
// autocannon is wrong for new-connection load (TOOLCHAIN.md): --close drives wrk through clinic's --on-port instead.
const load = values.close
  ? ['--on-port', `wrk -t1 -c${values.connections} -d${values.duration}s -H 'Connection: close' http://127.0.0.1:$PORT/`]
  : ['--autocannon', '[', '-c', values.connections, '-d', values.duration, 'http://127.0.0.1:$PORT/', ']'];
const args = [
  tool,
  '--open=false',
  '--dest',
  '.clinic',
  ...load,
  '--',
  'node',
  'scripts/profile-target.mjs',
];
// NO_INSIGHT/NO_UPDATE_NOTIFIER: otherwise clinic phones home and may wait 30 s for consent on a terminal.
const child = spawn(clinic, args, {
  cwd: root,
  stdio: 'inherit',
  detached: true, // its own process group, so a hang can be ended whole, profiled process included
  env: { ...process.env, NO_INSIGHT: '1', NO_UPDATE_NOTIFIER: '1' },
});
const limit = (Number(values.duration) + 90) * 1000;
const timer = setTimeout(() => {
  console.error(`\nprofile: clinic ${tool} still running after ${limit / 1000} s; stopping it (known to hang here)`);
  process.kill(-child.pid, 'SIGKILL');
}, limit);
child.on('exit', (code) => {
  clearTimeout(timer);
  removeTraceLogs();
  if (code === 0) console.log(`\nprofile written under ${root}.clinic/ (open the .html file in a browser)`);
  process.exit(code ?? 1);
});
