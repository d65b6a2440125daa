import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { ConnectionInjector } from './connection-injector.js';

/** http.Server and https.Server have it; a plain net.Server (or http2) does not. */
interface HttpLike extends Server {
  closeIdleConnections(): void;
  keepAliveTimeout: number;
}

const hasServed = Symbol('handoff.hasServed');
const idleSince = Symbol('handoff.idleSince');
type TrackedSocket = Socket & { [hasServed]?: true; [idleSince]?: number; _httpMessage?: ServerResponse | null };

const sweepInterval = 50;
/** A served keep-alive connection idle this long during a drain is closed (or sooner, per keepAliveTimeout). */
const idleGrace = 1000;

/**
 * Graceful exit of a worker: it takes no new sockets (the master already knows), lets requests in flight finish, and
 * exits once its last connection has closed, or after `deadline` ms whatever is still open. The app's server stays
 * as it was (listening, with its address) until the process exits.
 *
 * For HTTP servers, keep-alive must not hold the worker: from the drain on, every response says `Connection: close`
 * (in-flight ones too, if their headers are not out yet), so a busy keep-alive client learns on its next response to
 * reconnect, and does, to another worker. A served connection that stays idle for a second (or the server's shorter
 * keepAliveTimeout) is closed. Closing idle connections at once, as http.Server.close() does, races clients reusing
 * them a moment later (measured: ~30 ECONNRESET in 5800 keep-alive requests over 3 reloads); after a second's
 * silence that race is the one every keep-alive server has at its idle timeout anyway. A fresh connection that has
 * not sent its first request yet is left to send it: closing it would fail a request the client already committed.
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
    // The server itself is left as it is: nothing reaches it but what the master sends, and the master sends no more.
    // Closing it would make server.address() null under requests still running (measured: an app reading it in
    // its handler threw, and its requests hung until the deadline), and http's close() would also close idle
    // keep-alive connections at once.
    if (!isHttp(server)) return;
    for (const socket of this.#injector.sockets as ReadonlySet<TrackedSocket>) {
      const res = socket._httpMessage;
      if (res && !res.headersSent) res.setHeader('connection', 'close');
    }
    const grace = Math.min(idleGrace, server.keepAliveTimeout || idleGrace);
    this.#sweep(grace);
    sweep = setInterval(() => this.#sweep(grace), sweepInterval);
  }

  #sweep(grace: number, now = Date.now()): void {
    for (const socket of this.#injector.sockets as ReadonlySet<TrackedSocket>) {
      if (!socket[hasServed]) continue;
      if (socket._httpMessage) {
        delete socket[idleSince];
        continue;
      }
      socket[idleSince] ??= now;
      if (now - socket[idleSince] >= grace) close(socket);
    }
  }
}

/**
 * A TLS connection (the app's view: the injector tracks the TLSSocket) is ended first, so the client gets a
 * close_notify before the FIN, an orderly TLS close; if that has not finished by the next sweep, it is destroyed.
 */
function close(socket: TrackedSocket): void {
  if ((socket as { encrypted?: boolean }).encrypted === true && !socket.writableEnded) socket.destroySoon();
  else socket.destroy();
}

function isHttp(server: Server): server is HttpLike {
  return typeof (server as Partial<HttpLike>).closeIdleConnections === 'function';
}
