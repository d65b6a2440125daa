import { type ErrorCode, HandoffError } from '../errors.js';

/**
 * A request the admin endpoint refuses before it reaches the master (bad JSON, bad route or method, body too large):
 * always ERR_HANDOFF_ADMIN, with the HTTP status that says which.
 */
export class AdminRequestError extends HandoffError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super('ERR_HANDOFF_ADMIN', message);
    this.name = 'AdminRequestError';
    this.status = status;
    this.headers = headers;
  }
}

/** What the master's own errors mean over HTTP: the caller's input is wrong (4xx) or the master's state is. */
const statusByCode: Partial<Record<ErrorCode, number>> = {
  ERR_HANDOFF_ADMIN: 400,
  ERR_HANDOFF_BAD_OPTION: 400,
  ERR_HANDOFF_UNKNOWN_STRATEGY: 400,
  ERR_HANDOFF_UNKNOWN_WORKER: 404,
  ERR_HANDOFF_STATE: 409,
};

export interface ErrorReply {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether it is the endpoint's (or the master's) fault, to be logged at error. */
  readonly isInternal: boolean;
}

/**
 * Maps anything a route threw to a status and `{code, message}`. A HandoffError keeps its code and message: they are
 * written for the operator (and stable), and a code the table does not list (a worker that would not start during
 * /scale) is a 500 that still says why. Anything else is a bug: its message may carry internals, so the caller only
 * learns that it failed.
 */
export function errorReply(err: unknown): ErrorReply {
  if (err instanceof AdminRequestError) {
    return { status: err.status, code: err.code, message: err.message, headers: err.headers, isInternal: false };
  }
  if (err instanceof HandoffError) {
    const status = statusByCode[err.code];
    const isInternal = status === undefined;
    return { status: status ?? 500, code: err.code, message: err.message, headers: {}, isInternal };
  }
  const message = 'internal error in the admin endpoint';
  return { status: 500, code: 'ERR_HANDOFF_ADMIN', message, headers: {}, isInternal: true };
}

/** The one error body shape the endpoint answers with. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
