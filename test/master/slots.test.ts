import t from 'tap';
import { Slots } from '../../src/master/slots.ts';

t.test('weights by slot, 1 past the configured ones; restarts counted per slot', async (t) => {
  const s = new Slots([5, 0]);
  t.same([1, 2, 3].map((i) => s.weight(i)), [5, 0, 1]);
  s.setWeight(3, 7);
  t.equal(s.weight(3), 7);
  t.equal(s.restarts(2), 0);
  s.countRestart(2);
  s.countRestart(2);
  t.same([1, 2].map((i) => s.restarts(i)), [0, 2]);
});
