import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { MasterMessage, MessageSource } from '../protocol.js';
import type { WorkerView } from '../strategies/strategy.js';
import type { WorkerInfo, WorkerState } from '../stats.js';
import { AnswerTime } from './answer-time.js';
import { PeakEwma } from './peak-ewma.js';
import type { PendingConnection } from './pending-connection.js';

export type { WorkerInfo, WorkerState };

// The master's copy must stay open until the worker's own ack, so a worker dying first loses nothing (DESIGN.md
// fact 4). For the raw handles the master sends ('net.Native') child_process never closes the sender's copy anyway;
// keepOpen says the same for anything else, should a net.Socket ever be sent. One options object for every send.
const keepOpen = { keepOpen: true } as const;

/** How fast the latency estimate forgets a slow sample, in ms. */
const latencyDecay = 1000;

/**
 * A worker is stalled (inside a long task) once a ping has gone unanswered for over `stallFloor` ms and over
 * `stallFactor` times its usual answer time (acks and pongs; samples capped at `answerCap` ms, forgotten over
 * `answerDecay` ms). The floor catches a blocked worker within about a millisecond when it is lightly loaded (it
 * usually answers in a fraction of one); the factor keeps a worker under full load, whose every answer takes a
 * millisecond or two, from being mistaken for a blocked one.
 */
export const stallFloor = 1;
const stallFactor = 4;
const answerCap = 5;
const answerDecay = 100;

export interface WorkerHandleOptions {
  readonly maxInFlight: number;
  /** Open + in-flight connections the worker may hold; past it the master keeps new ones in its queue. */
  readonly maxConnections?: number;
  /** The slot's configured weight (0: drained). */
  readonly weight: number;
  /** Unplanned replacements of the slot before this worker. */
  readonly restarts: number;
}

/** The master's side of one forked worker: its state, its counters and the sockets it has not acknowledged. */
export class WorkerHandle {
  readonly id: number;
  readonly index: number;
  readonly startedAt = Date.now();
  /** The read-only face strategies see; one object for the worker's life, nothing allocated per pick. */
  readonly view: WorkerView;
  readonly #child: ChildProcess;
  readonly #maxInFlight: number;
  readonly #maxConnections: number;
  readonly #restarts: number;
  readonly #latency = new PeakEwma(latencyDecay);
  readonly #answerTime = new AnswerTime(answerDecay, answerCap);
  #weight: number;
  /** Slow start: the share of its weight a new worker gets, ramping from near 0 to 1. */
  #ramp = 1;
  #effectiveWeight: number;
  readonly #pending = new Map<number, PendingConnection>();
  #state: WorkerState = 'starting';
  #startTimer: NodeJS.Timeout | undefined;
  #isUnresponsive = false;
  #settleReady!: (error?: Error) => void;
  /** Resolves when the worker becomes ready; rejects with why, if it exits first. */
  readonly ready: Promise<void>;
  #lastHeard: number;
  #lag = -1;
  #active = 0;
  #heardAt = 0;
  /** performance.now() when the oldest ping the worker has not answered yet left; 0: none outstanding. */
  #pingAt = 0;
  #dispatched = 0;
  #delivered = 0;
  /** The app's error, when the worker reported one before exiting. */
  fatal: { readonly code: string; readonly message: string } | undefined;
  /** The last thing that went wrong with this worker, in words: for the crash-loop error. */
  failure: string | undefined;
  /** A replacement was already started for it: its exit must not start another. */
  isReplaced = false;
  /** A rolling reload's new worker, until it is ready: if it cannot start, the reload stops, and nothing restarts it. */
  isCandidate = false;

  constructor(id: number, index: number, child: ChildProcess, options: WorkerHandleOptions) {
    this.id = id;
    this.index = index;
    this.#child = child;
    this.#maxInFlight = options.maxInFlight;
    this.#maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
    this.#restarts = options.restarts;
    this.#weight = options.weight;
    this.#effectiveWeight = options.weight;
    this.#lastHeard = this.startedAt;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Most workers are never awaited; a start failure must not become an unhandled rejection.
    this.ready.catch(() => undefined);
    const self = this;
    this.view = Object.freeze({
      id,
      index,
      get pid() {
        return self.pid;
      },
      get active() {
        return self.#active;
      },
      get inFlight() {
        return self.#pending.size;
      },
      get weight() {
        return self.#effectiveWeight;
      },
      get lag() {
        return self.#lag;
      },
      get latency() {
        return self.#latency.value;
      },
      get heardAt() {
        return self.#heardAt;
      },
      get unansweredFor() {
        return self.#unansweredFor();
      },
      get stalled() {
        return self.isStalled;
      },
      get canTake() {
        return self.canTake;
      },
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Inside a long task, by the rule at {@link stallFloor}. */
  get isStalled(): boolean {
    const unanswered = this.#unansweredFor();
    return unanswered > stallFloor && unanswered > stallFactor * this.#answerTime.value;
  }

  #unansweredFor(): number {
    return this.#pingAt === 0 ? 0 : performance.now() - this.#pingAt;
  }

  get state(): WorkerState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  get canTake(): boolean {
    return (
      this.#state === 'ready' &&
      !this.#isUnresponsive &&
      this.#pending.size < this.#maxInFlight &&
      this.#active + this.#pending.size < this.#maxConnections
    );
  }

  get isUnresponsive(): boolean {
    return this.#isUnresponsive;
  }

  get lastHeard(): number {
    return this.#lastHeard;
  }

  setUnresponsive(isUnresponsive: boolean): void {
    this.#isUnresponsive = isUnresponsive;
  }

  /** A heartbeat answer arrived at `now`, `lag` ms after its ping left (-1: not a measurement). */
  heard(now: number, lag: number): void {
    this.#lastHeard = now;
    this.#lag = lag;
    if (lag >= 0) this.#latency.sample(lag, performance.now());
  }

  /** The slot's configured weight; 0 means no new connections. */
  get weight(): number {
    return this.#weight;
  }

  get effectiveWeight(): number {
    return this.#effectiveWeight;
  }

  setWeight(weight: number): void {
    this.#weight = weight;
    this.#effectiveWeight = weight * this.#ramp;
  }

  /** Slow start: `ramp` in (0, 1] of the configured weight. */
  setRamp(ramp: number): void {
    this.#ramp = ramp;
    this.#effectiveWeight = this.#weight * ramp;
  }

  /** A message from the app of another process (or the master): false when the channel is closed. */
  deliver(from: MessageSource, data: unknown): boolean {
    if (!this.#child.connected) return false;
    this.#child.send({ cmd: 'handoff:msg', from, data } satisfies MasterMessage);
    return true;
  }

  /** A message from the master, as is: the app's own process.on('message') receives it. */
  post(data: unknown): boolean {
    if (!this.#child.connected) return false;
    this.#child.send(data as object);
    return true;
  }

  /** Sends a ping (heartbeat or probe); the worker echoes `t` from its event loop. */
  ping(): void {
    if (!this.#child.connected) return;
    const t = performance.now();
    if (this.#pingAt === 0) this.#pingAt = t;
    this.#child.send({ cmd: 'handoff:ping', t } satisfies MasterMessage);
  }

  /**
   * Asks a worker that holds connections and has said nothing for `quiet` ms whether its event loop runs, unless a
   * ping is already out. Quiet with connections open is how both a worker inside a long task and one holding idle
   * connections look; only the first leaves the ping unanswered, which {@link WorkerView.unansweredFor} shows.
   */
  probe(now: number, quiet: number): void {
    if (this.#pingAt === 0 && this.#active > 0 && now - this.#heardAt > quiet) this.ping();
  }

  /** The pong for the ping sent at `sentAt` (performance.now()) arrived at `now`: its round trip is the lag. */
  answered(sentAt: number, now: number): void {
    // Pongs come back in order, so answering a later ping answers the oldest one too.
    if (sentAt >= this.#pingAt) this.#pingAt = 0;
    this.#heardAt = now;
    this.#answerTime.sample(now - sentAt, now);
    this.heard(Date.now(), now - sentAt);
  }

  /** The process's exit code once it has exited (null while running, or when a signal ended it). */
  get exitCode(): number | null {
    return this.#child.exitCode;
  }

  setState(state: WorkerState): void {
    this.#state = state;
  }

  /** Settles {@link ready}: without an error, the worker is ready; with one, it will never be. Only the first counts. */
  settleReady(error?: Error): void {
    this.#settleReady(error);
  }

  /** Absolute count from the worker: a lost or reordered report cannot make it drift. */
  setActive(active: number): void {
    this.#active = active;
    this.#heardAt = performance.now();
  }

  /**
   * Hands a socket over. Returns false when the IPC channel is already closed: the socket stays the caller's.
   * A later failure (EPIPE as the child dies) needs no callback here: the 'exit' that always follows hands every
   * unacknowledged socket back through {@link takePending}.
   */
  send(conn: PendingConnection): boolean {
    if (!this.#child.connected) {
      this.#state = 'stopped';
      return false;
    }
    this.#pending.set(conn.id, conn);
    this.#dispatched++;
    conn.sentAt = performance.now();
    // A raw TCP handle goes as 'net.Native': child_process passes it through and never closes our copy itself.
    // Only PROXY-protocol connections carry more than the id: a client address, bytes read past the header, or both.
    const message: MasterMessage =
      conn.proxied === undefined && conn.head === undefined
        ? { cmd: 'handoff:conn', id: conn.id }
        : {
            cmd: 'handoff:conn',
            id: conn.id,
            ...(conn.proxied && { peer: conn.proxied }),
            ...(conn.head && { head: conn.head.toString('base64') }),
          };
    this.#child.send(message, conn.handle as never, keepOpen);
    return true;
  }

  /** The worker has the socket: returns it so the master can close its own copy. */
  settle(id: number): PendingConnection | undefined {
    const conn = this.#pending.get(id);
    if (conn === undefined) return undefined;
    this.#pending.delete(id);
    this.#delivered++;
    const now = performance.now();
    this.#latency.sample(now - conn.sentAt, now);
    this.#answerTime.sample(now - conn.sentAt, now);
    return conn;
  }

  /** Everything sent and not acknowledged, in send order; the worker no longer owns any of it. */
  takePending(): PendingConnection[] {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    return pending;
  }

  /** `onTimeout` runs if the worker is not ready within `ms`. */
  armStartTimer(ms: number, onTimeout: () => void): void {
    this.#startTimer = setTimeout(onTimeout, ms);
  }

  clearStartTimer(): void {
    clearTimeout(this.#startTimer);
    this.#startTimer = undefined;
  }

  /** Asks the worker to stop serving and exit once its connections are gone. */
  stop(): void {
    this.#state = 'draining';
    if (this.#child.connected) this.#child.send({ cmd: 'handoff:stop' } satisfies MasterMessage);
  }

  /** Resolves when the process is gone. */
  whenExited(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  /**
   * Resolves when the process is gone; SIGKILLs it first if it is still there after `ms` (calling `onKill`). The
   * worker's own drain deadline is the kill timeout: the master's `ms` should leave it a moment to use it.
   */
  exitWithin(ms: number, onKill: () => void): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        onKill();
        this.kill('SIGKILL');
      }, ms);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
  }

  info(): WorkerInfo {
    return {
      id: this.id,
      index: this.index,
      pid: this.pid,
      state: this.#state,
      active: this.#active,
      inFlight: this.#pending.size,
      dispatched: this.#dispatched,
      delivered: this.#delivered,
      startedAt: this.startedAt,
      restarts: this.#restarts,
      isResponsive: !this.#isUnresponsive,
      lag: this.#lag,
      unansweredFor: this.#unansweredFor(),
      isStalled: this.isStalled,
      latency: this.#latency.value,
      weight: this.#weight,
      effectiveWeight: this.#effectiveWeight,
    };
  }
}
