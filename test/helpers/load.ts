import { Agent, request } from 'node:http';

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly errors: string[];
  readonly pids: Set<number>;
  /** Responses that told a keep-alive client to close its connection. */
  readonly closes: number;
}

/**
 * Continuous load on 127.0.0.1: `concurrency` loops, each sending GET / as soon as the previous answer is in, until
 * `stop()`: on a fresh connection each time (Connection: close), or with `keepAlive` over one kept-alive connection
 * per loop (reconnecting when told to close). Bounded: each request times out after `timeout` ms and counts as failed.
 */
export function startLoad(
  port: number,
  concurrency = 4,
  timeout = 5000,
  keepAlive = false,
): { stop(): Promise<LoadResult> } {
  let running = true;
  const result = { ok: 0, failed: 0, errors: [] as string[], pids: new Set<number>(), closes: 0 };
  const one = (agent: Agent | false) =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        if (agent !== false && res.headers.connection === 'close') result.closes++;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200) {
            result.ok++;
            const pid = (JSON.parse(body) as { pid?: number }).pid;
            if (pid !== undefined) result.pids.add(pid);
          } else {
            result.failed++;
            result.errors.push(`status ${res.statusCode}`);
          }
          resolve();
        });
        res.on('error', (err) => {
          result.failed++;
          result.errors.push(err.message);
          resolve();
        });
      });
      req.setTimeout(timeout, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        result.failed++;
        result.errors.push(err.message);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: concurrency }, async () => {
    const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: 1 }) : false;
    while (running) await one(agent);
    if (agent !== false) agent.destroy();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
