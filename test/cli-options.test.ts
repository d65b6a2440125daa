import { readFileSync } from 'node:fs';
import t from 'tap';
import { closestFlag, envArgs, envName, flagOf, flags } from '../src/cli-options.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

t.test('the README options table lists every flag with its default', async (t) => {
  for (const [name, flag] of Object.entries(flags)) {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`--${name}\``));
    t.ok(row, `--${name} has a row`);
    const shown = flag.defaultText.startsWith('CPU') || flag.defaultText.includes(' ') ? flag.defaultText : `\`${flag.defaultText}\``;
    t.match(row ?? '', `| ${shown} |`, `--${name} default`);
  }
});

t.test('flagOf maps option keys to flags', async (t) => {
  t.equal(flagOf('maxInFlight'), '--max-inflight');
  t.equal(flagOf('workers'), '--workers');
  t.equal(flagOf('logger'), undefined);
});

t.test('closestFlag suggests a flag within two edits, or nothing', async (t) => {
  t.equal(closestFlag('wrokers'), '--workers');
  t.equal(closestFlag('--max-infight'), '--max-inflight');
  t.equal(closestFlag('prot'), '--port');
  t.equal(closestFlag('banana'), undefined);
});

t.test('envArgs reads only known flags, as --flag=value', async (t) => {
  t.equal(envName('max-inflight'), 'HANDOFF_MAX_INFLIGHT');
  t.same(envArgs({ HANDOFF_WORKERS: '3', HANDOFF_MAX_INFLIGHT: '2', HANDOFF_WORKER_ID: '7', OTHER: 'x' }), [
    '--workers=3',
    '--max-inflight=2',
  ]);
});
