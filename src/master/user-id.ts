import { readFileSync } from 'node:fs';
import { OptionError } from '../errors.js';

/**
 * `--uid` / `--gid`: a number, or a name looked up in /etc/passwd or /etc/group (Node has no getpwnam; these files
 * are what it would read on a system without NSS extras). The master keeps its own ids: it binds the port (perhaps a
 * privileged one) and then forks workers that run as the given user, as nginx and HAProxy drop privileges.
 */
export function userId(option: 'uid' | 'gid', value: unknown, file = option === 'uid' ? '/etc/passwd' : '/etc/group'): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const n = Number(value);
    if (Number.isInteger(n) && n >= 0 && n < 2 ** 32) return n;
  } else if (typeof value === 'string') {
    const id = lookup(value, file);
    if (id !== undefined) return id;
    throw new OptionError(option, `a numeric id or a ${option === 'uid' ? 'user' : 'group'} name in ${file}`, value);
  }
  throw new OptionError(option, 'a numeric id (0 to 2^32 - 1) or a name', value);
}

/**
 * Switching user needs the privilege to (root, in practice). Without it Node's fork throws EPERM synchronously, in
 * the middle of a start or a restart; checked here instead, before anything is bound or forked.
 */
export function assertCanSwitch(option: 'uid' | 'gid', id: number | undefined, own = option === 'uid' ? process.getuid?.() : process.getgid?.()): void {
  if (id === undefined || own === undefined || id === own || process.getuid?.() === 0) return;
  throw new OptionError(option, `the master's own ${option} (${own}) unless the master runs as root`, id);
}

function lookup(name: string, file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 3) {
      const id = Number(fields[2]);
      if (Number.isInteger(id)) return id;
    }
  }
  return undefined;
}
