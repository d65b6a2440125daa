import type { AddressInfo } from 'node:net';
import type { DrainReason } from '../protocol.js';
import type { DropReason, ReloadResult, WorkerInfo } from '../stats.js';

export type { ReloadResult };

export interface CloseResult {
  /** Workers that did not finish within the kill timeout (exited by their own deadline or SIGKILLed). */
  readonly forced: number;
}

/** The master's events, declared as data for the typed EventEmitter. */
export interface MasterEvents {
  listening: [address: AddressInfo];
  fork: [worker: WorkerInfo];
  ready: [worker: WorkerInfo];
  exit: [worker: WorkerInfo, code: number | null, signal: NodeJS.Signals | null];
  /** A worker failed; a replacement for its slot starts after `delay` ms. */
  restart: [index: number, delay: number];
  /** A worker's app threw (uncaught) or rejected (unhandled): it takes no more sockets and finishes what it has. */
  draining: [worker: WorkerInfo, reason: DrainReason, message: string];
  redispatch: [worker: WorkerInfo, count: number];
  drop: [reason: DropReason];
  /** A rolling reload finished (`ok`) or stopped because a new worker could not start (the old ones keep serving). */
  reload: [result: ReloadResult];
  /** The strategy was switched at run time. */
  strategy: [name: string, previous: string];
  /** A worker's slot weight was set at run time (0: drained). */
  weight: [worker: WorkerInfo, previous: number];
  /** The pool is being resized with scale(). */
  scale: [size: number];
  /** The worker missed heartbeats for `silentFor` ms: its event loop is stuck, and it gets no new sockets. */
  unresponsive: [worker: WorkerInfo, silentFor: number];
  /** It answers heartbeats again and is back in the pool. */
  responsive: [worker: WorkerInfo];
  /** A message the app sent with process.send(): handoff's own protocol never shows up here. */
  message: [worker: WorkerInfo, message: unknown];
  /**
   * Fatal: workers kept failing and the master gave up (`ERR_HANDOFF_CRASH_LOOP`); it is closing. Non-fatal: the
   * listener failed to accept (EMFILE, say); those are only logged when nobody listens.
   */
  error: [error: Error];
}

export type Emit = <K extends keyof MasterEvents>(event: K, ...args: MasterEvents[K]) => void;
