import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { ConnectionInjector } from './connection-injector.js';

/** http.Server and https.Server have it; a plain net.Server (or http2) does not. */
interface HttpLike extends Server {
  closeIdleConnections(): void;
}

const hasServed = Symbol('handoff.hasServed');
type TrackedSocket = Socket & { [hasServed]?: true; _httpMessage?: ServerResponse | null };

const sweepInterval = 50;

/**
 * Graceful exit of a worker: it takes no new sockets (the master already knows), lets requests in flight finish, and
 * exits once its last connection has closed, or after `deadline` ms whatever is still open.
 *
 * For HTTP servers, keep-alive must not hold the worker: from the drain on, every response says `Connection: close`
 * (in-flight ones too, if their headers are not out yet), and keep-alive connections that have served a request and
 * sit idle are closed, at once and then by a sweep every 50 ms. A fresh connection that has not sent its first
 * request yet is left to send it: closing it would fail a request the client already committed to this worker.
 */
export class Drain {
  readonly #server: Server;
  readonly #injector: ConnectionInjector;
  #isDraining = false;

  constructor(server: Server, injector: ConnectionInjector) {
    this.#server = server;
    this.#injector = injector;
    if (isHttp(server)) {
      // One flag check per request while serving; the hook must exist before any drain starts.
      server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
        (req.socket as TrackedSocket)[hasServed] = true;
        if (this.#isDraining && !res.headersSent) res.setHeader('connection', 'close');
      });
    }
  }

  get isDraining(): boolean {
    return this.#isDraining;
  }

  /** Starts the drain; `exit(code)` is called once: 0 when every connection closed, 1 at the deadline. */
  start(deadline: number, exit: (code: number) => void): void {
    if (this.#isDraining) return;
    this.#isDraining = true;
    const server = this.#server;
    let sweep: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => exit(1), deadline);
    this.#injector.whenIdle(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      exit(0);
    });
    if (server.listening) server.close();
    if (!isHttp(server)) return;
    for (const socket of this.#injector.sockets as ReadonlySet<TrackedSocket>) {
      const res = socket._httpMessage;
      if (res && !res.headersSent) res.setHeader('connection', 'close');
    }
    this.#sweep();
    sweep = setInterval(() => this.#sweep(), sweepInterval);
  }

  #sweep(): void {
    for (const socket of this.#injector.sockets as ReadonlySet<TrackedSocket>) {
      if (socket[hasServed] && !socket._httpMessage) socket.destroy();
    }
  }
}

function isHttp(server: Server): server is HttpLike {
  return typeof (server as Partial<HttpLike>).closeIdleConnections === 'function';
}
