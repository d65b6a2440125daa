import type { HandoffError } from './errors.js';

/**
 * What the master reports about itself and its workers: plain data shared by the master, the library API and the
 * admin endpoint (which must not import the master).
 */

/** `idle → starting → running → closing → closed`; start-up failures go straight to closing. */
export type MasterState = 'idle' | 'starting' | 'running' | 'closing' | 'closed';

/** `starting → ready → draining → stopped`; a worker receives sockets only while `ready` (and its weight is > 0). */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'stopped';

/**
 * Why the master closed a connection itself: its queue was full, it waited too long, the master was closing; with
 * the PROXY protocol, a malformed header, no complete header in time, or a client gone before its header was in.
 */
export const dropReasons = [
  'queue-full',
  'queue-timeout',
  'closing',
  'proxy-invalid',
  'proxy-timeout',
  'client-closed',
] as const;

export type DropReason = (typeof dropReasons)[number];

/** A plain snapshot of one worker, for events, the API and the admin endpoint. */
export interface WorkerInfo {
  readonly id: number;
  readonly index: number;
  readonly pid: number;
  readonly state: WorkerState;
  readonly active: number;
  readonly inFlight: number;
  /** Sockets sent to this worker, and how many of them it acknowledged. */
  readonly dispatched: number;
  readonly delivered: number;
  /** Date.now() when it was forked. */
  readonly startedAt: number;
  /** Unplanned replacements of this worker's slot so far (crashes, start failures, unresponsive kills). */
  readonly restarts: number;
  /** False while the worker misses heartbeats: it gets no new sockets. */
  readonly isResponsive: boolean;
  /** Round trip of the last heartbeat, in ms: the worker's event-loop lag as the master sees it (-1: none yet). */
  readonly lag: number;
  /**
   * Ms since the master sent a ping this worker has not answered (0: none outstanding): least-latency counts it as
   * latency, and well past the worker's usual answer time it is `isStalled`.
   */
  readonly unansweredFor: number;
  /** Judged inside a long task (see WorkerView.stalled): least-connections and p2c pass it over. */
  readonly isStalled: boolean;
  /** Moving average of send → ack, in ms (0: no ack yet). */
  readonly latency: number;
  /** The configured weight of its slot (0: drained, no new connections). */
  readonly weight: number;
  /** The weight strategies see now: `weight` times the slow-start ramp. */
  readonly effectiveWeight: number;
}

/** How evenly open connections are spread over the ready workers. */
export interface Fairness {
  /** Jain's index, (Σx)² / (n·Σx²): 1 is perfectly even, 1/n is everything on one worker; 1 when nothing is open. */
  readonly jain: number;
  /** The busiest worker's active connections over the mean; 1 is perfectly even (and when nothing is open). */
  readonly maxOverMean: number;
}

export interface MasterStats {
  readonly state: MasterState;
  readonly strategy: string;
  /** Seconds since listen() was called. */
  readonly uptime: number;
  readonly accepted: number;
  /** Sends to a worker, re-dispatches included. */
  readonly dispatched: number;
  /** Sockets a worker acknowledged: the worker owns them. */
  readonly delivered: number;
  /** Sockets taken back from a worker that exited before acknowledging them. */
  readonly redispatched: number;
  /** Picks that threw; the socket went to the next worker that could take it. */
  readonly strategyErrors: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
  readonly queued: number;
  readonly inFlight: number;
  /** PROXY protocol: connections whose header the master is still reading. */
  readonly awaitingHeader: number;
  /** Worker processes (slots 1..N and any draining beside them), and how many of them are ready. */
  readonly workers: number;
  readonly ready: number;
  readonly fairness: Fairness;
}

export interface ReloadResult {
  readonly ok: boolean;
  /** Slots whose worker was replaced by a new one. */
  readonly replaced: number;
  /** Why it stopped, when it did not finish. */
  readonly error?: HandoffError;
}
