/**
 * `import { worker } from 'handoff/worker'` inside an app: messaging with the master, other workers and the agent.
 * Outside handoff, `worker.isWorker` is false and sending returns false.
 */
import { EventEmitter } from 'node:events';
import { workerApiKey } from '../protocol.js';
import type { WorkerChannel } from './channel.js';

export type { WorkerChannel, WorkerChannelEvents } from './channel.js';
export type { MessageSource, MessageTarget } from '../protocol.js';

/** What `worker` offers outside a handoff process: the same shape, nothing sent. */
class Detached extends EventEmitter {
  readonly isWorker = false;
  readonly id = 0;
  readonly index = 0;
  readonly isAgent = false;
  send(): boolean {
    return false;
  }
  sendTo(): boolean {
    return false;
  }
}

// The runtime publishes its channel under a global symbol before it loads the app, so this works even when the app's
// copy of the package is not the one the runtime was started from.
export const worker: WorkerChannel =
  ((globalThis as Record<symbol, unknown>)[workerApiKey] as WorkerChannel | undefined) ??
  (new Detached() as unknown as WorkerChannel);
