import t from 'tap';
import { lifetimes, mulberry32, seedFor } from '../../bench/random.mjs';

const take = (next: () => number, n: number) => Array.from({ length: n }, () => next());
// Plain comparisons: tap's deep compare of long arrays that differ spends seconds building the diff.
const equal = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

t.test('mulberry32 gives the same sequence for the same seed, in [0, 1)', async (t) => {
  const a = take(mulberry32(42), 1000);
  t.ok(equal(take(mulberry32(42), 1000), a));
  t.notOk(equal(take(mulberry32(43), 1000), a));
  t.ok(a.every((x) => x >= 0 && x < 1));
});

t.test('lifetimes are deterministic per seed and stay within the clamp', async (t) => {
  const options = { mean: 2000, min: 200, max: 8000 };
  const a = take(lifetimes(7, options), 5000);
  t.ok(equal(take(lifetimes(7, options), 5000), a), 'same seed, same lifetimes');
  t.notOk(equal(take(lifetimes(8, options), 5000), a));
  t.ok(a.every((ms) => ms >= 200 && ms <= 8000));
  t.ok(a.some((ms) => ms === 200) && a.some((ms) => ms === 8000), 'both ends of the clamp are reached');
});

t.test('lifetimes are exponential with the given mean (before the clamp)', async (t) => {
  const xs = take(lifetimes(1, { mean: 2000, min: 0, max: Infinity }), 20000);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  t.ok(Math.abs(mean - 2000) < 60, `mean ${mean.toFixed(0)} ms`);
  // Exponential: P(X > mean) = 1/e.
  const over = xs.filter((x) => x > 2000).length / xs.length;
  t.ok(Math.abs(over - Math.exp(-1)) < 0.015, `P(X > mean) = ${over.toFixed(3)}`);
});

t.test('lifetimes default to mean 2 s clamped to 0.2–8 s', async (t) => {
  t.ok(equal(take(lifetimes(3), 100), take(lifetimes(3, { mean: 2000, min: 200, max: 8000 }), 100)));
});

t.test('seedFor gives every slot of a run its own seed, the same in every run', async (t) => {
  const seeds = Array.from({ length: 200 }, (_, i) => seedFor(1, i));
  t.equal(new Set(seeds).size, 200);
  t.ok(equal(Array.from({ length: 200 }, (_, i) => seedFor(1, i)), seeds));
  t.ok(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32));
  t.not(seedFor(2, 0), seedFor(1, 0));
});
