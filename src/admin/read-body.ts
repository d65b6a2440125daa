import type { IncomingMessage } from 'node:http';
import { AdminRequestError } from './admin-error.js';

/** Admin bodies are a few fields; anything bigger is a mistake or an attack on the master's memory. */
export const bodyLimit = 64 * 1024;

/**
 * How much of a refused body is read and thrown away so that the 413 arrives: closing a socket with unread bytes in
 * it makes the kernel answer with a reset, and the client may lose the 413 to it. Beyond this it is not worth the
 * master's time: the connection is closed (or destroyed), the answer may be lost.
 */
export const drainLimit = 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. Every request is read this way, whatever its route, so no upload is
 * left for Node to drain unbounded. Refuses a body as soon as it crosses the limit (413): the rest is then read and
 * dropped, up to `drainLimit`, so the connection can carry the answer and stay open; a body declared larger than
 * that is refused before reading anything, closing the connection, and one that turns out larger is cut off.
 *
 * Listens to events rather than iterating with `for await`: leaving that loop early destroys the request, and with
 * it the socket the 413 must still be written to.
 */
export function readBody(req: IncomingMessage, limit = bodyLimit): Promise<string> {
  const message = `the request body is larger than ${limit} bytes`;
  if (Number(req.headers['content-length'] ?? 0) > drainLimit) {
    return Promise.reject(new AdminRequestError(413, message, { connection: 'close' }));
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      req.off('end', onEnd);
      req.on('data', drop);
      reject(new AdminRequestError(413, message));
    };
    const drop = (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainLimit) req.socket.destroy();
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    // An aborted upload ('error' with ECONNRESET): nobody is left to read the answer, but it is the client's doing,
    // not the endpoint's, so it must not be reported as an internal error.
    req.on('error', () => reject(new AdminRequestError(400, 'the client aborted the request')));
  });
}

/**
 * Parses a body as JSON. The content type is not checked: `curl -d` sends form-urlencoded by default, and the parse
 * is the check that matters.
 */
export function parseJson(text: string): unknown {
  if (text === '') throw new AdminRequestError(400, 'the request body is empty: expected JSON');
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminRequestError(400, 'the request body is not valid JSON');
  }
}
