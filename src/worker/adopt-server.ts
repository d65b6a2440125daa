import type { Server } from 'node:net';
import type { WorkerConfig } from '../protocol.js';

/**
 * Makes an app's server look bound without binding it, as node:cluster's child does: a stand-in `_handle`
 * reports the master's address, so `server.listening`, `server.address()`, `server.close()` and
 * `getConnections()` behave as on a normally listening server, and `listen()` twice still throws.
 *
 * Then it emits 'listening': the app's listen callback runs, and http.Server starts its connection tracking
 * (request/headers timeouts, closeIdleConnections) only on that event.
 */
export function adoptServer(server: Server, address: WorkerConfig['address']): void {
  const handle = {
    getsockname(out: Record<string, unknown>): number {
      out.address = address.address;
      out.family = address.family;
      out.port = address.port;
      return 0;
    },
    // server.close() calls this; nothing is bound, so there is nothing to release.
    close(): void {},
    ref(): void {},
    unref(): void {},
  };
  (server as unknown as { _handle: unknown })._handle = handle;
  process.nextTick(() => server.emit('listening'));
}
