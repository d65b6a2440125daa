import t from 'tap';
import { HashRing, defaultReplicas, hashString, pointOf } from '../../src/strategies/hash-ring.ts';

t.test('hashString is a deterministic 32-bit hash', async (t) => {
  t.equal(hashString('10.0.0.1'), hashString('10.0.0.1'));
  t.not(hashString('10.0.0.1'), hashString('10.0.0.2'));
  for (const key of ['', 'a', '::1', '10.0.0.1', '2001:db8::ff00:42:8329', 'é€😀']) {
    const h = hashString(key);
    t.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32, `${key} → ${h}`);
  }
});

t.test('addresses differing only in the last octet spread over the whole circle', async (t) => {
  // FNV-1a alone keeps such keys close in the high bits; the finalizer must scatter them.
  const quarters = [0, 0, 0, 0];
  for (let i = 0; i < 256; i++) quarters[Math.floor(hashString(`10.0.0.${i}`) / 2 ** 30)]!++;
  for (const count of quarters) t.ok(count > 40 && count < 90, `quarter holds ${count} of 256`);
});

t.test('a ring holds replicas points per slot, sorted, each owned by its slot', async (t) => {
  const ring = new HashRing([3, 1, 2], 50);
  t.equal(ring.size, 150);
  for (let i = 1; i < ring.size; i++) if (ring.points[i - 1]! > ring.points[i]!) t.fail(`unsorted at ${i}`);
  for (const slot of [1, 2, 3]) {
    const mine = [...ring.points].filter((_, i) => ring.owners[i] === slot).sort((a, b) => a - b);
    const expected = Array.from({ length: 50 }, (_, r) => pointOf(slot, r)).sort((a, b) => a - b);
    t.same(mine, expected, `slot ${slot}`);
  }
  t.equal(new HashRing([1]).size, defaultReplicas);
});

t.test('the ring depends only on the set of slots', async (t) => {
  const a = new HashRing([4, 2, 9]);
  const b = new HashRing([9, 4, 2, 2, 4]);
  t.same([...a.points], [...b.points]);
  t.same([...a.owners], [...b.owners]);
});

t.test('find returns the first point at or after the hash, wrapping past the top', async (t) => {
  const ring = new HashRing([1, 2], 8);
  const { points } = ring;
  const last = points.length - 1;
  const cases = [
    { hash: 0, expected: 0 },
    { hash: points[0]!, expected: 0 },
    { hash: points[0]! + 1, expected: 1 },
    { hash: points[5]!, expected: 5 },
    { hash: points[last]!, expected: last },
    { hash: points[last]! + 1, expected: 0 },
    { hash: 2 ** 32 - 1, expected: points[last] === 2 ** 32 - 1 ? last : 0 },
  ];
  for (const c of cases) t.equal(ring.find(c.hash), c.expected, `hash ${c.hash}`);
  t.equal(new HashRing([]).find(123), -1);
});

t.test('each slot owns close to 1/n of the circle', async (t) => {
  for (const n of [2, 4, 8, 16]) {
    const ring = new HashRing(Array.from({ length: n }, (_, i) => i + 1));
    const arc = new Map<number, number>();
    const { points, owners } = ring;
    for (let i = 0; i < points.length; i++) {
      // A point owns the arc from its predecessor up to itself.
      const from = i === 0 ? points[points.length - 1]! - 2 ** 32 : points[i - 1]!;
      arc.set(owners[i]!, (arc.get(owners[i]!) ?? 0) + points[i]! - from);
    }
    for (const [slot, length] of arc) {
      const share = (length / 2 ** 32) * n;
      t.ok(share > 0.75 && share < 1.25, `n=${n} slot ${slot}: ${share.toFixed(3)} of its fair share`);
    }
  }
});
