/**
 * The strategy contract. A strategy answers one question, "which worker takes this connection?", over read-only
 * views; it never touches sockets, IPC or timers. The master owns the queue, in-flight limits and retries.
 */

/** What a strategy may know about a worker. Values are live: read them during `pick`, do not cache them. */
export interface WorkerView {
  /** Unique for the master's lifetime; a restarted worker gets a new id. */
  readonly id: number;
  /** The worker's slot, 1..N; a replacement keeps its predecessor's index. */
  readonly index: number;
  readonly pid: number;
  /** Open connections the worker reported (absolute, so a lost report cannot make it drift). */
  readonly active: number;
  /** Sockets sent to the worker and not yet acknowledged. */
  readonly inFlight: number;
  /**
   * Effective weight, > 0: the configured weight (default 1) times the slow-start ramp while the worker is new.
   * Workers whose weight is 0 (drained) are never in the list a strategy sees. Weighted strategies divide load by it;
   * round-robin, random and ip-hash ignore it.
   */
  readonly weight: number;
  /** Round trip of the last heartbeat in ms (the worker's event-loop lag as the master sees it); -1 before the first. */
  readonly lag: number;
  /**
   * Handoff latency in ms: a moving average (EWMA) of the time from sending a socket to the worker's ack, which the
   * worker sends from its event loop as soon as it gets the socket. It rises as soon as a worker's loop is busy, with
   * no extra message; 0 before the first ack.
   */
  readonly latency: number;
  /**
   * performance.now() when the master last heard from the worker: an ack, a report after closes, a pong. A worker
   * with connections open that has gone quiet may be inside a long task (its event loop is not running), or only
   * holding idle connections; {@link unansweredFor} tells which.
   */
  readonly heardAt: number;
  /**
   * Ms since the master sent a ping this worker has not answered yet; 0 when none is outstanding. The master pings a
   * worker that holds connections and has been quiet for a millisecond; a worker whose event loop runs answers
   * soon, so a ping left unanswered much longer means a long task (the loop is blocked), and a connection handed over
   * now would wait for it. See {@link stalled}. Before that judgement, a ping out to a worker that holds connections
   * is doubt, not evidence: least-connections lets such a worker lose ties, and would rather wait for an ack
   * that is on its way from another worker.
   */
  readonly unansweredFor: number;
  /**
   * The master's judgement that the worker is inside a long task: a ping unanswered for over 1 ms and over four times
   * its usual answer time (acks and pongs), so a worker merely busy under full load, whose every answer takes a
   * millisecond or two, is not. Least-connections and p2c pass a stalled worker over while another can take the
   * connection; least-latency counts {@link unansweredFor} as its latency.
   */
  readonly stalled: boolean;
  /** Whether the master would send this worker a socket right now (ready and below its in-flight limit). */
  readonly canTake: boolean;
}

/** The connection being placed. Fields are read lazily: a strategy that ignores them costs no system call. */
export interface ConnectionInfo {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localPort: number | undefined;
}

export interface Strategy {
  readonly name: string;
  /**
   * Returns one of `workers`, or `undefined` to make the connection wait in the master's queue until capacity
   * changes. Returning a worker whose `canTake` is false also means "wait": the connection stays at the head of
   * the queue and `pick` is asked again when a worker frees up. `workers` holds the ready workers, in a stable
   * order; it may be empty.
   */
  pick(workers: readonly WorkerView[], conn: ConnectionInfo): WorkerView | undefined;
  /** Called when a worker becomes ready (joins the pool). */
  added?(worker: WorkerView): void;
  /** Called when a worker leaves the pool (draining or exited). */
  removed?(worker: WorkerView): void;
}

export interface StrategyOptions {
  /** Uniform random source in [0, 1); inject a seeded one for deterministic tests. Defaults to Math.random. */
  readonly random?: () => number;
  /** p2c: how many distinct workers to sample per pick (default 2). */
  readonly draws?: number;
  /**
   * ip-hash: the bounded-load factor c > 1. No worker takes a connection while its load is above c × the mean load
   * (HAProxy's hash-balance-factor, as a ratio: 1.25 = 125). Default 1.25.
   */
  readonly balanceFactor?: number;
}

export type StrategyFactory = (options?: StrategyOptions) => Strategy;

