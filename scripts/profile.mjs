#!/usr/bin/env node
// Profiles the master under load with clinic: `npm run profile:doctor` or `npm run profile:flame`.
// The master (2 workers, least-connections, demo app; scripts/profile-target.mjs) runs on a free port under
// clinic; autocannon drives keep-alive load, or with --close wrk opens a new connection per request (the handoff
// path, the one that costs the master). Prints where the report is.
// Usage: node scripts/profile.mjs doctor|flame [--duration 10] [--connections 50] [--close]
// clinic bubbleprof is left out on purpose: on this machine kind it hangs and can leave an orphan (TOOLCHAIN.md).
import { spawn } from 'node:child_process';
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
if (tool !== 'doctor' && tool !== 'flame') {
  console.error('usage: node scripts/profile.mjs doctor|flame [--duration 10] [--connections 50] [--close]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
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
  env: { ...process.env, NO_INSIGHT: '1', NO_UPDATE_NOTIFIER: '1' },
});
child.on('exit', (code) => {
  if (code === 0) console.log(`\nprofile written under ${root}.clinic/ (open the .html file in a browser)`);
  process.exit(code ?? 1);
});
