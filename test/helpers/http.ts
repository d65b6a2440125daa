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
