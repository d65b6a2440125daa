import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { Server, Socket } from 'node:net';
import { type SecureContext, TLSSocket, Server as TlsServer, createSecureContext } from 'node:tls';
import { HandoffError } from '../errors.js';
import type { WorkerConfig } from '../protocol.js';

/*
 *  TCP socket from the master ──▶ new TLSSocket(socket, { isServer, secureContext, ALPNProtocols })
 *        ├─ handshake done ('secure') ──▶ app server 'connection' (http → HTTPS; http2 → h2, or its HTTP/1 fallback)
 *        └─ closed before that (garbage, an alert, a hang-up, the handshake timeout) ──▶ handshakeFailures++
 *
 * The master stays a plain TCP acceptor: a TLSSocket never crosses IPC (DESIGN.md fact 6). The files are read once
 * per worker, when it starts, so a rolling reload is how a renewed certificate goes live.
 */

/** tls.Server's own default: a client that has not finished its handshake after this long is dropped. */
const defaultHandshakeTimeout = 120_000;

/** What tls.Server does on a socket whose handshake is done; underscored, but Node has had them for a decade. */
interface ServerSideTlsSocket extends TLSSocket {
  _releaseControl(): boolean;
  secureConnecting: boolean;
  server: Server;
}

/**
 * Reads the certificate and key and builds the secure context every connection of this worker shares. Whatever is
 * wrong is one line naming the file, with code ERR_HANDOFF_TLS: the worker reports it as its fatal start error.
 */
export function loadSecureContext(files: NonNullable<WorkerConfig['tls']>): SecureContext {
  const cert = read('certificate', files.cert);
  const key = read('key', files.key);
  // Parsed one at a time first, only to say which file is wrong: createSecureContext's errors do not.
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw tlsError(`certificate ${files.cert} does not load as a PEM certificate: ${reason(err)}`, err);
  }
  try {
    createPrivateKey(key);
  } catch (err) {
    throw tlsError(`key ${files.key} does not load as an unencrypted PEM private key: ${reason(err)}`, err);
  }
  try {
    return createSecureContext({ cert, key });
  } catch (err) {
    const isMismatch = (err as NodeJS.ErrnoException).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH';
    const what = isMismatch ? 'does not match' : `cannot be used with (${reason(err)})`;
    throw tlsError(`certificate ${files.cert} ${what} key ${files.key}`, err);
  }
}

/**
 * Terminates TLS on the connections the master hands over and gives the app's server the decrypted side, once the
 * handshake is done, as tls.Server does before 'secureConnection': an http.Server then serves HTTPS, an http2
 * server h2 (ALPN), a plain net.Server the cleartext stream.
 */
export class TlsTerminator {
  readonly #server: Server;
  readonly #context: SecureContext;
  readonly #alpn: string[] | undefined;
  readonly #handshakeTimeout: number;
  #handshakeFailures = 0;
  // One function each for every socket (`this` is the socket): no closure per connection.
  readonly #onSecure: (this: ServerSideTlsSocket) => void;
  readonly #onEarlyClose: () => void;

  constructor(server: Server, context: SecureContext, handshakeTimeout = defaultHandshakeTimeout) {
    if (server instanceof TlsServer) {
      // Wrapping would put TLS inside TLS; ignoring the flag would serve some other certificate than the operator
      // configured, and a reload would not renew it. Refusing at start is the only unsurprising choice.
      throw tlsError(
        "the app's server terminates TLS itself (https/http2 secure server or tls.Server); " +
          'give it a plain http or http2 server to use --tls-cert, or drop --tls-cert/--tls-key',
      );
    }
    this.#server = server;
    this.#context = context;
    this.#alpn = alpnProtocols(server);
    this.#handshakeTimeout = handshakeTimeout;
    const self = this;
    this.#onSecure = function (this: ServerSideTlsSocket): void {
      self.#secured(this);
    };
    this.#onEarlyClose = (): void => {
      this.#handshakeFailures++;
    };
  }

  /** Connections that closed before their handshake finished: garbage, a client alert, a hang-up, a timeout. */
  get handshakeFailures(): number {
    return this.#handshakeFailures;
  }

  /**
   * Wraps the TCP socket; the TLSSocket returned is the app's view of the connection (what closes, what a drain
   * walks). It reaches the app's server by itself once the handshake is done; a failed handshake is caught here,
   * closes the connection and is counted.
   */
  terminate(socket: Socket): TLSSocket {
    const server = this.#server as Server & { pauseOnConnect?: boolean };
    const tlsSocket = new TLSSocket(socket, {
      isServer: true,
      secureContext: this.#context,
      ...(this.#alpn === undefined ? {} : { ALPNProtocols: this.#alpn }),
      pauseOnConnect: server.pauseOnConnect,
    } as ConstructorParameters<typeof TLSSocket>[1]);
    copyPeer(socket, tlsSocket);
    // Before the handshake Node already destroys the socket on a TLS error and swallows the 'error' itself (the
    // socket's own _tlsError listener); ours keeps that from depending on Node's internals.
    tlsSocket.on('error', ignore);
    tlsSocket.once('close', this.#onEarlyClose);
    // The socket inherits allowHalfOpen from the app's server (http.Server's is true: it handles 'end' itself), so
    // a client that hangs up mid-handshake would otherwise be left half-open until the timeout. (tls.Server's raw
    // sockets are not half-open, which is why it does not need this.)
    tlsSocket.once('end', destroy);
    tlsSocket.setTimeout(this.#handshakeTimeout, destroy);
    tlsSocket.once('secure', this.#onSecure);
    return tlsSocket;
  }

  #secured(socket: ServerSideTlsSocket): void {
    // Destroyed as the handshake finished: its 'close' is still to come, and counts it as a failure.
    if (socket.destroyed) return;
    socket.removeListener('error', ignore);
    socket.removeListener('close', this.#onEarlyClose);
    socket.removeListener('end', destroy);
    socket.setTimeout(0, destroy);
    // As lib/_tls_wrap.js onServerSocketSecure does: from now on errors reach the app's listeners (they are only
    // reported as '_tlsError' until then), and http2's session setup stops waiting for a 'secureConnect' that a
    // server-side socket never emits. http2's HTTP/1 fallback reads socket.server.
    socket._releaseControl();
    socket.secureConnecting = false;
    socket.server = this.#server;
    this.#server.emit('connection', socket);
  }
}

/**
 * What the socket offers in ALPN, by the kind of server: http2 takes h2 and lets its own connection listener decide
 * what to do with HTTP/1.1 (serve it with `allowHTTP1`, 'unknownProtocol', or a 403); http.Server offers http/1.1 as
 * https.Server does; any other server nothing, as tls.Server.
 */
function alpnProtocols(server: Server): string[] | undefined {
  if (server instanceof http2ServerClass()) return ['h2', 'http/1.1'];
  if (server instanceof HttpServer) return ['http/1.1'];
  return undefined;
}

let http2Server: Function | undefined;

/** node:http2 does not export its Http2Server class; an unbound server's constructor is it. */
function http2ServerClass(): Function {
  http2Server ??= createHttp2Server().constructor;
  return http2Server;
}

/** The client address from a PROXY header, set as own properties on the TCP socket: the app reads the TLSSocket. */
const peerKeys = ['remoteAddress', 'remotePort', 'remoteFamily'] as const;

/**
 * Under --proxy-protocol the injector shadows the TCP socket's address getters with the client's address from the
 * header (and puts the bytes read past it back in its buffer, which the TLSSocket reads first). The TLSSocket's own
 * getters would ask the kernel, and get the proxy.
 */
function copyPeer(from: Socket, to: TLSSocket): void {
  for (const key of peerKeys) {
    const own = Object.getOwnPropertyDescriptor(from, key);
    if (own !== undefined) Object.defineProperty(to, key, own);
  }
}

function ignore(): void {}

function destroy(this: TLSSocket): void {
  this.destroy();
}

function read(what: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw tlsError(`cannot read ${what} ${file}: ${reason(err)}`, err);
  }
}

/** OpenSSL's short reason ("no start line") or Node's message, without the "error:0480006C:…" prefix. */
function reason(err: unknown): string {
  const e = err as { reason?: unknown; message?: unknown };
  if (typeof e.reason === 'string') return e.reason;
  return typeof e.message === 'string' ? e.message : String(err);
}

function tlsError(message: string, cause?: unknown): HandoffError {
  return new HandoffError('ERR_HANDOFF_TLS', `tls: ${message}`, { cause });
}
