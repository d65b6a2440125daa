import { type MasterMessage, isProtocolMessage } from '../protocol.js';
import type { ReceivedHandle } from './connection-injector.js';

export interface MessageHandlers {
  /** Ours (the `handoff:` namespace): never shown to the app. */
  protocol(message: MasterMessage, handle: ReceivedHandle | undefined): void;
  /** Anything else the master sent (master.send / broadcast): passed on to the app untouched, then seen here. */
  user(data: unknown): void;
}

/**
 * Node emits every IPC message on `process` (lib/internal/child_process.js looks `emit` up at call time), so the
 * app's own process.on('message') would see ours. This wrapper takes our namespace out first; the app's messages
 * pass through. Node only emits while a 'message' listener exists, hence the no-op one.
 *
 * Returns a function that emits `data` as a 'message' to the app's listeners directly, for messages that arrive
 * wrapped in our protocol (from another worker, through the master).
 */
export function interceptMessages(handlers: MessageHandlers): (data: unknown) => void {
  const emit = process.emit as (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) => boolean;
  process.emit = function (this: NodeJS.Process, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'message') return emit.call(this, event, ...args);
    if (isProtocolMessage(args[0])) {
      handlers.protocol(args[0] as MasterMessage, args[1] as ReceivedHandle | undefined);
      return true;
    }
    // Node's own delivery first, then handoff/worker's: both see every master message, in that order.
    const result = emit.call(this, event, ...args);
    handlers.user(args[0]);
    return result;
  } as typeof process.emit;
  process.on('message', () => undefined);
  return (data) => void emit.call(process, 'message', data);
}
