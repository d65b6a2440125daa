import { type Agent, request } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** GET over a new connection (Connection: close) unless an agent is given; fails after `timeout` ms. */
export function get(port: number, path = '/', options: { agent?: Agent; timeout?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: options.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(options.timeout ?? 5000, () => req.destroy(new Error(`GET ${path}: no answer in time`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET and parse the JSON the fixture apps answer with. */
export async function getJson<T = { pid: number; index: string }>(
  port: number,
  path = '/',
  options: { agent?: Agent; timeout?: number } = {},
): Promise<T> {
  const reply = await get(port, path, options);
  if (reply.status !== 200) throw new Error(`GET ${path}: status ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}

/**
 * For a process that says nothing (log level silent): retries while the port refuses connections, up to `limit` ms.
 * There is no event to wait on across processes, and a refused connect answers at once, so this does not spin idle.
 */
export async function getWhenUp(port: number, path = '/', limit = 5000): Promise<Reply> {
  const deadline = Date.now() + limit;
  for (;;) {
    try {
      return await get(port, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
