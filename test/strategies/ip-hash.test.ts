import t from 'tap';
import { OptionError } from '../../src/errors.ts';
import { HashRing, hashString } from '../../src/strategies/hash-ring.ts';
import { ipHash } from '../../src/strategies/ip-hash.ts';
import { seededRandom } from '../../src/strategies/random.ts';
import type { ConnectionInfo, Strategy, WorkerView } from '../../src/strategies/strategy.ts';
import { type FakeView, conn, views } from '../helpers/views.ts';

function from(remoteAddress: string | undefined): ConnectionInfo {
  return { ...conn, remoteAddress };
}

function addresses(count: number, seed: number): string[] {
  const rand = seededRandom(seed);
  const octet = () => Math.floor(rand() * 256);
  return Array.from({ length: count }, () => `${octet()}.${octet()}.${octet()}.${octet()}`);
}

/** A strategy that has been told about every worker in the pool, as the master does. */
function joined(pool: readonly WorkerView[], options = {}): Strategy {
  const s = ipHash(options);
  for (const w of pool) s.added!(w);
  return s;
}

/** Address → worker id, for every address. */
function placement(s: Strategy, pool: readonly WorkerView[], addrs: readonly string[]): Map<string, number> {
  return new Map(addrs.map((a) => [a, s.pick(pool, from(a))!.id]));
}

const addrs = addresses(10_000, 1);

t.test('balanceFactor must be a number > 1', async (t) => {
  for (const balanceFactor of [1, 0.5, 0, -2, Number.NaN, '1.5']) {
    const err = t.throws(() => ipHash({ balanceFactor: balanceFactor as number })) as OptionError;
    t.equal(err.code, 'ERR_HANDOFF_BAD_OPTION');
    t.equal(err.option, 'balanceFactor');
  }
  for (const balanceFactor of [1.01, 1.25, 2, Infinity]) t.equal(ipHash({ balanceFactor }).name, 'ip-hash');
});

t.test('each address always lands on the same worker, across instances', async (t) => {
  const pool = views(4);
  const a = joined(pool);
  const first = placement(a, pool, addrs);
  const again = placement(a, pool, [...addrs].reverse());
  const other = placement(joined(pool), pool, addrs);
  let differs = 0;
  for (const addr of addrs) if (again.get(addr) !== first.get(addr) || other.get(addr) !== first.get(addr)) differs++;
  t.equal(differs, 0);
});

t.test('10,000 addresses spread within 25% of the mean over 4 workers', async (t) => {
  const pool = views(4);
  const counts = [0, 0, 0, 0];
  for (const id of placement(joined(pool), pool, addrs).values()) counts[id - 1]!++;
  for (const count of counts) t.ok(Math.abs(count - 2500) <= 625, `count ${count} near 2500`);
});

t.test('a 5th worker takes about 1/5 of the addresses, and only it gains any', async (t) => {
  const pool = views(5);
  const s = joined(pool.slice(0, 4));
  const before = placement(s, pool.slice(0, 4), addrs);
  s.added!(pool[4]!);
  const after = placement(s, pool, addrs);
  let moved = 0;
  let elsewhere = 0;
  for (const addr of addrs) {
    if (after.get(addr) === before.get(addr)) continue;
    moved++;
    if (after.get(addr) !== 5) elsewhere++;
  }
  t.ok(moved / addrs.length > 0.12 && moved / addrs.length < 0.28, `${moved} of ${addrs.length} moved`);
  t.equal(elsewhere, 0, 'every moved address moved to the new worker');
});

t.test('removing a worker moves only its own addresses, spread over the others', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const before = placement(s, pool, addrs);
  s.removed!(pool[1]!);
  const rest = [pool[0]!, pool[2]!, pool[3]!];
  const after = placement(s, rest, addrs);
  const heirs = new Set<number>();
  let strays = 0;
  for (const addr of addrs) {
    if (before.get(addr) === 2) heirs.add(after.get(addr)!);
    else if (after.get(addr) !== before.get(addr)) strays++;
  }
  t.equal(strays, 0);
  t.same([...heirs].sort(), [1, 3, 4]);
});

t.test('a worker restarted in the same slot gets the same addresses back', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const before = placement(s, pool, addrs);
  const replacement = { ...pool[2]!, id: 9, pid: 2009 };
  s.removed!(pool[2]!);
  s.added!(replacement);
  const restarted = [pool[0]!, pool[1]!, replacement, pool[3]!];
  const after = placement(s, restarted, addrs);
  let changed = 0;
  for (const addr of addrs) if (after.get(addr) !== (before.get(addr) === 3 ? 9 : before.get(addr))) changed++;
  t.equal(changed, 0);
});

t.test('during a reload the new worker of a slot takes its addresses; the old one none', async (t) => {
  const pool = views(3);
  const s = joined(pool);
  const before = placement(s, pool, addrs);
  // Pool order is index then id: the replacement (id 7) sits right after its predecessor.
  const replacement = { ...pool[1]!, id: 7, pid: 2007 };
  s.added!(replacement);
  const during = [pool[0]!, pool[1]!, replacement, pool[2]!];
  const after = placement(s, during, addrs);
  let wrong = 0;
  for (const addr of addrs) if (after.get(addr) !== (before.get(addr) === 2 ? 7 : before.get(addr))) wrong++;
  t.equal(wrong, 0);
  // The old worker leaving changes nothing: its slot is still served.
  s.removed!(pool[1]!);
  const done = [pool[0]!, replacement, pool[2]!];
  t.same(placement(s, done, addrs), after);
});

t.test('over the cap, an address spills to the next worker clockwise; the others stay put', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const before = placement(s, pool, addrs);
  // Total load 10 → cap = ceil(1.25 × 11 / 4) + 1 = 5: worker 1 (10) is over it, the rest (0) are not.
  pool[0]!.active = 6;
  pool[0]!.inFlight = 4;
  const ring = new HashRing([1, 2, 3, 4]);
  let checked = 0;
  for (const addr of addrs) {
    const picked = s.pick(pool, from(addr))!.id;
    if (before.get(addr) !== 1) {
      if (picked !== before.get(addr)) t.fail(`${addr} moved from ${before.get(addr)} to ${picked}`);
      continue;
    }
    let at = ring.find(hashString(addr));
    while (ring.owners[at] === 1) at = (at + 1) % ring.size;
    if (picked !== ring.owners[at]) t.fail(`${addr} went to ${picked}, not the next on the ring`);
    checked++;
  }
  t.ok(checked > 1500, `${checked} addresses of worker 1 spilled to the next on the ring`);
});

t.test('under a skewed load no worker is given a connection at or above the cap', async (t) => {
  for (const balanceFactor of [1.1, 1.25, 2]) {
    const pool = views(6);
    const s = joined(pool, { balanceFactor });
    const rand = seededRandom(4);
    // Half the connections come from one address, as from a NAT or a busy proxy.
    const hot = addrs[0]!;
    let over = 0;
    const takers = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      const addr = rand() < 0.5 ? hot : addrs[1 + Math.floor(rand() * 9999)]!;
      const total = pool.reduce((sum, w) => sum + w.active, 0);
      const cap = Math.ceil((balanceFactor * (total + 1)) / pool.length) + 1;
      const w = pool[s.pick(pool, from(addr))!.id - 1]!;
      if (w.active >= cap) over++;
      if (addr === hot) takers.add(w.id);
      w.active++;
      // Connections also close, so loads go down as well as up.
      if (rand() < 0.4) {
        const closing = pool[Math.floor(rand() * pool.length)]!;
        if (closing.active > 0) closing.active--;
      }
    }
    t.equal(over, 0, `balanceFactor ${balanceFactor}: never at the cap`);
    t.ok(takers.size > 1, `the hot address spilled over ${takers.size} workers`);
  }
});

t.test('a chosen worker that cannot take a socket now is returned, not skipped', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const before = placement(s, pool, addrs.slice(0, 200));
  for (const w of pool) {
    w.canTake = false;
    for (const [addr, id] of before) if (id === w.id) t.equal(s.pick(pool, from(addr)), w, `${addr} waits for ${id}`);
    w.canTake = true;
  }
});

t.test('no remote address hashes like the empty string', async (t) => {
  const pool = views(8);
  const s = joined(pool);
  t.equal(s.pick(pool, from(undefined)), s.pick(pool, from('')));
});

t.test('IPv6 addresses are spread too', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[s.pick(pool, from(`2001:db8::${i.toString(16)}`))!.id - 1]!++;
  for (const count of counts) t.ok(count > 700 && count < 1300, `count ${count} near 1000`);
});

t.test('without added() calls the pool is learnt on the first pick', async (t) => {
  const pool = views(4);
  const told = placement(joined(pool), pool, addrs);
  t.same(placement(ipHash(), pool, addrs), told);
});

t.test('a worker missing from the pool without a removed() call is passed over like a removed one', async (t) => {
  const pool = views(5);
  const s = joined(pool);
  const told = ipHash();
  for (const w of pool.slice(1, 4)) told.added!(w);
  // Slots 1 and 5 are on the first ring but not in the pool: below and above every slot that is.
  t.same(placement(s, pool.slice(1, 4), addrs), placement(told, pool.slice(1, 4), addrs));
});

t.test('a pool array reordered in place still maps each address to its own worker', async (t) => {
  const pool = views(4);
  const s = joined(pool);
  const before = placement(s, pool, addrs);
  pool.reverse();
  t.same(placement(s, pool, addrs), before);
});

t.test('hooks are idempotent: added twice or removed unknown changes nothing', async (t) => {
  const pool = views(3);
  const s = joined(pool);
  const before = placement(s, pool, addrs.slice(0, 500));
  s.added!(pool[0]!);
  s.removed!({ ...pool[0]!, id: 99 });
  t.same(placement(s, pool, addrs.slice(0, 500)), before);
  // One removal after a double add takes the slot off the ring.
  s.removed!(pool[0]!);
  const rest = pool.slice(1);
  for (const id of placement(s, rest, addrs.slice(0, 500)).values()) t.not(id, 1);
});

t.test('a slot whose newest worker is over the cap, with nothing below it, stays sticky', async (t) => {
  // Two workers of one slot (a reload) and no other slot: the idle old one is shadowed by the loaded new one.
  const pool: FakeView[] = views(2, { index: 1 });
  pool[1]!.active = 10;
  t.equal(joined(pool).pick(pool, from('10.1.2.3'))?.id, 2);
});

t.test('undefined for an empty pool', async (t) => {
  t.equal(ipHash().pick([], conn), undefined);
});

t.test('one connection of slack: a worker still counting a just-closed connection keeps its clients', async (t) => {
  const pool = views(3);
  const s = joined(pool);
  const before = placement(s, pool, addrs.slice(0, 300));
  // The paper's cap here would be ceil(1.25 × 2 / 3) = 1, and every client of worker 1 would move.
  pool[0]!.active = 1;
  t.same(placement(s, pool, addrs.slice(0, 300)), before);
  // At ceil(1.25 × 3 / 3) + 1 = 3 it is over the cap; the others are not.
  pool[0]!.active = 3;
  const moved = [...placement(s, pool, addrs.slice(0, 300))].filter(([a, id]) => before.get(a) !== id);
  t.ok(moved.length > 0 && moved.every(([a]) => before.get(a) === 1), `${moved.length} clients of worker 1 moved, no other`);
});
