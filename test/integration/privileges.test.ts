import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import t from 'tap';
import { createMaster } from '../../dist/index.js';
import { expectStartFailure, fixture, startMaster } from '../helpers/cluster.ts';
import { runCli } from '../helpers/cli.ts';
import { getJson } from '../helpers/http.ts';
import { reap } from '../helpers/processes.ts';

/** Real, effective, saved and filesystem ids of a process, from /proc. */
function ids(pid: number, field: 'Uid' | 'Gid'): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return line.split(/\s+/).slice(1, 5).map(Number);
}

const isRoot = process.getuid!() === 0;

/** Whether a user with no rights of its own ("nobody") can read `file`: every folder above it searchable by others. */
function isReadableByOthers(file: string): boolean {
  if ((statSync(file).mode & 0o004) === 0) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

const workerScript = new URL('../../dist/worker.js', import.meta.url).pathname;

if (isRoot && !isReadableByOthers(workerScript)) {
  // A checkout in a private folder (mktemp -d is 0700): the workers' user cannot even load handoff. The master must
  // then fail its start in one line, and leave nothing behind.
  t.test('as root, in a folder the workers\' user cannot read: the start fails cleanly', async (t) => {
    await expectStartFailure(t, { workers: 1, uid: 'nobody', execArgv: [] }, { code: 'ERR_HANDOFF_WORKER_START' });
  });
} else if (isRoot) {
  t.test('as root: workers run as --uid/--gid, the master keeps its own ids and serves through them', async (t) => {
    // Tap's coverage hooks would write as that user into a root-owned folder: these workers run without them.
    const { master, port } = await startMaster(t, { workers: 2, uid: 'nobody', gid: 'nogroup', execArgv: [], app: fixture('pid-app.cjs') });
    const nobody = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))!.split(':')[2]);
    for (const w of master.workers()) {
      t.same(ids(w.pid, 'Uid'), [nobody, nobody, nobody, nobody], `worker ${w.pid} runs as nobody`);
      t.not(ids(w.pid, 'Gid')[0], 0, 'and not in group root');
    }
    t.same(ids(process.pid, 'Uid'), [0, 0, 0, 0], 'the master is still root');
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) pids.add((await getJson(port)).pid);
    t.equal(pids.size, 2);
  });
} else {
  t.test('not root: switching the workers to another user is refused before anything starts', async (t) => {
    t.throws(() => createMaster({ uid: 0 }), { code: 'ERR_HANDOFF_BAD_OPTION', message: /unless the master runs as root/ });
    const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '--uid', '0']);
    const { code, stderr } = await cli.exited();
    t.equal(code, 2);
    t.match(stderr, /^handoff: invalid --uid: .*unless the master runs as root.*\n$/);
    t.same(reap(cli.tag), []);
  });
}

t.test('an unknown user name: one line, exit 2, nothing started', async (t) => {
  const cli = runCli(t, ['--host', '127.0.0.1', '--port', '0', '--uid', 'no-such-user-here']);
  const { code, stderr } = await cli.exited();
  t.equal(code, 2);
  t.match(stderr, /^handoff: invalid --uid: expected a numeric id or a user name in \/etc\/passwd, received "no-such-user-here" \[ERR_HANDOFF_BAD_OPTION\]\n$/);
  t.same(reap(cli.tag), []);
});
