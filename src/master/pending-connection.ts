import type { Socket } from 'node:net';
import type { ConnectionInfo } from '../strategies/strategy.js';

/**
 * One accepted socket on its way to a worker. It is also the strategy's ConnectionInfo (no second object per
 * connection) and a node of the master's queue (intrusive links: O(1) removal without searching).
 */
export class PendingConnection implements ConnectionInfo {
  readonly id: number;
  readonly socket: Socket;
  /** performance.now() when it entered the queue; 0 while it never waited. */
  queuedAt = 0;
  prev: PendingConnection | undefined = undefined;
  next: PendingConnection | undefined = undefined;

  constructor(id: number, socket: Socket) {
    this.id = id;
    this.socket = socket;
  }

  // Getters, so a strategy that ignores the address costs no getpeername() call. Node caches the result.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }
}
