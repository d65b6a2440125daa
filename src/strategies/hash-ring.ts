/**
 * A consistent-hash ring over worker slots (Karger et al.; the "ketama" layout): every slot owns `replicas` points
 * on a 32-bit circle, and a key belongs to the first point at or after its own hash, wrapping around.
 *
 *     0 ───────────────────────────── 2^32
 *     │ s2 │ s1 │ s3 │ s1 │ s2 │ s3 │ ...    key ──▶ first point ≥ hash(key) ──▶ its slot
 *
 * Points belong to slots (WorkerView.index), not to worker ids, so a worker restarted in the same slot gets the
 * same keys back. Adding a slot takes keys only from its new points' successors, about 1/n of them; removing one
 * hands its keys to the successors of its points and moves nothing else.
 */

/** ketama's figure: enough points that each slot's share stays within a few percent of 1/n. */
export const defaultReplicas = 160;

// Ring keys pack (point, rank) into one float64 so a native numeric sort orders them: point × 2^21 + rank stays
// below 2^53. The rank (not the slot) is packed, so any slot number works as long as there are < 2^21 slots.
const RANK_SPACE = 2 ** 21;

/**
 * FNV-1a over the string's UTF-16 code units, then murmur3's fmix32 finalizer: FNV alone barely stirs the high
 * bits for short keys that differ in their last characters (10.0.0.1 vs 10.0.0.2), and the ring is ordered by them.
 */
export function hashString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** The position of a slot's replica `r`; integer mixing, so building a ring allocates no strings. */
export function pointOf(slot: number, replica: number): number {
  return fmix32(Math.imul(Math.imul(0x811c9dc5 ^ slot, 0x01000193) ^ replica, 0x01000193));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An immutable ring: build a new one when the set of slots changes (rare), look keys up on the hot path. */
export class HashRing {
  /** Sorted point positions. */
  readonly points: Uint32Array;
  /** The slot owning each point, in the same order. */
  readonly owners: Uint32Array;

  constructor(slots: Iterable<number>, replicas = defaultReplicas) {
    // Sorted first, so points that collide are ordered by slot, whatever order the slots arrived in.
    const sorted = [...new Set(slots)].sort((a, b) => a - b);
    const keys = new Float64Array(sorted.length * replicas);
    for (let rank = 0; rank < sorted.length; rank++) {
      for (let r = 0; r < replicas; r++) keys[rank * replicas + r] = pointOf(sorted[rank]!, r) * RANK_SPACE + rank;
    }
    keys.sort();
    this.points = new Uint32Array(keys.length);
    this.owners = new Uint32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const rank = keys[i]! % RANK_SPACE;
      this.points[i] = (keys[i]! - rank) / RANK_SPACE;
      this.owners[i] = sorted[rank]!;
    }
  }

  get size(): number {
    return this.points.length;
  }

  /** The index of the first point at or after `hash`, wrapping past the top to 0; -1 on an empty ring. */
  find(hash: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    if (hi === 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }
}
