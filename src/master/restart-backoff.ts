/**
 * Exponential backoff per worker slot: base, 2×base, 4×base … up to max. A worker that stayed up longer than the
 * maximum delay proves the crash was not a loop, so its slot starts again from the base.
 */
export class RestartBackoff {
  readonly #base: number;
  readonly #max: number;
  readonly #failures = new Map<number, number>();
  readonly #timers = new Map<number, NodeJS.Timeout>();

  constructor(base: number, max: number) {
    this.#base = base;
    this.#max = max;
  }

  /** The delay before restarting `index`, whose last worker was up for `upFor` ms. */
  next(index: number, upFor: number): number {
    const failures = upFor > this.#max ? 0 : (this.#failures.get(index) ?? 0);
    this.#failures.set(index, failures + 1);
    return Math.min(this.#base * 2 ** failures, this.#max);
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

  cancelAll(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
