import { readFileSync, readdirSync } from 'node:fs';
import t from 'tap';

// DESIGN.md: master/, worker/ and strategies/ do not import each other; they meet in protocol.ts and the strategy
// types (src/strategies/strategy.ts, which holds types only).
const folders = ['master', 'worker', 'strategies'] as const;
const src = new URL('../src/', import.meta.url);

for (const folder of folders) {
  t.test(`src/${folder} imports no other of ${folders.join(', ')} (but the strategy types)`, async (t) => {
    const files = readdirSync(new URL(`${folder}/`, src)).filter((f) => f.endsWith('.ts'));
    t.ok(files.length > 0);
    for (const file of files) {
      const text = readFileSync(new URL(`${folder}/${file}`, src), 'utf8');
      for (const [, spec] of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
        const other = folders.find((f) => f !== folder && spec!.startsWith(`../${f}/`));
        if (other === undefined) continue;
        t.ok(spec === '../strategies/strategy.js', `${folder}/${file} imports ${spec}`);
      }
    }
  });
}

t.test('src/admin (which the master runs) imports none of master, worker, strategies', async (t) => {
  const files = readdirSync(new URL('admin/', src)).filter((f) => f.endsWith('.ts'));
  t.ok(files.length > 0);
  for (const file of files) {
    const text = readFileSync(new URL(`admin/${file}`, src), 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)[^'"]*from '([^']+)'/gm)) {
      t.notOk(folders.some((f) => spec!.startsWith(`../${f}/`)), `admin/${file} imports ${spec}`);
    }
  }
});

t.test('the top level holds only what the project layout allows', async (t) => {
  const allowed = new Set(['src', 'test', 'bench', 'scripts', 'examples', 'package.json', 'package-lock.json', 'tsconfig.json', 'README.md']);
  const tracked = readdirSync(new URL('../', import.meta.url)).filter(
    (name) => !name.startsWith('.') && !['node_modules', 'dist'].includes(name),
  );
  for (const name of tracked) t.ok(allowed.has(name), `${name} is allowed at the top level`);
});
