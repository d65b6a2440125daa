import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HandoffError } from '../errors.js';
import { assertStrategy, createStrategy } from './registry.js';
import type { Strategy, StrategyFactory } from './strategy.js';

/** Whether a --strategy value names a module file rather than a registered strategy. */
export function isStrategyPath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || /\.(c|m)?js$/.test(value);
}

/**
 * Loads `--strategy`: a registered name, or a module whose default export (or `strategy` export) is a Strategy
 * object or a factory returning one.
 */
export async function loadStrategy(value: string, cwd = process.cwd()): Promise<Strategy> {
  if (!isStrategyPath(value)) return createStrategy(value);
  const file = resolve(cwd, value);
  if (!existsSync(file)) {
    throw new HandoffError('ERR_HANDOFF_BAD_STRATEGY', `strategy module not found: ${file}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new HandoffError('ERR_HANDOFF_BAD_STRATEGY', `strategy module ${file} failed to load: ${messageOf(err)}`, {
      cause: err,
    });
  }
  // CommonJS arrives with module.exports as `default`, so `exports.strategy` may sit one level down.
  const exported = [mod.default, mod.strategy, (mod.default as Record<string, unknown> | undefined)?.strategy].find(
    (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && 'pick' in v),
  );
  const candidate = typeof exported === 'function' ? (exported as StrategyFactory)() : (exported ?? mod.default);
  return assertStrategy(candidate, `the default export of ${file}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
