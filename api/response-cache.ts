// A small in-memory cache for read answers that every reader may share (the same
// parameters give the same data whoever asks, so the key carries no API key or scope;
// auth has already run in onRequest before a handler consults the cache).
//
// - TTL: an answer is fresh for `ttlMs` from the moment its load *started* (data is
//   at least that old); 0 disables the cache entirely.
// - Bounded: at most `maxEntries` answers and `maxWeight` units of `weigh()` (e.g.
//   rows), least recently used evicted first. An answer heavier than the whole budget
//   is served but not kept.
// - Single flight: concurrent misses for one key share one load, so a dashboard
//   refresh storm costs one engine query.
// - invalidate() empties the cache and bumps a generation: a load that started before
//   it finishes normally for its callers but is not stored (it may predate the change),
//   and later callers do not join it.
// - Errors are never cached.

export type CacheStatus = 'hit' | 'miss' | 'bypass';

export interface ResponseCacheOptions<V> {
  ttlMs: number;
  maxEntries: number;
  weigh?: (value: V) => number;
  maxWeight?: number;
  now?: () => number;
}

export interface CachedAnswer<V> {
  value: V;
  /** hit: from memory; miss: loaded (alone or shared with concurrent callers); bypass: loaded because the caller asked. */
  status: CacheStatus;
  /** When the load behind this answer started (epoch ms). */
  loadedAt: number;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
  weight: number;
}

export class ResponseCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, { generation: number; loadedAt: number; promise: Promise<V> }>();
  private generation = 0;
  private totalWeight = 0;
  private readonly now: () => number;
  private readonly weigh: (value: V) => number;
  private readonly maxWeight: number;

  constructor(private readonly opts: ResponseCacheOptions<V>) {
    if (!Number.isFinite(opts.ttlMs) || opts.ttlMs < 0) throw new RangeError(`ttlMs must be ≥ 0, got ${opts.ttlMs}`);
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError(`maxEntries must be ≥ 1, got ${opts.maxEntries}`);
    this.now = opts.now ?? Date.now;
    this.weigh = opts.weigh ?? (() => 1);
    this.maxWeight = opts.maxWeight ?? Number.POSITIVE_INFINITY;
  }

  get enabled(): boolean {
    return this.opts.ttlMs > 0;
  }

  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** Answers held now (fresh or not yet evicted). */
  get size(): number {
    return this.entries.size;
  }

  /** The answer for `key`, from memory when fresh, else from `load()`. */
  async get(key: string, load: () => Promise<V>, opts: { bypass?: boolean } = {}): Promise<CachedAnswer<V>> {
    const now = this.now();
    if (!this.enabled) return { value: await load(), status: 'miss', loadedAt: now };
    if (!opts.bypass) {
      const entry = this.entries.get(key);
      if (entry) {
        if (now - entry.loadedAt < this.opts.ttlMs) {
          // Most recently used moves to the end of the Map's order.
          this.entries.delete(key);
          this.entries.set(key, entry);
          return { value: entry.value, status: 'hit', loadedAt: entry.loadedAt };
        }
        this.remove(key);
      }
      const shared = this.inflight.get(key);
      if (shared && shared.generation === this.generation) return { value: await shared.promise, status: 'miss', loadedAt: shared.loadedAt };
    }
    const generation = this.generation;
    const promise = load();
    const flight = { generation, loadedAt: now, promise };
    if (!opts.bypass) this.inflight.set(key, flight);
    try {
      const value = await promise;
      if (generation === this.generation) this.store(key, value, now);
      return { value, status: opts.bypass ? 'bypass' : 'miss', loadedAt: now };
    } finally {
      if (this.inflight.get(key) === flight) this.inflight.delete(key);
    }
  }

  /** Forgets every answer; loads already running are not stored. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
    this.inflight.clear();
    this.totalWeight = 0;
  }

  private store(key: string, value: V, loadedAt: number): void {
    const weight = Math.max(0, this.weigh(value));
    if (weight > this.maxWeight) return;
    const old = this.entries.get(key);
    // A bypass load that started before the answer already held is older: keep the newer.
    if (old && old.loadedAt > loadedAt) return;
    this.remove(key);
    this.entries.set(key, { value, loadedAt, weight });
    this.totalWeight += weight;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.opts.maxEntries && this.totalWeight <= this.maxWeight) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }
}
