/**
 * Every error handoff raises on purpose, with a stable `code`. The table below is data: the README lists every code
 * and a test checks that it does, so the docs cannot drift from the code.
 */
export const errorCodes = {
  ERR_HANDOFF_BAD_OPTION: 'An option has a value outside what it accepts.',
  ERR_HANDOFF_UNKNOWN_STRATEGY: 'The strategy name is not registered.',
  ERR_HANDOFF_BAD_STRATEGY: 'A strategy module or object does not have the Strategy shape.',
  ERR_HANDOFF_APP_NOT_FOUND: 'The --app (or --agent) file does not exist.',
  ERR_HANDOFF_APP_LOAD: 'The app threw while loading, or exported nothing handoff can serve.',
  ERR_HANDOFF_LISTEN: 'The master could not bind its listening socket (port in use, no permission, bad host).',
  ERR_HANDOFF_WORKER_START: 'A worker exited or timed out before it became ready during start-up.',
  ERR_HANDOFF_RELOAD: 'A rolling reload stopped because a new worker could not start; the old workers keep serving.',
  ERR_HANDOFF_CRASH_LOOP: 'Workers kept failing (more than --max-restarts within --restart-window): the master gave up.',
  ERR_HANDOFF_UNKNOWN_WORKER: 'No live worker has that id (admin endpoint and live-control API).',
  ERR_HANDOFF_ADMIN: 'The admin endpoint received a request it cannot serve (bad JSON, bad route or method).',
  ERR_HANDOFF_STATE: 'A method was called in a state that does not allow it (listen twice, listen after close).',
  ERR_HANDOFF_TLS: 'A worker cannot terminate TLS: the cert/key files do not load or match, or the app serves TLS itself.',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class HandoffError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandoffError';
    this.code = code;
  }
}

/** An option error names the option, what was received and what is allowed. */
export class OptionError extends HandoffError {
  readonly option: string;
  readonly received: unknown;
  readonly expected: string;

  constructor(option: string, expected: string, received: unknown) {
    super('ERR_HANDOFF_BAD_OPTION', `invalid ${option}: expected ${expected}, received ${describe(received)}`);
    this.name = 'OptionError';
    this.option = option;
    this.expected = expected;
    this.received = received;
  }
}

export class UnknownStrategyError extends HandoffError {
  readonly valid: readonly string[];

  constructor(name: string, valid: readonly string[]) {
    super('ERR_HANDOFF_UNKNOWN_STRATEGY', `unknown strategy ${describe(name)}; valid: ${valid.join(', ')}`);
    this.name = 'UnknownStrategyError';
    this.valid = valid;
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Only plain data crosses IPC; this rebuilds a HandoffError from it (and tolerates codes from a newer worker). */
export function errorFromWire(code: string, message: string): HandoffError {
  const known = Object.hasOwn(errorCodes, code) ? (code as ErrorCode) : 'ERR_HANDOFF_APP_LOAD';
  return new HandoffError(known, message);
}
