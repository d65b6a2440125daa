import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Test } from 'tap';
import { newTag, reap, tagVar } from './processes.ts';

export const masterScript = new URL('../../dist/master.js', import.meta.url).pathname;

export interface Cli {
  readonly child: ChildProcess;
  readonly tag: string;
  /** Resolves with the first JSON log line whose msg is `msg` (and that `match` accepts, if given). */
  logLine(msg: string, match?: (entry: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Exit code, signal and everything printed. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Runs `node dist/master.js …args`; teardown SIGKILLs it and anything it started, found by pid. */
export function runCli(t: Test, args: string[], env: Record<string, string> = {}): Cli {
  const tag = newTag();
  const child = spawn(process.execPath, [masterScript, ...args], {
    env: { ...process.env, ...env, [tagVar]: tag },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    reap(tag);
  });
  return {
    child,
    tag,
    logLine(msg, match = () => true) {
      return new Promise((resolve, reject) => {
        const scan = (): boolean => {
          for (const line of stdout.split('\n')) {
            if (!line.startsWith('{')) continue;
            const entry = JSON.parse(line) as Record<string, unknown>;
            if (entry.msg === msg && match(entry)) {
              resolve(entry);
              return true;
            }
          }
          return false;
        };
        if (scan()) return;
        const onData = (): void => {
          if (scan()) child.stdout!.off('data', onData);
        };
        child.stdout!.on('data', onData);
        void exit.then(() => reject(new Error(`exited before logging "${msg}": ${stderr}`)));
      });
    },
    async exited() {
      const [code, signal] = await exit;
      return { code, signal, stdout, stderr };
    },
  };
}
