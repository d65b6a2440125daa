import type { ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import t from 'tap';
import { Heartbeat } from '../../src/master/heartbeat.ts';
import { WorkerHandle } from '../../src/master/worker-handle.ts';

class SilentChild extends EventEmitter {
  connected = true;
  pid = 1;
  exitCode = null;
  signalCode = null;
  pings: number[] = [];
  send(msg: { cmd: string; t: number }): boolean {
    this.pings.push(msg.t);
    return true;
  }
}

// The heartbeat's timer is unref'd (it must not keep a master alive); this keeps the test process alive meanwhile.
const keepAlive = setInterval(() => undefined, 1000);
t.teardown(() => clearInterval(keepAlive));

function setup(unresponsiveTimeout: number) {
  const child = new SilentChild();
  const worker = new WorkerHandle(1, 1, child as unknown as ChildProcess, { maxInFlight: 1, weight: 1, restarts: 0 });
  worker.setState('ready');
  worker.heard(Date.now(), -1);
  const events = new EventEmitter();
  const beat = new Heartbeat(20, unresponsiveTimeout, {
    workers: () => [worker],
    unresponsive: (w, silentFor) => events.emit('unresponsive', w, silentFor),
    responsive: (w) => events.emit('responsive', w),
    timedOut: (w, silentFor) => events.emit('timedOut', w, silentFor),
  });
  return { child, worker, events, beat };
}

t.test('a silent worker is marked unresponsive after two intervals and cannot take sockets', async (t) => {
  const { worker, events, beat, child } = setup(0);
  beat.start();
  t.teardown(() => beat.stop());
  const [w, silentFor] = await once(events, 'unresponsive');
  t.equal(w, worker);
  t.ok(silentFor > 40, `silent for ${silentFor} ms`);
  t.equal(worker.canTake, false);
  t.equal(worker.info().isResponsive, false);
  t.ok(child.pings.length >= 2, 'it was pinged');

  const back = once(events, 'responsive');
  beat.pong(worker, child.pings.at(-1)!);
  await back;
  t.equal(worker.canTake, true);
  t.ok(worker.info().lag >= 0, 'the round trip is recorded as lag');
});

t.test('silent past the unresponsive timeout: timed out', async (t) => {
  const { worker, events, beat } = setup(60);
  beat.start();
  t.teardown(() => beat.stop());
  const [w, silentFor] = await once(events, 'timedOut');
  t.equal(w, worker);
  t.ok(silentFor > 60);
});

t.test('a pong from a responsive worker only updates its lag', async (t) => {
  const { worker, events, beat } = setup(0);
  let changes = 0;
  events.on('responsive', () => changes++);
  beat.pong(worker, Date.now() - 7, Date.now());
  t.equal(changes, 0);
  t.ok(worker.info().lag >= 7);
});
