/**
 * A latency estimate that believes bad news at once and good news slowly: a slower sample replaces the estimate, a
 * faster one is averaged in with a weight that grows with the time since the last sample (an exponentially weighted
 * moving average over time, decay `tau` ms). This is the "peak EWMA" of Finagle and Linkerd: a worker whose event
 * loop just stalled looks slow on the very next sample, and looks fast again only after it has been fast for a while.
 */
export class PeakEwma {
  readonly #tau: number;
  #value = 0;
  #at = -1;

  constructor(tau: number) {
    this.#tau = tau;
  }

  /** The estimate in ms; 0 before the first sample. */
  get value(): number {
    return this.#value;
  }

  sample(ms: number, now: number): void {
    if (this.#at < 0 || ms >= this.#value) this.#value = ms;
    else {
      const keep = Math.exp(-Math.max(0, now - this.#at) / this.#tau);
      this.#value = this.#value * keep + ms * (1 - keep);
    }
    this.#at = now;
  }
}
