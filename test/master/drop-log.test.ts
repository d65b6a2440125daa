import t from 'tap';
import { DropLog } from '../../src/master/drop-log.ts';
import type { Logger } from '../../src/logger.ts';

function recorder() {
  const lines: { fields: unknown; msg: string | undefined }[] = [];
  const log = (fields: object | string, msg?: string) => lines.push({ fields, msg });
  const logger: Logger = { level: 'info', error: log, warn: log, info: log, debug: log };
  return { lines, logger };
}

t.test('the first drop is logged at once; the rest of the second are summed by reason', async (t) => {
  const { lines, logger } = recorder();
  const drops = new DropLog(logger);
  drops.record('queue-full');
  t.same(lines, [{ fields: { reason: 'queue-full', count: 1 }, msg: 'dropped connections' }]);
  for (let i = 0; i < 500; i++) drops.record('queue-full');
  drops.record('queue-timeout');
  t.equal(lines.length, 1, 'a flood is not a line per connection');
  drops.flush();
  t.same(
    lines.slice(1).map((l) => l.fields),
    [
      { reason: 'queue-full', count: 500 },
      { reason: 'queue-timeout', count: 1 },
    ],
  );
  drops.record('closing');
  t.equal(lines.length, 4, 'after a flush the next drop is logged at once again');
  drops.flush();
});
