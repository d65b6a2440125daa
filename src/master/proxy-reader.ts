import { Socket } from 'node:net';
import { type ProxyHeader, parseProxyHeader } from './proxy-header.js';
import type { TcpHandle } from './pending-connection.js';

/** Why a PROXY header could not be read: the connection is closed and counted under this reason. */
export type ProxyFailure = 'proxy-invalid' | 'proxy-timeout' | 'client-closed';

export interface ProxyReadHooks {
  /** The header is in: `rest` holds any application bytes read past it (the worker must see them first). */
  done(header: ProxyHeader, rest: Buffer | undefined): void;
  failed(reason: ProxyFailure, detail: string): void;
}

/**
 * Reads the PROXY protocol header off an accepted connection, and nothing more: the only bytes the master ever
 * reads. The socket reads until the parser says the header is complete, invalid or too long (it knows as soon as the
 * bytes cannot be a header, so garbage costs one read), and reading stops in the same tick, so at most one read's
 * worth of application bytes is taken; those go to the worker with the handle.
 *
 * A slow client (slow loris on the header) costs the master one socket and one timer entry, never a stall: every
 * read is non-blocking, and `timeout` ms after the accept the connection is closed. The Socket here is only a reader;
 * the raw handle underneath is what goes to the worker.
 */
export class ProxyReader {
  readonly socket: Socket;
  readonly #hooks: ProxyReadHooks;
  #buffered: Buffer | undefined;
  #isSettled = false;

  constructor(handle: TcpHandle, timeout: number, hooks: ProxyReadHooks) {
    this.#hooks = hooks;
    // Node's accept path builds sockets from a raw handle this way (lib/net.js onconnection).
    this.socket = new Socket({ handle, readable: true, writable: true } as ConstructorParameters<typeof Socket>[0]);
    this.socket.setTimeout(timeout);
    this.socket.on('data', this.#onData);
    this.socket.on('timeout', () => this.#fail('proxy-timeout', `no complete PROXY header within ${timeout} ms`));
    this.socket.on('end', () => this.#fail('client-closed', 'the client closed before sending a complete PROXY header'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.#fail('client-closed', err.code ?? err.message));
  }

  /** Closes the master's descriptor (the worker's copy, if it has one, keeps the connection open). */
  close(): void {
    this.#isSettled = true;
    this.socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#isSettled) return;
    const data = this.#buffered === undefined ? chunk : Buffer.concat([this.#buffered, chunk]);
    const result = parseProxyHeader(data);
    if (result.kind === 'incomplete') {
      this.#buffered = data;
      return;
    }
    if (result.kind === 'invalid') return this.#fail('proxy-invalid', result.reason);
    this.#isSettled = true;
    const rest = this.#stopReading(result.length < data.length ? data.subarray(result.length) : undefined);
    this.#buffered = undefined;
    this.#hooks.done(result.header, rest);
  };

  /**
   * Stops reading in this tick and returns every application byte the master has taken: the rest of this read and
   * anything the stream buffered. `_read` is neutralised first, since a paused Readable still calls it to refill
   * (maybeReadMore), which would start the handle reading again and swallow the app's bytes.
   */
  #stopReading(rest: Buffer | undefined): Buffer | undefined {
    const socket = this.socket as unknown as Socket & { _read(): void; _handle: { reading: boolean; readStop(): number } };
    socket._read = () => undefined;
    socket.pause();
    socket._handle.reading = false;
    socket._handle.readStop();
    socket.setTimeout(0);
    socket.removeAllListeners('data');
    socket.removeAllListeners('timeout');
    socket.removeAllListeners('end');
    // From here on an error means the client went away; the worker sees that on its own copy.
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
    const chunks = rest === undefined ? [] : [rest];
    for (let more = socket.read() as Buffer | null; more !== null; more = socket.read() as Buffer | null) chunks.push(more);
    return chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  #fail(reason: ProxyFailure, detail: string): void {
    if (this.#isSettled) return;
    this.close();
    this.#hooks.failed(reason, detail);
  }
}
