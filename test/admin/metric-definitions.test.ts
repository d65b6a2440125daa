import t from 'tap';
import { metricDefinitions } from '../../src/admin/metric-definitions.ts';
import { FakeTarget } from '../helpers/fake-target.ts';

t.test('metric definitions follow the naming conventions', async (t) => {
  const names = metricDefinitions.map((d) => d.name);
  t.equal(new Set(names).size, names.length, 'unique');
  for (const d of metricDefinitions) {
    t.match(d.name, /^handoff_[a-z_]+$/, d.name);
    t.equal(d.name.endsWith('_total'), d.type === 'counter', `${d.name}: _total exactly for counters`);
    t.notMatch(d.name, /_ms$|_milliseconds/, `${d.name}: base units`);
  }
});

t.test('every definition reads samples whose labels are the ones it declares', async (t) => {
  const target = new FakeTarget();
  const snapshot = { stats: target.stats(), workers: target.workers(), now: Date.now() };
  for (const d of metricDefinitions) {
    const samples = d.samples(snapshot);
    t.ok(samples.length > 0, `${d.name} has samples`);
    for (const [labels, value] of samples) {
      t.same(Object.keys(labels).sort(), [...(d.labelNames ?? [])].sort(), `${d.name} labels`);
      t.ok(Number.isFinite(value), `${d.name} ${JSON.stringify(labels)} = ${value}`);
      if (d.type === 'counter') t.ok(value >= 0, `${d.name}: a counter is never negative`);
    }
  }
});
