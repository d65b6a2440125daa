import type { WorkerHandle } from './worker-handle.js';

/** The share of its weight a worker gets the moment it joins: small, but enough to be picked and measured. */
const floor = 0.05;

/**
 * Slow start (HAProxy's `slowstart`): a worker that joins a running pool (a restart, a reload, a scale-up) gets a
 * share of its weight that grows linearly from `floor` to all of it over `window` ms, so a cold process (empty caches,
 * code not yet optimised) is not handed a full share at once. Weighted strategies see it through `view.weight`.
 *
 * One timer for all warming workers, running only while some are, and stepping the ramp about 20 times per window:
 * strategies read a plain number per pick instead of the clock.
 */
export class SlowStart {
  readonly #window: number;
  readonly #step: number;
  readonly #warming = new Map<WorkerHandle, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(window: number) {
    this.#window = window;
    this.#step = Math.min(1000, Math.max(20, Math.round(window / 20)));
  }

  get isEnabled(): boolean {
    return this.#window > 0;
  }

  begin(worker: WorkerHandle, now = Date.now()): void {
    if (!this.isEnabled) return;
    this.#warming.set(worker, now);
    worker.setRamp(floor);
    this.#timer ??= setInterval(() => this.tick(), this.#step);
    this.#timer.unref();
  }

  /** A worker left the pool before it was warm: forget it. */
  end(worker: WorkerHandle): void {
    if (this.#warming.delete(worker) && this.#warming.size === 0) this.stop();
  }

  tick(now = Date.now()): void {
    for (const [worker, since] of this.#warming) {
      const ramp = Math.max(floor, (now - since) / this.#window);
      if (ramp >= 1) {
        worker.setRamp(1);
        this.#warming.delete(worker);
      } else worker.setRamp(ramp);
    }
    if (this.#warming.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
