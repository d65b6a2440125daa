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
 * one the master is not waiting to hear from, then to the one heard from last.
 *
 * Long tasks. A worker inside one (a request burning CPU synchronously) holds few connections, says nothing, and
 * looks like the best choice; every connection handed to it waits for the task to end, and that is where the tail of
 * uneven requests comes from. The master pings a worker that holds connections and has gone quiet:
 * - a **stalled** worker (WorkerView.stalled: the ping has gone unanswered far longer than it usually takes) comes
 *   last, whatever its count; among stalled ones, the one silent for the shortest time (a long task that has run
 *   for t ms is likely to run for about as long again);
 * - a worker **in doubt** (it holds connections, the ping is out, too recent to judge) is a gamble whose loss is
 *   the rest of a task, while another worker that cannot take a connection only because its handoff ack is on the
 *   way will be free in a fraction of a millisecond. So the connection waits in the master's queue for that ack (or
 *   for the pong that settles the doubt, whichever comes first) when the best worker is stalled and the other has been
 *   silent for less time, or in doubt and the other, not in doubt itself, would be at least as good by count.
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
      let bestSilent = Infinity;
      let bestInDoubt = false;
      for (let i = 0; i < n; i++) {
        const at = (start + i) % n;
        const worker = workers[at]!;
        if (!worker.canTake) continue;
        const stalled = worker.stalled;
        if (stalled && !bestStalled) continue;
        const load = (worker.active + worker.inFlight + 1) / worker.weight;
        const silent = worker.unansweredFor;
        const inDoubt = !stalled && worker.active > 0 && silent > 0;
        if (
          best === undefined ||
          (bestStalled && !stalled) ||
          (stalled ? silent < bestSilent || (silent === bestSilent && load < bestLoad) : load < bestLoad) ||
          (load === bestLoad &&
            !stalled &&
            worker.active > 0 &&
            (bestInDoubt ? !inDoubt || worker.heardAt > best.heardAt : !inDoubt && worker.heardAt > best.heardAt))
        ) {
          best = worker;
          bestAt = at;
          bestLoad = load;
          bestStalled = stalled;
          bestSilent = silent;
          bestInDoubt = inDoubt;
        }
      }
      if (best === undefined) return undefined;
      if ((bestStalled || bestInDoubt) && ackIsCloser(workers, bestStalled, bestSilent, bestLoad)) return undefined;
      start = (bestAt + 1) % n;
      return best;
    },
  };
}

/** Whether a worker that cannot take now only because an ack is on its way is worth waiting for (see above). */
function ackIsCloser(workers: readonly WorkerView[], bestStalled: boolean, bestSilent: number, bestLoad: number) {
  for (const worker of workers) {
    if (worker.canTake || worker.inFlight === 0 || worker.unansweredFor >= bestSilent) continue;
    if (bestStalled) return true;
    // Against a worker in doubt, wait only for one known to be running: no ping out to it (or nothing it holds).
    const sure = worker.active === 0 || worker.unansweredFor === 0;
    if (sure && (worker.active + worker.inFlight + 1) / worker.weight <= bestLoad) return true;
  }
  return false;
}
