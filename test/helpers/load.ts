import { request } from 'node:http';

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly errors: string[];
  readonly pids: Set<number>;
}

/**
 * Continuous new-connection load on 127.0.0.1: `concurrency` loops, each sending GET / on a fresh connection
 * (Connection: close) as soon as the previous answer is in, until `stop()`. Bounded: each request times out after
 * `timeout` ms and counts as failed.
 */
export function startLoad(port: number, concurrency = 4, timeout = 5000): { stop(): Promise<LoadResult> } {
  let running = true;
  const result = { ok: 0, failed: 0, errors: [] as string[], pids: new Set<number>() };
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
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
    while (running) await one();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
