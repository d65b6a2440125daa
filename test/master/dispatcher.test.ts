import type { ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import t from 'tap';
import { Dispatcher, type DispatcherHooks, type DropReason } from '../../src/master/dispatcher.ts';
import { WorkerHandle } from '../../src/master/worker-handle.ts';
import { leastConnections } from '../../src/strategies/least-connections.ts';
import { roundRobin } from '../../src/strategies/round-robin.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';

class FakeChild extends EventEmitter {
  connected = true;
  pid: number;
  exitCode: number | null = null;
  signalCode: string | null = null;
  sent: { msg: { cmd: string; id?: number }; socket: FakeHandle | undefined }[] = [];
  killed: string[] = [];
  constructor(pid: number) {
    super();
    this.pid = pid;
  }
  send(msg: { cmd: string; id?: number }, socket?: FakeHandle): boolean {
    this.sent.push({ msg, socket });
    return true;
  }
  kill(signal: string): void {
    this.killed.push(signal);
  }
}

class FakeHandle {
  destroyed = false;
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  close(): void {
    this.destroyed = true;
  }
  getpeername(): number {
    return 0;
  }
  getsockname(): number {
    return 0;
  }
}

function setup(options: { strategy?: Strategy; maxQueue?: number; queueTimeout?: number; maxInFlight?: number } = {}) {
  const events = new EventEmitter();
  const drops: DropReason[] = [];
  const redispatches: number[] = [];
  const hooks: DispatcherHooks = {
    drop: (reason) => {
      drops.push(reason);
      events.emit('drop', reason);
    },
    redispatch: (_w, count) => redispatches.push(count),
    strategyError: (err) => events.emit('strategyError', err),
  };
  const d = new Dispatcher({
    strategy: options.strategy ?? roundRobin(),
    maxQueue: options.maxQueue ?? 100,
    queueTimeout: options.queueTimeout ?? 10_000,
    hooks,
  });
  let nextId = 0;
  const worker = (ready = true) => {
    const child = new FakeChild(100 + ++nextId);
    const w = new WorkerHandle(nextId, nextId, child as unknown as ChildProcess, {
      maxInFlight: options.maxInFlight ?? 1,
      weight: 1,
      restarts: 0,
    });
    if (ready) {
      w.setState('ready');
      d.add(w);
    }
    return { w, child };
  };
  const accept = (name: string) => {
    const s = new FakeHandle(name);
    d.accept(s);
    return s;
  };
  /** The accounting invariant every state must satisfy. */
  const balanced = (workers: WorkerHandle[]) => {
    const c = d.counters;
    const dropped = Object.values(c.dropped).reduce((a, b) => a + b, 0);
    const inFlight = workers.reduce((a, w) => a + w.inFlight, 0);
    return c.accepted === c.delivered + dropped + d.queued + inFlight;
  };
  return { d, worker, accept, drops, redispatches, events, balanced };
}

const sentNames = (child: FakeChild) => child.sent.filter((s) => s.socket).map((s) => s.socket!.name);

t.test('sends straight to a worker with capacity; the master keeps its copy until the ack', async (t) => {
  const { d, worker, accept } = setup();
  const { child } = worker();
  const s = accept('a');
  t.same(sentNames(child), ['a']);
  t.same(child.sent[0]!.msg, { cmd: 'handoff:conn', id: 1 });
  t.equal(d.counters.dispatched, 1);
  t.equal(s.destroyed, false, 'the master keeps its copy until the ack');
});

t.test('ack destroys the master copy, records the count and frees capacity for the queue', async (t) => {
  const { d, worker, accept, balanced } = setup();
  const { w, child } = worker();
  const a = accept('a');
  const b = accept('b');
  t.same(sentNames(child), ['a'], 'maxInFlight 1: b waits in the master, not in Node');
  t.equal(d.queued, 1);
  t.ok(balanced([w]));
  d.ack(w, 1, 1);
  t.equal(a.destroyed, true);
  t.equal(w.view.active, 1);
  t.same(sentNames(child), ['a', 'b']);
  d.ack(w, 2, 2);
  t.equal(b.destroyed, true);
  t.equal(d.counters.delivered, 2);
  t.ok(balanced([w]));
});

t.test('an unknown or repeated ack changes nothing but the count', async (t) => {
  const { d, worker, accept } = setup();
  const { w } = worker();
  accept('a');
  d.ack(w, 1, 1);
  d.ack(w, 1, 3);
  d.ack(w, 99, 3);
  t.equal(d.counters.delivered, 1);
  t.equal(w.view.active, 3);
});

t.test('with no ready worker, sockets wait and are sent in order once one is ready', async (t) => {
  const { d, worker, accept } = setup({ maxInFlight: 4 });
  for (const n of ['a', 'b', 'c']) accept(n);
  t.equal(d.queued, 3);
  const { w, child } = worker(false);
  w.setState('ready');
  d.add(w);
  t.same(sentNames(child), ['a', 'b', 'c']);
  t.equal(d.queued, 0);
});

t.test('queue full: the newest socket is closed and counted', async (t) => {
  const { d, accept, drops, balanced } = setup({ maxQueue: 2 });
  const sockets = ['a', 'b', 'c', 'd'].map(accept);
  t.equal(d.queued, 2);
  t.same(
    sockets.map((s) => s.destroyed),
    [false, false, true, true],
  );
  t.same(drops, ['queue-full', 'queue-full']);
  t.equal(d.counters.dropped['queue-full'], 2);
  t.ok(balanced([]));
});

t.test('queue timeout: waiting sockets are closed and counted, one timer for the queue', async (t) => {
  const { d, accept, events, balanced } = setup({ queueTimeout: 20 });
  const a = accept('a');
  const b = accept('b');
  await once(events, 'drop');
  if (d.queued > 0) await once(events, 'drop');
  t.equal(a.destroyed && b.destroyed, true);
  t.equal(d.counters.dropped['queue-timeout'], 2);
  t.equal(d.queued, 0);
  t.ok(balanced([]));
});

t.test('reclaim: unacked sockets of an exited worker go first, in order, to the others', async (t) => {
  const { d, worker, accept, redispatches, balanced } = setup({ maxInFlight: 3 });
  const first = worker();
  for (const n of ['a', 'b', 'c']) accept(n);
  t.same(sentNames(first.child), ['a', 'b', 'c']);
  d.ack(first.w, 1, 1);
  d.remove(first.w); // e.g. it started draining
  accept('d'); // waits: nobody ready
  const second = worker(false);
  first.w.setState('stopped');
  t.equal(d.reclaim(first.w), 2);
  t.same(redispatches, [2]);
  t.equal(d.counters.redispatched, 2);
  t.equal(d.queued, 3, 'b, c ahead of d, nobody ready yet');
  second.w.setState('ready');
  d.add(second.w);
  t.same(sentNames(second.child), ['b', 'c', 'd']);
  t.ok(balanced([first.w, second.w]));
});

t.test('reclaim of a worker with nothing pending is a no-op', async (t) => {
  const { d, worker, redispatches } = setup();
  const { w } = worker();
  t.equal(d.reclaim(w), 0);
  t.same(redispatches, []);
});

t.test('a send on a closed channel takes the worker out and tries the next', async (t) => {
  const { d, worker, accept } = setup();
  const a = worker();
  const b = worker();
  a.child.connected = false;
  accept('x');
  t.same(sentNames(b.child), ['x']);
  t.equal(a.w.state, 'stopped');
  t.equal(d.counters.dispatched, 1);
});

t.test('a throwing strategy is reported and the socket still goes to a free worker', async (t) => {
  const boom: Strategy = {
    name: 'boom',
    pick() {
      throw new Error('bug in strategy');
    },
  };
  const { d, worker, accept, events } = setup({ strategy: boom });
  const { child } = worker();
  const errored = once(events, 'strategyError');
  accept('a');
  const [err] = await errored;
  t.match(err, { message: 'bug in strategy' });
  t.same(sentNames(child), ['a']);
  t.equal(d.counters.strategyErrors, 1);
});

t.test('a strategy answering with a busy worker means wait', async (t) => {
  const stubborn: Strategy = { name: 'stubborn', pick: (ws) => ws[0] };
  const { d, worker, accept } = setup({ strategy: stubborn });
  const { w, child } = worker();
  worker();
  accept('a');
  accept('b');
  t.same(sentNames(child), ['a']);
  t.equal(d.queued, 1, 'b waits for worker 1 although worker 2 is free');
  d.ack(w, 1, 1);
  t.same(sentNames(child), ['a', 'b']);
});

t.test('a strategy answering with a view it does not own means wait', async (t) => {
  const outsider = setup().worker();
  const stranger: Strategy = { name: 'stranger', pick: () => outsider.w.view };
  const { d, worker, accept } = setup({ strategy: stranger });
  const { child } = worker();
  accept('a');
  t.equal(d.queued, 1);
  t.same(sentNames(child), []);
  t.same(sentNames(outsider.child), []);
});

t.test('load reports update counts and let a waiting strategy go on', async (t) => {
  // waits until the chosen worker has fewer than 2 connections
  const capped: Strategy = { name: 'capped', pick: (ws) => ws.find((w) => w.active < 2 && w.canTake) };
  const { d, worker, accept } = setup({ strategy: capped });
  const { w, child } = worker();
  d.load(w, 2);
  accept('a');
  t.equal(d.queued, 1);
  d.load(w, 1);
  t.same(sentNames(child), ['a']);
});

t.test('add/remove tell the strategy; removed workers get nothing', async (t) => {
  const seen: string[] = [];
  const base = leastConnections();
  const spy: Strategy = {
    name: 'spy',
    pick: (ws, c) => base.pick(ws, c),
    added: (v) => seen.push(`+${v.id}`),
    removed: (v) => seen.push(`-${v.id}`),
  };
  const { d, worker, accept } = setup({ strategy: spy });
  const a = worker();
  const b = worker();
  d.remove(a.w);
  d.remove(a.w);
  accept('x');
  accept('y');
  t.same(seen, ['+1', '+2', '-1']);
  t.same(sentNames(a.child), []);
  t.same(sentNames(b.child), ['x']);
});

t.test('close drops what waits and anything reclaimed afterwards', async (t) => {
  const { d, worker, accept, drops, balanced } = setup({ maxInFlight: 2 });
  const { w } = worker();
  accept('a');
  accept('b');
  const c = accept('c');
  d.close();
  t.equal(c.destroyed, true);
  const late = accept('late');
  t.equal(late.destroyed, true);
  t.equal(d.reclaim(w), 2);
  t.same(drops, ['closing', 'closing', 'closing', 'closing']);
  t.equal(d.counters.dropped.closing, 4);
  t.ok(balanced([w]));
});

t.test('weight 0 takes a worker out of the pool without stopping it; a weight brings it back', async (t) => {
  const calls: string[] = [];
  const rr = roundRobin();
  const strategy: Strategy = {
    name: 'spy',
    pick: (w, c) => rr.pick(w, c),
    added: (v) => calls.push(`added ${v.id}`),
    removed: (v) => calls.push(`removed ${v.id}`),
  };
  const { d, worker, accept, balanced } = setup({ strategy });
  const one = worker();
  const two = worker();
  t.same(calls, ['added 1', 'added 2']);
  one.w.setWeight(0);
  d.reweigh(one.w);
  t.same(calls.slice(2), ['removed 1']);
  accept('a');
  d.ack(two.w, 1, 1);
  accept('b');
  t.same(sentNames(one.child), [], 'a drained worker gets nothing');
  t.same(sentNames(two.child), ['a', 'b']);
  one.w.setWeight(3);
  d.reweigh(one.w);
  t.same(calls.slice(3), ['added 1']);
  t.equal(one.w.view.weight, 3, 'the strategy sees the new weight');
  accept('c');
  t.same(sentNames(one.child), ['c'], 'b is in flight on two, so c goes to the worker back in the pool');
  one.w.setWeight(2);
  d.reweigh(one.w);
  t.same(calls.slice(4), [], 'a change between two non-zero weights is no join or leave');
  t.ok(balanced([one.w, two.w]));
});

t.test('reweighing a worker that is not in the pool (unresponsive, draining) does nothing', async (t) => {
  const calls: string[] = [];
  const strategy: Strategy = { ...roundRobin(), added: (v) => calls.push(`added ${v.id}`) };
  const { d, worker } = setup({ strategy });
  const { w } = worker(false);
  w.setWeight(5);
  d.reweigh(w);
  t.same(calls, []);
});

t.test('a drained worker that becomes ready stays out of the pool', async (t) => {
  const { d, worker, accept } = setup();
  const { w, child } = worker(false);
  w.setWeight(0);
  w.setState('ready');
  d.add(w);
  accept('a');
  t.same(sentNames(child), []);
  t.equal(d.queued, 1, 'it waits for a worker with a weight');
});

t.test('setStrategy: the queue goes to the new strategy, the old one is told every worker left', async (t) => {
  const left: number[] = [];
  const never: Strategy = { name: 'never', pick: () => undefined, removed: (v) => left.push(v.id) };
  const { d, worker, accept, balanced } = setup({ strategy: never });
  const one = worker();
  const two = worker();
  accept('a');
  accept('b');
  t.equal(d.queued, 2, 'the first strategy places nothing');
  const joined: number[] = [];
  const lc = leastConnections();
  d.setStrategy({ ...lc, name: 'lc', pick: lc.pick, added: (v) => joined.push(v.id) });
  t.equal(d.strategy.name, 'lc');
  t.same(left, [1, 2]);
  t.same(joined, [1, 2]);
  t.equal(d.queued, 0, 'the new strategy placed what waited');
  t.same([...sentNames(one.child), ...sentNames(two.child)].sort(), ['a', 'b'], 'each socket sent exactly once');
  t.ok(balanced([one.w, two.w]));
  d.setStrategy(roundRobin());
  t.equal(d.counters.dispatched, 2, 'a switch with nothing queued sends nothing');
});
