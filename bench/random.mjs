// Seeded randomness for the load clients, so every contender gets the same sequence (unit-tested in
// test/bench/random.test.ts).

/** mulberry32: a tiny, fast 32-bit PRNG; returns a function giving numbers in [0, 1). */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Connection lifetimes in ms: exponential with `mean`, clamped to [min, max]. Exponential because it is memoryless:
 * connections all opened at once close at the same rate as ones opened over time, so the run needs no ramp-up.
 * The clamp keeps out connections too short to be answered and ones longer than a run.
 */
export function lifetimes(seed, { mean = 2000, min = 200, max = 8000 } = {}) {
  const random = mulberry32(seed);
  // 1 - random() is in (0, 1], so the log is finite.
  return () => Math.min(max, Math.max(min, -mean * Math.log(1 - random())));
}

/** A seed for stream `index` (a connection slot) of run `seed`: each slot gets its own sequence, whatever the timing. */
export function seedFor(seed, index) {
  return (Math.imul(seed >>> 0, 0x9e3779b1) + index) >>> 0;
}
