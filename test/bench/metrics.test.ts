import t from 'tap';
import { jain, latencySummary, maxOverMean, median, quantile, sharesOf } from '../../bench/metrics.mjs';

t.test('quantile is nearest-rank on sorted values', async (t) => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(quantile(xs, 0.5), 50);
  t.equal(quantile(xs, 0.99), 99);
  t.equal(quantile(xs, 1), 100);
  t.equal(quantile(xs, 0), 1);
  t.ok(Number.isNaN(quantile([], 0.5)));
});

t.test('latencySummary sorts and reports p50/p99/p99.9/max', async (t) => {
  const xs = Array.from({ length: 1000 }, (_, i) => 1000 - i);
  t.same(latencySummary(xs), { p50: 500, p99: 990, p999: 999, max: 1000 });
});

const fairness: [string, number[], number, number][] = [
  ['even', [5, 5, 5, 5], 1, 1],
  ['all on one of four', [20, 0, 0, 0], 0.25, 4],
  ['two of four', [10, 10, 0, 0], 0.5, 2],
  ['nothing yet', [0, 0], 1, 1],
];
for (const [name, shares, j, m] of fairness) {
  t.test(`Jain and max/mean: ${name}`, async (t) => {
    t.equal(jain(shares), j);
    t.equal(maxOverMean(shares), m);
  });
}

t.test('median ignores NaN; sharesOf pads missing workers with zeros', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.equal(median([Number.NaN, 7]), 7);
  t.ok(Number.isNaN(median([])));
  t.same(sharesOf({ a: 3 }, 3), [3, 0, 0]);
});
