import t from 'tap';
import { fairness } from '../../src/master/fairness.ts';

t.test('Jain index and max/mean', async (t) => {
  const cases: [number[], number, number][] = [
    [[], 1, 1],
    [[0, 0, 0], 1, 1],
    [[5, 5, 5, 5], 1, 1],
    [[10, 0], 0.5, 2],
    [[1, 2, 3], 36 / 42, 1.5],
    [[4, 0, 0, 0], 0.25, 4],
  ];
  for (const [loads, jain, maxOverMean] of cases) {
    const f = fairness(loads);
    t.ok(Math.abs(f.jain - jain) < 1e-12, `jain of [${loads}] is ${jain} (got ${f.jain})`);
    t.ok(Math.abs(f.maxOverMean - maxOverMean) < 1e-12, `max/mean of [${loads}] is ${maxOverMean}`);
  }
});
