import type { ConnectionInfo } from '../strategies/strategy.js';

/**
 * The libuv TCP handle of an accepted connection, as Node's accept path receives it (lib/net.js onconnection).
 * Internal to Node, but stable: node:cluster's RoundRobinHandle works on exactly this.
 */
export interface TcpHandle {
  getpeername(out: Record<string, unknown>): number;
  getsockname(out: Record<string, unknown>): number;
  close(callback?: () => void): void;
}

interface Endpoint {
  address?: string;
  port?: number;
  family?: string;
}

/**
 * One accepted connection on its way to a worker. It is also the strategy's ConnectionInfo (no second object per
 * connection) and a node of the master's queue (intrusive links: O(1) removal without searching).
 */
export class PendingConnection implements ConnectionInfo {
  readonly id: number;
  readonly handle: TcpHandle;
  /** performance.now() when it entered the queue; 0 while it never waited. */
  queuedAt = 0;
  /** performance.now() when it was last sent to a worker: the handoff latency runs from here to the ack. */
  sentAt = 0;
  /** PROXY protocol: the Socket that read the header (it owns the handle now), and the bytes read past it. */
  reader: { destroy(): void } | undefined = undefined;
  head: Buffer | undefined = undefined;
  /** PROXY protocol: the client's address from the header, which the worker shows the app. */
  proxied: { readonly address: string; readonly port: number; readonly family: string } | undefined = undefined;
  prev: PendingConnection | undefined = undefined;
  next: PendingConnection | undefined = undefined;
  #peer: Endpoint | undefined;
  #local: Endpoint | undefined;

  constructor(id: number, handle: TcpHandle) {
    this.id = id;
    this.handle = handle;
  }

  /** Closes the master's descriptor; the worker's copy, once it has one, keeps the connection open. */
  close(): void {
    if (this.reader === undefined) this.handle.close();
    else this.reader.destroy();
  }

  /** The client as the PROXY header gave it: what strategies (ip-hash) and the app see instead of the proxy. */
  setPeer(address: string, port: number, family: string): void {
    this.proxied = { address, port, family };
    this.#peer = { address, port, family };
  }

  // Read on first use, so a strategy that ignores the address costs no getpeername() system call.
  get remoteAddress(): string | undefined {
    return this.#peerInfo().address;
  }

  get remotePort(): number | undefined {
    return this.#peerInfo().port;
  }

  get remoteFamily(): string | undefined {
    return this.#peerInfo().family;
  }

  get localPort(): number | undefined {
    if (this.#local === undefined) {
      this.#local = {};
      this.handle.getsockname(this.#local as Record<string, unknown>);
    }
    return this.#local.port;
  }

  #peerInfo(): Endpoint {
    if (this.#peer === undefined) {
      this.#peer = {};
      this.handle.getpeername(this.#peer as Record<string, unknown>);
    }
    return this.#peer;
  }
}
