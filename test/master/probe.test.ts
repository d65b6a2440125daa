import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import t from 'tap';
import { Dispatcher } from '../../src/master/dispatcher.ts';
import { Heartbeat } from '../../src/master/heartbeat.ts';
import { WorkerHandle, stallFloor } from '../../src/master/worker-handle.ts';
import { leastConnections } from '../../src/strategies/least-connections.ts';

class FakeChild extends EventEmitter {
  connected = true;
  pid = 7;
  exitCode = null;
  signalCode = null;
  sent: { cmd: string; t?: number }[] = [];
  send(msg: { cmd: string; t?: number }): boolean {
    this.sent.push(msg);
    return true;
  }
  get pings(): number[] {
    return this.sent.filter((m) => m.cmd === 'handoff:ping').map((m) => m.t!);
  }
}

function worker() {
  const child = new FakeChild();
  const w = new WorkerHandle(1, 1, child as unknown as ChildProcess, { maxInFlight: 1, weight: 1, restarts: 0 });
  w.setState('ready');
  return { w, child };
}

const beat = new Heartbeat(60_000, 0, {
  workers: () => [],
  unresponsive: () => undefined,
  responsive: () => undefined,
  timedOut: () => undefined,
});

t.test('a worker holding connections is probed after `quiet` ms of silence, one ping at a time', async (t) => {
  const { w, child } = worker();
  w.setActive(2);
  const heard = w.view.heardAt;
  w.probe(heard + 0.5, 1);
  t.same(child.pings, [], 'heard from half a millisecond ago: no need to ask');
  w.probe(heard + 2, 1);
  t.equal(child.pings.length, 1, 'quiet for 2 ms with connections open: pinged');
  w.probe(heard + 10, 1);
  t.equal(child.pings.length, 1, 'a ping is already out: no second one');
  t.ok(w.view.unansweredFor >= 0);
});

t.test('an idle worker is never probed: quiet is all it has to be', async (t) => {
  const { w, child } = worker();
  w.setActive(0);
  w.probe(w.view.heardAt + 1000, 1);
  t.same(child.pings, []);
});

t.test('an unanswered ping ages into a stall; the pong ends it', async (t) => {
  const { w, child } = worker();
  w.setActive(1);
  w.probe(w.view.heardAt + 5, 1);
  // What is tested is the passing of time itself: the worker's silence has to last past the floor.
  await delay(stallFloor * 3);
  t.ok(w.view.unansweredFor > stallFloor, `unanswered for ${w.view.unansweredFor.toFixed(2)} ms`);
  t.equal(w.view.stalled, true, 'no answer yet to judge by: the floor alone decides');
  t.equal(w.info().isStalled, true, 'stats show it too');
  beat.pong(w, child.pings[0]!);
  t.equal(w.view.unansweredFor, 0);
  t.equal(w.view.stalled, false);
});

t.test('a worker that usually answers slowly (busy, not blocked) is judged against its own answer time', async (t) => {
  const { w, child } = worker();
  w.setActive(1);
  // Under full load every answer takes ~2 ms: four times that is what counts as a stall for this worker.
  const now = performance.now();
  w.answered(now - 2, now);
  w.probe(w.view.heardAt + 5, 1);
  t.equal(child.pings.length, 1);
  await delay(3);
  t.ok(w.view.unansweredFor > stallFloor, 'past the floor');
  t.equal(w.view.stalled, false, 'but within four times its usual 2 ms');
  await delay(7);
  t.equal(w.view.stalled, true, `unanswered for ${w.view.unansweredFor.toFixed(1)} ms: past 4 × 2 ms`);
});

t.test('a heartbeat ping counts as the outstanding one; a pong for an older ping does not clear a newer one', async (t) => {
  const { w, child } = worker();
  w.ping();
  w.setActive(1);
  w.probe(w.view.heardAt + 5, 1);
  t.equal(child.pings.length, 1, 'the heartbeat ping is already out: no probe');
  beat.pong(w, child.pings[0]!);
  t.equal(w.view.unansweredFor, 0);
  w.ping();
  beat.pong(w, child.pings[0]!);
  await delay(2);
  t.ok(w.view.unansweredFor > 1, 'a late answer to the first ping leaves the second one out');
  beat.pong(w, child.pings[1]!);
  t.equal(w.view.unansweredFor, 0);
});

/** A least-connections dispatcher over two fake workers holding `active` connections each. */
function twoWorkers(active: [number, number]) {
  const d = new Dispatcher({
    strategy: leastConnections(),
    maxQueue: 10,
    queueTimeout: 10_000,
    hooks: { drop: () => undefined, redispatch: () => undefined, strategyError: () => undefined },
  });
  const pair = [worker(), worker()] as const;
  pair.forEach(({ w }, i) => {
    d.add(w);
    w.setActive(active[i]!);
  });
  return { d, pair };
}

const handle = () => ({ close: () => undefined, getpeername: () => 0, getsockname: () => 0 });

t.test('the dispatcher probes quiet busy workers before it places a connection', async (t) => {
  const { d, pair } = twoWorkers([3, 0]);
  const [busy, idle] = pair;
  // The probe waits for a millisecond of silence, measured on the clock.
  await delay(3);
  d.accept(handle());
  t.equal(busy.child.pings.length, 1, 'the quiet worker with connections was asked');
  t.equal(idle.child.pings.length, 0, 'the idle one was not');
});

t.test('a connection held back for a worker in doubt is placed as soon as its pong settles the doubt', async (t) => {
  const { d, pair } = twoWorkers([1, 0]);
  const [quiet, other] = pair;
  await delay(3);
  d.accept(handle());
  t.equal(quiet.child.pings.length, 1, 'the quiet worker was asked');
  t.equal(other.w.inFlight, 1, 'the first connection went to the idle worker');
  d.accept(handle());
  t.equal(d.queued, 1, 'the second waits: the quiet worker is in doubt and the other one acks soon');
  beat.pong(quiet.w, quiet.child.pings[0]!);
  t.equal(d.queued, 1, 'a pong alone changes nothing until the dispatcher hears of it');
  d.answered();
  t.equal(d.queued, 0, 'answered: the doubt is gone and the connection placed');
  t.equal(quiet.w.inFlight, 1, 'on the worker that answered');
});
