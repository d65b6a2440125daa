/**
 * Every IPC message between the master and a worker, in one place.
 *
 *   master                                   worker
 *     │ ── conn {id, peer?, head?} + handle ────▶ │  inject into the app's server (PROXY: peer and bytes read)
 *     │ ◀─────────────── ack {id, active} ────── │  sent before the worker reads a byte
 *     │   destroy() the master's copy            │
 *     │ ◀──────────────────── load {active} ──── │  after closes, 1 ms later, unless an ack carried it
 *     │ ◀─────────────────────────── ready ───── │  the app has a server
 *     │ ◀──────────── fatal {code, message} ──── │  the app could not load; the worker exits next
 *     │ ◀── draining {reason, message, stack} ── │  the app failed (uncaught): no more sockets, replace it now
 *     │ ── stop ───────────────────────────────▶ │  drain: finish what is open, exit (by killTimeout at the latest)
 *     │ ── ping {t} ───────────────────────────▶ │  every heartbeat interval, and to probe a quiet worker
 *     │ ◀───────────────────────────── pong {t} ─ │  from the worker's event loop: no answer, no new sockets
 *     │ ◀──────────────── route {to, data} ────── │  an app message for another worker or the agent…
 *     │ ── msg {from, data} ───────────────────▶ │  …delivered to it, with its sender
 *
 * Our commands live in the `handoff:` namespace: Node's own start with `NODE_`, and anything else is the app's and
 * passes through untouched. Only plain data crosses: numbers, strings and codes, never Error objects.
 */
export const PREFIX = 'handoff:';

/** Where an app message can go: a worker (by id) or the agent. */
export type MessageTarget = number | 'agent';
/** Where an app message came from. */
export type MessageSource = number | 'master' | 'agent';

export type MasterMessage =
  | {
      readonly cmd: 'handoff:conn';
      readonly id: number;
      /** PROXY protocol: the client's address from the header (the app sees it as the socket's remote address). */
      readonly peer?: { readonly address: string; readonly port: number; readonly family: string };
      /** PROXY protocol: application bytes the master read past the header, base64; the worker unshifts them. */
      readonly head?: string;
    }
  | { readonly cmd: 'handoff:stop' }
  | { readonly cmd: 'handoff:ping'; readonly t: number }
  | { readonly cmd: 'handoff:msg'; readonly from: MessageSource; readonly data: unknown };

/** Why a worker drains on its own. */
export type DrainReason = 'uncaughtException' | 'unhandledRejection';

export type WorkerMessage =
  | { readonly cmd: 'handoff:ready' }
  | { readonly cmd: 'handoff:ack'; readonly id: number; readonly active: number }
  | { readonly cmd: 'handoff:load'; readonly active: number }
  | { readonly cmd: 'handoff:pong'; readonly t: number }
  | { readonly cmd: 'handoff:route'; readonly to: MessageTarget; readonly data: unknown }
  | { readonly cmd: 'handoff:fatal'; readonly code: string; readonly message: string }
  | {
      readonly cmd: 'handoff:draining';
      readonly reason: DrainReason;
      readonly message: string;
      readonly stack: string | undefined;
    };

export function isProtocolMessage(message: unknown): message is { readonly cmd: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { cmd?: unknown }).cmd === 'string' &&
    (message as { cmd: string }).cmd.startsWith(PREFIX)
  );
}

/** Environment a worker starts with. The `HANDOFF_WORKER_*` names are public: apps may read them. */
export const env = {
  workerId: 'HANDOFF_WORKER_ID',
  workerIndex: 'HANDOFF_WORKER_INDEX',
  /** Internal: JSON of {@link WorkerConfig}. */
  config: 'HANDOFF_WORKER_CONFIG',
} as const;

/** Where the runtime publishes the worker API for `handoff/worker`, shared by every copy of the package loaded. */
export const workerApiKey = Symbol.for('handoff.worker');

export interface WorkerConfig {
  /** A worker serves connections; the agent (slot 0) only runs its module and exchanges messages. */
  readonly role: 'worker' | 'agent';
  /** Absolute path of the app (or agent) module, or null for the built-in demo app. */
  readonly app: string | null;
  /** The master's bound address, which the app's captured server reports as its own. */
  readonly address: { readonly address: string; readonly family: string; readonly port: number };
  /** A draining worker exits by itself after this many ms, whatever is still open. */
  readonly killTimeout: number;
  /**
   * Paths of the PEM certificate and key the worker terminates TLS with, or null for plain TCP. Paths, not contents:
   * every new worker reads them when it starts, so a rolling reload picks up a renewed certificate.
   */
  readonly tls: { readonly cert: string; readonly key: string } | null;
}
