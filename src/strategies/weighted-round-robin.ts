import type { Strategy, WorkerView } from './strategy.js';

interface Turn {
  /** nginx's `current_weight`: how far this worker is owed a turn. */
  current: number;
}

/**
 * nginx's smooth weighted round-robin: on every pick each candidate's `current` grows by its weight, the largest
 * wins and gives back the sum of the weights. Weights 5/1/1 give a a b a c a a rather than a a a a a b c, so a
 * heavy worker never takes a burst back to back while the light ones idle.
 *
 * Candidates are the workers that can take a socket now (busy ones are skipped, as in round-robin; their `current`
 * waits unchanged). Weights are read on every pick because the master changes them at run time and ramps them
 * during slow start.
 */
export function weightedRoundRobin(): Strategy {
  // The source of truth is keyed by the view (one object per worker life). `seen`/`turns` cache it by position,
  // checked by identity each pick, so the hot loop does a pointer compare instead of a Map lookup per worker.
  const turns = new Map<WorkerView, Turn>();
  const seen: (WorkerView | undefined)[] = [];
  const cached: Turn[] = [];

  function turnAt(i: number, worker: WorkerView): Turn {
    let turn = turns.get(worker);
    if (turn === undefined) {
      turn = { current: 0 };
      turns.set(worker, turn);
    }
    seen[i] = worker;
    cached[i] = turn;
    return turn;
  }

  return {
    name: 'weighted-round-robin',
    added(worker: WorkerView): void {
      if (!turns.has(worker)) turns.set(worker, { current: 0 });
    },
    removed(worker: WorkerView): void {
      turns.delete(worker);
      // Positions shift when the pool changes; dropping the cache also lets the departed view be collected.
      seen.length = 0;
      cached.length = 0;
    },
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      const n = workers.length;
      let total = 0;
      let best: Turn | undefined;
      let chosen: WorkerView | undefined;
      for (let i = 0; i < n; i++) {
        const worker = workers[i]!;
        if (!worker.canTake) continue;
        const turn = seen[i] === worker ? cached[i]! : turnAt(i, worker);
        const weight = worker.weight;
        turn.current += weight;
        total += weight;
        if (best === undefined || turn.current > best.current) {
          best = turn;
          chosen = worker;
        }
      }
      if (best !== undefined) best.current -= total;
      return chosen;
    },
  };
}
