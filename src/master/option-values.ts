import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { HandoffError, OptionError } from '../errors.js';
import type { StrategyOptions } from '../strategies/strategy.js';

/*
 * The value checks behind resolveOptions(): each names the option, what it received and what it allows. Strings are
 * accepted where a number is meant, because the CLI and the environment deliver strings.
 */

/** Accepts numbers and, for the CLI and environment variables, strings of decimal digits. */
export function integer(name: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new OptionError(name, range, value);
  }
  return n;
}

/** Descriptors kept for what the app opens itself (files, outgoing connections, its database pool). */
const appDescriptors = 128;

/** The soft open-file limit (Linux /proc), less the app's share; unlimited where it cannot be read. */
export function defaultWorkerConnections(limits = '/proc/self/limits'): number {
  try {
    const line = readFileSync(limits, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 2 * appDescriptors ? soft - appDescriptors : Number.MAX_SAFE_INTEGER;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

/** true/false, and for the CLI and environment "true"/"false". */
export function boolean(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new OptionError(name, 'true or false', value);
}

export function host(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new OptionError(name, 'a host name or IP address', value);
  return value;
}

/** The most a weight may be: weights are relative, and nginx caps them similarly. */
export const maxWeight = 1000;

/** A slot weight: an integer from 0 (drained) to {@link maxWeight}; strings of digits too (CLI, admin). */
export function weight(name: string, value: unknown): number {
  return integer(name, value, 1, 0, maxWeight);
}

/** An array of weights, or for the CLI a comma-separated list ("5,1,1"). */
export function weights(value: unknown): readonly number[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new OptionError('weights', `a list of integers from 0 to ${maxWeight} (e.g. 5,1,1)`, value);
  }
  return list.map((w, i) => {
    if (typeof w === 'string' && w.trim() === '') throw new OptionError('weights', `a weight for slot ${i + 1}`, value);
    return weight('weights', w);
  });
}

export function strategyOptions(value: unknown = {}, defaults: { readonly draws: number; readonly balanceFactor: number }): StrategyOptions {
  if (typeof value !== 'object' || value === null) throw new OptionError('strategyOptions', 'an object', value);
  const o = value as StrategyOptions & Record<string, unknown>;
  const draws = integer('draws', o.draws, defaults.draws, 1, 1024);
  const balanceFactor = o.balanceFactor === undefined ? defaults.balanceFactor : decimal('balanceFactor', o.balanceFactor);
  if (!(balanceFactor > 1)) throw new OptionError('balanceFactor', 'a number above 1 (e.g. 1.25)', o.balanceFactor);
  return { ...o, draws, balanceFactor };
}

/** A finite number; strings of a decimal number too (CLI). */
export function decimal(name: string, value: unknown): number {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new OptionError(name, 'a number', value);
  return n;
}

export function modulePath(name: 'app' | 'agent', value: unknown, cwd: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new OptionError(name, 'a path to a module', value);
  const file = resolve(cwd, value);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new HandoffError('ERR_HANDOFF_APP_NOT_FOUND', `${name} not found: ${file}`);
  }
  return file;
}

/**
 * Both files or neither, and both must exist. Only existence is checked here: the master never touches TLS, and a
 * worker reads and parses the files when it starts (ERR_HANDOFF_TLS if they do not load or do not match).
 */
export function tlsFiles(cert: unknown, key: unknown, cwd: string): { readonly cert: string; readonly key: string } | null {
  const isSet = (value: unknown): boolean => value !== undefined && value !== null && value !== '';
  if (!isSet(cert) && !isSet(key)) return null;
  if (!isSet(cert)) throw new OptionError('tlsCert', 'a certificate file along with the key', cert);
  if (!isSet(key)) throw new OptionError('tlsKey', 'a private key file along with the certificate', key);
  return { cert: existingFile('tlsCert', cert, cwd), key: existingFile('tlsKey', key, cwd) };
}

export function existingFile(name: string, value: unknown, cwd: string): string {
  if (typeof value !== 'string') throw new OptionError(name, 'a path to a file', value);
  const file = resolve(cwd, value);
  if (!existsSync(file) || !statSync(file).isFile()) throw new OptionError(name, 'an existing file', file);
  return file;
}

export type OutputMode = 'inherit' | 'ignore';

export function output(name: string, value: unknown): OutputMode {
  if (value === undefined) return 'inherit';
  if (value === 'inherit' || value === 'ignore') return value;
  throw new OptionError(name, '"inherit" or "ignore"', value);
}

export function stringRecord(name: string, value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !Object.values(value).every((v) => typeof v === 'string')
  ) {
    throw new OptionError(name, 'an object of string values', value);
  }
  return value as Record<string, string>;
}

export function stringArray(name: string, value: unknown, fallback: readonly string[]): readonly string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new OptionError(name, 'an array of strings', value);
  }
  return value;
}
