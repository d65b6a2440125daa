import type { Strategy, StrategyOptions, WorkerView } from './strategy.js';

/** Uniformly random among the workers that can take a socket now. */
export function random(options: StrategyOptions = {}): Strategy {
  const next = options.random ?? Math.random;
  return {
    name: 'random',
    pick(workers: readonly WorkerView[]): WorkerView | undefined {
      // Two passes and no array: this runs once per connection.
      let takers = 0;
      for (const worker of workers) if (worker.canTake) takers++;
      if (takers === 0) return undefined;
      // Clamped: a source returning exactly 1 still lands on the last taker.
      let skip = Math.min(Math.floor(next() * takers), takers - 1);
      let chosen: WorkerView | undefined;
      for (const worker of workers) {
        if (!worker.canTake) continue;
        chosen = worker;
        if (skip-- === 0) break;
      }
      return chosen;
    },
  };
}

/** A small, fast, seedable PRNG (mulberry32) for tests and reproducible benchmarks. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
