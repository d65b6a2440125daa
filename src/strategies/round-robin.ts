import type { Strategy, WorkerView } from './strategy.js';

/**
 * Round-robin over the ready workers, skipping any that cannot take a socket now ("first free in turn", as
 * node:cluster does): waiting for a busy worker's turn would stall every connection behind it.
 */
export function roundRobin(): Strategy {
  let next = 0;
  return {
    name: 'round-robin',
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      const n = workers.length;
      for (let i = 0; i < n; i++) {
        const at = (next + i) % n;
        const worker = workers[at]!;
        if (worker.canTake) {
          next = (at + 1) % n;
          return worker;
        }
      }
      return undefined;
    },
  };
}
