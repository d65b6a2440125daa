import t from 'tap';
import { PeakEwma } from '../../src/master/peak-ewma.ts';

t.test('0 before any sample, then the first sample as is', async (t) => {
  const e = new PeakEwma(1000);
  t.equal(e.value, 0);
  e.sample(3, 10);
  t.equal(e.value, 3);
});

t.test('a slower sample is believed at once', async (t) => {
  const e = new PeakEwma(1000);
  e.sample(1, 0);
  e.sample(50, 1);
  t.equal(e.value, 50);
});

t.test('a faster sample pulls it down in proportion to the time since the last one', async (t) => {
  const cases: [number, number][] = [
    // [ms since the previous sample, expected value after a 0 ms sample from 100]
    [0, 100],
    [1000, 100 * Math.exp(-1)],
    [100, 100 * Math.exp(-0.1)],
    [10_000, 100 * Math.exp(-10)],
  ];
  for (const [dt, expected] of cases) {
    const e = new PeakEwma(1000);
    e.sample(100, 5);
    e.sample(0, 5 + dt);
    t.ok(Math.abs(e.value - expected) < 1e-9, `after ${dt} ms: ${expected} (got ${e.value})`);
  }
});

t.test('a clock that steps back is not a negative interval', async (t) => {
  const e = new PeakEwma(1000);
  e.sample(10, 100);
  e.sample(0, 50);
  t.equal(e.value, 10, 'weight of the new sample is 0, not above 1');
});
