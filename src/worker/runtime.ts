import type { Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import { HandoffError } from '../errors.js';
import {
  type DrainReason,
  type MasterMessage,
  type WorkerConfig,
  type WorkerMessage,
  env,
  workerApiKey,
} from '../protocol.js';
import { adoptServer } from './adopt-server.js';
import { WorkerChannel } from './channel.js';
import { ConnectionInjector, type ReceivedHandle } from './connection-injector.js';
import { Drain } from './drain.js';
import { ListenCapture } from './listen-capture.js';
import { loadApp, summary } from './load-app.js';
import { interceptMessages } from './process-messages.js';
import { TlsTerminator, loadSecureContext } from './tls-terminator.js';

/*
 *  master ──conn + socket──▶ onProtocol ──▶ ack {id, active} ──▶ master
 *                                 └──────▶ injector.inject ──▶ app server 'connection'
 *  socket 'close' ──▶ injector (active--) ──setImmediate──▶ load {active} ──▶ master
 *  stop / uncaught error / master gone ──▶ drain ──▶ exit when idle (or at the deadline)
 */

/** If the master is gone, nobody can SIGKILL us later: in-flight requests get this long, at most. */
const orphanDeadline = 1000;

export async function startWorker(): Promise<void> {
  const config = readConfig();
  const send = (message: WorkerMessage, done?: () => void): boolean => {
    if (!process.connected) return false;
    if (done === undefined) process.send!(message);
    else process.send!(message, undefined, {}, done);
    return true;
  };
  const channel = new WorkerChannel(Number(process.env[env.workerId]), Number(process.env[env.workerIndex]), send);
  (globalThis as Record<symbol, unknown>)[workerApiKey] = channel;
  let injector: ConnectionInjector | undefined;
  let drain: Drain | undefined;

  const exit = (code: number): void => process.exit(code);
  const startDrain = (deadline: number): void => {
    // Still loading: nothing was handed to us yet.
    if (drain === undefined) exit(0);
    else drain.start(deadline, exit);
  };

  const onProtocol = (message: MasterMessage, handle: ReceivedHandle | undefined): void => {
    switch (message.cmd) {
      case 'handoff:conn': {
        // Ack first, in this tick, before the socket can be read or the app's handler can throw: once the master
        // has the ack it closes its copy, and a crash after that loses only this worker's own request.
        if (injector === undefined || handle === undefined) {
          // No server yet, or Node could not attach the handle: the master must still settle its copy.
          send({ cmd: 'handoff:ack', id: message.id, active: injector?.active ?? 0 });
          handle?.close();
          return;
        }
        send({ cmd: 'handoff:ack', id: message.id, active: injector.reserve() });
        injector.inject(handle, message.peer === undefined && message.head === undefined ? undefined : message);
        return;
      }
      case 'handoff:stop':
        startDrain(config.killTimeout);
        return;
      case 'handoff:ping':
        // Answered from the event loop: a stuck loop does not answer, which is the point.
        send({ cmd: 'handoff:pong', t: message.t });
        return;
      case 'handoff:msg':
        deliver(message.data);
        channel.emit('message', message.data, message.from);
        return;
      default: {
        const unknown: never = message;
        return unknown;
      }
    }
  };

  const deliver = interceptMessages({
    protocol: onProtocol,
    user: (data) => channel.emit('message', data, 'master'),
  });
  if (config.role === 'agent') return runAgent(config, send);
  // The master is gone (even SIGKILL closes the channel): no one will hand us sockets or stop us. Finish what is in
  // flight, briefly, and go: no orphans.
  process.on('disconnect', () => startDrain(Math.min(config.killTimeout, orphanDeadline)));

  let served: Server | undefined;
  const adopt = (server: Server): void => {
    served = server;
    adoptServer(server, config.address);
  };
  const capture = new ListenCapture(adopt);
  capture.install();

  let server: Server;
  let tls: TlsTerminator | undefined;
  try {
    // The certificate first: a bad one fails the start before the app's own start-up runs.
    const context = config.tls === null ? undefined : loadSecureContext(config.tls);
    server = await loadApp(config.app, capture);
    if (context !== undefined) tls = new TlsTerminator(server, context);
  } catch (err) {
    const error =
      err instanceof HandoffError ? err : new HandoffError('ERR_HANDOFF_APP_LOAD', String(err), { cause: err });
    send({ cmd: 'handoff:fatal', code: error.code, message: error.message }, () => exit(1));
    return;
  }
  if (served !== server) adopt(server);
  injector = new ConnectionInjector(server, (active) => send({ cmd: 'handoff:load', active }), tls);
  drain = new Drain(server, injector);
  onAppFailure((reason, err) => {
    // The process is in an unknown state: take no new sockets, let the master start a replacement now, and finish
    // what is open. A second failure while draining changes nothing.
    if (drain!.isDraining) return;
    send({ cmd: 'handoff:draining', reason, message: messageOf(err), stack: (err as Error | undefined)?.stack });
    startDrain(config.killTimeout);
  });
  send({ cmd: 'handoff:ready' });
}

/** After the app has loaded, an uncaught exception or unhandled rejection drains the worker instead of killing it. */
function onAppFailure(handler: (reason: DrainReason, err: unknown) => void): void {
  process.on('uncaughtException', (err) => handler('uncaughtException', err));
  process.on('unhandledRejection', (reason) => handler('unhandledRejection', reason));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function readConfig(): WorkerConfig {
  const raw = process.env[env.config];
  if (raw === undefined || process.send === undefined) {
    process.stderr.write('handoff: dist/worker.js is started by the master (node dist/master.js), not directly\n');
    process.exit(1);
  }
  return JSON.parse(raw) as WorkerConfig;
}

/**
 * The agent: one extra process that receives no connections. It runs its module (which may do anything: hold a
 * cache, run schedules, talk to workers through `handoff/worker`) and is supervised like a worker. A failure is not
 * drained: the process exits and the master restarts it.
 */
async function runAgent(config: WorkerConfig, send: (message: WorkerMessage, done?: () => void) => boolean): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  try {
    await import(pathToFileURL(config.app!).href);
  } catch (err) {
    const message = `agent ${config.app} threw while loading: ${summary(err)}`;
    send({ cmd: 'handoff:fatal', code: 'ERR_HANDOFF_APP_LOAD', message }, () => process.exit(1));
    return;
  }
  send({ cmd: 'handoff:ready' });
}
