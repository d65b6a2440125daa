import { readFileSync } from 'node:fs';
import t from 'tap';
import { HandoffError, OptionError, describe, errorCodes, errorFromWire } from '../src/errors.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('every error code is documented in the README error table', async (t) => {
  for (const code of Object.keys(errorCodes)) t.match(readme, `| \`${code}\``, code);
});

t.test('the README documents no code that does not exist', async (t) => {
  const documented = [...readme.matchAll(/`(ERR_HANDOFF_[A-Z_]+)`/g)].map((m) => m[1]!);
  for (const code of documented) t.ok(Object.hasOwn(errorCodes, code), code);
});

t.test('errors carry their code and cause', async (t) => {
  const cause = new Error('root');
  const err = new HandoffError('ERR_HANDOFF_LISTEN', 'no', { cause });
  t.equal(err.code, 'ERR_HANDOFF_LISTEN');
  t.equal(err.cause, cause);
  t.ok(err instanceof Error);
  const opt = new OptionError('workers', 'an integer', 'x');
  t.equal(opt.message, 'invalid workers: expected an integer, received "x"');
});

t.test('errorFromWire keeps known codes and maps unknown ones to an app error', async (t) => {
  t.equal(errorFromWire('ERR_HANDOFF_WORKER_START', 'm').code, 'ERR_HANDOFF_WORKER_START');
  t.equal(errorFromWire('ERR_SOMETHING_NEW', 'm').code, 'ERR_HANDOFF_APP_LOAD');
});

t.test('describe names a value without dumping it', async (t) => {
  t.equal(describe('a'), '"a"');
  t.equal(describe(3), '3');
  t.equal(describe(undefined), 'undefined');
  t.equal(describe(() => 1), 'a function');
  t.equal(describe([1]), 'an array');
  t.equal(describe({ a: 1 }), 'an object');
});
