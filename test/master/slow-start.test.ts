import type { ChildProcess } from 'node:child_process';
import t from 'tap';
import { SlowStart } from '../../src/master/slow-start.ts';
import { WorkerHandle } from '../../src/master/worker-handle.ts';

const handle = (weight = 2) => new WorkerHandle(1, 1, { pid: 1 } as unknown as ChildProcess, { maxInFlight: 1, weight, restarts: 0 });

t.test('the effective weight ramps linearly from 5% to the full weight over the window', async (t) => {
  const s = new SlowStart(1000);
  const w = handle(2);
  s.begin(w, 0);
  t.equal(w.view.weight, 0.1, '5% at once');
  const steps: [number, number][] = [
    [10, 0.1],
    [250, 0.5],
    [500, 1],
    [900, 1.8],
    [1000, 2],
    [5000, 2],
  ];
  for (const [now, expected] of steps) {
    s.tick(now);
    t.ok(Math.abs(w.view.weight - expected) < 1e-12, `at ${now} ms: ${expected} (got ${w.view.weight})`);
  }
  t.equal(w.effectiveWeight, 2);
  s.stop();
});

t.test('a weight set while warming is ramped too; a warm worker is no longer touched', async (t) => {
  const s = new SlowStart(1000);
  const w = handle(1);
  s.begin(w, 0);
  s.tick(500);
  w.setWeight(4);
  t.equal(w.view.weight, 2);
  s.tick(1000);
  t.equal(w.view.weight, 4);
  w.setRamp(0.5); // as if someone else touched it: the ramp is done, tick must not override
  s.tick(1100);
  t.equal(w.view.weight, 2);
  s.stop();
});

t.test('off when the window is 0; end() forgets a worker', async (t) => {
  const off = new SlowStart(0);
  const w = handle(3);
  off.begin(w, 0);
  t.equal(off.isEnabled, false);
  t.equal(w.view.weight, 3);
  const s = new SlowStart(100);
  s.begin(w, 0);
  s.end(w);
  s.tick(50);
  t.equal(w.view.weight, 3 * 0.05, 'no longer ramped once ended');
  s.end(w);
});

t.test('the ramp timer runs while a worker warms, and stops by itself', async (t) => {
  const s = new SlowStart(400); // steps every 20 ms
  const w = handle(1);
  s.begin(w);
  const keepAlive = setInterval(() => undefined, 1000); // the ramp's timer is unref'd
  t.teardown(() => clearInterval(keepAlive));
  const start = Date.now();
  while (w.view.weight < 1) await new Promise((r) => setTimeout(r, 20));
  t.ok(Date.now() - start >= 350, 'full weight only after about the window');
  t.equal(w.view.weight, 1);
});
