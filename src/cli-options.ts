import { logLevels } from './logger.js';
import type { MasterOptions } from './master/options.js';

/** Strategy options the CLI sets as flags of their own. */
export type StrategyOptionKey = 'draws' | 'balanceFactor';

/** One CLI flag: its MasterOptions (or strategyOptions) key, if it maps to one; yargs settings and help text. */
export interface Flag {
  readonly option?: keyof MasterOptions | StrategyOptionKey;
  readonly alias?: string;
  readonly describe: string;
  readonly defaultText: string;
  readonly type?: 'boolean';
  readonly choices?: readonly string[];
}

/**
 * Every flag, as data: yargs reads it, the CLI maps option errors back to flag names with it, and a test checks the
 * README's options table against it. Numbers are validated by resolveOptions(), not yargs, so an error can quote
 * exactly what was typed.
 */
export const flags = {
  workers: { option: 'workers', alias: 'w', describe: 'number of worker processes', defaultText: 'CPU count' },
  strategy: {
    option: 'strategy',
    alias: 's',
    describe: 'balancing strategy: a registered name, or a path to a module exporting a strategy',
    defaultText: 'least-connections',
  },
  app: {
    option: 'app',
    alias: 'a',
    describe: 'app module to serve (CommonJS or ESM); omit for the built-in demo app',
    defaultText: 'demo app',
  },
  weights: {
    option: 'weights',
    describe: 'per-slot weights for weighted strategies, worker 1 first (e.g. 5,1,1; missing ones are 1; 0 drains)',
    defaultText: 'all 1',
  },
  'slow-start': {
    option: 'slowStart',
    describe: 'ms over which a worker joining a running pool ramps up to its full weight (0: off)',
    defaultText: '0',
  },
  draws: { option: 'draws', describe: 'p2c: workers sampled per connection', defaultText: '2' },
  'balance-factor': {
    option: 'balanceFactor',
    describe: 'ip-hash: no worker takes more than this many times the mean load (bounded-load consistent hashing)',
    defaultText: '1.25',
  },
  agent: {
    option: 'agent',
    describe: 'agent module: one extra process, started first, that gets no connections and can message the workers',
    defaultText: 'no agent',
  },
  port: { option: 'port', alias: 'p', describe: 'TCP port to listen on (0: any free port)', defaultText: '8000' },
  host: { option: 'host', describe: 'interface to listen on', defaultText: 'all interfaces' },
  backlog: { option: 'backlog', describe: 'listen(2) backlog', defaultText: '511' },
  'tls-cert': {
    option: 'tlsCert',
    describe: 'PEM certificate (chain) file: the workers terminate TLS (HTTPS, HTTP/2) with it; needs --tls-key',
    defaultText: 'no TLS',
  },
  'tls-key': { option: 'tlsKey', describe: 'PEM private key file of --tls-cert', defaultText: 'no TLS' },
  'max-inflight': {
    option: 'maxInFlight',
    describe: 'unacknowledged handoffs one worker may hold',
    defaultText: '1',
  },
  'worker-connections': {
    option: 'workerConnections',
    describe: 'open connections one worker may hold; past it new ones wait in the master queue (then are closed and counted)',
    defaultText: 'open-file limit - 128',
  },
  'max-queue': {
    option: 'maxQueue',
    describe: 'connections that may wait in the master for a worker; more are closed and counted',
    defaultText: '4096',
  },
  'queue-timeout': {
    option: 'queueTimeout',
    describe: 'ms a connection may wait in the queue before it is closed and counted',
    defaultText: '10000',
  },
  'start-timeout': { option: 'startTimeout', describe: 'ms a worker may take to become ready', defaultText: '30000' },
  'kill-timeout': {
    option: 'killTimeout',
    describe: 'ms a draining worker gets to finish its connections before it is stopped anyway',
    defaultText: '5000',
  },
  'drain-delay': {
    option: 'drainDelay',
    describe: 'ms between SIGTERM and closing the port: health checks answer 503 while connections are still served',
    defaultText: '0',
  },
  'restart-delay': {
    option: 'restartDelay',
    describe: 'ms before the first restart of a failed worker; doubles on each failure of the same slot',
    defaultText: '100',
  },
  'max-restart-delay': {
    option: 'maxRestartDelay',
    describe: 'ms the restart backoff grows to at most',
    defaultText: '10000',
  },
  'max-restarts': {
    option: 'maxRestarts',
    describe: 'unplanned worker replacements allowed within --restart-window before the master gives up',
    defaultText: '10',
  },
  'restart-window': { option: 'restartWindow', describe: 'the crash-loop window, in ms', defaultText: '60000' },
  'reload-parallelism': {
    option: 'reloadParallelism',
    describe: 'workers a rolling reload (SIGHUP) replaces at a time',
    defaultText: '1',
  },
  'heartbeat-interval': {
    option: 'heartbeatInterval',
    describe: 'ms between heartbeats; a worker silent for two gets no new sockets until it answers',
    defaultText: '500',
  },
  'unresponsive-timeout': {
    option: 'unresponsiveTimeout',
    describe: 'ms a worker may stay unresponsive before it is replaced (0: never)',
    defaultText: '30000',
  },
  'proxy-protocol': {
    option: 'proxyProtocol',
    describe: 'expect a PROXY protocol header (v1 or v2) on every connection: the client address it carries is the one strategies and the app see',
    defaultText: 'false',
    type: 'boolean',
  },
  'proxy-timeout': {
    option: 'proxyTimeout',
    describe: 'ms a connection may take to send its PROXY header before it is closed and counted',
    defaultText: '5000',
  },
  uid: {
    option: 'uid',
    describe: "user (name or id) the workers run as, after the master has bound the port; needs the privilege to switch",
    defaultText: "the master's",
  },
  gid: {
    option: 'gid',
    describe: 'group (name or id) the workers run as',
    defaultText: "the master's",
  },
  'admin-port': {
    option: 'adminPort',
    describe: 'port of the admin HTTP endpoint: /stats, /metrics, /healthz, /readyz and live control (0: any free port)',
    defaultText: 'no endpoint',
  },
  'admin-host': {
    option: 'adminHost',
    describe: 'interface the admin endpoint binds to',
    defaultText: '127.0.0.1',
  },
  'log-level': {
    describe: 'log level',
    defaultText: 'info',
    choices: logLevels,
  },
  'log-pretty': { describe: 'human-readable logs instead of JSON lines', defaultText: 'false', type: 'boolean' },
} as const satisfies Record<string, Flag>;

export type FlagName = keyof typeof flags;

export const envPrefix = 'HANDOFF';

/** `max-inflight` → `HANDOFF_MAX_INFLIGHT`. */
export function envName(flag: string): string {
  return `${envPrefix}_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/**
 * Flags set in the environment, as `--flag=value` arguments to put before the command line's (the last one wins, so
 * typed flags override). Only known flags are read: any other HANDOFF_* variable (a parent's HANDOFF_WORKER_ID, say)
 * is none of the CLI's business, whereas yargs' own env() would call it an unknown argument under strict mode.
 */
export function envArgs(env: NodeJS.ProcessEnv): string[] {
  const args: string[] = [];
  for (const name of Object.keys(flags)) {
    const value = env[envName(name)];
    if (value !== undefined) args.push(`--${name}=${value}`);
  }
  return args;
}

/** `maxInFlight` → `--max-inflight`, for error messages that speak the user's language. */
export function flagOf(option: string): string | undefined {
  for (const [name, flag] of Object.entries(flags) as [string, Flag][]) if (flag.option === option) return `--${name}`;
  return undefined;
}

/** The closest flag to a misspelled one (edit distance ≤ 2), for "did you mean". */
export function closestFlag(typed: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of Object.keys(flags)) {
    const d = distance(typed.replace(/^-+/, ''), name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `--${best}`;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
