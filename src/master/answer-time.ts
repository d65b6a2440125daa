/**
 * How long a worker usually takes to answer (an ack, a pong): the baseline a stall is judged against. A plain moving
 * average over time (decay `tau` ms) of samples capped at `cap` ms, so a long task's one late answer raises it only
 * a little and briefly, while a worker that is merely busy (under full load an event-loop turn takes a millisecond
 * or two, and so does every answer) raises it for as long as it stays busy.
 */
export class AnswerTime {
  readonly #tau: number;
  readonly #cap: number;
  #value = 0;
  #at = -1;

  constructor(tau: number, cap: number) {
    this.#tau = tau;
    this.#cap = cap;
  }

  /** The estimate in ms; 0 before the first sample. */
  get value(): number {
    return this.#value;
  }

  sample(ms: number, now: number): void {
    const capped = Math.min(ms, this.#cap);
    if (this.#at < 0) this.#value = capped;
    else {
      const keep = Math.exp(-Math.max(0, now - this.#at) / this.#tau);
      this.#value = this.#value * keep + capped * (1 - keep);
    }
    this.#at = now;
  }
}
