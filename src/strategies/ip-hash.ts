import { OptionError } from '../errors.js';
import { HashRing, hashString } from './hash-ring.js';
import type { ConnectionInfo, Strategy, StrategyOptions, WorkerView } from './strategy.js';

/**
 * Sticky by client address, on a consistent-hash ring with bounded loads (Mirrokni, Thorup and Zadimoghaddam,
 * "Consistent Hashing with Bounded Loads", 2017; HAProxy's hash-balance-factor).
 *
 * The ring is keyed by slot (WorkerView.index), so a client keeps its worker across that worker's restarts, and a
 * pool growing from n to n+1 moves only about 1/(n+1) of the clients, all of them to the new worker (a modulo hash
 * would move almost all). Pure consistent hashing lets one hot client range pile onto one worker; the bound caps
 * every worker at ceil(c × (total load + 1) / n) + 1, and an address whose worker is at the cap goes on clockwise to
 * the first one below it. Since the least loaded worker is always below the cap (c > 1), the walk always ends.
 *
 * The paper's cap has no "+ 1". Here it would break stickiness exactly when load is lowest: a worker reports a close
 * a millisecond or so after the client saw its response, so a client's next connection often finds its worker still
 * counting the previous one, and with 3 workers and 1 connection open in all the paper's cap is 1. One connection of
 * slack keeps sequential clients (long-polling) where they belong, and is noise once loads are real.
 *
 * Only the cap moves a client. A worker that cannot take a socket right now (a handoff in flight) is still
 * returned: the master then holds the connection until that worker frees up, rather than breaking stickiness for
 * a wait of a few hundred microseconds.
 */
export function ipHash(options: StrategyOptions = {}): Strategy {
  const factor = options.balanceFactor ?? 1.25;
  if (typeof factor !== 'number' || !(factor > 1)) {
    throw new OptionError('balanceFactor', 'a number > 1 (Infinity turns the bound off)', factor);
  }

  /** Ready views per slot: during a rolling reload a slot's old and new worker are both in the pool for a while. */
  const viewsPerSlot: number[] = [];
  const known = new Set<WorkerView>();
  let ring = new HashRing([]);

  // Slot → position in the pool array, -1 when the slot has no worker there. Rebuilt only when the pool array
  // changes (the master builds a new one on every join or leave), so a pick reads the pool and writes nothing.
  let positions = new Int32Array(0);
  let located: readonly WorkerView[] | undefined;
  let locatedLength = 0;

  function rebuild(): void {
    const slots: number[] = [];
    viewsPerSlot.forEach((count, slot) => {
      if (count > 0) slots.push(slot);
    });
    ring = new HashRing(slots);
  }

  function added(view: WorkerView): void {
    if (known.has(view)) return;
    known.add(view);
    const count = viewsPerSlot[view.index] ?? 0;
    viewsPerSlot[view.index] = count + 1;
    if (count === 0) rebuild();
    located = undefined;
  }

  function removed(view: WorkerView): void {
    if (!known.delete(view)) return;
    const count = viewsPerSlot[view.index]! - 1;
    viewsPerSlot[view.index] = count;
    if (count === 0) rebuild();
    located = undefined;
  }

  function locate(workers: readonly WorkerView[]): void {
    let top = 0;
    for (const worker of workers) {
      // The master calls added() for every pool worker; a caller that does not (a wrapper, a bench) still gets a
      // complete ring rather than a slot that can never be chosen.
      if (!(viewsPerSlot[worker.index]! > 0)) added(worker);
      if (worker.index > top) top = worker.index;
    }
    if (positions.length <= top) positions = new Int32Array(top + 1);
    positions.fill(-1);
    // Pool order is index then id, so a slot shared during a reload resolves to its newest worker.
    for (let i = 0; i < workers.length; i++) positions[workers[i]!.index] = i;
    located = workers;
    locatedLength = workers.length;
  }

  function pick(workers: readonly WorkerView[], conn: ConnectionInfo): WorkerView | undefined {
    const n = workers.length;
    if (n === 0) return undefined;
    if (workers !== located || n !== locatedLength) locate(workers);
    let total = 0;
    for (let i = 0; i < n; i++) total += workers[i]!.active + workers[i]!.inFlight;
    const cap = Math.ceil((factor * (total + 1)) / n) + 1;
    const { owners } = ring;
    const size = owners.length;
    const top = positions.length;
    let at = ring.find(hashString(conn.remoteAddress ?? ''));
    // The first pool worker met, for the one case where the walk finds none below the cap: a reload's two workers
    // share a slot and the loaded one shadows the idle one. The address then stays with its own slot.
    let sticky: WorkerView | undefined;
    for (let step = 0; step < size; step++) {
      const slot = owners[at]!;
      const position = slot < top ? positions[slot]! : -1;
      if (position >= 0) {
        const worker = workers[position];
        if (worker?.index !== slot) {
          // The array was changed in place, so its identity said nothing: read it again and start over (once,
          // since positions then match it).
          located = undefined;
          return pick(workers, conn);
        }
        if (worker.active + worker.inFlight < cap) return worker;
        sticky ??= worker;
      }
      if (++at === size) at = 0;
    }
    return sticky;
  }

  return { name: 'ip-hash', added, removed, pick };
}
