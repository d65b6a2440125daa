import { OptionError } from '../errors.js';
import type { Strategy, StrategyOptions, WorkerView } from './strategy.js';

/**
 * Power of two choices (Mitzenmacher; Azar et al.): sample `draws` distinct workers that can take a socket and give
 * it to the least loaded of them. Two random choices bring the worst worker's excess load down from
 * log n / log log n (one choice) to log log n, and unlike a full least-load scan, several balancers, or one fed
 * stale counts, do not all herd onto the same momentarily idle worker.
 *
 * Load is (active + inFlight + 1) / weight, so weights and slow start shift traffic as in least-connections; the
 * + 1 makes an idle heavy worker preferred over an idle light one. Ties go to the first sampled, which is random.
 * With draws ≥ the number of takers, every taker is sampled: a full least-load pick with random tie-breaking.
 */
export function powerOfTwoChoices(options: StrategyOptions = {}): Strategy {
  const draws = options.draws ?? 2;
  if (typeof draws !== 'number' || !Number.isInteger(draws) || draws < 1) {
    throw new OptionError('draws', 'an integer >= 1', draws);
  }
  const next = options.random ?? Math.random;
  // Positions of this pick's takers; partial Fisher–Yates shuffles the first `draws` of them in place. Grown only
  // when the pool outgrows it, so a pick allocates nothing.
  let takers = new Int32Array(16);

  return {
    name: 'p2c',
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      const n = workers.length;
      if (n > takers.length) takers = new Int32Array(Math.max(n, takers.length * 2));
      let count = 0;
      for (let i = 0; i < n; i++) if (workers[i]!.canTake) takers[count++] = i;
      const k = draws < count ? draws : count;
      let best: WorkerView | undefined;
      let bestLoad = Infinity;
      let bestStalled = true;
      for (let j = 0; j < k; j++) {
        // Clamped: a source returning exactly 1 still lands inside the unsampled rest.
        const r = j + Math.min(Math.floor(next() * (count - j)), count - j - 1);
        const at = takers[r]!;
        takers[r] = takers[j]!;
        takers[j] = at;
        const worker = workers[at]!;
        const stalled = worker.stalled;
        if (stalled && !bestStalled) continue;
        const load = (worker.active + worker.inFlight + 1) / worker.weight;
        // A stalled sample comes last; a tie between two busy samples goes to the one heard from last (see
        // least-connections).
        if (
          (bestStalled && !stalled) ||
          load < bestLoad ||
          (load === bestLoad && worker.active > 0 && worker.heardAt > best!.heardAt)
        ) {
          best = worker;
          bestLoad = load;
          bestStalled = stalled;
        }
      }
      return best;
    },
  };
}
