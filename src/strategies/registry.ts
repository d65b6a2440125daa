import { HandoffError, UnknownStrategyError, describe } from '../errors.js';
import { ipHash } from './ip-hash.js';
import { leastConnections } from './least-connections.js';
import { leastLatency } from './least-latency.js';
import { powerOfTwoChoices } from './p2c.js';
import { random } from './random.js';
import { roundRobin } from './round-robin.js';
import { weightedRoundRobin } from './weighted-round-robin.js';
import type { Strategy, StrategyFactory, StrategyOptions } from './strategy.js';

interface Entry {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly factory: StrategyFactory;
  readonly summary: string;
}

/** Declared as data so the CLI help, the README and the error message list the same names. */
export const registry: readonly Entry[] = [
  { name: 'round-robin', aliases: ['rr'], factory: roundRobin, summary: 'each ready worker in turn, skipping busy ones' },
  {
    name: 'least-connections',
    aliases: ['least-conn'],
    factory: leastConnections,
    summary: 'fewest open + in-flight connections per unit of weight, ties rotated',
  },
  { name: 'random', aliases: [], factory: random, summary: 'uniformly random among workers that can take one' },
  {
    name: 'p2c',
    aliases: ['power-of-two'],
    factory: powerOfTwoChoices,
    summary: 'least weighted load among `draws` (default 2) random workers that can take one',
  },
  {
    name: 'weighted-round-robin',
    aliases: ['wrr'],
    factory: weightedRoundRobin,
    summary: "nginx's smooth weighted round-robin over workers that can take one, live weights",
  },
  {
    name: 'ip-hash',
    aliases: ['sticky'],
    factory: ipHash,
    summary: 'sticky by client address: consistent-hash ring by slot, bounded load (balanceFactor, default 1.25)',
  },
  {
    name: 'least-latency',
    aliases: ['peak-ewma'],
    factory: leastLatency,
    summary: 'lowest (connections + 1) x handoff peak-EWMA latency / weight, ties rotated',
  },
];

const byName = new Map<string, Entry>();
for (const entry of registry) for (const key of [entry.name, ...entry.aliases]) byName.set(key, entry);

/** Every accepted name, canonical names first. */
export function strategyNames(): string[] {
  return [...registry.map((e) => e.name), ...registry.flatMap((e) => e.aliases)];
}

export function createStrategy(name: string, options?: StrategyOptions): Strategy {
  const entry = byName.get(name);
  if (entry === undefined) throw new UnknownStrategyError(name, strategyNames());
  return entry.factory(options);
}

/** A name becomes a fresh instance; an object is checked for the Strategy shape and used as it is. */
export function resolveStrategy(value: unknown, options?: StrategyOptions): Strategy {
  if (typeof value === 'string') return createStrategy(value, options);
  return assertStrategy(value, 'the strategy option');
}

export function assertStrategy(value: unknown, source: string): Strategy {
  const candidate = value as Partial<Strategy> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.pick !== 'function' ||
    typeof candidate.name !== 'string'
  ) {
    throw new HandoffError(
      'ERR_HANDOFF_BAD_STRATEGY',
      `${source} is not a strategy: expected an object with a string "name" and a pick(workers, conn) function, received ${describe(value)}`,
    );
  }
  return candidate as Strategy;
}
