import type { Strategy, WorkerView } from './strategy.js';

/**
 * Lowest expected wait wins: cost = (active + inFlight + 1) × (latency + 0.05 ms) / weight, where `latency` is the
 * master's peak-EWMA of the handoff round trip (socket sent → ack from the worker's event loop) and of heartbeats.
 * This is Finagle's and Linkerd's "peak EWMA" load metric, applied to handoffs instead of requests.
 *
 * Why it beats least-connections: connection counts say how much work a worker holds, not how fast it gets through
 * it. A worker whose event loop is slow (a CPU hog sharing its core, a long GC, one skewed expensive request) acks
 * late, so its latency jumps at once (peak: a slow sample is taken whole, not averaged in) while its connection
 * count can still look as low as anyone's; least-connections keeps feeding it and those clients queue behind the
 * stall. Here its cost rises with the stall and traffic moves to the fast workers until the average decays back.
 * An in-process balancer sees this signal for free: every handoff is already a round trip through the loop. Until
 * a stalled worker answers at all, the age of the ping it has left unanswered stands in for its latency.
 *
 * The 0.05 ms floor keeps a fresh worker (latency 0, no ack yet) from costing 0 and taking every connection until
 * its first ack; the + 1 counts the connection being placed, so an idle worker's latency still matters. Ties rotate,
 * as in least-connections, so light traffic with equal costs is spread rather than sent to the first worker.
 */
export function leastLatency(): Strategy {
  let start = 0;
  return {
    name: 'least-latency',
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      const n = workers.length;
      // The pool may have shrunk since the last pick.
      if (start >= n) start = 0;
      let best: WorkerView | undefined;
      let bestAt = 0;
      let bestCost = Infinity;
      for (let i = 0; i < n; i++) {
        let at = start + i;
        if (at >= n) at -= n;
        const worker = workers[at]!;
        if (!worker.canTake) continue;
        // An unanswered ping is a lower bound on the loop's latency right now, before any sample can say so.
        const latency = Math.max(worker.latency, worker.unansweredFor);
        const cost = ((worker.active + worker.inFlight + 1) * (latency + 0.05)) / worker.weight;
        if (cost < bestCost) {
          best = worker;
          bestAt = at;
          bestCost = cost;
        }
      }
      if (best !== undefined) start = bestAt + 1 < n ? bestAt + 1 : 0;
      return best;
    },
  };
}
