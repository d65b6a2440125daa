import type { Fairness } from '../stats.js';

/**
 * Jain's fairness index and the max/mean ratio of a load vector (open connections per worker). Both are 1 when the
 * load is perfectly even, and by convention when there is none: an idle pool is not an unfair one.
 */
export function fairness(loads: readonly number[]): Fairness {
  const n = loads.length;
  let sum = 0;
  let squares = 0;
  let max = 0;
  for (const x of loads) {
    sum += x;
    squares += x * x;
    if (x > max) max = x;
  }
  if (n === 0 || sum === 0) return { jain: 1, maxOverMean: 1 };
  return { jain: (sum * sum) / (n * squares), maxOverMean: max / (sum / n) };
}
