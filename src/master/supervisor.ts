import type { AddressInfo } from 'node:net';
import { HandoffError, errorFromWire } from '../errors.js';
import { type DrainReason, type MessageTarget, type WorkerMessage, isProtocolMessage } from '../protocol.js';
import type { Dispatcher } from './dispatcher.js';
import type { Emit } from './events.js';
import { forkWorker } from './fork-worker.js';
import { Heartbeat } from './heartbeat.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from './options.js';
import { RestartPolicy } from './restart-policy.js';
import { SlowStart } from './slow-start.js';
import { Slots } from './slots.js';
import { WorkerHandle } from './worker-handle.js';

/*
 *   spawn ──▶ starting ──ready──▶ ready ──────────────stop / retire──────────────▶ draining ──exit──▶ stopped
 *                │                  │ └──app failed (uncaught)──▶ draining + replacement now ─┘          │
 *                │                  └──heartbeat silent──▶ out of the pool until it answers              │
 *                └──exit / start timeout──────────────────────────────────────────────────────────────────┤
 *   unexpected exit ──▶ sockets it had not acked are re-dispatched ──▶ replacement after backoff, or give up ◀┘
 */

/**
 * A draining worker exits by itself at the kill timeout; the master SIGKILLs it only if it is still there this much
 * later (its event loop is blocked, say).
 */
const killGrace = 500;

export interface SupervisorHost {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  readonly dispatcher: Dispatcher;
  readonly emit: Emit;
  /** Whether failed workers are replaced (the master is running, not starting or closing). */
  isRunning(): boolean;
  /** Whether the master is closing or closed: a worker that becomes ready then is stopped at once. */
  isClosing(): boolean;
  /** The master's bound address, which every worker reports as its own. */
  address(): AddressInfo;
  /** Workers kept failing: the master gives up. */
  giveUp(error: HandoffError): void;
}

/** The worker processes: starting them, routing what they say, replacing the ones that fail, stopping them. */
export class Supervisor {
  readonly #host: SupervisorHost;
  readonly #options: ResolvedOptions;
  readonly #log: Logger;
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #restarts: RestartPolicy;
  readonly #heartbeat: Heartbeat;
  readonly #slots: Slots;
  readonly #slowStart: SlowStart;
  #nextId = 0;
  /** Slots 1..size are kept filled. */
  #size: number;

  constructor(host: SupervisorHost) {
    this.#host = host;
    this.#options = host.options;
    this.#log = host.log;
    this.#size = this.#options.workers;
    this.#slots = new Slots(this.#options.weights);
    this.#slowStart = new SlowStart(this.#options.slowStart);
    this.#restarts = new RestartPolicy({
      base: this.#options.restartDelay,
      max: this.#options.maxRestartDelay,
      maxRestarts: this.#options.maxRestarts,
      window: this.#options.restartWindow,
    });
    this.#heartbeat = new Heartbeat(this.#options.heartbeatInterval, this.#options.unresponsiveTimeout, {
      workers: () => this.serving(),
      unresponsive: (worker, silentFor) => {
        host.dispatcher.remove(worker);
        this.#log.warn({ worker: worker.id, workerPid: worker.pid, silentFor }, 'worker unresponsive; no new sockets');
        host.emit('unresponsive', worker.info(), silentFor);
      },
      responsive: (worker) => {
        if (worker.state !== 'ready') return;
        host.dispatcher.add(worker);
        this.#log.info({ worker: worker.id, workerPid: worker.pid, lag: worker.info().lag }, 'worker responsive again');
        host.emit('responsive', worker.info());
      },
      timedOut: (worker, silentFor) => {
        if (worker.failure !== undefined) return; // already being killed
        worker.failure = `unresponsive for ${silentFor} ms`;
        this.#log.error({ worker: worker.id, workerPid: worker.pid, silentFor }, 'worker unresponsive too long; SIGKILL');
        worker.kill('SIGKILL');
      },
    });
  }

  get size(): number {
    return this.#size;
  }

  workers(): IterableIterator<WorkerHandle> {
    return this.#workers.values();
  }

  /** Workers serving now (a stuck one included: it is still its slot's worker). Never the agent. */
  serving(): WorkerHandle[] {
    return [...this.#workers.values()].filter((w) => w.state === 'ready' && w.index > 0);
  }

  /** A live worker by id, or the agent; undefined when there is none. */
  find(target: MessageTarget): WorkerHandle | undefined {
    if (target !== 'agent') return this.#workers.get(target);
    for (const worker of this.#workers.values()) if (worker.index === 0) return worker;
    return undefined;
  }

  /**
   * Starts the agent, if there is one, and once it is ready fills slots 1..size; resolves when every worker is
   * ready, rejects with the first start error.
   */
  async start(): Promise<void> {
    this.#heartbeat.start();
    if (this.#options.agent !== null) await this.spawn(0).ready;
    const starts: Promise<void>[] = [];
    for (let index = 1; index <= this.#size; index++) starts.push(this.spawn(index).ready);
    await Promise.all(starts);
  }

  spawn(index: number): WorkerHandle {
    const id = ++this.#nextId;
    const child = forkWorker(id, index, this.#options, this.#host.address());
    const worker = new WorkerHandle(id, index, child, {
      maxInFlight: this.#options.maxInFlight,
      maxConnections: this.#options.workerConnections,
      weight: this.#slots.weight(index),
      restarts: this.#slots.restarts(index),
    });
    this.#workers.set(id, worker);
    child.on('message', (message) => this.#onMessage(worker, message));
    // Send failures (EPIPE while the child dies) land here; the 'exit' that follows re-dispatches its sockets.
    child.on('error', (err) => this.#log.warn({ worker: id, err }, 'worker channel error'));
    child.once('disconnect', () => this.#onDisconnect(worker));
    child.once('exit', (code, signal) => this.#onExit(worker, code, signal));
    worker.armStartTimer(this.#options.startTimeout, () => this.#onStartTimeout(worker));
    this.#log.info({ worker: id, index, workerPid: worker.pid }, 'worker forked');
    this.#host.emit('fork', worker.info());
    return worker;
  }

  /**
   * Resizes the pool: new slots get new workers (resolves once they are ready), slots above `size` are drained
   * (resolves once their workers are gone).
   */
  async scale(size: number): Promise<void> {
    const previous = this.#size;
    this.#size = size;
    const waits: Promise<void>[] = [];
    for (let index = previous + 1; index <= size; index++) waits.push(this.spawn(index).ready);
    for (let index = size + 1; index <= previous; index++) this.#restarts.cancel(index);
    for (const worker of this.#workers.values()) {
      if (worker.index > size && worker.state !== 'draining') waits.push(this.retire(worker));
    }
    await Promise.all(waits);
  }

  /**
   * Sets a slot's weight, for its worker now and for whatever replaces it. At 0 the worker takes no new connections
   * but keeps serving the ones it has (drained, not stopped).
   */
  setWeight(index: number, weight: number): void {
    this.#slots.setWeight(index, weight);
    for (const worker of this.#workers.values()) {
      if (worker.index !== index) continue;
      worker.setWeight(weight);
      this.#host.dispatcher.reweigh(worker);
    }
  }

  /** Drains a worker whose slot is served by another one (or no longer exists): its exit restarts nothing. */
  retire(worker: WorkerHandle): Promise<void> {
    worker.isReplaced = true;
    return this.stop(worker);
  }

  /** Drains a worker; SIGKILLs it if it is still there after the kill timeout (and a grace period). */
  stop(worker: WorkerHandle): Promise<void> {
    this.#host.dispatcher.remove(worker);
    this.#slowStart.end(worker);
    // One draining on its own already has its deadline; telling it again changes nothing.
    if (worker.state !== 'draining') worker.stop();
    return worker.exitWithin(this.#options.killTimeout + killGrace, () =>
      this.#log.warn({ worker: worker.id, workerPid: worker.pid }, 'worker did not stop in time; SIGKILL'),
    );
  }

  /** Stops restarting and drains every worker; resolves with how many had to be stopped at the kill timeout. */
  async stopAll(): Promise<number> {
    this.#restarts.cancelAll();
    this.#heartbeat.stop();
    this.#slowStart.stop();
    let forced = 0;
    const stops = [...this.#workers.values()].map(async (worker) => {
      await this.stop(worker);
      if (worker.exitCode !== 0) forced++;
    });
    await Promise.all(stops);
    return forced;
  }

  /** Last resort when the master process exits without close(): workers would notice anyway, but never linger. */
  killAll(): void {
    for (const worker of this.#workers.values()) worker.kill('SIGKILL');
  }

  #onMessage(worker: WorkerHandle, message: unknown): void {
    if (!isProtocolMessage(message)) {
      this.#host.emit('message', worker.info(), message);
      return;
    }
    const msg = message as WorkerMessage;
    switch (msg.cmd) {
      case 'handoff:ack':
        this.#host.dispatcher.ack(worker, msg.id, msg.active);
        return;
      case 'handoff:load':
        this.#host.dispatcher.load(worker, msg.active);
        return;
      case 'handoff:ready':
        this.#onReady(worker);
        return;
      case 'handoff:fatal':
        worker.fatal = { code: msg.code, message: msg.message };
        worker.failure = msg.message;
        this.#log.error({ worker: worker.id, code: msg.code }, msg.message);
        return;
      case 'handoff:draining':
        this.#onDraining(worker, msg.reason, msg.message, msg.stack);
        return;
      case 'handoff:pong':
        this.#heartbeat.pong(worker, msg.t);
        this.#host.dispatcher.answered();
        return;
      case 'handoff:route':
        this.#route(worker, msg.to, msg.data);
        return;
      default: {
        const unknown: never = msg;
        this.#log.debug({ worker: worker.id, message: unknown }, 'unknown protocol message');
      }
    }
  }

  #onReady(worker: WorkerHandle): void {
    if (worker.state !== 'starting') return;
    worker.clearStartTimer();
    if (this.#host.isClosing()) {
      worker.stop();
      return;
    }
    worker.setState('ready');
    worker.isCandidate = false;
    worker.heard(Date.now(), -1);
    // Only a worker joining a running pool is cold next to the others; at start-up all are.
    if (this.#host.isRunning()) this.#slowStart.begin(worker);
    if (worker.index > 0) this.#host.dispatcher.add(worker);
    this.#log.info({ worker: worker.id, index: worker.index, workerPid: worker.pid }, 'worker ready');
    worker.settleReady();
    this.#host.emit('ready', worker.info());
    // One serving worker per slot, the newest: this is what retires the old worker in a reload, and it keeps a
    // restart racing a reload from leaving two workers in one slot.
    for (const other of this.#workers.values()) {
      if (other !== worker && other.index === worker.index && other.state === 'ready') void this.retire(other);
    }
  }

  /** An app message from one process to another, through the master. Undeliverable ones are logged and dropped. */
  #route(sender: WorkerHandle, to: MessageTarget, data: unknown): void {
    const target = this.find(to);
    if (target === undefined || !target.deliver(sender.index === 0 ? 'agent' : sender.id, data)) {
      this.#log.debug({ worker: sender.id, to }, 'message for a process that does not exist; dropped');
    }
  }

  #onStartTimeout(worker: WorkerHandle): void {
    const ms = this.#options.startTimeout;
    worker.fatal ??= {
      code: 'ERR_HANDOFF_WORKER_START',
      message: `worker ${worker.index} was not ready within ${ms} ms: the app neither exported a server nor called listen(), or it blocked while loading`,
    };
    this.#log.error({ worker: worker.id }, worker.fatal.message);
    worker.kill('SIGKILL');
  }

  /** The channel is gone but the process may live on: it can no longer be managed, so it must not linger. */
  #onDisconnect(worker: WorkerHandle): void {
    if (worker.state === 'stopped') return;
    this.#host.dispatcher.remove(worker);
    if (worker.state !== 'draining') setTimeout(() => worker.kill('SIGKILL'), this.#options.killTimeout).unref();
  }

  /** The app failed inside the worker: it drains on its own; its slot is refilled now, not when it exits. */
  #onDraining(worker: WorkerHandle, reason: DrainReason, message: string, stack: string | undefined): void {
    if (worker.state === 'stopped' || worker.state === 'draining') return;
    const upFor = Date.now() - worker.startedAt;
    this.#host.dispatcher.remove(worker);
    worker.setState('draining');
    worker.failure = message;
    this.#log.error(
      { worker: worker.id, index: worker.index, workerPid: worker.pid, reason, err: { message, stack } },
      'worker failed; draining it and starting a replacement',
    );
    this.#host.emit('draining', worker.info(), reason, message);
    void worker.exitWithin(this.#options.killTimeout + killGrace, () =>
      this.#log.warn({ worker: worker.id, workerPid: worker.pid }, 'draining worker did not exit in time; SIGKILL'),
    );
    if (!this.#host.isRunning()) return;
    worker.isReplaced = true;
    this.#replace(worker, upFor, true);
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    const wasState = worker.state;
    const upFor = Date.now() - worker.startedAt;
    worker.setState('stopped');
    worker.clearStartTimer();
    worker.settleReady(startError(worker, code, signal));
    this.#workers.delete(worker.id);
    this.#slowStart.end(worker);
    const redispatched = this.#host.dispatcher.reclaim(worker);
    const isExpected = wasState === 'draining';
    const fields = { worker: worker.id, index: worker.index, workerPid: worker.pid, code, signal, redispatched };
    if (isExpected) this.#log.info(fields, 'worker exited');
    else {
      worker.failure ??= signal === null ? `exit code ${code}` : `killed by ${signal}`;
      this.#log.warn(fields, 'worker exited unexpectedly');
    }
    this.#host.emit('exit', worker.info(), code, signal);
    const isSlotKept = worker.index <= this.#size; // the agent's slot, 0, always is
    if (!isExpected && !worker.isReplaced && !worker.isCandidate && isSlotKept && this.#host.isRunning()) {
      this.#replace(worker, upFor, false);
    }
  }

  /** Starts a new worker in the failed one's slot, after the backoff delay; or gives up on a crash loop. */
  #replace(failed: WorkerHandle, upFor: number, isImmediate: boolean): void {
    const index = failed.index;
    const delay = this.#restarts.next(index, upFor, isImmediate);
    if (delay === undefined) {
      const { maxRestarts, restartWindow } = this.#options;
      this.#host.giveUp(
        new HandoffError(
          'ERR_HANDOFF_CRASH_LOOP',
          `workers failed more than ${maxRestarts} times within ${restartWindow} ms; giving up. Last failure (worker ${index}): ${failed.failure ?? 'unknown'}`,
        ),
      );
      return;
    }
    this.#slots.countRestart(index);
    this.#log.info({ index, delay }, 'restarting worker');
    this.#host.emit('restart', index, delay);
    this.#restarts.schedule(index, delay, () => {
      if (this.#host.isRunning()) this.spawn(index);
    });
  }
}

/** Why a worker that exited never became ready: the app's own error when it reported one. */
function startError(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): HandoffError {
  if (worker.fatal !== undefined) return errorFromWire(worker.fatal.code, worker.fatal.message);
  const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
  return new HandoffError('ERR_HANDOFF_WORKER_START', `worker ${worker.index} exited before it was ready (${how})`);
}
