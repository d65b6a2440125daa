/**
 * handoff as a library: `createMaster(options)` embeds the balancer; `strategies` and the Strategy types let you
 * write, test and plug in your own.
 */
import { Master } from './master/master.js';
import type { MasterOptions } from './master/options.js';
import { ipHash } from './strategies/ip-hash.js';
import { leastConnections } from './strategies/least-connections.js';
import { leastLatency } from './strategies/least-latency.js';
import { powerOfTwoChoices } from './strategies/p2c.js';
import { random } from './strategies/random.js';
import { resolveStrategy } from './strategies/registry.js';
import { roundRobin } from './strategies/round-robin.js';
import { weightedRoundRobin } from './strategies/weighted-round-robin.js';

/** Builds a master; nothing is bound or forked until `listen()`. Throws on invalid options. */
export function createMaster(options: MasterOptions = {}): Master {
  return new Master(options, resolveStrategy);
}

/** The built-in strategy factories. */
export const strategies = {
  roundRobin,
  leastConnections,
  random,
  powerOfTwoChoices,
  weightedRoundRobin,
  ipHash,
  leastLatency,
} as const;

export { Master };
export type { CloseResult, MasterEvents } from './master/master.js';
export type { MasterOptions, OutputMode } from './master/options.js';
export type { DropReason, Fairness, MasterState, MasterStats, ReloadResult, WorkerInfo, WorkerState } from './stats.js';
export { type Logger, type LogLevel, createLogger } from './logger.js';
export { HandoffError, OptionError, UnknownStrategyError, errorCodes, type ErrorCode } from './errors.js';
export type { ConnectionInfo, Strategy, StrategyFactory, StrategyOptions, WorkerView } from './strategies/strategy.js';
export { createStrategy, registry, strategyNames } from './strategies/registry.js';
export { seededRandom } from './strategies/random.js';
export type { MessageSource, MessageTarget } from './protocol.js';
