import { Server } from 'node:net';

type ListenArgs = unknown[];

/**
 * Captures the app's first TCP `listen()` instead of binding it, so unmodified apps (plain http, Express, Koa,
 * Fastify) run as they are: the master's port is the one that counts. Later listens, and listens on a pipe path or
 * an inherited handle, go to Node untouched.
 */
export class ListenCapture {
  #server: Server | undefined;
  #waiters: ((server: Server) => void)[] = [];
  readonly #original = Server.prototype.listen;
  readonly #onCapture: (server: Server) => void;

  /** `onCapture` runs inside the app's listen() call, so the server looks bound before listen() returns. */
  constructor(onCapture: (server: Server) => void) {
    this.#onCapture = onCapture;
  }

  install(): void {
    const capture = this;
    const original = this.#original;
    Server.prototype.listen = function (this: Server, ...args: ListenArgs): Server {
      if (capture.#server !== undefined || !isTcpListen(args)) {
        return (original as (...a: ListenArgs) => Server).apply(this, args);
      }
      capture.#server = this;
      const callback = args.at(-1);
      if (typeof callback === 'function') this.once('listening', callback as () => void);
      capture.#onCapture(this);
      for (const waiter of capture.#waiters) waiter(this);
      capture.#waiters = [];
      return this;
    } as typeof Server.prototype.listen;
  }

  get server(): Server | undefined {
    return this.#server;
  }

  /** Resolves with the first server the app listens on, now or later (an app may listen after async set-up). */
  captured(): Promise<Server> {
    if (this.#server !== undefined) return Promise.resolve(this.#server);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** listen() forms that bind a TCP port: (), (cb), (port, …), ({ port, host, … }, …) — not a path, handle or fd. */
export function isTcpListen(args: ListenArgs): boolean {
  const first = args[0];
  if (first === undefined || first === null || typeof first === 'function' || typeof first === 'number') return true;
  if (typeof first === 'string') return /^\d+$/.test(first);
  if (typeof first === 'object') {
    const o = first as Record<string, unknown>;
    return o.path === undefined && o.handle === undefined && o._handle === undefined && o.fd === undefined;
  }
  return false;
}
