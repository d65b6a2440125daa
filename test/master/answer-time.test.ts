import t from 'tap';
import { AnswerTime } from '../../src/master/answer-time.ts';

t.test('the first sample is the estimate; later ones are averaged in by the time since the last', async (t) => {
  const a = new AnswerTime(100, 5);
  t.equal(a.value, 0, '0 before any sample');
  a.sample(0.2, 1000);
  t.equal(a.value, 0.2);
  a.sample(1.2, 1000 + 100);
  // After one decay time, the old value keeps e^-1 of its weight.
  t.ok(Math.abs(a.value - (0.2 * Math.exp(-1) + 1.2 * (1 - Math.exp(-1)))) < 1e-9, `${a.value}`);
});

t.test("a long task's one late answer counts only up to the cap, and is soon forgotten", async (t) => {
  const a = new AnswerTime(100, 5);
  a.sample(0.2, 0);
  a.sample(50, 10);
  t.ok(a.value < 0.2 + 5 * (1 - Math.exp(-0.1)) + 1e-9, `capped at 5 ms: ${a.value.toFixed(3)}`);
  a.sample(0.2, 510);
  t.ok(a.value < 0.25, `five decay times later it is back near 0.2: ${a.value.toFixed(3)}`);
});

t.test('a worker busy for a while raises it for as long as it stays busy', async (t) => {
  const a = new AnswerTime(100, 5);
  a.sample(0.2, 0);
  for (let at = 10; at <= 500; at += 10) a.sample(2, at);
  t.ok(Math.abs(a.value - 2) < 0.02, `converges on its answer time: ${a.value.toFixed(3)}`);
});
