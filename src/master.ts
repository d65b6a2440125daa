#!/usr/bin/env node
// The CLI: parse and validate flags, build a Master, wire signals. Logic lives in ./master and ./strategies.
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { type Flag, type StrategyOptionKey, closestFlag, envArgs, envName, flagOf, flags } from './cli-options.js';
import { HandoffError, OptionError, describe } from './errors.js';
import { createMaster } from './index.js';
import { type LogLevel, createLogger } from './logger.js';
import type { MasterOptions } from './master/options.js';
import { defaults } from './master/options.js';
import { isStrategyPath, loadStrategy } from './strategies/load-strategy.js';

const strategyOptionKeys: readonly string[] = ['draws', 'balanceFactor'] satisfies StrategyOptionKey[];

/** Mistakes in what the user typed exit 2; failures while running exit 1. */
const usageCodes = new Set([
  'ERR_HANDOFF_BAD_OPTION',
  'ERR_HANDOFF_UNKNOWN_STRATEGY',
  'ERR_HANDOFF_BAD_STRATEGY',
  'ERR_HANDOFF_APP_NOT_FOUND',
]);

class UsageError extends Error {}

async function main(): Promise<number> {
  const args = await parse([...envArgs(process.env), ...hideBin(process.argv)]);
  const log = createLogger(args['log-level'] as LogLevel, args['log-pretty'] === true);
  const options: Record<string, unknown> = {};
  const strategyOptions: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(flags) as [string, Flag][]) {
    if (flag.option === undefined || args[name] === undefined) continue;
    if (strategyOptionKeys.includes(flag.option)) strategyOptions[flag.option] = args[name];
    else options[flag.option] = args[name];
  }
  // A registered name is built by the master (with the strategy options, which it validates); a path is loaded here.
  const name = String(args.strategy ?? defaults.strategy);
  const strategy = isStrategyPath(name) ? await loadStrategy(name) : name;
  const master = createMaster({ ...(options as MasterOptions), strategy, strategyOptions, logger: log });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal: stop waiting. The master's exit hook SIGKILLs the workers.
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    signalled = true;
    log.info({ signal }, 'stopping');
    // Exit 0 only if every worker finished within --kill-timeout.
    void master.close().then(({ forced }) => process.exit(forced === 0 ? 0 : 1));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  // SIGHUP: rolling reload (a failed one is logged by the master; the old workers keep serving).
  process.on('SIGHUP', () => void master.reload().catch(() => undefined));
  // SIGTTIN / SIGTTOU: one worker more / less (the gunicorn convention).
  process.on('SIGTTIN', () => void master.scale(master.size + 1).catch(() => undefined));
  process.on('SIGTTOU', () => void master.scale(Math.max(1, master.size - 1)).catch(() => undefined));
  master.on('error', (err) => {
    if (!(err instanceof HandoffError) || err.code !== 'ERR_HANDOFF_CRASH_LOOP') return; // logged by the master
    process.stderr.write(`handoff: ${explain(err)}\n`);
    void master.close().then(() => process.exit(1));
  });

  try {
    await master.listen();
  } catch (err) {
    if (signalled) return new Promise(() => undefined); // close() is under way and exits 0
    throw err;
  }
  return -1; // keep running; signals end the process
}

async function parse(argv: string[]): Promise<Record<string, unknown>> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  const parser = yargs(argv)
    .scriptName('handoff')
    .usage('$0 [options]\n\nA handle-passing load balancer: one listening socket, forked workers, pluggable strategies.')
    .strict()
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilog(`Every option can also be set from the environment: ${envName('workers')}=4, ${envName('max-inflight')}=2, …`)
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .fail((message, err) => {
      // Both are yargs' own complaints about what was typed (err: e.g. a flag without its value).
      throw new UsageError((message ?? err.message).replace(/\s*\n\s*/g, ' '));
    });
  for (const [name, flag] of Object.entries(flags) as [string, Flag][]) {
    parser.option(name, {
      ...(flag.alias === undefined ? {} : { alias: flag.alias }),
      describe: flag.describe,
      defaultDescription: flag.defaultText,
      ...(flag.type === undefined ? { requiresArg: true } : { type: flag.type }),
      ...(flag.choices === undefined ? {} : { choices: flag.choices }),
    });
  }
  return (await parser.parseAsync()) as Record<string, unknown>;
}

/** One line the user can act on: which flag, what was received, what is allowed. */
function explain(err: unknown): string {
  if (err instanceof OptionError) {
    const flag = flagOf(err.option) ?? err.option;
    return `invalid ${flag}: expected ${err.expected}, received ${describe(err.received)} [${err.code}]`;
  }
  if (err instanceof HandoffError) return `${err.message} [${err.code}]`;
  if (err instanceof UsageError) {
    const unknown = /^Unknown arguments?: (.+)$/.exec(err.message)?.[1]?.split(', ')[0];
    const suggestion = unknown === undefined ? undefined : closestFlag(unknown);
    return `${err.message}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; see --help`;
  }
  return `internal error: ${err instanceof Error ? err.message : String(err)}`;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`handoff: ${explain(err)}\n`);
    const isUsage = err instanceof UsageError || (err instanceof HandoffError && usageCodes.has(err.code));
    process.exit(isUsage ? 2 : 1);
  },
);
