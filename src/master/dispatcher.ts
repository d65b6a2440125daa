import { performance } from 'node:perf_hooks';
import type { Strategy, WorkerView } from '../strategies/strategy.js';
import { type DropReason, dropReasons } from '../stats.js';
import { PendingConnection, type TcpHandle } from './pending-connection.js';
import { ProxyReader } from './proxy-reader.js';
import { SocketQueue } from './socket-queue.js';
import type { WorkerHandle } from './worker-handle.js';

/*
 * accept ──▶ queue empty? ──yes──▶ strategy.pick ──worker──▶ send (in flight) ──ack──▶ close master copy
 *                │no                   │undefined                  │worker exits before ack
 *                ▼                     ▼                           ▼
 *              queue ◀──────────────── queue ◀─────────────── front of queue (re-dispatch)
 *                │ full / waited too long / master closing
 *                ▼
 *              dropped (closed deliberately, counted by reason)
 *
 * With --proxy-protocol a connection first waits for its PROXY header (read by the master, nothing past it), then
 * enters the diagram at "accept"; a bad, slow or missing header is dropped (proxy-invalid, proxy-timeout,
 * client-closed). Every accepted socket is delivered, dropped, or still awaiting its header, queued or in flight:
 *   accepted = delivered + dropped + awaitingHeader + queued + inFlight
 */

export type { DropReason };

/** A worker that holds connections and has said nothing for this many ms is pinged before the next placement. */
const probeQuiet = 1;

export interface DispatchCounters {
  accepted: number;
  /** Sends to a worker, re-dispatches included. */
  dispatched: number;
  /** Sockets a worker acknowledged: the worker owns them. */
  delivered: number;
  /** Sockets taken back from a worker that exited before acknowledging them. */
  redispatched: number;
  /** Picks that threw; the socket went to the next worker that could take it. */
  strategyErrors: number;
  dropped: Record<DropReason, number>;
}

export interface DispatcherHooks {
  /** `detail` says what was wrong with a PROXY header. */
  drop(reason: DropReason, detail?: string): void;
  redispatch(worker: WorkerHandle, count: number): void;
  strategyError(error: unknown): void;
}

export interface DispatcherOptions {
  readonly strategy: Strategy;
  readonly maxQueue: number;
  readonly queueTimeout: number;
  readonly hooks: DispatcherHooks;
  /** Read a PROXY protocol header off every connection first, giving up after this many ms; undefined: off. */
  readonly proxyTimeout?: number | undefined;
}

export class Dispatcher {
  readonly counters: DispatchCounters = {
    accepted: 0,
    dispatched: 0,
    delivered: 0,
    redispatched: 0,
    strategyErrors: 0,
    dropped: Object.fromEntries(dropReasons.map((reason) => [reason, 0])) as Record<DropReason, number>,
  };
  /** PROXY protocol: connections whose header is being read. */
  readonly #awaiting = new Set<ProxyReader>();
  readonly #proxyTimeout: number | undefined;
  readonly #queue = new SocketQueue();
  /** Ready, responsive workers, whatever their weight. */
  readonly #byView = new Map<WorkerView, WorkerHandle>();
  /** Those with a weight above 0, in a stable order (index, then id): what the strategy sees. */
  #pool: WorkerView[] = [];
  /** The workers behind #pool, in the same order. */
  #poolWorkers: WorkerHandle[] = [];
  #strategy: Strategy;
  readonly #maxQueue: number;
  readonly #queueTimeout: number;
  readonly #hooks: DispatcherHooks;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 0;
  #isClosing = false;

  constructor(options: DispatcherOptions) {
    this.#strategy = options.strategy;
    this.#maxQueue = options.maxQueue;
    this.#queueTimeout = options.queueTimeout;
    this.#hooks = options.hooks;
    this.#proxyTimeout = options.proxyTimeout;
  }

  get awaitingHeader(): number {
    return this.#awaiting.size;
  }

  get strategy(): Strategy {
    return this.#strategy;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /**
   * A raw accepted handle, not a net.Socket: the master never reads, so a Socket (stream state, events, a destroy
   * path) would be work done and undone per connection; node:cluster's primary works on raw handles too. It also
   * keeps child_process's per-server "socket lists" out (a Socket with a `server` gets them: extra IPC, and a
   * server.close() that waits on every worker, forever if one died).
   */
  accept(handle: TcpHandle): void {
    this.counters.accepted++;
    const conn = new PendingConnection(++this.#nextId, handle);
    if (this.#proxyTimeout !== undefined) return this.#readHeader(conn);
    this.#route(conn);
  }

  #route(conn: PendingConnection): void {
    // Before a connection is placed, any worker that holds connections and has gone quiet is asked whether its loop
    // still runs: the answer (or its absence, WorkerView.unansweredFor) is there for the next placements.
    const now = performance.now();
    for (const worker of this.#poolWorkers) worker.probe(now, probeQuiet);
    if (this.#queue.size === 0 && this.#place(conn)) return;
    this.#enqueue(conn);
  }

  #readHeader(conn: PendingConnection): void {
    // Headers being read hold descriptors too: a flood of clients that never send one is bounded like the queue.
    if (this.#isClosing || this.#awaiting.size >= this.#maxQueue) {
      return this.#drop(conn, this.#isClosing ? 'closing' : 'queue-full');
    }
    const reader: ProxyReader = new ProxyReader(conn.handle, this.#proxyTimeout!, {
      done: (header, rest) => {
        this.#awaiting.delete(reader);
        conn.reader = reader.socket;
        conn.head = rest;
        // No source (LOCAL, UNKNOWN, a unix socket): the proxy itself is the peer, as without the protocol.
        if (header.source !== null) conn.setPeer(header.source.address, header.source.port, header.source.family);
        this.#route(conn);
      },
      failed: (reason, detail) => {
        this.#awaiting.delete(reader);
        this.counters.dropped[reason]++;
        this.#hooks.drop(reason, detail);
      },
    });
    this.#awaiting.add(reader);
  }

  /** A worker became ready: it joins the pool (unless its weight is 0) and may take what is waiting. */
  add(worker: WorkerHandle): void {
    this.#byView.set(worker.view, worker);
    this.#update(worker.view);
  }

  /** A worker is draining or gone: no new sockets for it. */
  remove(worker: WorkerHandle): void {
    if (this.#byView.delete(worker.view)) this.#update(worker.view);
  }

  /** The worker's weight changed: at 0 it leaves the pool (drained, its connections stay), above 0 it is back. */
  reweigh(worker: WorkerHandle): void {
    if (this.#byView.has(worker.view)) this.#update(worker.view);
  }

  /**
   * Switches strategy between two connections: the event loop runs one dispatch at a time, so no socket is placed
   * by both or by neither. Sockets in flight stay where they are; the queue is offered to the new strategy.
   */
  setStrategy(strategy: Strategy): void {
    const previous = this.#strategy;
    for (const view of this.#pool) previous.removed?.(view);
    this.#strategy = strategy;
    for (const view of this.#pool) strategy.added?.(view);
    if (this.#queue.size > 0) this.#drain();
  }

  ack(worker: WorkerHandle, id: number, active: number): void {
    worker.setActive(active);
    const conn = worker.settle(id);
    if (conn !== undefined) {
      // Closing our descriptor sends nothing: the worker's copy keeps the connection open.
      conn.close();
      this.counters.delivered++;
    }
    if (this.#queue.size > 0) this.#drain();
  }

  load(worker: WorkerHandle, active: number): void {
    worker.setActive(active);
    // A strategy may wait on connection counts, not only on in-flight capacity.
    if (this.#queue.size > 0) this.#drain();
  }

  /**
   * The worker answered a ping: a strategy that held connections back while it was in doubt (or stalled) may place
   * them now, rather than wait for another worker's ack.
   */
  answered(): void {
    if (this.#queue.size > 0) this.#drain();
  }

  /**
   * The worker exited: whatever it had not acknowledged goes back to the front of the queue, in the order it was
   * accepted, and on to other workers. This is the hole node:cluster leaves open (nodejs/node#19433).
   */
  reclaim(worker: WorkerHandle): number {
    this.remove(worker);
    const pending = worker.takePending();
    if (pending.length === 0) return 0;
    this.counters.redispatched += pending.length;
    this.#hooks.redispatch(worker, pending.length);
    const now = performance.now();
    for (let i = pending.length - 1; i >= 0; i--) {
      const conn = pending[i]!;
      if (this.#isClosing) {
        this.#drop(conn, 'closing');
        continue;
      }
      // The timeout restarts here: these clients have waited longer than the head, which only delays their drop.
      conn.queuedAt = now;
      this.#queue.unshift(conn);
    }
    this.#drain();
    return pending.length;
  }

  /** The master is shutting down: what waits is closed, and so is anything a dying worker hands back. */
  close(): void {
    this.#isClosing = true;
    for (const reader of this.#awaiting) {
      reader.close();
      this.counters.dropped.closing++;
      this.#hooks.drop('closing');
    }
    this.#awaiting.clear();
    for (let conn = this.#queue.shift(); conn !== undefined; conn = this.#queue.shift()) this.#drop(conn, 'closing');
    this.#disarm();
  }

  #place(conn: PendingConnection): boolean {
    let view: WorkerView | undefined;
    try {
      view = this.#strategy.pick(this.#pool, conn);
    } catch (err) {
      this.counters.strategyErrors++;
      this.#hooks.strategyError(err);
      view = this.#pool.find((w) => w.canTake);
    }
    if (view === undefined || !view.canTake) return false;
    const worker = this.#byView.get(view);
    if (worker === undefined) return false;
    if (!worker.send(conn)) {
      // Its channel closed before 'exit' arrived: out of the pool, and the socket tries the others.
      this.remove(worker);
      return this.#place(conn);
    }
    this.counters.dispatched++;
    return true;
  }

  #enqueue(conn: PendingConnection): void {
    if (this.#isClosing) return this.#drop(conn, 'closing');
    if (this.#queue.size >= this.#maxQueue) return this.#drop(conn, 'queue-full');
    conn.queuedAt = performance.now();
    this.#queue.push(conn);
    this.#arm();
  }

  #drain(): void {
    for (let conn = this.#queue.peek(); conn !== undefined; conn = this.#queue.peek()) {
      if (!this.#place(conn)) break;
      this.#queue.remove(conn);
    }
    if (this.#queue.size === 0) this.#disarm();
    else this.#arm();
  }

  #drop(conn: PendingConnection, reason: DropReason): void {
    conn.close();
    this.counters.dropped[reason]++;
    this.#hooks.drop(reason);
  }

  // One timer for the whole queue, set for the head's deadline: no timer per socket.
  #arm(): void {
    const head = this.#queue.peek();
    if (this.#timer !== undefined || head === undefined) return;
    const delay = Math.max(0, head.queuedAt + this.#queueTimeout - performance.now());
    this.#timer = setTimeout(this.#expire, Math.ceil(delay));
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #expire = (): void => {
    this.#timer = undefined;
    const deadline = performance.now() - this.#queueTimeout;
    for (let head = this.#queue.peek(); head !== undefined && head.queuedAt <= deadline; head = this.#queue.peek()) {
      this.#queue.remove(head);
      this.#drop(head, 'queue-timeout');
    }
    this.#arm();
  };

  /** Rebuilds the pool and tells the strategy whether `view` joined or left it. */
  #update(view: WorkerView): void {
    const wasIn = this.#pool.includes(view);
    this.#pool = [...this.#byView.keys()].filter((v) => v.weight > 0).sort((a, b) => a.index - b.index || a.id - b.id);
    this.#poolWorkers = this.#pool.map((v) => this.#byView.get(v)!);
    const isIn = this.#pool.includes(view);
    if (wasIn && !isIn) this.#strategy.removed?.(view);
    if (!wasIn && isIn) {
      this.#strategy.added?.(view);
      this.#drain();
    }
  }
}
