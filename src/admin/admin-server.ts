import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HandoffError, OptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorBody, errorReply } from './admin-error.js';
import { AdminMetrics } from './admin-metrics.js';
import { matchRoute } from './admin-routes.js';
import type { AdminTarget } from './admin-target.js';
import { parseJson, readBody } from './read-body.js';

/**
 * The opt-in admin HTTP endpoint the master runs on its own port: stats, Prometheus metrics, health checks and live
 * control (strategy, weights, scale, reload).
 *
 *   request ─► readBody (≤ 64 KiB) ─► matchRoute (404/405) ─► route ─► AdminTarget (the master)
 *                                                               │
 *                                          anything thrown ─────┴─► errorReply: status + {"error": {code, message}}
 *
 * It shares the master's event loop, so it must never hurt the master: every error becomes a reply or a destroyed
 * socket (never an unhandled rejection or an 'error' without a listener), bodies are capped, slow clients are cut off
 * by short timeouts, and close() does not wait for anyone.
 */

export interface AdminServerOptions {
  /** 0 picks a free port (see address()). */
  readonly port: number;
  /** Default 127.0.0.1: the endpoint changes the master and has no authentication of its own. */
  readonly host?: string;
  /**
   * Changes and refused changes at info, a reload that stopped at warn, failures of the endpoint at error, unreadable
   * requests at debug. A logger that throws loses the line, not the request. Default: silent.
   */
  readonly logger?: Logger;
}

// Status codes Node reports through 'clientError' that say more than a plain 400.
const clientErrorStatus: Readonly<Record<string, number>> = { HPE_HEADER_OVERFLOW: 431, ERR_HTTP_REQUEST_TIMEOUT: 408 };

const noop = () => undefined;
const silentLogger: Logger = { level: 'silent', error: noop, warn: noop, info: noop, debug: noop };

/**
 * The logger is called from socket event listeners, where a throw is an uncaught exception in the master: a logger
 * that fails loses its line, nothing more.
 */
function neverThrows(logger: Logger): Logger {
  const guard =
    (log: Logger['info']): Logger['info'] =>
    (obj, msg) => {
      try {
        log.call(logger, obj, msg);
      } catch {
        // The line is lost; the request it describes is not.
      }
    };
  const { level, error, warn, info, debug } = logger;
  return { level, error: guard(error), warn: guard(warn), info: guard(info), debug: guard(debug) };
}

/** Enough for an operator, a dashboard and a Prometheus server; a flood cannot eat the master's file descriptors. */
const maxConnections = 64;

export class AdminServer {
  readonly #target: AdminTarget;
  readonly #port: number;
  readonly #host: string;
  readonly #logger: Logger;
  readonly #metrics: AdminMetrics;
  readonly #server: Server;
  /** Requests being answered, by socket: a parse error there must not write a second response into it. */
  readonly #responding = new WeakMap<Duplex, number>();
  #listening: Promise<AddressInfo> | undefined;
  #closed: Promise<void> | undefined;

  constructor(target: AdminTarget, options: AdminServerOptions) {
    const { port, host = '127.0.0.1', logger = silentLogger } = options;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new OptionError('admin port', 'an integer from 0 to 65535', port);
    }
    if (typeof host !== 'string' || host === '') throw new OptionError('admin host', 'a host name or IP address', host);
    this.#target = target;
    this.#port = port;
    this.#host = host;
    this.#logger = neverThrows(logger);
    this.#metrics = new AdminMetrics(target);

    // Node 20 checks the request and headers timeouts only every connectionsCheckingInterval (30 s by default).
    this.#server = createServer({
      requestTimeout: 10_000,
      headersTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 8 * 1024,
    });
    this.#server.keepAliveTimeout = 5_000;
    this.#server.maxConnections = maxConnections;
    this.#server.on('request', (req, res) => this.#onRequest(req, res));
    this.#server.on('clientError', (err, socket) => this.#onClientError(err, socket));
  }

  /** Binds the port; rejects with ERR_HANDOFF_LISTEN (port in use, no permission, bad host). Call it once. */
  listen(): Promise<AddressInfo> {
    if (this.#listening !== undefined || this.#closed !== undefined) {
      const why = this.#closed === undefined ? 'listen() was already called' : 'it is closed';
      return Promise.reject(new HandoffError('ERR_HANDOFF_STATE', `the admin server cannot listen: ${why}`));
    }
    this.#listening = new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.#server.off('listening', onListening);
        const where = `${this.#host.includes(':') ? `[${this.#host}]` : this.#host}:${this.#port}`;
        const why = err.code ?? err.message;
        const message = `the admin endpoint cannot listen on ${where}: ${why}`;
        reject(new HandoffError('ERR_HANDOFF_LISTEN', message, { cause: err }));
      };
      const onListening = () => {
        this.#server.off('error', onError);
        // After binding, errors come from accept (EMFILE, …): worth a log line, never worth the master.
        this.#server.on('error', (err) => this.#logger.error({ err }, 'admin: server error'));
        resolve(this.#server.address() as AddressInfo);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen(this.#port, this.#host);
    });
    return this.#listening;
  }

  /** Where it listens, or null before listen() has bound the port and after close(). */
  address(): AddressInfo | null {
    return this.#closed === undefined && this.#server.listening ? (this.#server.address() as AddressInfo) : null;
  }

  /**
   * Stops listening and closes every connection, idle keep-alive ones and ones waiting on a slow /scale or /reload
   * alike: the master is shutting down and must not wait on an admin client. Safe to call more than once, and
   * before or during listen() (it waits for the bind to settle, so no port is left open behind it).
   */
  close(): Promise<void> {
    this.#closed ??= (this.#listening ?? Promise.resolve()).then(
      () => this.#shutdown(),
      () => undefined,
    );
    return this.#closed;
  }

  #shutdown(): Promise<void> {
    if (!this.#server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Counted, not flagged: pipelined requests on one socket overlap.
    const socket = req.socket;
    this.#responding.set(socket, (this.#responding.get(socket) ?? 0) + 1);
    res.once('close', () => this.#responding.set(socket, this.#responding.get(socket)! - 1));
    // #answer turns every error into a reply; should that ever fail, the request is lost, not the master.
    this.#answer(req, res).catch(() => res.destroy());
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Both are always set on a request the server parsed.
    const method = req.method!;
    const path = req.url!.split('?')[0]!;
    let name = `${method} ${path.slice(0, 200)}`;
    try {
      const text = await readBody(req);
      const { route, params } = matchRoute(method, path);
      name = `${route.method} ${route.path}`;
      const body = route.hasBody === true ? parseJson(text) : undefined;
      const context = { target: this.#target, metrics: this.#metrics, logger: this.#logger, params, body };
      const reply = await route.handle(context);
      send(res, reply.status, reply.body, { 'content-type': reply.contentType ?? 'application/json' });
    } catch (err) {
      const { status, code, message, headers, isInternal } = errorReply(err);
      if (isInternal) this.#logger.error({ err, route: name }, 'admin: request failed');
      else if (method === 'POST') this.#logger.info({ route: name, status, code, message }, 'admin: change refused');
      send(res, status, errorBody(code, message), { 'content-type': 'application/json', ...headers });
    }
  }

  #onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    this.#logger.debug({ code: err.code }, 'admin: unreadable request');
    if (err.code === 'ECONNRESET' || !socket.writable || (this.#responding.get(socket) ?? 0) > 0) {
      socket.destroy();
      return;
    }
    // No request or response object exists here: the answer is written raw, then the socket is done with.
    const code = err.code ?? 'unknown';
    const status = clientErrorStatus[code] ?? 400;
    const body = errorBody('ERR_HANDOFF_ADMIN', `unreadable request (${code})`);
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  // The client may have gone while the route ran (a slow /reload); there is nobody left to answer.
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
