import { type Server, Socket } from 'node:net';
import type { TlsTerminator } from './tls-terminator.js';

/** The net.Server fields Node's own accept path reads (lib/net.js onconnection); public but untyped. */
interface ServerInternals {
  allowHalfOpen: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  pauseOnConnect?: boolean;
  highWaterMark?: number;
  maxConnections?: number;
  _connections: number;
}

/** A raw TCP handle passed over IPC (child_process's 'net.Native'): what Node's accept path wraps in a Socket. */
export interface ReceivedHandle {
  close(): void;
  getpeername(out: Record<string, unknown>): number;
}

/** How long a close report waits for an ack to carry the count instead, in ms. */
const reportDelay = 1;

export interface Proxied {
  readonly peer?: { readonly address: string; readonly port: number; readonly family: string } | undefined;
  /** Base64, as it crossed IPC. */
  readonly head?: string | undefined;
}

/**
 * The app reads the client's address where it always does (`req.socket.remoteAddress`): own properties shadow
 * net.Socket's getters, which would ask the kernel and get the proxy. The bytes the master read past the header go
 * back to the front of the stream before anyone reads it.
 */
function applyProxied(socket: Socket, { peer, head }: Proxied): void {
  if (peer !== undefined) {
    Object.defineProperties(socket, {
      remoteAddress: { value: peer.address, configurable: true },
      remotePort: { value: peer.port, configurable: true },
      remoteFamily: { value: peer.family, configurable: true },
    });
  }
  if (head !== undefined) socket.unshift(Buffer.from(head, 'base64'));
}

/**
 * Gives the app's server a connection the master handed over, as if the server had accepted it, and keeps the set
 * of open connections: their count is what the master balances on, and a drain walks them.
 *
 * The master sends the raw handle, so the socket is built here the way Node's accept path builds it (lib/net.js
 * onconnection): with the server's allowHalfOpen, pauseOnConnect and highWaterMark, then noDelay and keep-alive,
 * the server's connection count, and `socket.server`. (A net.Socket sent instead would arrive already reading, with
 * none of those: DESIGN.md fact 5.)
 */
export class ConnectionInjector {
  readonly #server: Server & ServerInternals;
  readonly #report: (active: number) => void;
  readonly #sockets = new Set<Socket>();
  /** Counted from the ack on, a moment before the socket joins #sockets. */
  #active = 0;
  #isReportDue = false;
  #reportTimer: NodeJS.Timeout | undefined;
  #onIdle: (() => void) | undefined;
  readonly #onClose: (this: Socket) => void;
  readonly #tls: TlsTerminator | undefined;

  constructor(server: Server, report: (active: number) => void, tls?: TlsTerminator) {
    this.#server = server as Server & ServerInternals;
    this.#report = report;
    this.#tls = tls;
    const self = this;
    // One function for every socket ('close' calls it with the socket as `this'): no closure per connection.
    this.#onClose = function (this: Socket): void {
      self.#sockets.delete(this);
      self.#closed();
    };
  }

  get active(): number {
    return this.#active;
  }

  /** The connections the app's server holds now. */
  get sockets(): ReadonlySet<Socket> {
    return this.#sockets;
  }

  /** Counts the connection in; the caller acks with {@link active} before calling {@link inject}. */
  reserve(): number {
    // The ack carries the count, so a close report still waiting would say nothing new: it is dropped.
    this.#isReportDue = false;
    return ++this.#active;
  }

  /**
   * `proxied`: what the master read off the connection under the PROXY protocol: the client's address (shown as the
   * socket's remote address) and any bytes that followed the header (put back first in the stream).
   */
  inject(handle: ReceivedHandle, proxied?: Proxied): void {
    const server = this.#server;
    if (server.maxConnections && server._connections >= server.maxConnections) {
      // What Node does past maxConnections: close at once and tell the app through 'drop'.
      const peer: { address?: string; port?: number } = {};
      handle.getpeername(peer);
      server.emit('drop', { remoteAddress: peer.address, remotePort: peer.port });
      handle.close();
      this.#closed();
      return;
    }
    // `handle` and `pauseOnCreate` are the options Node's own accept path uses; they are not in the typings.
    const socket = new Socket({
      handle,
      allowHalfOpen: server.allowHalfOpen,
      pauseOnCreate: server.pauseOnConnect,
      readable: true,
      writable: true,
      readableHighWaterMark: server.highWaterMark,
      writableHighWaterMark: server.highWaterMark,
    } as ConstructorParameters<typeof Socket>[0]);
    if (proxied !== undefined) applyProxied(socket, proxied);
    // With TLS the app's view is the TLSSocket, which the terminator hands to the server after its handshake: that is
    // what closes and what a drain walks.
    const connection = this.#tls?.terminate(socket) ?? socket;
    this.#sockets.add(connection);
    connection.once('close', this.#onClose);
    if (server.noDelay) socket.setNoDelay(true);
    if (server.keepAlive) socket.setKeepAlive(true, server.keepAliveInitialDelay);
    // server.close() and getConnections() count on _connections; the socket decrements it on destroy via _server.
    server._connections++;
    (socket as unknown as { server: Server; _server: Server }).server = server;
    (socket as unknown as { _server: Server })._server = server;
    if (connection === socket) server.emit('connection', socket);
  }

  /** Calls `onIdle` once no connection is left (at once if there is none). */
  whenIdle(onIdle: () => void): void {
    if (this.#active === 0) onIdle();
    else this.#onIdle = onIdle;
  }

  #closed(): void {
    this.#active--;
    if (this.#active === 0 && this.#onIdle !== undefined) this.#onIdle();
    if (this.#isReportDue) return;
    // Coalesced, and folded into acks: the report waits a millisecond, and an ack sent meanwhile carries the count
    // instead. Under new-connection load an ack follows almost every close, so the master reads one message per
    // connection fewer (its CPU per connection is what this saves); an idle worker still reports within ~1 ms.
    this.#isReportDue = true;
    if (this.#reportTimer === undefined) this.#reportTimer = setTimeout(this.#flushReport, reportDelay);
    else this.#reportTimer.refresh();
  }

  readonly #flushReport = (): void => {
    if (!this.#isReportDue) return;
    this.#isReportDue = false;
    this.#report(this.#active);
  };
}
