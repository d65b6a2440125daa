import type { Logger } from '../logger.js';
import type { MasterStats } from '../stats.js';
import { AdminRequestError } from './admin-error.js';
import type { AdminMetrics } from './admin-metrics.js';
import type { AdminTarget } from './admin-target.js';
import { adminWorker, serializeStats, serializeWorker } from './stats-schema.js';

/** What a route sees: the master (through its admin surface), the path parameters and the parsed JSON body. */
export interface RouteContext {
  readonly target: AdminTarget;
  readonly metrics: AdminMetrics;
  readonly logger: Logger;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** Segments starting with `:` are parameters. */
  readonly path: string;
  /** Whether the route reads a JSON body (the others ignore theirs). */
  readonly hasBody?: boolean;
  handle(context: RouteContext): Reply | Promise<Reply>;
}

function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

interface FieldTypes {
  string: string;
  number: number;
}

/**
 * Reads a field of the JSON body, or refuses the request naming the field and the type it must have. Only the type
 * is checked here: the range is the master's to judge (ERR_HANDOFF_BAD_OPTION names the option and what it allows).
 */
function field<T extends keyof FieldTypes>(body: unknown, name: string, type: T): FieldTypes[T] {
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const value = isObject ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== type) {
    throw new AdminRequestError(400, `the body must be a JSON object with "${name}": a ${type}`);
  }
  return value as FieldTypes[T];
}

/** Worker ids are positive integers; anything else is a malformed request (400), not an unknown worker (404). */
function workerId(params: Readonly<Record<string, string>>): number {
  const id = Number(params.id);
  if (!/^[1-9][0-9]*$/.test(params.id) || !Number.isSafeInteger(id)) {
    throw new AdminRequestError(400, `the worker id must be a positive integer, received ${JSON.stringify(params.id)}`);
  }
  return id;
}

/**
 * Registered strategy names are plain words (`least-connections`, `rr`). The master resolves the name in its registry
 * and never imports a module from here; refusing anything path-like as well keeps it that way should it ever learn to
 * (like --strategy does): loading code named over HTTP would be remote code execution.
 */
const strategyName = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** `/healthz`: the master serves (starting or running) and a worker can take a connection. */
function liveness(stats: MasterStats): string | undefined {
  if (stats.state !== 'starting' && stats.state !== 'running') return `the master is ${stats.state}`;
  return stats.ready >= 1 ? undefined : 'no worker is ready';
}

/** `/readyz`: as /healthz, and start-up is over, so a load balancer in front may send traffic. */
function readiness(stats: MasterStats): string | undefined {
  return stats.state === 'running' ? liveness(stats) : `the master is ${stats.state}`;
}

function health(reason: string | undefined): Reply {
  return reason === undefined ? json(200, { status: 'ok' }) : json(503, { status: 'unavailable', reason });
}

/** The admin API, declared as data: the README lists these, and the router answers 404/405 from this table. */
export const routes: readonly Route[] = [
  {
    method: 'GET',
    path: '/stats',
    handle: ({ target }) => {
      const now = Date.now();
      const workers = target.workers().map((w) => adminWorker(w, now));
      return { status: 200, body: serializeStats({ master: target.stats(), workers }) };
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    handle: async ({ metrics }) => ({ status: 200, body: await metrics.render(), contentType: metrics.contentType }),
  },
  { method: 'GET', path: '/healthz', handle: ({ target }) => health(liveness(target.stats())) },
  { method: 'GET', path: '/readyz', handle: ({ target }) => health(readiness(target.stats())) },
  {
    method: 'POST',
    path: '/strategy',
    hasBody: true,
    handle: ({ target, logger, body }) => {
      const name = field(body, 'strategy', 'string');
      if (!strategyName.test(name)) {
        const received = JSON.stringify(name);
        throw new AdminRequestError(400, `"strategy" must be a registered name, not a path or module: ${received}`);
      }
      const previous = target.stats().strategy;
      target.setStrategy(name);
      const strategy = target.stats().strategy;
      logger.info({ route: 'POST /strategy', requested: name, previous, strategy }, 'admin: strategy changed');
      return json(200, { strategy });
    },
  },
  {
    method: 'POST',
    path: '/workers/:id/weight',
    hasBody: true,
    handle: ({ target, logger, params, body }) => {
      const id = workerId(params);
      const weight = field(body, 'weight', 'number');
      const worker = target.setWeight(id, weight);
      const result = { index: worker.index, state: worker.state, weight: worker.weight };
      logger.info({ route: 'POST /workers/:id/weight', id, weight, result }, 'admin: worker weight set');
      return { status: 200, body: serializeWorker(adminWorker(worker)) };
    },
  },
  {
    method: 'POST',
    path: '/workers/:id/drain',
    handle: ({ target, logger, params }) => {
      const id = workerId(params);
      const worker = target.drain(id);
      const result = { index: worker.index, state: worker.state, weight: worker.weight };
      logger.info({ route: 'POST /workers/:id/drain', id, result }, 'admin: worker drained');
      return { status: 200, body: serializeWorker(adminWorker(worker)) };
    },
  },
  {
    method: 'POST',
    path: '/scale',
    hasBody: true,
    handle: async ({ target, logger, body }) => {
      const workers = field(body, 'workers', 'number');
      await target.scale(workers);
      logger.info({ route: 'POST /scale', workers, result: { processes: target.stats().workers } }, 'admin: scaled');
      return json(200, { workers });
    },
  },
  {
    // A reload that stops part-way is not the caller's fault: 500 with the reload's error (ERR_HANDOFF_RELOAD, the
    // old workers keep serving), or 409 when the master's state did not allow it (ERR_HANDOFF_STATE).
    method: 'POST',
    path: '/reload',
    handle: async ({ target, logger }) => {
      const result = await target.reload();
      const { ok, replaced } = result;
      if (ok) {
        logger.info({ route: 'POST /reload', ok, replaced }, 'admin: reloaded');
        return json(200, { ok, replaced });
      }
      const code = result.error?.code ?? 'ERR_HANDOFF_RELOAD';
      const message = result.error?.message ?? 'the reload did not finish';
      logger.warn({ route: 'POST /reload', ok, replaced, code, message }, 'admin: reload stopped');
      return json(code === 'ERR_HANDOFF_STATE' ? 409 : 500, { ok, replaced, error: { code, message } });
    },
  },
];

export interface RouteMatch {
  readonly route: Route;
  readonly params: Readonly<Record<string, string>>;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    if (segment.startsWith(':')) params[segment.slice(1)] = got[i]!;
    else if (segment !== got[i]) return undefined;
  }
  return params;
}

/**
 * Finds the route for a method and path (HEAD is answered as GET, without the body), or throws: 404 for a path no
 * route has, 405 with an `Allow` header for a path that exists under other methods.
 */
export function matchRoute(method: string, path: string, table: readonly Route[] = routes): RouteMatch {
  const allowed = new Set<string>();
  for (const route of table) {
    const params = matchPath(route.path, path);
    if (params === undefined) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.add(route.method);
    if (route.method === 'GET') allowed.add('HEAD');
  }
  if (allowed.size === 0) throw new AdminRequestError(404, `no admin route ${path}`);
  const allow = [...allowed].join(', ');
  throw new AdminRequestError(405, `${path} answers ${allow}, not ${method}`, { allow });
}
