import { EventEmitter } from 'node:events';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { HandoffError, errorFromWire } from '../errors.js';
import { type DrainReason, type WorkerMessage, isProtocolMessage } from '../protocol.js';
import type { Strategy } from '../strategies/strategy.js';
import { type DispatchCounters, Dispatcher, type DropReason } from './dispatcher.js';
import { DropLog } from './drop-log.js';
import { forkWorker } from './fork-worker.js';
import { Heartbeat } from './heartbeat.js';
import { type Logger, silentLogger } from './logger.js';
import { type MasterOptions, type ResolvedOptions, integer, resolveOptions } from './options.js';
import { RestartPolicy } from './restart-policy.js';
import { type WorkerInfo, WorkerHandle } from './worker-handle.js';

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
  /** The pool was resized with scale(). */
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

export type MasterState = 'idle' | 'starting' | 'running' | 'closing' | 'closed';

export interface ReloadResult {
  readonly ok: boolean;
  /** Slots whose worker was replaced by a new one. */
  readonly replaced: number;
  readonly error?: HandoffError;
}

export interface CloseResult {
  /** Workers that did not finish within the kill timeout (exited by their own deadline or SIGKILLed). */
  readonly forced: number;
}

export interface MasterStats extends Omit<DispatchCounters, 'dropped'> {
  readonly dropped: Readonly<Record<DropReason, number>>;
  readonly queued: number;
  readonly inFlight: number;
  readonly workers: number;
  readonly ready: number;
  readonly strategy: string;
}

/**
 * A draining worker exits by itself at the kill timeout; the master SIGKILLs it only if it is still there this much
 * later (its event loop is blocked, say).
 */
const killGrace = 500;

/**
 * The master: one listening socket, N forked workers, and a strategy choosing which worker gets each connection.
 * Create it with {@link createMaster}; `listen()` binds, forks and resolves once every worker is ready.
 */
export class Master extends EventEmitter<MasterEvents> {
  readonly #options: ResolvedOptions;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #workers = new Map<number, WorkerHandle>();
  readonly #restarts: RestartPolicy;
  readonly #dropLog: DropLog;
  readonly #heartbeat: Heartbeat;
  #server: Server | undefined;
  #state: MasterState = 'idle';
  #nextWorkerId = 0;
  #closing: Promise<CloseResult> | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  /** Slots 1..size are kept filled. */
  #size: number;

  constructor(options: MasterOptions, strategy: Strategy) {
    super();
    this.#options = resolveOptions(options);
    this.#log = options.logger ?? silentLogger;
    this.#size = this.#options.workers;
    this.#restarts = new RestartPolicy({
      base: this.#options.restartDelay,
      max: this.#options.maxRestartDelay,
      maxRestarts: this.#options.maxRestarts,
      window: this.#options.restartWindow,
    });
    this.#dropLog = new DropLog(this.#log);
    this.#heartbeat = new Heartbeat(this.#options.heartbeatInterval, this.#options.unresponsiveTimeout, {
      workers: () => [...this.#workers.values()].filter((w) => w.state === 'ready'),
      unresponsive: (worker, silentFor) => {
        this.#dispatcher.remove(worker);
        this.#log.warn({ worker: worker.id, workerPid: worker.pid, silentFor }, 'worker unresponsive; no new sockets');
        this.emit('unresponsive', worker.info(), silentFor);
      },
      responsive: (worker) => {
        if (worker.state !== 'ready') return;
        this.#dispatcher.add(worker);
        this.#log.info({ worker: worker.id, workerPid: worker.pid, lag: worker.info().lag }, 'worker responsive again');
        this.emit('responsive', worker.info());
      },
      timedOut: (worker, silentFor) => {
        if (worker.failure !== undefined) return; // already being killed
        worker.failure = `unresponsive for ${silentFor} ms`;
        this.#log.error({ worker: worker.id, workerPid: worker.pid, silentFor }, 'worker unresponsive too long; SIGKILL');
        worker.kill('SIGKILL');
      },
    });
    this.#dispatcher = new Dispatcher({
      strategy,
      maxQueue: this.#options.maxQueue,
      queueTimeout: this.#options.queueTimeout,
      hooks: {
        drop: (reason) => {
          this.#dropLog.record(reason);
          this.emit('drop', reason);
        },
        redispatch: (worker, count) => this.emit('redispatch', worker.info(), count),
        strategyError: (err) => this.#log.error({ err }, 'strategy.pick() threw; used the next free worker'),
      },
    });
  }

  get state(): MasterState {
    return this.#state;
  }

  /** The number of worker slots the master keeps filled. */
  get size(): number {
    return this.#size;
  }

  get strategy(): Strategy {
    return this.#dispatcher.strategy;
  }

  /** Binds the port first (so a bad port fails before any process exists), then forks and waits for readiness. */
  async listen(): Promise<AddressInfo> {
    if (this.#state !== 'idle') throw new HandoffError('ERR_HANDOFF_STATE', `listen() called while ${this.#state}`);
    this.#state = 'starting';
    const address = await this.#bind();
    this.#log.info(
      { address: address.address, port: address.port, workers: this.#options.workers, strategy: this.strategy.name },
      'listening',
    );
    this.emit('listening', address);
    process.on('exit', this.#killAll);
    this.#heartbeat.start();
    try {
      const starts: Promise<void>[] = [];
      for (let index = 1; index <= this.#size; index++) starts.push(this.#waitReady(this.#spawn(index)));
      await Promise.all(starts);
    } catch (err) {
      const wasClosed = this.#closing !== undefined;
      await this.close();
      throw wasClosed ? new HandoffError('ERR_HANDOFF_STATE', 'closed during start-up') : err;
    }
    if (this.#state !== 'starting') throw new HandoffError('ERR_HANDOFF_STATE', 'closed during start-up');
    this.#state = 'running';
    this.#log.info({ workers: this.workers().map((w) => w.pid) }, 'started');
    return address;
  }

  address(): AddressInfo | null {
    return (this.#server?.address() as AddressInfo | null | undefined) ?? null;
  }

  workers(): WorkerInfo[] {
    return [...this.#workers.values()].map((w) => w.info());
  }

  stats(): MasterStats {
    const c = this.#dispatcher.counters;
    let inFlight = 0;
    let ready = 0;
    for (const w of this.#workers.values()) {
      inFlight += w.inFlight;
      if (w.state === 'ready') ready++;
    }
    return {
      ...c,
      dropped: { ...c.dropped },
      queued: this.#dispatcher.queued,
      inFlight,
      workers: this.#workers.size,
      ready,
      strategy: this.strategy.name,
    };
  }

  /**
   * Rolling reload, for a new version of the app: slot by slot (`reloadParallelism` at a time), a new worker starts,
   * and only once it is ready does the old one drain. If a new worker cannot start, the reload stops there, rejecting
   * with `ERR_HANDOFF_RELOAD`; the workers not yet replaced keep serving. A call during a reload joins it.
   */
  reload(): Promise<ReloadResult> {
    if (this.#state !== 'running') {
      return Promise.reject(new HandoffError('ERR_HANDOFF_STATE', `reload() called while ${this.#state}`));
    }
    this.#reloading ??= this.#rollingReload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /**
   * Resizes the pool to `size` slots: new slots get new workers (resolves once they are ready), slots above `size`
   * are drained (resolves once their workers are gone).
   */
  async scale(size: number): Promise<void> {
    const n = integer('workers', size, this.#size, 1, 1024);
    if (this.#state !== 'running') throw new HandoffError('ERR_HANDOFF_STATE', `scale() called while ${this.#state}`);
    const previous = this.#size;
    this.#size = n;
    this.#log.info({ from: previous, to: n }, 'scaling');
    this.emit('scale', n);
    const waits: Promise<void>[] = [];
    for (let index = previous + 1; index <= n; index++) waits.push(this.#waitReady(this.#spawn(index)));
    for (let index = n + 1; index <= previous; index++) this.#restarts.cancel(index);
    for (const worker of this.#workers.values()) {
      if (worker.index > n && worker.state !== 'draining') waits.push(this.#retire(worker));
    }
    await Promise.all(waits);
  }

  /**
   * Stops accepting, closes what waits in the queue, and drains every worker: requests in flight complete, keep-alive
   * connections are closed, and a worker still busy after `killTimeout` is stopped anyway (counted in `forced`).
   * Safe to call more than once and in any state.
   */
  close(): Promise<CloseResult> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #bind(): Promise<AddressInfo> {
    const { port, host, backlog } = this.#options;
    const server = createServer({ pauseOnConnect: true });
    server.on('connection', (socket) => this.#dispatcher.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.#state = 'closed';
      const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
      throw new HandoffError('ERR_HANDOFF_LISTEN', `cannot listen on ${host ?? '*'}:${port}: ${code}`, {
        cause: err,
      });
    }
    server.on('error', (err) => this.#onServerError(err));
    this.#server = server;
    return server.address() as AddressInfo;
  }

  #spawn(index: number): WorkerHandle {
    const id = ++this.#nextWorkerId;
    const child = forkWorker(id, index, this.#options, this.address()!);
    const worker = new WorkerHandle(id, index, child, this.#options.maxInFlight);
    this.#workers.set(id, worker);
    child.on('message', (message) => this.#onMessage(worker, message));
    // Send failures (EPIPE while the child dies) land here; the 'exit' that follows re-dispatches its sockets.
    child.on('error', (err) => this.#log.warn({ worker: id, err }, 'worker channel error'));
    child.once('disconnect', () => this.#onDisconnect(worker));
    child.once('exit', (code, signal) => this.#onExit(worker, code, signal));
    worker.armStartTimer(this.#options.startTimeout, () => this.#onStartTimeout(worker));
    this.#log.info({ worker: id, index, workerPid: worker.pid }, 'worker forked');
    this.emit('fork', worker.info());
    return worker;
  }

  /** Resolves when the worker is ready; rejects with the app's own error when it exits first. */
  #waitReady(worker: WorkerHandle): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReady = (info: WorkerInfo): void => {
        if (info.id !== worker.id) return;
        this.off('ready', onReady).off('exit', onExit);
        resolve();
      };
      const onExit = (info: WorkerInfo, code: number | null, signal: NodeJS.Signals | null): void => {
        if (info.id !== worker.id) return;
        this.off('ready', onReady).off('exit', onExit);
        reject(this.#startError(worker, code, signal));
      };
      this.on('ready', onReady).on('exit', onExit);
    });
  }

  #startError(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): HandoffError {
    if (worker.fatal !== undefined) return errorFromWire(worker.fatal.code, worker.fatal.message);
    const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
    return new HandoffError('ERR_HANDOFF_WORKER_START', `worker ${worker.index} exited before it was ready (${how})`);
  }

  #onMessage(worker: WorkerHandle, message: unknown): void {
    if (!isProtocolMessage(message)) {
      this.emit('message', worker.info(), message);
      return;
    }
    const msg = message as WorkerMessage;
    switch (msg.cmd) {
      case 'handoff:ack':
        this.#dispatcher.ack(worker, msg.id, msg.active);
        return;
      case 'handoff:load':
        this.#dispatcher.load(worker, msg.active);
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
    if (this.#state === 'closing' || this.#state === 'closed') {
      worker.stop();
      return;
    }
    worker.setState('ready');
    worker.isCandidate = false;
    worker.heard(Date.now(), -1);
    this.#dispatcher.add(worker);
    this.#log.info({ worker: worker.id, index: worker.index, workerPid: worker.pid }, 'worker ready');
    this.emit('ready', worker.info());
    // One serving worker per slot, the newest: this is what retires the old worker in a reload, and it keeps a
    // restart racing a reload from leaving two workers in one slot.
    for (const other of this.#workers.values()) {
      if (other !== worker && other.index === worker.index && other.state === 'ready') void this.#retire(other);
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
    this.#dispatcher.remove(worker);
    if (worker.state !== 'draining') setTimeout(() => worker.kill('SIGKILL'), this.#options.killTimeout).unref();
  }

  /** The app failed inside the worker: it drains on its own; its slot is refilled now, not when it exits. */
  #onDraining(worker: WorkerHandle, reason: DrainReason, message: string, stack: string | undefined): void {
    if (worker.state === 'stopped' || worker.state === 'draining') return;
    const upFor = Date.now() - worker.startedAt;
    this.#dispatcher.remove(worker);
    worker.setState('draining');
    worker.failure = message;
    this.#log.error(
      { worker: worker.id, index: worker.index, workerPid: worker.pid, reason, err: { message, stack } },
      'worker failed; draining it and starting a replacement',
    );
    this.emit('draining', worker.info(), reason, message);
    void worker.exitWithin(this.#options.killTimeout + killGrace, () =>
      this.#log.warn({ worker: worker.id, workerPid: worker.pid }, 'draining worker did not exit in time; SIGKILL'),
    );
    if (this.#state !== 'running') return;
    worker.isReplaced = true;
    this.#replace(worker, upFor, true);
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    const wasState = worker.state;
    const upFor = Date.now() - worker.startedAt;
    worker.setState('stopped');
    worker.clearStartTimer();
    this.#workers.delete(worker.id);
    const redispatched = this.#dispatcher.reclaim(worker);
    const isExpected = wasState === 'draining';
    const fields = { worker: worker.id, index: worker.index, workerPid: worker.pid, code, signal, redispatched };
    if (isExpected) this.#log.info(fields, 'worker exited');
    else {
      worker.failure ??= signal === null ? `exit code ${code}` : `killed by ${signal}`;
      this.#log.warn(fields, 'worker exited unexpectedly');
    }
    this.emit('exit', worker.info(), code, signal);
    const isSlotKept = worker.index <= this.#size;
    if (!isExpected && !worker.isReplaced && !worker.isCandidate && isSlotKept && this.#state === 'running') {
      this.#replace(worker, upFor, false);
    }
  }

  /** Starts a new worker in the failed one's slot, after the backoff delay; or gives up on a crash loop. */
  #replace(failed: WorkerHandle, upFor: number, isImmediate: boolean): void {
    const index = failed.index;
    const delay = this.#restarts.next(index, upFor, isImmediate);
    if (delay === undefined) {
      this.#giveUp(failed);
      return;
    }
    this.#log.info({ index, delay }, 'restarting worker');
    this.emit('restart', index, delay);
    this.#restarts.schedule(index, delay, () => {
      if (this.#state === 'running') this.#spawn(index);
    });
  }

  #giveUp(last: WorkerHandle): void {
    const { maxRestarts, restartWindow } = this.#options;
    const error = new HandoffError(
      'ERR_HANDOFF_CRASH_LOOP',
      `workers failed more than ${maxRestarts} times within ${restartWindow} ms; giving up. Last failure (worker ${last.index}): ${last.failure ?? 'unknown'}`,
    );
    this.#log.error({ err: error }, 'crash loop');
    // Start closing first: if nobody listens for 'error', emitting it throws, and nothing must be left running.
    void this.close();
    this.emit('error', error);
  }

  #onServerError(err: Error): void {
    // Accept errors (EMFILE, ENFILE) do not close the listener: log, report, keep serving.
    this.#log.error({ err }, 'listener error');
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  async #shutdown(): Promise<CloseResult> {
    if (this.#state === 'closed' || this.#state === 'idle') {
      this.#state = 'closed';
      return { forced: 0 };
    }
    this.#state = 'closing';
    this.#restarts.cancelAll();
    this.#heartbeat.stop();
    this.#server?.close();
    this.#dispatcher.close();
    let forced = 0;
    const countForced = (_: WorkerInfo, code: number | null): void => {
      if (code !== 0) forced++;
    };
    this.on('exit', countForced);
    await Promise.all([...this.#workers.values()].map((w) => this.#stopWorker(w)));
    this.off('exit', countForced);
    this.#dropLog.flush();
    process.off('exit', this.#killAll);
    this.#state = 'closed';
    this.#log.info({ forced, stats: this.stats() }, 'closed');
    return { forced };
  }

  /** Drains a worker whose slot is served by another one (or no longer exists): its exit restarts nothing. */
  #retire(worker: WorkerHandle): Promise<void> {
    worker.isReplaced = true;
    return this.#stopWorker(worker);
  }

  async #rollingReload(): Promise<ReloadResult> {
    const slots = [...new Set(this.#serving().map((w) => w.index))].sort((a, b) => a - b);
    const step = this.#options.reloadParallelism;
    this.#log.info({ slots }, 'reload started');
    let replaced = 0;
    for (let i = 0; i < slots.length; i += step) {
      const batch = slots.slice(i, i + step).filter((index) => index <= this.#size);
      const old = this.#serving().filter((w) => batch.includes(w.index));
      const fresh = batch.map((index) => {
        const worker = this.#spawn(index);
        worker.isCandidate = true;
        return worker;
      });
      const started = await Promise.allSettled(fresh.map((w) => this.#waitReady(w)));
      replaced += started.filter((r) => r.status === 'fulfilled').length;
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) {
        await Promise.all(fresh.filter((w) => w.state === 'starting').map((w) => this.#stopWorker(w)));
        const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
        const error = new HandoffError(
          'ERR_HANDOFF_RELOAD',
          `reload stopped after replacing ${replaced} of ${slots.length} workers: ${reason}; the other workers keep serving`,
          { cause: failed.reason },
        );
        this.#log.error({ err: error }, 'reload failed');
        const result: ReloadResult = { ok: false, replaced, error };
        this.emit('reload', result);
        throw error;
      }
      // Each new worker's readiness retired the old one of its slot (see #onReady); wait until they are gone.
      await Promise.all(old.map((w) => w.whenExited()));
    }
    this.#log.info({ replaced }, 'reload finished');
    const result: ReloadResult = { ok: true, replaced };
    this.emit('reload', result);
    return result;
  }

  /** Workers serving now (a stuck one included: it is still its slot's worker). */
  #serving(): WorkerHandle[] {
    return [...this.#workers.values()].filter((w) => w.state === 'ready');
  }

  #stopWorker(worker: WorkerHandle): Promise<void> {
    this.#dispatcher.remove(worker);
    // One draining on its own already has its deadline; telling it again changes nothing.
    if (worker.state !== 'draining') worker.stop();
    return worker.exitWithin(this.#options.killTimeout + killGrace, () =>
      this.#log.warn({ worker: worker.id, workerPid: worker.pid }, 'worker did not stop in time; SIGKILL'),
    );
  }

  /** Last resort if the master process exits without close(): workers would notice anyway, but never linger. */
  readonly #killAll = (): void => {
    for (const worker of this.#workers.values()) worker.kill('SIGKILL');
  };
}
