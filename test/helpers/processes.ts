import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

/** Name of the environment variable that marks every process a test starts, so leftovers can be found by pid. */
export const tagVar = 'HANDOFF_TEST_TAG';

export function newTag(): string {
  return randomUUID();
}

/** Pids of live processes whose environment carries `tag` (Linux /proc; our own process excluded). */
export function taggedPids(tag: string): number[] {
  const needle = `${tagVar}=${tag}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!environ.split('\0').includes(needle)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      pids.push(pid);
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return pids;
}

/** Kills whatever is left with `tag` and returns the pids it had to kill (a test asserts this is empty). */
export function reap(tag: string): number[] {
  const left = taggedPids(tag);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}
