/**
 * Which runs of a campaign a shard holds: the split of run indices over n shards.
 *
 * Owns: `ShardSpec` (shard i of n, 1-based) and `assignRuns`, the one split every campaign uses.
 * Promises:
 * - The split depends only on the runs' expected costs and n: never on the machine, the time or
 *   the order anything finishes in. Every run index lands in exactly one shard.
 * - Balanced by expected cost: the longest-processing-time rule (Graham, "Bounds on
 *   multiprocessing timing anomalies", SIAM J. Appl. Math. 17(2), 1969): runs in order of
 *   decreasing cost (ties by index), each to the shard with the least cost so far (ties to the
 *   lower shard). With equal costs this is round-robin: run k goes to shard (k mod n) + 1.
 * - Each shard's indices come back in increasing order.
 */

/** Shard `index` of `count`, 1-based as `--shard i/n` writes it. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** The most shards a campaign may be split into. */
export const MAX_SHARDS = 10_000;

/** A binary min-heap of shards keyed by (cost so far, shard number). */
class ShardHeap {
  private readonly load: number[];
  private readonly heap: number[];
  constructor(count: number) {
    this.load = new Array<number>(count).fill(0);
    this.heap = Array.from({ length: count }, (_, s) => s);
  }
  private less(a: number, b: number): boolean {
    const la = this.load[a] as number;
    const lb = this.load[b] as number;
    return la < lb || (la === lb && a < b);
  }
  /** Adds `cost` to the least-loaded shard and returns it (0-based). */
  take(cost: number): number {
    const h = this.heap;
    const top = h[0] as number;
    this.load[top] = (this.load[top] as number) + cost;
    // Sift the root down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as number, h[m] as number)) m = l;
      if (r < h.length && this.less(h[r] as number, h[m] as number)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as number, h[i] as number];
      i = m;
    }
    return top;
  }
}

/**
 * The run indices of each of `count` shards (element s holds shard s + 1), from the expected cost
 * of every run. Costs are non-negative integers (any unit: cycles, simulated seconds, frames), so
 * the sums are exact.
 */
export function assignRuns(costs: readonly number[], count: number): number[][] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new RangeError(`shard count must be an integer 1–${MAX_SHARDS}, got ${count}`);
  for (const c of costs) if (!Number.isSafeInteger(c) || c < 0) throw new RangeError(`run costs must be non-negative integers, got ${c}`);
  const order = costs.map((_, k) => k).sort((a, b) => (costs[b] as number) - (costs[a] as number) || a - b);
  const heap = new ShardHeap(count);
  const shards = Array.from({ length: count }, () => [] as number[]);
  for (const k of order) (shards[heap.take(costs[k] as number)] as number[]).push(k);
  for (const s of shards) s.sort((a, b) => a - b);
  return shards;
}

/** The run indices shard `spec` holds. */
export function shardRuns(costs: readonly number[], spec: ShardSpec): number[] {
  return assignRuns(costs, spec.count)[spec.index - 1] as number[];
}
