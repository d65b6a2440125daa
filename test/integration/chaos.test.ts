import t from 'tap';
import { fixture, startMaster } from '../helpers/cluster.ts';
import { startLoad } from '../helpers/load.ts';
import { seededRandom } from '../../dist/index.js';
import { until } from '../helpers/until.ts';

// Bounded: 10 s of kills, 4 client loops on 127.0.0.1, every request times out after 5 s.
const killEvery = 500;
const killFor = 10_000;

t.test('chaos: SIGKILL a random worker every 500 ms for 10 s under new-connection load', async (t) => {
  const workers = 3;
  const { master, port } = await startMaster(t, {
    workers,
    app: fixture('pid-app.cjs'),
    maxRestarts: 1000, // this test is the crash loop's opposite: every kill must be answered by a restart
    restartDelay: 20,
    maxRestartDelay: 500,
  });
  const random = seededRandom(1234);
  const load = startLoad(port, 4, 5000);
  await until('load to flow', () => master.stats().delivered > 20, 5000);

  let kills = 0;
  let executingInKilled = 0;
  const started = Date.now();
  while (Date.now() - started < killFor) {
    await new Promise((resolve) => setTimeout(resolve, killEvery));
    const ready = master.workers().filter((w) => w.state === 'ready');
    if (ready.length === 0) continue;
    const victim = ready[Math.floor(random() * ready.length)]!;
    // What may be executing inside it: connections it reported, plus sockets in flight whose ack may already be in
    // the pipe (the master reads it after the kill, and such a socket was the worker's). The rest are re-dispatched.
    executingInKilled += victim.active + victim.inFlight;
    try {
      process.kill(victim.pid, 'SIGKILL');
      kills++;
    } catch {
      // it exited on its own just now
    }
  }
  const result = await load.stop();
  const timedOut = result.errors.filter((e) => e.includes('timed out')).length;

  t.ok(kills >= 15, `${kills} workers killed`);
  t.ok(result.ok > 200, `${result.ok} requests answered`);
  t.equal(timedOut, 0, 'no request hung');
  t.ok(
    result.failed <= executingInKilled,
    `${result.failed} failed, at most the ${executingInKilled} connections executing inside killed workers`,
  );
  const stats = master.stats();
  t.ok(stats.redispatched >= 0, `${stats.redispatched} sockets re-dispatched from killed workers`);
  t.same(Object.values(stats.dropped), [0, 0, 0, 0, 0, 0], `nothing dropped by policy (${JSON.stringify(stats.dropped)})`);

  await until('the pool to be back to N', () => master.stats().ready === workers, 5000);
  t.same(
    master.workers().filter((w) => w.state === 'ready').map((w) => w.index).sort(),
    [1, 2, 3],
  );
  t.comment(
    `kills ${kills}, answered ${result.ok}, failed ${result.failed} (bound ${executingInKilled}), redispatched ${stats.redispatched}`,
  );
});
