import { HandoffError } from '../errors.js';
import type { Emit, ReloadResult } from './events.js';
import type { Logger } from '../logger.js';
import type { Supervisor } from './supervisor.js';

/**
 * Replaces every serving worker with a new one, `step` slots at a time: a new worker starts in the slot, and once it
 * is ready the supervisor retires the old one (one serving worker per slot, the newest). The pool never shrinks.
 *
 * A new worker that cannot start stops the reload: it was a candidate, so nothing restarts it and it does not count
 * toward the crash loop, and the workers not yet replaced keep serving. A broken deploy never takes the pool down.
 */
export async function rollingReload(supervisor: Supervisor, step: number, log: Logger, emit: Emit): Promise<ReloadResult> {
  const slots = [...new Set(supervisor.serving().map((w) => w.index))].sort((a, b) => a - b);
  log.info({ slots }, 'reload started');
  let replaced = 0;
  for (let i = 0; i < slots.length; i += step) {
    // A slot scaled away meanwhile is skipped.
    const batch = slots.slice(i, i + step).filter((index) => index <= supervisor.size);
    const old = supervisor.serving().filter((w) => batch.includes(w.index));
    const fresh = batch.map((index) => {
      const worker = supervisor.spawn(index);
      worker.isCandidate = true;
      return worker;
    });
    const started = await Promise.allSettled(fresh.map((w) => w.ready));
    replaced += started.filter((r) => r.status === 'fulfilled').length;
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(fresh.filter((w) => w.state === 'starting').map((w) => supervisor.stop(w)));
      const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
      const error = new HandoffError(
        'ERR_HANDOFF_RELOAD',
        `reload stopped after replacing ${replaced} of ${slots.length} workers: ${reason}; the other workers keep serving`,
        { cause: failed.reason },
      );
      log.error({ err: error }, 'reload failed');
      emit('reload', { ok: false, replaced, error });
      throw error;
    }
    // Each new worker's readiness retired the old one of its slot; the next batch starts once those are gone.
    await Promise.all(old.map((w) => w.whenExited()));
  }
  log.info({ replaced }, 'reload finished');
  const result: ReloadResult = { ok: true, replaced };
  emit('reload', result);
  return result;
}
