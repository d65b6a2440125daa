import type { EventEmitter } from 'node:events';
import { request } from 'node:http';
import type { Strategy, WorkerView } from '../../dist/index.js';

/**
 * GET /block (pid-app fixture) on a new connection; resolves once the worker has flushed its first line, so its
 * event loop is now stuck for `ms`. The request itself may later fail (the test kills that worker): ignored.
 */
export function blockWorker(port: number, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/block?ms=${ms}`, agent: false }, (res) => {
      res.once('data', () => resolve());
      res.on('error', () => undefined);
    });
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end();
  });
}

/**
 * Worker 1 whenever it can take a socket, else any worker that can: a way to put sockets in flight to a chosen
 * worker. With `events`, each pick of worker 1 is reported as 'picked-first' with its in-flight count after the pick.
 */
export function preferFirst(events?: EventEmitter): Strategy {
  return {
    name: 'prefer-first',
    pick(workers: readonly WorkerView[]) {
      const first = workers.find((w) => w.index === 1 && w.canTake);
      if (first !== undefined) {
        events?.emit('picked-first', first.inFlight + 1);
        return first;
      }
      return workers.find((w) => w.canTake);
    },
  };
}
