import t from 'tap';
import { RestartPolicy } from '../../src/master/restart-policy.ts';

const policy = (maxRestarts = 100, window = 60_000) => new RestartPolicy({ base: 100, max: 1000, maxRestarts, window });

t.test('backoff doubles per slot up to the maximum', async (t) => {
  const p = policy();
  t.same(
    [1, 2, 3, 4, 5, 6].map((i) => p.next(1, 0, false, i)),
    [100, 200, 400, 800, 1000, 1000],
  );
  t.equal(p.next(2, 0, false, 7), 100, 'another slot has its own backoff');
});

t.test('a worker that stayed up longer than the maximum delay resets its slot', async (t) => {
  const p = policy();
  p.next(1, 0, false, 1);
  p.next(1, 0, false, 2);
  t.equal(p.next(1, 5000, false, 3), 100);
});

t.test('immediate replacements count, but wait for nothing', async (t) => {
  const p = policy(2);
  t.equal(p.next(1, 0, true, 1), 0);
  t.equal(p.next(1, 0, true, 2), 0);
  t.equal(p.next(1, 0, true, 3), undefined, 'the third within the window is one too many');
});

t.test('the crash-loop limit counts the whole pool within the window', async (t) => {
  const p = policy(3, 1000);
  t.equal(p.next(1, 0, false, 0), 100);
  t.equal(p.next(2, 0, false, 10), 100);
  t.equal(p.next(3, 0, false, 20), 100);
  t.equal(p.recent, 3);
  t.equal(p.next(1, 0, false, 30), undefined);
  const later = policy(3, 1000);
  for (const at of [0, 10, 20]) later.next(1, 0, false, at);
  t.not(later.next(1, 0, false, 1500), undefined, 'old failures leave the window');
  t.equal(later.recent, 1);
});

t.test('maxRestarts 0: the first failure gives up', async (t) => {
  t.equal(policy(0).next(1, 0), undefined);
});

t.test('scheduled restarts run once and can be cancelled', async (t) => {
  const p = policy();
  const ran: number[] = [];
  await new Promise<void>((resolve) =>
    p.schedule(1, 1, () => {
      ran.push(1);
      resolve();
    }),
  );
  p.schedule(2, 5, () => ran.push(2));
  p.schedule(2, 5, () => ran.push(22));
  p.cancelAll();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(ran, [1]);
});
