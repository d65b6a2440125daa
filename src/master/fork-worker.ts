import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type WorkerConfig, env } from '../protocol.js';
import type { ResolvedOptions } from './options.js';

const workerScript = fileURLToPath(new URL('../worker.js', import.meta.url));

/**
 * Starts one worker process for slot `index` (slot 0: the agent); everything it needs to know travels in its
 * environment.
 */
export function forkWorker(id: number, index: number, options: ResolvedOptions, bound: AddressInfo): ChildProcess {
  const isAgent = index === 0;
  const config: WorkerConfig = {
    role: isAgent ? 'agent' : 'worker',
    app: isAgent ? options.agent : options.app,
    address: { address: bound.address, family: bound.family, port: bound.port },
    killTimeout: options.killTimeout,
    tls: isAgent ? null : options.tls,
  };
  return fork(workerScript, [], {
    env: {
      ...process.env,
      ...options.env,
      // The app's own `listen(process.env.PORT)` is captured anyway, but its logs should show the port that counts.
      PORT: String(bound.port),
      [env.workerId]: String(id),
      [env.workerIndex]: String(index),
      [env.config]: JSON.stringify(config),
    },
    execArgv: [...options.execArgv],
    // No stdin: N processes reading one terminal would fight over it.
    stdio: ['ignore', options.stdout, options.stderr, 'ipc'],
    serialization: 'json',
    // Set only when asked: passing the master's own ids would still need the privilege to call setuid/setgid.
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
}
