import type { Strategy, WorkerView } from './strategy.js';

/**
 * Fewest connections wins, counting sockets still in flight to a worker as its connections (otherwise a burst
 * would all go to whichever worker reported the lowest number last).
 *
 * Weighted: load is (active + inFlight + 1) / weight, so a worker of weight 2 holds twice the connections of one of
 * weight 1, and a worker in slow start (weight ramping up from near 0) is passed over until its weight grows. The
 * + 1 counts the connection being placed: without it every idle worker would tie at 0 whatever its weight. With all
 * weights 1 the order is exactly that of active + inFlight.
 *
 * Ties are broken by rotation, not by lowest index: with light traffic every worker has 0 connections, and a
 * lowest-index rule would send all of it to worker 1. A tie between workers that both have connections open goes to
 * the one heard from last.
 *
 * A stalled worker (inside a long task: it left the master's ping unanswered: WorkerView.stalled) comes last, whatever
 * its count: a connection handed to it waits for the task to end, and that is where the tail of uneven requests
 * comes from. If every worker that could take the connection now is stalled while another is only waiting for a
 * handoff ack (a fraction of a millisecond), the connection waits for that one in the master's queue.
 */
export function leastConnections(): Strategy {
  let start = 0;
  return {
    name: 'least-connections',
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      const n = workers.length;
      let best: WorkerView | undefined;
      let bestAt = 0;
      let bestLoad = Infinity;
      let bestStalled = true;
      let freeSoon = false;
      for (let i = 0; i < n; i++) {
        const at = (start + i) % n;
        const worker = workers[at]!;
        const stalled = worker.stalled;
        if (!worker.canTake) {
          if (!stalled && worker.inFlight > 0) freeSoon = true;
          continue;
        }
        if (stalled && !bestStalled) continue;
        const load = (worker.active + worker.inFlight + 1) / worker.weight;
        if (
          (bestStalled && !stalled) ||
          load < bestLoad ||
          (load === bestLoad && worker.active > 0 && worker.heardAt > best!.heardAt)
        ) {
          best = worker;
          bestAt = at;
          bestLoad = load;
          bestStalled = stalled;
        }
      }
      if (best === undefined || (bestStalled && freeSoon)) return undefined;
      start = (bestAt + 1) % n;
      return best;
    },
  };
}
