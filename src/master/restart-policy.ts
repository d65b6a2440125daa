/**
 * When to replace a worker that failed, and when to give up.
 *
 * Backoff is per slot: base, 2×base, 4×base … up to max. A worker that stayed up longer than the maximum delay proves
 * the crash was not a loop, so its slot starts again from the base. The crash-loop limit is for the whole pool: more
 * than `maxRestarts` unplanned replacements within `window` ms, and the master gives up rather than restart forever.
 */
export class RestartPolicy {
  readonly #base: number;
  readonly #max: number;
  readonly #maxRestarts: number;
  readonly #window: number;
  readonly #failures = new Map<number, number>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #recent: number[] = [];

  constructor(options: { base: number; max: number; maxRestarts: number; window: number }) {
    this.#base = options.base;
    this.#max = options.max;
    this.#maxRestarts = options.maxRestarts;
    this.#window = options.window;
  }

  /** Unplanned replacements within the window, this one included once {@link next} has recorded it. */
  get recent(): number {
    return this.#recent.length;
  }

  /**
   * Records an unplanned replacement of slot `index`, whose last worker was up for `upFor` ms. Returns the delay
   * before the replacement (0 when `isImmediate`), or undefined once the crash-loop limit is passed.
   */
  next(index: number, upFor: number, isImmediate = false, now = Date.now()): number | undefined {
    this.#recent = this.#recent.filter((t) => now - t < this.#window);
    this.#recent.push(now);
    if (this.#recent.length > this.#maxRestarts) return undefined;
    const failures = upFor > this.#max ? 0 : (this.#failures.get(index) ?? 0);
    this.#failures.set(index, failures + 1);
    return isImmediate ? 0 : Math.min(this.#base * 2 ** failures, this.#max);
  }

  schedule(index: number, delay: number, restart: () => void): void {
    clearTimeout(this.#timers.get(index));
    this.#timers.set(
      index,
      setTimeout(() => {
        this.#timers.delete(index);
        restart();
      }, delay),
    );
  }

  /** Forgets a pending restart of slot `index` (the slot was scaled away). */
  cancel(index: number): void {
    clearTimeout(this.#timers.get(index));
    this.#timers.delete(index);
  }

  cancelAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
