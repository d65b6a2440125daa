import { request } from 'node:http';
import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { getJson } from '../helpers/http.ts';

/** GET / over a new connection from `localAddress` (any 127.0.0.0/8 address is this machine's on Linux). */
function getFrom(port: number, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve((JSON.parse(body) as { pid: number }).pid));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end();
  });
}

t.test('ip-hash: each client address always reaches the same worker, and the addresses spread', async (t) => {
  const { master, port } = await startMaster(t, { workers: 3, strategy: 'ip-hash', app: fixture('pid-app.cjs') });
  const addresses = Array.from({ length: 24 }, (_, i) => `127.0.${Math.floor(i / 8) + 1}.${(i % 8) + 10}`);
  const home = new Map<string, number>();
  for (let round = 0; round < 4; round++) {
    for (const address of addresses) {
      const pid = await getFrom(port, address);
      if (round === 0) home.set(address, pid);
      else if (home.get(address) !== pid) t.fail(`${address} moved from ${home.get(address)} to ${pid} in round ${round}`);
    }
  }
  const used = new Set(home.values());
  t.equal(used.size, 3, `24 addresses use all 3 workers (${[...used].join(', ')})`);
  t.equal(master.stats().accepted, 96);
});

t.test('ip-hash: a restarted worker gets its clients back (the ring is keyed by slot)', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 2,
    strategy: 'sticky',
    restartDelay: 1,
    app: fixture('pid-app.cjs'),
  });
  const addresses = Array.from({ length: 12 }, (_, i) => `127.0.9.${i + 1}`);
  const slotOf = new Map<string, number>();
  const slot = (pid: number) => master.workers().find((w) => w.pid === pid)!.index;
  for (const a of addresses) slotOf.set(a, slot(await getFrom(port, a)));
  const victim = master.workers()[0]!;
  const replaced = new Promise((resolve) => master.once('ready', resolve));
  process.kill(victim.pid, 'SIGKILL');
  await replaced;
  for (const a of addresses) t.equal(slot(await getFrom(port, a)), slotOf.get(a), `${a} is back on slot ${slotOf.get(a)}`);
});

t.test('weighted-round-robin: weights 3 and 1 share sequential connections 3:1', async (t) => {
  const { master, port } = await startMaster(t, {
    workers: 2,
    strategy: 'wrr',
    weights: [3, 1],
    app: fixture('pid-app.cjs'),
  });
  const [heavy, light] = master.workers();
  const counts = new Map<number, number>();
  for (let i = 0; i < 40; i++) {
    const { pid } = await getJson(port);
    counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  t.equal(counts.get(heavy!.pid), 30);
  t.equal(counts.get(light!.pid), 10);
  master.setWeight(light!.id, 3);
  counts.clear();
  for (let i = 0; i < 40; i++) {
    const { pid } = await getJson(port);
    counts.set(pid, (counts.get(pid) ?? 0) + 1);
  }
  t.same([counts.get(heavy!.pid), counts.get(light!.pid)], [20, 20], 'a weight set at run time applies at once');
});

for (const strategy of ['p2c', 'least-latency'] as const) {
  t.test(`${strategy}: serves sequential connections on both workers`, async (t) => {
    const { master, port } = await startMaster(t, {
      workers: 2,
      strategy,
      strategyOptions: { draws: 2 },
      app: fixture('pid-app.cjs'),
    });
    const pids = new Set<number>();
    for (let i = 0; i < 30; i++) pids.add((await getJson(port)).pid);
    t.equal(master.stats().strategy, strategy);
    t.same([...pids].sort(), master.workers().map((w) => w.pid).sort(), 'both workers served');
  });
}
