import { performance } from 'node:perf_hooks';
import type { WorkerHandle } from './worker-handle.js';

export interface HeartbeatHooks {
  /** The workers to watch: those serving (ready), whether or not they answer. */
  workers(): Iterable<WorkerHandle>;
  /** No answer for two intervals: take it out of the pool. */
  unresponsive(worker: WorkerHandle, silentFor: number): void;
  /** It answers again: back into the pool. */
  responsive(worker: WorkerHandle): void;
  /** Silent past the unresponsive timeout: replace it. */
  timedOut(worker: WorkerHandle, silentFor: number): void;
}

/**
 * Tells a worker whose event loop is stuck from one that is merely busy: every interval the master pings each
 * serving worker, which answers from its event loop. A worker whose last answer is older than two intervals gets no
 * new sockets until it answers again; one silent past `unresponsiveTimeout` (0: never) is replaced. The answer's round
 * trip is the worker's event-loop lag, as the master sees it.
 */
export class Heartbeat {
  readonly #interval: number;
  readonly #unresponsiveTimeout: number;
  readonly #hooks: HeartbeatHooks;
  #timer: NodeJS.Timeout | undefined;

  constructor(interval: number, unresponsiveTimeout: number, hooks: HeartbeatHooks) {
    this.#interval = interval;
    this.#unresponsiveTimeout = unresponsiveTimeout;
    this.#hooks = hooks;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#interval);
    // The listener keeps the master alive; the heartbeat alone must not.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** `sentAt` is the ping's performance.now(), as the worker echoed it. */
  pong(worker: WorkerHandle, sentAt: number, now = performance.now()): void {
    worker.answered(sentAt, now);
    if (worker.isUnresponsive) {
      worker.setUnresponsive(false);
      this.#hooks.responsive(worker);
    }
  }

  #tick(now = Date.now()): void {
    for (const worker of this.#hooks.workers()) {
      const silentFor = now - worker.lastHeard;
      if (this.#unresponsiveTimeout > 0 && silentFor > this.#unresponsiveTimeout) {
        this.#hooks.timedOut(worker, silentFor);
        continue;
      }
      if (silentFor > 2 * this.#interval && !worker.isUnresponsive) {
        worker.setUnresponsive(true);
        this.#hooks.unresponsive(worker, silentFor);
      }
      worker.ping();
    }
  }
}
