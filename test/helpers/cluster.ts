import type { Test } from 'tap';
import { type Master, type MasterOptions, createMaster } from '../../dist/index.js';
import { newTag, reap, tagVar } from './processes.ts';

export const fixture = (name: string): string => new URL(`../fixtures/${name}`, import.meta.url).pathname;

/**
 * Workers inherit tap's flags unless told otherwise; its TypeScript and mock loaders add ~1 s to every start and
 * workers run plain JS. Its processinfo hook stays, so the workers' coverage is still collected.
 */
export const workerExecArgv = process.execArgv.filter((a) => !/@tapjs\/(typescript|mock)/.test(a));

export interface Started {
  readonly master: Master;
  readonly port: number;
  readonly tag: string;
}

/**
 * A master on 127.0.0.1 and a free port, with its workers' stdout silenced. Teardown closes it and then checks, by
 * pid, that no process it started is left (killing any that are, and failing the test).
 */
export async function startMaster(t: Test, options: MasterOptions = {}): Promise<Started> {
  const tag = newTag();
  const master = createMaster({
    host: '127.0.0.1',
    port: 0,
    workers: 2,
    stdout: 'ignore',
    killTimeout: 2000,
    execArgv: workerExecArgv,
    ...options,
    env: { ...options.env, [tagVar]: tag },
  });
  t.teardown(async () => {
    await master.close();
    // Teardown cannot assert; throwing fails the test all the same.
    const left = reap(tag);
    if (left.length > 0) throw new Error(`processes left behind after close(): ${left.join(', ')}`);
  });
  const address = await master.listen();
  return { master, port: address.port, tag };
}

/**
 * A master that must fail to start: listen() rejects as `wanted` says, the master ends up closed, and no process it
 * started is left (found by pid). Returns the master for further checks.
 */
export async function expectStartFailure(
  t: Test,
  options: MasterOptions,
  wanted: { code: string; message?: RegExp },
): Promise<Master> {
  const tag = newTag();
  const master = createMaster({
    host: '127.0.0.1',
    port: 0,
    stdout: 'ignore',
    stderr: 'ignore',
    execArgv: workerExecArgv,
    ...options,
    env: { ...options.env, [tagVar]: tag },
  });
  t.teardown(() => master.close());
  await t.rejects(master.listen(), wanted);
  t.equal(master.state, 'closed');
  t.same(reap(tag), [], 'no process left');
  return master;
}
