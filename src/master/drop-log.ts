import type { DropReason } from '../stats.js';
import type { Logger } from '../logger.js';

/**
 * Drops come in floods (a full queue drops every new connection), so they are logged at most once a second with
 * counts: the first drop at once, the rest summed at the end of the second.
 */
export class DropLog {
  readonly #log: Logger;
  readonly #counts = new Map<DropReason, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  record(reason: DropReason): void {
    if (this.#timer === undefined) {
      this.#log.warn({ reason, count: 1 }, 'dropped connections');
      this.#timer = setTimeout(() => this.flush(), 1000);
      this.#timer.unref();
      return;
    }
    this.#counts.set(reason, (this.#counts.get(reason) ?? 0) + 1);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [reason, count] of this.#counts) this.#log.warn({ reason, count }, 'dropped connections');
    this.#counts.clear();
  }
}
