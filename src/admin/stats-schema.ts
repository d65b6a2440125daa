import fastJson from 'fast-json-stringify';
import type { DropReason, Fairness, MasterStats, WorkerInfo } from '../stats.js';

/**
 * The JSON the admin endpoint answers /stats (and the worker routes) with, serialized by fast-json-stringify from a
 * schema that lists every field. The `satisfies Record<keyof …>` checks make the compiler reject a schema that misses
 * a field of the shared types or names one they do not have; `required` makes the serializer throw (a 500) rather
 * than silently leave out a field a snapshot lacks at run time; and properties the schema does not list are never
 * written, so nothing internal leaks through a stats object that grew a field.
 */

const integer = { type: 'integer' } as const;
const number = { type: 'number' } as const;
const string = { type: 'string' } as const;
const boolean = { type: 'boolean' } as const;

function object<P extends Record<string, object>>(properties: P) {
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false } as const;
}

/** A worker as the admin endpoint shows it: its WorkerInfo plus `uptime`, seconds since it was forked. */
export interface AdminWorker extends WorkerInfo {
  readonly uptime: number;
}

const workerProperties = {
  id: integer,
  index: integer,
  pid: integer,
  state: string,
  active: integer,
  inFlight: integer,
  dispatched: integer,
  delivered: integer,
  startedAt: integer,
  restarts: integer,
  isResponsive: boolean,
  // lag, unansweredFor, latency and the weights are measured or configured as fractions: `integer` would round
  // them silently.
  lag: number,
  unansweredFor: number,
  isStalled: boolean,
  latency: number,
  weight: number,
  effectiveWeight: number,
  uptime: number,
} satisfies Record<keyof AdminWorker, object>;

const masterProperties = {
  state: string,
  strategy: string,
  uptime: number,
  accepted: integer,
  dispatched: integer,
  delivered: integer,
  redispatched: integer,
  strategyErrors: integer,
  dropped: object({
    'queue-full': integer,
    'queue-timeout': integer,
    closing: integer,
    'proxy-invalid': integer,
    'proxy-timeout': integer,
    'client-closed': integer,
  } satisfies Record<DropReason, object>),
  queued: integer,
  inFlight: integer,
  awaitingHeader: integer,
  workers: integer,
  ready: integer,
  fairness: object({ jain: number, maxOverMean: number } satisfies Record<keyof Fairness, object>),
} satisfies Record<keyof MasterStats, object>;

export const workerSchema = { title: 'handoff admin worker', ...object(workerProperties) };

export const statsSchema = {
  title: 'handoff admin stats',
  ...object({
    master: object(masterProperties),
    workers: { type: 'array', items: workerSchema },
  }),
};

export interface AdminStats {
  readonly master: MasterStats;
  readonly workers: readonly AdminWorker[];
}

export const serializeStats: (stats: AdminStats) => string = fastJson(statsSchema);
export const serializeWorker: (worker: AdminWorker) => string = fastJson(workerSchema);

/** Adds `uptime` (seconds since the worker was forked, as of `now`) to a WorkerInfo. */
export function adminWorker(info: WorkerInfo, now = Date.now()): AdminWorker {
  return { ...info, uptime: Math.max(0, now - info.startedAt) / 1000 };
}
