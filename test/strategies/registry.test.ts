import t from 'tap';
import { HandoffError, UnknownStrategyError } from '../../src/errors.ts';
import { createStrategy, registry, resolveStrategy, strategyNames } from '../../src/strategies/registry.ts';
import { isStrategyPath, loadStrategy } from '../../src/strategies/load-strategy.ts';
import { seededRandom } from '../../src/strategies/random.ts';
import { conn, pickIds, views } from '../helpers/views.ts';

const names = [
  ['round-robin', 'round-robin'],
  ['rr', 'round-robin'],
  ['least-connections', 'least-connections'],
  ['least-conn', 'least-connections'],
  ['random', 'random'],
  ['p2c', 'p2c'],
  ['power-of-two', 'p2c'],
  ['weighted-round-robin', 'weighted-round-robin'],
  ['wrr', 'weighted-round-robin'],
  ['ip-hash', 'ip-hash'],
  ['sticky', 'ip-hash'],
  ['least-latency', 'least-latency'],
  ['peak-ewma', 'least-latency'],
] as const;
for (const [given, canonical] of names) {
  t.test(`"${given}" makes a ${canonical} strategy`, async (t) => {
    t.equal(createStrategy(given).name, canonical);
  });
}

t.test('each call makes a fresh instance (no shared rotation state)', async (t) => {
  t.not(createStrategy('rr'), createStrategy('rr'));
});

t.test('an unknown name is an error listing every valid name', async (t) => {
  const err = t.throws(() => createStrategy('fastest')) as UnknownStrategyError;
  t.equal(err.code, 'ERR_HANDOFF_UNKNOWN_STRATEGY');
  for (const name of strategyNames()) t.match(err.message, name);
  t.same(err.valid, strategyNames());
});

t.test('strategyNames lists canonical names, then aliases', async (t) => {
  t.same(strategyNames(), [
    'round-robin',
    'least-connections',
    'random',
    'p2c',
    'weighted-round-robin',
    'ip-hash',
    'least-latency',
    'rr',
    'least-conn',
    'power-of-two',
    'wrr',
    'sticky',
    'peak-ewma',
  ]);
  t.equal(registry.length, 7);
});

t.test('every entry has a one-line summary, and no name or alias is taken twice', async (t) => {
  for (const entry of registry) t.match(entry.summary, /^[^\n]{10,120}$/, entry.name);
  t.equal(new Set(strategyNames()).size, strategyNames().length);
});

t.test('options reach the factory, and bad ones are rejected by name', async (t) => {
  const cases = [
    { name: 'p2c', options: { draws: 0 }, option: 'draws' },
    { name: 'power-of-two', options: { draws: 2.5 }, option: 'draws' },
    { name: 'ip-hash', options: { balanceFactor: 1 }, option: 'balanceFactor' },
    { name: 'sticky', options: { balanceFactor: 0.9 }, option: 'balanceFactor' },
  ];
  for (const c of cases) {
    t.throws(() => createStrategy(c.name, c.options), { code: 'ERR_HANDOFF_BAD_OPTION', option: c.option }, c.name);
  }
  // A seeded source makes the random strategies reproducible through the registry too.
  const pool = views(8);
  const a = createStrategy('p2c', { random: seededRandom(3), draws: 3 });
  const b = createStrategy('p2c', { random: seededRandom(3), draws: 3 });
  t.same(
    pickIds(() => a.pick(pool, conn), 20),
    pickIds(() => b.pick(pool, conn), 20),
  );
});

t.test('resolveStrategy takes a name or a Strategy-shaped object', async (t) => {
  const custom = { name: 'first', pick: () => undefined };
  t.equal(resolveStrategy(custom), custom);
  t.equal(resolveStrategy('rr').name, 'round-robin');
  for (const bad of [null, 42, {}, { name: 'x' }, { pick: () => undefined }, { name: 1, pick: () => undefined }]) {
    const err = t.throws(() => resolveStrategy(bad)) as HandoffError;
    t.equal(err.code, 'ERR_HANDOFF_BAD_STRATEGY');
  }
});

t.test('isStrategyPath tells module paths from names', async (t) => {
  for (const path of ['./s.js', 'lib/s', 's.mjs', 's.cjs', 'C:\\s']) t.ok(isStrategyPath(path), path);
  for (const name of ['rr', 'least-conn', 'weighted']) t.notOk(isStrategyPath(name), name);
});

t.test('loadStrategy loads names, objects and factories from modules', async (t) => {
  const dir = t.testdir({
    'object.mjs': 'export default { name: "obj", pick: (w) => w[0] };',
    'factory.mjs': 'export default () => ({ name: "made", pick: (w) => w[0] });',
    'named.cjs': 'exports.strategy = { name: "named", pick: (w) => w[0] };',
    'bad.mjs': 'export default { pick: 1 };',
    'throws.mjs': 'throw new Error("strategy init failed");',
  });
  t.equal((await loadStrategy('rr', dir)).name, 'round-robin');
  t.equal((await loadStrategy('./object.mjs', dir)).name, 'obj');
  t.equal((await loadStrategy('./factory.mjs', dir)).name, 'made');
  t.equal((await loadStrategy('./named.cjs', dir)).name, 'named');
  await t.rejects(loadStrategy('./bad.mjs', dir), { code: 'ERR_HANDOFF_BAD_STRATEGY' });
  await t.rejects(loadStrategy('./throws.mjs', dir), {
    code: 'ERR_HANDOFF_BAD_STRATEGY',
    message: /strategy init failed/,
  });
  await t.rejects(loadStrategy('./missing.mjs', dir), { code: 'ERR_HANDOFF_BAD_STRATEGY', message: /not found/ });
  await t.rejects(loadStrategy('nope', dir), { code: 'ERR_HANDOFF_UNKNOWN_STRATEGY' });
});

t.test('loadStrategy: a named ESM export, no export at all, a non-Error thrown', async (t) => {
  const dir = t.testdir({
    'named.mjs': 'export const strategy = { name: "esm-named", pick: (w) => w[0] };',
    'empty.mjs': 'export const unrelated = 1;',
    'throws-string.mjs': 'throw "not an Error";',
  });
  t.equal((await loadStrategy('./named.mjs', dir)).name, 'esm-named');
  await t.rejects(loadStrategy('./empty.mjs', dir), {
    code: 'ERR_HANDOFF_BAD_STRATEGY',
    message: /received undefined/,
  });
  await t.rejects(loadStrategy('./throws-string.mjs', dir), {
    code: 'ERR_HANDOFF_BAD_STRATEGY',
    message: /failed to load: not an Error/,
  });
});
