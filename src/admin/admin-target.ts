import type { MasterStats, ReloadResult, WorkerInfo } from '../stats.js';

/**
 * What the admin endpoint may read and change: the Master satisfies it. Declared here so the admin code does not
 * depend on the master's internals (and can be tested against a stand-in).
 *
 * Every method that changes something throws a HandoffError with a stable code on bad input:
 * ERR_HANDOFF_UNKNOWN_STRATEGY, ERR_HANDOFF_UNKNOWN_WORKER, ERR_HANDOFF_BAD_OPTION (the value is out of range),
 * ERR_HANDOFF_STATE (the master is not running).
 */
export interface AdminTarget {
  stats(): MasterStats;
  /** The workers (slots 1..N and any draining beside them), not the agent. */
  workers(): WorkerInfo[];
  /** Switches the strategy by registered name; sockets already in flight are unaffected, the queue re-picks. */
  setStrategy(name: string): void;
  /** Sets the weight of a worker's slot (its replacements keep it); 0 drains it: no new connections. */
  setWeight(id: number, weight: number): WorkerInfo;
  /** Same as setWeight(id, 0). */
  drain(id: number): WorkerInfo;
  scale(size: number): Promise<void>;
  reload(): Promise<ReloadResult>;
}
