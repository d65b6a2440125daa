import { createServer } from 'node:http';
import { Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import { HandoffError, describe } from '../errors.js';
import { demoApp } from './demo-app.js';
import type { ListenCapture } from './listen-capture.js';

type Exports = Record<string, unknown>;

/**
 * Finds the server an app module provides, in this order:
 *  1. a server the app listen()ed on while loading (unmodified apps);
 *  2. an export — `default`, `server`, `handler` or `createServer`, also inside a CommonJS `module.exports`
 *     object — that is a net.Server, a Koa-style app (`callback()`), a request handler (a function of two or more
 *     parameters: `(req, res)`, Express's `(req, res, next)`) or a factory (fewer parameters; may be async);
 *  3. otherwise the first server the app listens on later (after its own async set-up): the master's start-up
 *     timeout bounds the wait.
 */
export async function loadApp(file: string | null, capture: ListenCapture): Promise<Server> {
  if (file === null) return demoApp();
  let mod: Exports;
  try {
    mod = (await import(pathToFileURL(file).href)) as Exports;
  } catch (err) {
    throw appError(file, `threw while loading: ${summary(err)}`, err);
  }
  if (capture.server !== undefined) return capture.server;
  const server = await fromExports(file, mod, capture);
  return server ?? capture.captured();
}

async function fromExports(file: string, mod: Exports, capture: ListenCapture): Promise<Server | undefined> {
  let value = pickExport(mod);
  if (isPlainObject(value)) value = pickExport(value) ?? value;
  if (value instanceof Server) return value;
  if (typeof value === 'object' && value !== null && typeof (value as Exports).callback === 'function') {
    return createServer((value as { callback(): Parameters<typeof createServer>[0] }).callback());
  }
  if (typeof value !== 'function') return undefined;
  if (value.length >= 2) return createServer(value as Parameters<typeof createServer>[0]);
  let made: unknown;
  try {
    made = await (value as () => unknown)();
  } catch (err) {
    throw appError(file, `factory threw: ${summary(err)}`, err);
  }
  if (made instanceof Server) return made;
  if (capture.server !== undefined) return capture.server;
  throw appError(
    file,
    `exports a function of ${value.length} parameter(s), so it was called as a factory, and it returned ${describe(made)} instead of a net.Server (a request handler takes (req, res))`,
  );
}

function pickExport(mod: Exports): unknown {
  return mod.default ?? mod.server ?? mod.handler ?? mod.createServer;
}

function isPlainObject(value: unknown): value is Exports {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function appError(file: string, what: string, cause?: unknown): HandoffError {
  return new HandoffError('ERR_HANDOFF_APP_LOAD', `app ${file} ${what}`, { cause });
}

/** The app's own message plus where it was thrown: one line, no stack dump. */
export function summary(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const where = err.stack
    ?.split('\n')
    .find((line) => line.trimStart().startsWith('at '))
    ?.trim();
  const head = `${err.name}: ${err.message}`;
  return where === undefined ? head : `${head} (${where})`;
}
