import { type IncomingHttpHeaders, type Agent, request } from 'node:http';

export interface Pending {
  /** Resolves when the response headers arrived: the request is inside a worker. */
  readonly started: Promise<IncomingHttpHeaders>;
  /** Resolves with status, headers and body once the response is complete; rejects if the connection breaks. */
  readonly done: Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>;
}

/** A request whose start and completion can be awaited separately (for the fixtures' /slow route). */
export function startRequest(port: number, path: string, agent: Agent | false = false): Pending {
  let onStarted!: (headers: IncomingHttpHeaders) => void;
  const started = new Promise<IncomingHttpHeaders>((resolve) => (onStarted = resolve));
  const done = new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      onStarted(res.headers);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${path}: no answer in time`)));
    req.on('error', reject);
    req.end();
  });
  return { started, done };
}
