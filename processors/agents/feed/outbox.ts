// The push feed's outbox: every published version goes to every sink, in version
// order, retried with capped exponential backoff until the sink acknowledges it.
// Acknowledged versions are recorded in routing_feed_deliveries, so after a restart
// each sink resumes after its last acknowledged version (the versions themselves are
// reloaded from routing_weights). A version is therefore sent again only when its
// acknowledgement was lost, and then with the same idempotency key.
import type { Logger } from '../../../core/log.ts';
import type { RoutingUpdate } from '../types.ts';

export interface FeedSink {
  /** Stable name (e.g. `webhook:<url>`): the delivery log is kept per name. */
  readonly name: string;
  /** Resolves once the receiver acknowledged the version; throws otherwise. */
  deliver(update: RoutingUpdate): Promise<void>;
  close?(): Promise<void>;
}

/** Where the outbox keeps its progress and finds versions to replay. */
export interface FeedStore {
  lastDelivered(sink: string): Promise<number | null>;
  recordDelivery(sink: string, version: number, attempts: number, at: number): Promise<void>;
  versionsAfter(version: number): Promise<number[]>;
  loadUpdate(version: number): Promise<RoutingUpdate | null>;
}

export interface RoutingFeedOptions {
  sinks: FeedSink[];
  store: FeedStore;
  retryBaseMs: number;
  retryMaxMs: number;
  log?: Logger;
  now?: () => number;
  random?: () => number;
}

export interface SinkStats {
  sink: string;
  delivered: number;
  failedAttempts: number;
  pending: number;
  lastDeliveredVersion: number | null;
  lastError: string | null;
}

/** Updates kept in memory per sink while it is down; older ones are reloaded from ClickHouse. */
const MAX_HELD_UPDATES = 16;

interface Lane {
  sink: FeedSink;
  queue: number[];
  held: Map<number, RoutingUpdate>;
  lastQueued: number;
  stats: SinkStats;
  wake: (() => void) | null;
  done: Promise<void> | null;
}

export class RoutingFeed {
  private readonly lanes: Lane[];
  private closed = false;
  private started = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: RoutingFeedOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.lanes = opts.sinks.map((sink) => ({
      sink,
      queue: [],
      held: new Map(),
      lastQueued: 0,
      stats: { sink: sink.name, delivered: 0, failedAttempts: 0, pending: 0, lastDeliveredVersion: null, lastError: null },
      wake: null,
      done: null,
    }));
  }

  get sinkNames(): string[] {
    return this.lanes.map((l) => l.sink.name);
  }

  /** Finds each sink's unacknowledged versions and starts delivering. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const lane of this.lanes) {
      const last = await this.opts.store.lastDelivered(lane.sink.name);
      lane.stats.lastDeliveredVersion = last;
      // A sink with no history starts with the next version instead of replaying all of it.
      if (last !== null) {
        const missed = await this.opts.store.versionsAfter(last);
        for (const v of missed) this.push(lane, v, null);
        lane.lastQueued = Math.max(lane.lastQueued, last);
      }
      lane.done = this.run(lane);
    }
  }

  /** Queues a newly published version for every sink. */
  enqueue(update: RoutingUpdate): void {
    for (const lane of this.lanes) {
      if (update.version <= lane.lastQueued) continue;
      this.push(lane, update.version, update);
      lane.wake?.();
    }
  }

  stats(): SinkStats[] {
    return this.lanes.map((l) => ({ ...l.stats, pending: l.queue.length }));
  }

  /** Resolves when nothing is pending (or after timeoutMs, with false). */
  async idle(timeoutMs = Infinity): Promise<boolean> {
    if (this.isIdle()) return true;
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.idleWaiters.delete(done);
        resolve(true);
      };
      this.idleWaiters.add(done);
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.idleWaiters.delete(done);
          resolve(this.isIdle());
        }, timeoutMs);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    for (const lane of this.lanes) lane.wake?.();
    await Promise.allSettled(this.lanes.map((l) => l.done));
    await Promise.allSettled(this.lanes.map((l) => l.sink.close?.()));
    for (const w of [...this.idleWaiters]) w();
  }

  private isIdle(): boolean {
    return this.lanes.every((l) => l.queue.length === 0);
  }

  private push(lane: Lane, version: number, update: RoutingUpdate | null): void {
    lane.queue.push(version);
    lane.lastQueued = Math.max(lane.lastQueued, version);
    if (update && lane.held.size < MAX_HELD_UPDATES) lane.held.set(version, update);
  }

  private async run(lane: Lane): Promise<void> {
    let attempts = 0;
    while (!this.closed) {
      if (lane.queue.length === 0) {
        if (this.isIdle()) for (const w of [...this.idleWaiters]) w();
        await new Promise<void>((resolve) => {
          lane.wake = resolve;
        });
        lane.wake = null;
        continue;
      }
      const version = lane.queue[0];
      attempts++;
      try {
        const update = lane.held.get(version) ?? (await this.opts.store.loadUpdate(version));
        if (!update) {
          this.opts.log?.warn({ sink: lane.sink.name, version }, 'routing weights version no longer stored; skipping it in the feed');
          lane.queue.shift();
          attempts = 0;
          continue;
        }
        await lane.sink.deliver(update);
      } catch (err) {
        lane.stats.failedAttempts++;
        lane.stats.lastError = (err as Error).message;
        const delay = this.backoff(attempts);
        this.opts.log?.warn({ sink: lane.sink.name, version, attempt: attempts, delayMs: delay, err }, 'routing feed delivery failed; retrying');
        await this.sleep(delay);
        continue;
      }
      lane.queue.shift();
      lane.held.delete(version);
      lane.stats.delivered++;
      lane.stats.lastDeliveredVersion = version;
      try {
        await this.opts.store.recordDelivery(lane.sink.name, version, attempts, this.now());
      } catch (err) {
        // Only costs a duplicate (same idempotency key) after a restart.
        this.opts.log?.warn({ sink: lane.sink.name, version, err }, 'could not record the routing feed delivery');
      }
      attempts = 0;
    }
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(cap * (0.5 + 0.5 * this.random()));
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }
}
