import { availableParallelism } from 'node:os';
import { OptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Strategy, StrategyOptions } from '../strategies/strategy.js';
import {
  type OutputMode,
  boolean,
  defaultWorkerConnections,
  host,
  integer,
  modulePath,
  output,
  strategyOptions,
  stringArray,
  stringRecord,
  tlsFiles,
  weights,
} from './option-values.js';
import { assertCanSwitch, userId } from './user-id.js';

// The master (setWeight, scale) and the tests use these checks too.
export { defaultWorkerConnections, integer, maxWeight, weight } from './option-values.js';

export type { OutputMode };

/** Options of {@link createMaster}. Every field is optional; the defaults are listed in the README. */
export interface MasterOptions {
  /** Number of workers (default: os.availableParallelism()). */
  readonly workers?: number;
  /** A registered strategy name or alias, or a Strategy object (default: 'least-connections'). */
  readonly strategy?: string | Strategy;
  /** Path of the app module; omit for the built-in demo app. Resolved against `cwd`. */
  readonly app?: string | null;
  /** Path of an agent module: one extra process, started before the workers, that receives no connections. */
  readonly agent?: string | null;
  /** Interface to listen on (default: all interfaces, as Node's `listen`). */
  readonly host?: string;
  /** TCP port, 0 for any free port (default: 8000). */
  readonly port?: number;
  /** listen(2) backlog (default: 511). */
  readonly backlog?: number;
  /** Unacknowledged handoffs one worker may hold (default: 1; see README "Choosing --max-inflight"). */
  readonly maxInFlight?: number;
  /**
   * Open connections one worker may hold (counting those on their way to it); past it new connections wait in the
   * master's queue, bounded by maxQueue and queueTimeout, then are closed and counted. Default: the open-file limit
   * (RLIMIT_NOFILE, which workers inherit) less 128 for the app's own files, so no worker runs out of descriptors.
   */
  readonly workerConnections?: number;
  /** Connections that may wait in the master for a worker; the excess is closed and counted (default: 4096). */
  readonly maxQueue?: number;
  /** Milliseconds a connection may wait in the queue before it is closed and counted (default: 10000). */
  readonly queueTimeout?: number;
  /** Milliseconds a worker may take to become ready (default: 30000). */
  readonly startTimeout?: number;
  /**
   * Ms between close() (SIGTERM) and the listener closing: health checks answer 503 at once, connections are still
   * accepted and served meanwhile, so a load balancer in front stops sending first (default 0).
   */
  readonly drainDelay?: number;
  /** Milliseconds a stopping worker gets before SIGKILL (default: 5000). */
  readonly killTimeout?: number;
  /** Base and maximum delay, in ms, of the exponential backoff between restarts of a crashing worker. */
  readonly restartDelay?: number;
  readonly maxRestartDelay?: number;
  /** More unplanned worker replacements than this within `restartWindow` ms, and the master gives up (default 10). */
  readonly maxRestarts?: number;
  /** The crash-loop window in ms (default 60000). */
  readonly restartWindow?: number;
  /** Workers a rolling reload replaces at a time (default 1). */
  readonly reloadParallelism?: number;
  /** Ms between heartbeats; a worker silent for two is unresponsive and gets no new sockets (default 500). */
  readonly heartbeatInterval?: number;
  /** Ms a worker may stay unresponsive before it is replaced; 0 never replaces (default 30000). */
  readonly unresponsiveTimeout?: number;
  /** Per-slot weights for weighted strategies: `weights[0]` is worker 1's; missing ones are 1; 0 drains a slot. */
  readonly weights?: readonly number[];
  /** Ms over which a worker joining a running pool ramps from 5% to its full weight (default 0: off). */
  readonly slowStart?: number;
  /** Options for the built-in strategies (p2c draws, ip-hash balance factor), also used by setStrategy(). */
  readonly strategyOptions?: StrategyOptions;
  /**
   * Expect a PROXY protocol header (v1 or v2, as HAProxy's send-proxy / send-proxy-v2 write it) on every connection:
   * the client's address from it is what strategies and the app see (default false).
   */
  readonly proxyProtocol?: boolean;
  /** Ms a connection may take to send its complete PROXY header before it is closed and counted (default 5000). */
  readonly proxyTimeout?: number;
  /** Port of the admin HTTP endpoint (stats, metrics, health, live control); omit for none. */
  readonly adminPort?: number;
  /** Interface the admin endpoint binds to (default: 127.0.0.1, never all interfaces unless asked). */
  readonly adminHost?: string;
  /** User (id or name) the workers run as; the master keeps its own, having bound the port (default: the master's). */
  readonly uid?: number | string;
  /** Group (id or name) the workers run as (default: the master's). */
  readonly gid?: number | string;
  /**
   * PEM certificate (chain) and private key files: the workers terminate TLS with them. Both or neither; resolved
   * against `cwd`. Every new worker reads them when it starts, so a rolling reload serves a renewed certificate.
   */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** A pino-compatible logger (default: silent). */
  readonly logger?: Logger;
  /** Extra environment for the workers, on top of the master's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags for the workers (default: the master's process.execArgv). */
  readonly execArgv?: readonly string[];
  /** Where the workers' stdout and stderr go (default: inherit both). */
  readonly stdout?: OutputMode;
  readonly stderr?: OutputMode;
  /** Directory the app path is resolved against (default: process.cwd()). */
  readonly cwd?: string;
}

export interface ResolvedOptions {
  readonly workers: number;
  readonly app: string | null;
  readonly agent: string | null;
  readonly host: string | undefined;
  readonly port: number;
  readonly backlog: number;
  readonly maxInFlight: number;
  readonly maxQueue: number;
  readonly workerConnections: number;
  readonly queueTimeout: number;
  readonly startTimeout: number;
  readonly killTimeout: number;
  readonly drainDelay: number;
  readonly restartDelay: number;
  readonly maxRestartDelay: number;
  readonly maxRestarts: number;
  readonly restartWindow: number;
  readonly heartbeatInterval: number;
  readonly unresponsiveTimeout: number;
  readonly reloadParallelism: number;
  readonly weights: readonly number[];
  readonly slowStart: number;
  readonly strategyOptions: StrategyOptions;
  readonly proxyProtocol: boolean;
  readonly proxyTimeout: number;
  readonly adminPort: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly adminHost: string;
  readonly tls: { readonly cert: string; readonly key: string } | null;
  readonly env: Readonly<Record<string, string>>;
  readonly execArgv: readonly string[];
  readonly stdout: OutputMode;
  readonly stderr: OutputMode;
}

export const defaults = {
  port: 8000,
  backlog: 511,
  maxInFlight: 1,
  maxQueue: 4096,
  queueTimeout: 10_000,
  startTimeout: 30_000,
  killTimeout: 5_000,
  drainDelay: 0,
  restartDelay: 100,
  maxRestartDelay: 10_000,
  maxRestarts: 10,
  restartWindow: 60_000,
  heartbeatInterval: 500,
  unresponsiveTimeout: 30_000,
  reloadParallelism: 1,
  slowStart: 0,
  proxyTimeout: 5000,
  adminHost: '127.0.0.1',
  draws: 2,
  balanceFactor: 1.25,
  strategy: 'least-connections',
} as const;

/** Validates everything that can be checked before a socket is bound or a process forked. */
export function resolveOptions(options: MasterOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new OptionError('options', 'an object', options);
  const cwd = options.cwd ?? process.cwd();
  const restartDelay = integer('restartDelay', options.restartDelay, defaults.restartDelay, 1);
  const uid = userId('uid', options.uid);
  const gid = userId('gid', options.gid);
  assertCanSwitch('uid', uid);
  assertCanSwitch('gid', gid);
  return {
    workers: integer('workers', options.workers, availableParallelism(), 1, 1024),
    app: modulePath('app', options.app, cwd),
    agent: modulePath('agent', options.agent, cwd),
    host: host('host', options.host),
    port: integer('port', options.port, defaults.port, 0, 65535),
    backlog: integer('backlog', options.backlog, defaults.backlog, 1),
    maxInFlight: integer('maxInFlight', options.maxInFlight, defaults.maxInFlight, 1, 1024),
    maxQueue: integer('maxQueue', options.maxQueue, defaults.maxQueue, 0),
    workerConnections: integer('workerConnections', options.workerConnections, defaultWorkerConnections(), 1),
    queueTimeout: integer('queueTimeout', options.queueTimeout, defaults.queueTimeout, 1),
    startTimeout: integer('startTimeout', options.startTimeout, defaults.startTimeout, 1),
    killTimeout: integer('killTimeout', options.killTimeout, defaults.killTimeout, 1),
    drainDelay: integer('drainDelay', options.drainDelay, defaults.drainDelay, 0),
    restartDelay,
    maxRestartDelay: integer('maxRestartDelay', options.maxRestartDelay, defaults.maxRestartDelay, restartDelay),
    maxRestarts: integer('maxRestarts', options.maxRestarts, defaults.maxRestarts, 0),
    restartWindow: integer('restartWindow', options.restartWindow, defaults.restartWindow, 1),
    heartbeatInterval: integer('heartbeatInterval', options.heartbeatInterval, defaults.heartbeatInterval, 10),
    unresponsiveTimeout: integer('unresponsiveTimeout', options.unresponsiveTimeout, defaults.unresponsiveTimeout, 0),
    reloadParallelism: integer('reloadParallelism', options.reloadParallelism, defaults.reloadParallelism, 1, 1024),
    weights: weights(options.weights),
    slowStart: integer('slowStart', options.slowStart, defaults.slowStart, 0),
    strategyOptions: strategyOptions(options.strategyOptions, defaults),
    proxyProtocol: boolean('proxyProtocol', options.proxyProtocol),
    proxyTimeout: integer('proxyTimeout', options.proxyTimeout, defaults.proxyTimeout, 1),
    uid,
    gid,
    adminPort: options.adminPort === undefined ? undefined : integer('adminPort', options.adminPort, 0, 0, 65535),
    adminHost: host('adminHost', options.adminHost) ?? defaults.adminHost,
    tls: tlsFiles(options.tlsCert, options.tlsKey, cwd),
    env: stringRecord('env', options.env),
    execArgv: stringArray('execArgv', options.execArgv, process.execArgv),
    stdout: output('stdout', options.stdout),
    stderr: output('stderr', options.stderr),
  };
}
