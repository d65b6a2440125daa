import { EventEmitter } from 'node:events';
import type { MessageSource, MessageTarget, WorkerMessage } from '../protocol.js';

export interface WorkerChannelEvents {
  /** A message for this process: from the master (master.send, master.broadcast), a worker or the agent. */
  message: [data: unknown, from: MessageSource];
}

/**
 * The app's side of messaging, published for `import { worker } from 'handoff/worker'`. Messages to the master are
 * plain process.send() (the master's 'message' event); to another worker or the agent they go through the master.
 */
export class WorkerChannel extends EventEmitter<WorkerChannelEvents> {
  /** True inside a handoff worker or agent. */
  readonly isWorker = true;
  /** Unique for the master's lifetime (the agent's too). */
  readonly id: number;
  /** The worker's slot, 1..N; 0 for the agent. */
  readonly index: number;
  readonly isAgent: boolean;
  readonly #send: (message: WorkerMessage) => boolean;

  constructor(id: number, index: number, send: (message: WorkerMessage) => boolean) {
    super();
    this.id = id;
    this.index = index;
    this.isAgent = index === 0;
    this.#send = send;
  }

  /** To the master: its 'message' event gets `data`. False when the master is gone. */
  send(data: unknown): boolean {
    if (!process.connected) return false;
    process.send!(data);
    return true;
  }

  /** To another worker (by id) or to the agent, through the master. False when the master is gone. */
  sendTo(target: MessageTarget, data: unknown): boolean {
    return this.#send({ cmd: 'handoff:route', to: target, data });
  }
}
