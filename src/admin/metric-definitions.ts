import { type MasterState, type MasterStats, type WorkerInfo, dropReasons } from '../stats.js';

/**
 * What /metrics exposes, declared as data: each metric's name, type, help and how to read its samples from one
 * snapshot of the master's stats. Names follow the Prometheus conventions: the `handoff_` prefix, base units
 * (seconds), `_total` on counters and only on counters, and per-worker series labelled `worker` (id) and `index`
 * (slot).
 */

export interface Snapshot {
  readonly stats: MasterStats;
  readonly workers: readonly WorkerInfo[];
  readonly now: number;
}

export type Labels = Readonly<Record<string, string>>;
export type Sample = readonly [labels: Labels, value: number];

export interface MetricDefinition {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly labelNames?: readonly string[];
  samples(snapshot: Snapshot): Sample[];
}

const masterStates = ['idle', 'starting', 'running', 'closing', 'closed'] as const satisfies readonly MasterState[];
// Fails to compile when stats.ts grows a state this list misses (its metric would never show it).
true satisfies [Exclude<MasterState, (typeof masterStates)[number]>] extends [never] ? true : false;

const workerLabels = ['worker', 'index'] as const;

function single(value: number): Sample[] {
  return [[{}, value]];
}

/** One sample per worker, labelled with its id and slot; `undefined` leaves the worker out (nothing measured yet). */
function perWorker(value: (worker: WorkerInfo, now: number) => number | undefined) {
  return ({ workers, now }: Snapshot): Sample[] =>
    workers.flatMap((w) => {
      const v = value(w, now);
      return v === undefined ? [] : [[{ worker: String(w.id), index: String(w.index) }, v] as const];
    });
}

/** Slot restarts: during a reload a slot has two workers (the draining one and its replacement) with the same count. */
function restartsBySlot({ workers }: Snapshot): Sample[] {
  const bySlot = new Map<number, number>();
  for (const w of workers) bySlot.set(w.index, Math.max(w.restarts, bySlot.get(w.index) ?? 0));
  return [...bySlot].map(([index, restarts]) => [{ index: String(index) }, restarts]);
}

export const metricDefinitions: readonly MetricDefinition[] = [
  {
    name: 'handoff_connections_accepted_total',
    type: 'counter',
    help: 'Connections the master accepted.',
    samples: (s) => single(s.stats.accepted),
  },
  {
    name: 'handoff_connections_dispatched_total',
    type: 'counter',
    help: 'Sockets sent to a worker, re-dispatches included.',
    samples: (s) => single(s.stats.dispatched),
  },
  {
    name: 'handoff_connections_delivered_total',
    type: 'counter',
    help: 'Sockets a worker acknowledged.',
    samples: (s) => single(s.stats.delivered),
  },
  {
    name: 'handoff_connections_redispatched_total',
    type: 'counter',
    help: 'Sockets taken back from a worker that exited before acknowledging them.',
    samples: (s) => single(s.stats.redispatched),
  },
  {
    name: 'handoff_connections_dropped_total',
    type: 'counter',
    help: 'Connections closed without reaching a worker, by reason.',
    labelNames: ['reason'],
    samples: (s) => dropReasons.map((reason) => [{ reason }, s.stats.dropped[reason]]),
  },
  {
    name: 'handoff_strategy_errors_total',
    type: 'counter',
    help: 'Strategy picks that threw (the socket went to the next worker that could take it).',
    samples: (s) => single(s.stats.strategyErrors),
  },
  {
    name: 'handoff_queue_length',
    type: 'gauge',
    help: 'Connections waiting for a worker.',
    samples: (s) => single(s.stats.queued),
  },
  {
    name: 'handoff_connections_awaiting_header',
    type: 'gauge',
    help: 'PROXY protocol: connections whose header the master is still reading.',
    samples: (s) => single(s.stats.awaitingHeader),
  },
  {
    name: 'handoff_connections_in_flight',
    type: 'gauge',
    help: 'Sockets sent to a worker and not acknowledged yet.',
    samples: (s) => single(s.stats.inFlight),
  },
  {
    name: 'handoff_workers',
    type: 'gauge',
    help: 'Worker processes, draining ones included.',
    samples: (s) => single(s.stats.workers),
  },
  {
    name: 'handoff_workers_ready',
    type: 'gauge',
    help: 'Workers ready to take sockets.',
    samples: (s) => single(s.stats.ready),
  },
  {
    name: 'handoff_fairness_jain_index',
    type: 'gauge',
    help: "Jain's fairness index of open connections over ready workers (1: even, 1/n: all on one).",
    samples: (s) => single(s.stats.fairness.jain),
  },
  {
    name: 'handoff_fairness_max_over_mean_ratio',
    type: 'gauge',
    help: 'Open connections of the busiest ready worker over the mean (1: even).',
    samples: (s) => single(s.stats.fairness.maxOverMean),
  },
  {
    name: 'handoff_master_uptime_seconds',
    type: 'gauge',
    help: 'Seconds since the master started listening.',
    samples: (s) => single(s.stats.uptime),
  },
  {
    name: 'handoff_master_state',
    type: 'gauge',
    help: 'The master lifecycle state: 1 for the current one, 0 for the others.',
    labelNames: ['state'],
    samples: (s) => masterStates.map((state) => [{ state }, state === s.stats.state ? 1 : 0]),
  },
  {
    name: 'handoff_strategy_info',
    type: 'gauge',
    help: 'The balancing strategy in use (always 1).',
    labelNames: ['strategy'],
    samples: (s) => [[{ strategy: s.stats.strategy }, 1]],
  },
  {
    name: 'handoff_worker_connections_dispatched_total',
    type: 'counter',
    help: 'Sockets sent to this worker.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.dispatched),
  },
  {
    name: 'handoff_worker_connections_delivered_total',
    type: 'counter',
    help: 'Sockets this worker acknowledged.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.delivered),
  },
  {
    name: 'handoff_worker_restarts_total',
    type: 'counter',
    help: 'Unplanned replacements of the worker in this slot (crashes, start failures, unresponsive kills).',
    labelNames: ['index'],
    samples: restartsBySlot,
  },
  {
    name: 'handoff_worker_active_connections',
    type: 'gauge',
    help: 'Connections open on this worker.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.active),
  },
  {
    name: 'handoff_worker_connections_in_flight',
    type: 'gauge',
    help: 'Sockets sent to this worker and not acknowledged yet.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.inFlight),
  },
  {
    name: 'handoff_worker_weight',
    type: 'gauge',
    help: "The configured weight of this worker's slot (0: drained).",
    labelNames: workerLabels,
    samples: perWorker((w) => w.weight),
  },
  {
    name: 'handoff_worker_effective_weight',
    type: 'gauge',
    help: 'The weight strategies see now: the configured weight times the slow-start ramp.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.effectiveWeight),
  },
  {
    name: 'handoff_worker_responsive',
    type: 'gauge',
    help: 'Whether this worker answers heartbeats (0: it gets no new sockets).',
    labelNames: workerLabels,
    samples: perWorker((w) => (w.isResponsive ? 1 : 0)),
  },
  {
    // Left out until the first heartbeat came back: -1 would read as a (negative) measurement.
    name: 'handoff_worker_lag_seconds',
    type: 'gauge',
    help: "Round trip of the last heartbeat: the worker's event-loop lag as the master sees it.",
    labelNames: workerLabels,
    samples: perWorker((w) => (w.lag < 0 ? undefined : w.lag / 1000)),
  },
  {
    // Left out until the first acknowledgement: 0 would pull averages across workers down.
    name: 'handoff_worker_ack_latency_seconds',
    type: 'gauge',
    help: 'Moving average of the time from sending a socket to this worker to its acknowledgement.',
    labelNames: workerLabels,
    samples: perWorker((w) => (w.latency > 0 ? w.latency / 1000 : undefined)),
  },
  {
    name: 'handoff_worker_start_time_seconds',
    type: 'gauge',
    help: 'When this worker was forked, in unix seconds.',
    labelNames: workerLabels,
    samples: perWorker((w) => w.startedAt / 1000),
  },
  {
    name: 'handoff_worker_uptime_seconds',
    type: 'gauge',
    help: 'Seconds since this worker was forked.',
    labelNames: workerLabels,
    samples: perWorker((w, now) => Math.max(0, now - w.startedAt) / 1000),
  },
  {
    name: 'handoff_worker_info',
    type: 'gauge',
    help: "A worker's pid and state (always 1).",
    labelNames: [...workerLabels, 'pid', 'state'],
    samples: ({ workers }) =>
      workers.map((w) => [{ worker: String(w.id), index: String(w.index), pid: String(w.pid), state: w.state }, 1]),
  },
];
