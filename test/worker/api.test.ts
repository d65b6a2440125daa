import t from 'tap';
import { worker } from '../../src/worker/api.ts';

t.test('outside handoff, the worker API is detached: nothing is sent', async (t) => {
  t.equal(worker.isWorker, false);
  t.equal(worker.isAgent, false);
  t.equal(worker.id, 0);
  t.equal(worker.send({ a: 1 }), false);
  t.equal(worker.sendTo(3, { a: 1 }), false);
});
