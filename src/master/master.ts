import { EventEmitter } from 'node:events';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { AdminServer } from '../admin/admin-server.js';
import type { AdminTarget } from '../admin/admin-target.js';
import { HandoffError } from '../errors.js';
import type { MessageTarget } from '../protocol.js';
import type { Strategy, StrategyOptions } from '../strategies/strategy.js';
import type { MasterState, MasterStats, ReloadResult, WorkerInfo } from '../stats.js';
import { Dispatcher } from './dispatcher.js';
import { DropLog } from './drop-log.js';
import type { TcpHandle } from './pending-connection.js';
import type { CloseResult, Emit, MasterEvents } from './events.js';
import { fairness } from './fairness.js';
import { type Logger, silentLogger } from '../logger.js';
import { type MasterOptions, type ResolvedOptions, defaults, integer, resolveOptions, weight } from './options.js';
import { rollingReload } from './rolling-reload.js';
import { Supervisor } from './supervisor.js';
import type { WorkerHandle } from './worker-handle.js';

export type { CloseResult, MasterEvents } from './events.js';
export type { MasterState, MasterStats, ReloadResult } from '../stats.js';

/** Turns a strategy name (or object) into a Strategy: the registry, handed in so the master does not import it. */
export type StrategyResolver = (value: string | Strategy, options: StrategyOptions) => Strategy;

/**
 * The master: one listening socket, N forked workers, and a strategy choosing which worker gets each connection.
 * Create it with {@link createMaster}; `listen()` binds, forks and resolves once every worker is ready.
 */
export class Master extends EventEmitter<MasterEvents> implements AdminTarget {
  readonly #options: ResolvedOptions;
  readonly #log: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #supervisor: Supervisor;
  readonly #dropLog: DropLog;
  #server: Server | undefined;
  #admin: AdminServer | undefined;
  #state: MasterState = 'idle';
  #startedAt = 0;
  #closing: Promise<CloseResult> | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  readonly #emit: Emit;
  readonly #resolveStrategy: StrategyResolver;

  constructor(options: MasterOptions, resolveStrategy: StrategyResolver) {
    super();
    this.#resolveStrategy = resolveStrategy;
    this.#options = resolveOptions(options);
    this.#log = options.logger ?? silentLogger;
    this.#dropLog = new DropLog(this.#log);
    // The typed emit, as a plain function the dispatcher, supervisor and reload can be given.
    const emit: Emit = (event, ...args) => {
      (this.emit as (event: keyof MasterEvents, ...args: unknown[]) => boolean)(event, ...args);
    };
    this.#emit = emit;
    this.#dispatcher = new Dispatcher({
      strategy: resolveStrategy(options.strategy ?? defaults.strategy, this.#options.strategyOptions),
      maxQueue: this.#options.maxQueue,
      queueTimeout: this.#options.queueTimeout,
      proxyTimeout: this.#options.proxyProtocol ? this.#options.proxyTimeout : undefined,
      hooks: {
        drop: (reason, detail) => {
          if (detail !== undefined) this.#log.debug({ reason, detail }, 'PROXY header refused; connection closed');
          this.#dropLog.record(reason);
          emit('drop', reason);
        },
        redispatch: (worker, count) => emit('redispatch', worker.info(), count),
        strategyError: (err) => this.#log.error({ err }, 'strategy.pick() threw; used the next free worker'),
      },
    });
    this.#supervisor = new Supervisor({
      options: this.#options,
      log: this.#log,
      dispatcher: this.#dispatcher,
      emit,
      isRunning: () => this.#state === 'running',
      isClosing: () => this.#state === 'closing' || this.#state === 'closed',
      address: () => this.address()!,
      giveUp: (error) => {
        this.#log.error({ err: error }, 'crash loop');
        // Start closing first: if nobody listens for 'error', emitting it throws, and nothing must be left running.
        void this.close();
        emit('error', error);
      },
    });
  }

  get state(): MasterState {
    return this.#state;
  }

  /** The number of worker slots the master keeps filled. */
  get size(): number {
    return this.#supervisor.size;
  }

  get strategy(): Strategy {
    return this.#dispatcher.strategy;
  }

  /** Binds the port first (so a bad port fails before any process exists), then forks and waits for readiness. */
  async listen(): Promise<AddressInfo> {
    if (this.#state !== 'idle') throw new HandoffError('ERR_HANDOFF_STATE', `listen() called while ${this.#state}`);
    this.#state = 'starting';
    this.#startedAt = Date.now();
    const address = await this.#bind();
    await this.#startAdmin();
    this.#log.info(
      { address: address.address, port: address.port, workers: this.size, strategy: this.strategy.name },
      'listening',
    );
    this.emit('listening', address);
    process.on('exit', this.#killAll);
    try {
      await this.#supervisor.start();
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

  /** Where the admin endpoint listens, or null when there is none (no `adminPort`, or not yet listening). */
  adminAddress(): AddressInfo | null {
    return this.#admin?.address() ?? null;
  }

  /** The workers (slots 1..N, and any draining or starting beside them); not the agent. */
  workers(): WorkerInfo[] {
    return [...this.#supervisor.workers()].filter((w) => w.index > 0).map((w) => w.info());
  }

  /** The agent process (index 0), or null when there is none (or it is between restarts). */
  agent(): WorkerInfo | null {
    return this.#supervisor.find('agent')?.info() ?? null;
  }

  /**
   * Sends `data` to one worker (by id) or to the agent: its app gets it on process.on('message') and on
   * `worker.on('message')` from handoff/worker. False when there is no such process.
   */
  send(target: MessageTarget, data: unknown): boolean {
    return this.#supervisor.find(target)?.post(data) ?? false;
  }

  /** Sends `data` to every live worker (not the agent); returns how many it was sent to. */
  broadcast(data: unknown): number {
    let sent = 0;
    for (const worker of this.#supervisor.workers()) if (worker.index > 0 && worker.post(data)) sent++;
    return sent;
  }

  stats(): MasterStats {
    const c = this.#dispatcher.counters;
    let inFlight = 0;
    let workers = 0;
    const loads: number[] = [];
    for (const w of this.#supervisor.workers()) {
      if (w.index === 0) continue;
      workers++;
      inFlight += w.inFlight;
      if (w.state === 'ready') loads.push(w.view.active);
    }
    return {
      state: this.#state,
      strategy: this.strategy.name,
      uptime: this.#startedAt === 0 ? 0 : (Date.now() - this.#startedAt) / 1000,
      accepted: c.accepted,
      dispatched: c.dispatched,
      delivered: c.delivered,
      redispatched: c.redispatched,
      strategyErrors: c.strategyErrors,
      dropped: { ...c.dropped },
      queued: this.#dispatcher.queued,
      inFlight,
      awaitingHeader: this.#dispatcher.awaitingHeader,
      workers,
      ready: loads.length,
      fairness: fairness(loads),
    };
  }

  /**
   * Switches the balancing strategy while serving: a registered name (built with `strategyOptions`) or a Strategy
   * object. The switch happens between two connections; none is lost or sent twice, and sockets already in flight
   * are not moved. Throws ERR_HANDOFF_UNKNOWN_STRATEGY / ERR_HANDOFF_BAD_STRATEGY and changes nothing then.
   */
  setStrategy(strategy: string | Strategy): void {
    const next = this.#resolveStrategy(strategy, this.#options.strategyOptions);
    const from = this.strategy.name;
    this.#dispatcher.setStrategy(next);
    this.#log.info({ from, to: next.name }, 'strategy changed');
    this.emit('strategy', next.name, from);
  }

  /**
   * Sets the weight of a worker's slot (an integer, 0 to 1000); a replacement in the slot keeps it. Weighted
   * strategies share connections in proportion; 0 drains the worker: it gets no new connections and keeps serving
   * the ones it has. Throws ERR_HANDOFF_UNKNOWN_WORKER for an id that is not a live worker.
   */
  setWeight(id: number, value: number): WorkerInfo {
    const w = weight('weight', value);
    const worker = this.#liveWorker(id);
    const from = worker.weight;
    this.#supervisor.setWeight(worker.index, w);
    this.#log.info({ worker: worker.id, index: worker.index, from, to: w }, w === 0 ? 'worker drained' : 'weight changed');
    const info = worker.info();
    this.emit('weight', info, from);
    return info;
  }

  /** Drains a worker without stopping it: `setWeight(id, 0)`. Give it a weight again to bring it back. */
  drain(id: number): WorkerInfo {
    return this.setWeight(id, 0);
  }

  #liveWorker(id: unknown): WorkerHandle {
    const worker = typeof id === 'number' ? this.#supervisor.find(id) : undefined;
    if (worker === undefined || worker.index === 0 || worker.state === 'stopped') {
      const ids = this.workers().map((w) => w.id);
      throw new HandoffError('ERR_HANDOFF_UNKNOWN_WORKER', `no worker with id ${String(id)}; live workers: ${ids.join(', ') || 'none'}`);
    }
    return worker;
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
    this.#reloading ??= rollingReload(
      this.#supervisor,
      this.#options.reloadParallelism,
      this.#log,
      this.#emit,
    ).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /**
   * Resizes the pool to `size` slots: new slots get new workers (resolves once they are ready), slots above `size`
   * are drained (resolves once their workers are gone).
   */
  async scale(size: number): Promise<void> {
    const n = integer('workers', size, this.size, 1, 1024);
    if (this.#state !== 'running') throw new HandoffError('ERR_HANDOFF_STATE', `scale() called while ${this.#state}`);
    this.#log.info({ from: this.size, to: n }, 'scaling');
    this.emit('scale', n);
    await this.#supervisor.scale(n);
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
    // Take accepted connections as raw handles (see Dispatcher.accept), as node:cluster's RoundRobinHandle does: no
    // net.Socket is made, and nothing is read. Node's own onconnection is replaced, so pauseOnConnect is moot but kept
    // as a guard should this hook ever stop being honoured.
    const handle = (server as unknown as { _handle: { onconnection: (err: number, client: TcpHandle) => void } })._handle;
    handle.onconnection = (err, client) => {
      if (err) this.#onServerError(Object.assign(new Error(`accept failed: ${getSystemErrorName(err)}`), { code: getSystemErrorName(err) }));
      else this.#dispatcher.accept(client);
    };
    this.#server = server;
    return server.address() as AddressInfo;
  }

  /**
   * Before any worker exists, like the main port: an admin port that cannot be bound fails the start with nothing
   * to clean up but the listener.
   */
  async #startAdmin(): Promise<void> {
    const { adminPort, adminHost } = this.#options;
    if (adminPort === undefined) return;
    // Loaded only when asked for: prom-client and the schemas cost the master memory it would never use otherwise.
    const { AdminServer } = await import('../admin/admin-server.js');
    this.#admin = new AdminServer(this, { port: adminPort, host: adminHost, logger: this.#log });
    try {
      const { address, port } = await this.#admin.listen();
      this.#log.info({ address, port }, 'admin endpoint listening');
    } catch (err) {
      this.#server?.close();
      this.#state = 'closed';
      throw err;
    }
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
    const wasRunning = this.#state === 'running';
    this.#state = 'closing';
    if (wasRunning && this.#options.drainDelay > 0) {
      // Health checks say 503 from now on, but the port stays open and served: a load balancer in front takes this
      // instance out of rotation before anything is refused (Kubernetes' endpoint removal races the SIGTERM too).
      this.#log.info({ drainDelay: this.#options.drainDelay }, 'draining: unready, still serving');
      await new Promise((resolve) => setTimeout(resolve, this.#options.drainDelay));
    }
    this.#server?.close();
    this.#dispatcher.close();
    const forced = await this.#supervisor.stopAll();
    // Last: health checks answer 503 "closing" while the workers drain, so a balancer in front stops sending here.
    await this.#admin?.close();
    this.#dropLog.flush();
    process.off('exit', this.#killAll);
    this.#state = 'closed';
    this.#log.info({ forced, stats: this.stats() }, 'closed');
    return { forced };
  }

  readonly #killAll = (): void => this.#supervisor.killAll();
}
