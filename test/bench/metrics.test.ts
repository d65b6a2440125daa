import t from 'tap';
import { blockedBehindSlow, jain, latencySummary, maxOverMean, median, quantile, sharesOf, spread } from '../../bench/metrics.mjs';

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

t.test('spread averages Jain and max/mean over samples and keeps the worst max/mean', async (t) => {
  const s = spread([
    { a: 5, b: 5 },
    { a: 6, b: 2 },
  ]);
  t.equal(s.samples, 2);
  t.equal(s.jain, (1 + 0.8) / 2);
  t.equal(s.maxOverMean, (1 + 1.5) / 2);
  t.equal(s.worstMaxOverMean, 1.5);
});

t.test('spread counts a worker missing from a sample as 0, and pads to the expected workers', async (t) => {
  // b is seen in the second sample only: the first is then all on one of two workers.
  t.same(spread([{ a: 4 }, { a: 2, b: 2 }]), { jain: 0.75, maxOverMean: 1.5, worstMaxOverMean: 2, samples: 2 });
  // A third worker that never got anything still counts.
  t.same(spread([{ a: 3, b: 3 }], 3), { jain: 2 / 3, maxOverMean: 1.5, worstMaxOverMean: 1.5, samples: 1 });
  // Fewer expected than seen changes nothing.
  t.same(spread([{ a: 3, b: 3 }], 1), { jain: 1, maxOverMean: 1, worstMaxOverMean: 1, samples: 1 });
});

t.test('spread leaves out samples with no connection; none at all is NaN', async (t) => {
  t.same(spread([{}, { a: 0, b: 0 }, { a: 1, b: 1 }]), { jain: 1, maxOverMean: 1, worstMaxOverMean: 1, samples: 1 });
  const none = spread([{}, { a: 0 }], 2);
  t.ok(Number.isNaN(none.jain) && Number.isNaN(none.maxOverMean) && Number.isNaN(none.worstMaxOverMean));
  t.equal(none.samples, 0);
  t.equal(spread([]).samples, 0);
});

t.test('blockedBehindSlow counts fast requests that waited out a slow one on their own worker', async (t) => {
  const slow = { start: 100, end: 150, slow: true, worker: 'a' };
  const requests = [
    slow,
    { start: 102, end: 151, slow: false, worker: 'a' }, // arrived during the burn, served after it: blocked
    { start: 104, end: 149.5, slow: false, worker: 'a' }, // its close reached the client just before the slow one's
    { start: 101, end: 102, slow: false, worker: 'a' }, // got there before the burn began: not blocked
    { start: 103, end: 104, slow: false, worker: 'b' }, // the other worker: not blocked
    { start: 99, end: 151, slow: false, worker: 'a' }, // started before the slow one: not counted
    { start: 150, end: 151, slow: false, worker: 'a' }, // after it: not blocked
  ];
  t.equal(blockedBehindSlow(requests), 2);
  t.equal(blockedBehindSlow(requests, 0), 1, 'without tolerance only the one that finished after it');
  t.equal(blockedBehindSlow([{ start: 0, end: 1, slow: false, worker: 'a' }]), 0, 'no slow requests, nothing blocked');
});
