// Numbers the benchmarks report, in one place (unit-tested in test/bench/metrics.test.ts).

/** The q-quantile (0..1) of ascending-sorted numbers, nearest-rank; NaN for none. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** p50, p99, p99.9 and max of latencies (any order; the array is sorted in place). */
export function latencySummary(latencies) {
  latencies.sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
    max: latencies.length === 0 ? Number.NaN : latencies[latencies.length - 1],
  };
}

/** Jain's fairness index of shares: 1 when all equal, 1/n when one worker has everything. */
export function jain(shares) {
  const n = shares.length;
  if (n === 0) return Number.NaN;
  const sum = shares.reduce((a, b) => a + b, 0);
  const squares = shares.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (n * squares);
}

/** The largest share over the mean share: 1 when even, n when one worker has everything. */
export function maxOverMean(shares) {
  if (shares.length === 0) return Number.NaN;
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  return mean === 0 ? 1 : Math.max(...shares) / mean;
}

export function median(values) {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Counts per worker, with workers that got nothing included as zeros (`expected` workers in all). */
export function sharesOf(counts, expected) {
  const shares = Object.values(counts);
  while (shares.length < expected) shares.push(0);
  return shares;
}

/** Each worker's share of `counts` (fractions summing to 1), largest first; workers that got nothing count as 0. */
export function splitOf(counts, expected) {
  const shares = sharesOf(counts, expected);
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.map((n) => (total === 0 ? 0 : n / total)).sort((a, b) => b - a);
}

/** The median split over rounds, position by position (the largest shares together, then the next, …). */
export function medianSplit(splits) {
  const width = Math.max(0, ...splits.map((s) => s.length));
  return Array.from({ length: width }, (_, i) => median(splits.map((s) => s[i] ?? 0)));
}

/**
 * How evenly open connections were spread over the workers, from samples taken over time (each: worker → open
 * connections it held then). Workers are every one named in any sample, padded with zeros to `expected`, so a
 * worker that held nothing at some moment counts as 0 then. Samples with no connection at all (before the first
 * answer) say nothing about the spread and are left out. Returns the mean Jain's index and the mean and worst
 * max/mean over the samples, and how many samples counted.
 */
export function spread(samples, expected = 0) {
  const workers = new Set(samples.flatMap((s) => Object.keys(s)));
  const padding = Math.max(0, expected - workers.size);
  let jainSum = 0;
  let maxOverMeanSum = 0;
  let worst = Number.NaN;
  let counted = 0;
  for (const sample of samples) {
    const counts = [...workers].map((w) => sample[w] ?? 0);
    for (let i = 0; i < padding; i++) counts.push(0);
    if (!counts.some((c) => c > 0)) continue;
    const m = maxOverMean(counts);
    jainSum += jain(counts);
    maxOverMeanSum += m;
    worst = counted === 0 ? m : Math.max(worst, m);
    counted++;
  }
  return {
    jain: counted === 0 ? Number.NaN : jainSum / counted,
    maxOverMean: counted === 0 ? Number.NaN : maxOverMeanSum / counted,
    worstMaxOverMean: worst,
    samples: counted,
  };
}

/**
 * Fast requests that waited behind a slow one on their own worker (the skewed workload's balancer-made tail): each
 * request is { start, end, slow, worker } (ms); a fast one counts when it started while a slow one was running on the
 * same worker and did not finish before it (a worker serves one request at a time while a long task runs, so a
 * fast request that got there first finishes first). `tolerance` ms allows for the order two sockets' closes reach
 * the client in. The rest of the tail (the machine, the other worker) is the same for every balancer; this is not.
 */
export function blockedBehindSlow(requests, tolerance = 1) {
  const slow = requests.filter((r) => r.slow);
  let blocked = 0;
  for (const r of requests) {
    if (r.slow) continue;
    if (slow.some((s) => s.worker === r.worker && r.start >= s.start && r.start < s.end && r.end >= s.end - tolerance)) {
      blocked++;
    }
  }
  return blocked;
}
