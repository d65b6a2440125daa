/**
 * What belongs to a worker slot rather than to the process in it: the weight an operator gave it and how many times
 * it had to be refilled. A replacement (restart, reload) inherits both.
 */
export class Slots {
  readonly #weights = new Map<number, number>();
  readonly #restarts = new Map<number, number>();

  /** `weights[i]` is slot i+1's; slots past the end weigh 1. */
  constructor(weights: readonly number[]) {
    weights.forEach((weight, i) => this.#weights.set(i + 1, weight));
  }

  weight(index: number): number {
    return this.#weights.get(index) ?? 1;
  }

  setWeight(index: number, weight: number): void {
    this.#weights.set(index, weight);
  }

  restarts(index: number): number {
    return this.#restarts.get(index) ?? 0;
  }

  countRestart(index: number): void {
    this.#restarts.set(index, this.restarts(index) + 1);
  }
}
