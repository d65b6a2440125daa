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
  readonly weight: number;
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
}

export type StrategyFactory = (options?: StrategyOptions) => Strategy;
