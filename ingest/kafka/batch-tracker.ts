// What happens to a Kafka batch after eachBatch returned: its rows go to the batching
// writer without being awaited (so fetching overlaps inserting), and when ClickHouse
// confirms them the partition's ledger advances and the committer commits the new
// position. A failed write pauses its partition and is retried with backoff until it
// is stored or the partition is taken away; nothing after it is committed meanwhile.
import type { Logger } from '../../core/log.ts';
import type { DeadLetterRow } from '../../core/events/dead-letter.ts';
import { errorMessage } from '../../core/errors.ts';
import type { IngestMetrics } from '../../core/metrics.ts';
import { backoff } from '../writer/batch-writer.ts';
import type { RowBytes } from '../writer/inserter.ts';
import type { DecodedBatch } from './batch-decode.ts';
import type { Committer } from './committer.ts';
import { PartitionLedger, tpKey, type LedgerEntry } from './partition-ledger.ts';

/** The part of the batching writer the consumer needs (a BatchWriter, shared with HTTP ingest in `start`). */
export interface IngestWriter {
  writeEncoded(encoded: RowBytes, deadLetters?: readonly DeadLetterRow[]): Promise<unknown>;
  flush(): Promise<void>;
}

export interface BatchTrackerOptions {
  writer: IngestWriter;
  committer: Committer;
  metrics: IngestMetrics;
  log: Logger;
  retryBaseMs: number;
  retryMaxMs: number;
  maxInFlightMessages: number;
  maxInFlightBytes: number;
  /** Called whenever the set of partitions that should be paused may have changed. */
  onPauseChange(): void;
  random?: () => number;
}

export interface TrackerCounters {
  consumed: number;
  eventsStored: number;
  deadLettersStored: number;
  insertFailures: number;
  abandonedBatches: number;
}

const EMPTY = new Uint8Array(0);

/** Share of the in-flight bounds below which back-pressure is relieved. */
const RELIEF_SHARE = 0.8;

export class BatchTracker {
  private epochValue = 0;
  private readonly ledgers = new Map<string, PartitionLedger>();
  /** Partitions with a failed write waiting for its retry. */
  private readonly failing = new Set<string>();
  private inFlightMessagesValue = 0;
  private inFlightBytesValue = 0;
  private backpressured = false;
  /** Handlers waiting for the in-flight bounds to be relieved. */
  private relief: Array<() => void> = [];
  readonly counters: TrackerCounters = { consumed: 0, eventsStored: 0, deadLettersStored: 0, insertFailures: 0, abandonedBatches: 0 };

  constructor(private readonly opts: BatchTrackerOptions) {}

  get epoch(): number {
    return this.epochValue;
  }

  get inFlightMessages(): number {
    return this.inFlightMessagesValue;
  }

  get inFlightBytes(): number {
    return this.inFlightBytesValue;
  }

  get isBackpressured(): boolean {
    return this.backpressured;
  }

  /**
   * True if this partition's fetching should be paused: its write failed and waits for
   * a retry. Too much in flight is not a reason to pause: kafkajs sleeps a whole
   * maxWaitTime whenever every partition is paused, which idled the pipeline once per
   * insert; the consumer holds its eachBatch handler instead (whenRelieved).
   */
  shouldPause(topic: string, partition: number): boolean {
    return this.failing.has(tpKey(topic, partition));
  }

  /** Resolves once the in-flight bounds are relieved, or after `maxMs` (so the caller can heartbeat). */
  whenRelieved(maxMs: number): Promise<void> {
    if (!this.backpressured) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      const relief = this.relief;
      function done() {
        clearTimeout(timer);
        const i = relief.indexOf(done);
        if (i >= 0) relief.splice(i, 1);
        resolve();
      }
      relief.push(done);
    });
  }

  get failingPartitions(): number {
    return this.failing.size;
  }

  /**
   * A new group generation (or a new consumer after a crash): every pending batch is
   * abandoned uncommitted. Writes already handed to the writer still finish; their
   * rows collapse with the replay through the event_id key.
   */
  newEpoch(): number {
    this.epochValue++;
    for (const ledger of this.ledgers.values()) for (const e of ledger.clear()) this.abandon(e);
    this.ledgers.clear();
    this.failing.clear();
    this.opts.committer.dropStale();
    this.updateBackpressure();
    this.opts.onPauseChange();
    return this.epochValue;
  }

  ledger(topic: string, partition: number): PartitionLedger | undefined {
    const l = this.ledgers.get(tpKey(topic, partition));
    return l && l.epoch === this.epochValue ? l : undefined;
  }

  /** Starts tracking a partition in this epoch at its committed offset. */
  openLedger(topic: string, partition: number, committed: bigint): PartitionLedger {
    const ledger = new PartitionLedger(topic, partition, this.epochValue, committed);
    this.ledgers.set(tpKey(topic, partition), ledger);
    return ledger;
  }

  /** Every ledger of the current epoch (status, lag). */
  openLedgers(): PartitionLedger[] {
    return [...this.ledgers.values()];
  }

  track(ledger: PartitionLedger, entry: LedgerEntry): void {
    ledger.push(entry);
    this.counters.consumed += entry.messages;
    this.inFlightMessagesValue += entry.messages;
    this.inFlightBytesValue += entry.bytes;
    this.submit(entry);
    this.updateBackpressure();
  }

  /** Kicks the writer so buffered rows go out now (rebalance, shutdown). */
  flushNow(): void {
    this.opts.writer.flush().catch(() => undefined);
  }

  /** True when every batch of this epoch is stored and its position committed (or handed to the committer). */
  get drained(): boolean {
    for (const l of this.ledgers.values()) if (l.size > 0) return false;
    return true;
  }

  /** Abandons everything still pending (shutdown past its grace period). */
  abandonAll(): number {
    let n = 0;
    for (const ledger of this.ledgers.values()) {
      for (const e of ledger.clear()) {
        this.abandon(e);
        n++;
      }
    }
    this.failing.clear();
    return n;
  }

  private submit(entry: LedgerEntry): void {
    entry.attempts++;
    const decode = entry.decode;
    if (!decode) {
      this.write(entry);
      return;
    }
    entry.state = 'decoding';
    let result: DecodedBatch | Promise<DecodedBatch>;
    try {
      result = decode();
    } catch (err) {
      this.onFailed(entry, err);
      return;
    }
    // In-process decoding stays synchronous (inside eachBatch); a worker's answer comes later.
    if (result instanceof Promise) result.then((d) => this.onDecoded(entry, d), (err: unknown) => this.onFailed(entry, err));
    else this.onDecoded(entry, result);
  }

  private onDecoded(entry: LedgerEntry, d: DecodedBatch): void {
    if (entry.state === 'abandoned') return;
    if (d.retry) {
      this.onFailed(entry, d.retry.error);
      return;
    }
    entry.decode = null;
    entry.rows = d.rows;
    entry.events = d.events;
    entry.deadLetters = d.deadLetters;
    entry.reasons = d.reasons;
    this.write(entry);
  }

  private write(entry: LedgerEntry): void {
    entry.state = 'writing';
    this.opts.writer.writeEncoded({ bytes: entry.rows ?? EMPTY, rows: entry.events }, entry.deadLetters ?? []).then(
      () => this.onStored(entry),
      (err: unknown) => this.onFailed(entry, err),
    );
  }

  private onStored(entry: LedgerEntry): void {
    if (entry.state === 'abandoned') return;
    this.release(entry);
    entry.state = 'stored';
    const topic = entry.topic;
    const m = this.opts.metrics;
    if (entry.events > 0) m.inserted.inc({ topic }, entry.events);
    for (const [reason, n] of entry.reasons) m.deadLettered.inc({ topic, reason }, n);
    m.batchLatencySeconds.observe((performance.now() - entry.receivedAt) / 1000);
    this.counters.eventsStored += entry.events;
    this.counters.deadLettersStored += entry.messages - entry.events;

    const key = tpKey(entry.topic, entry.partition);
    const ledger = this.ledgers.get(key);
    if (ledger && ledger.epoch === entry.epoch) {
      const next = ledger.popStored();
      if (next !== null) this.opts.committer.request({ topic, partition: entry.partition, offset: next, epoch: entry.epoch });
      if (this.failing.has(key) && !ledger.hasFailed()) {
        this.failing.delete(key);
        this.opts.log.info({ topic, partition: entry.partition, attempts: entry.attempts }, 'write succeeded again; resuming partition');
        this.opts.onPauseChange();
      }
    }
    this.updateBackpressure();
  }

  private onFailed(entry: LedgerEntry, err: unknown): void {
    if (entry.state === 'abandoned') return;
    entry.state = 'failed';
    this.counters.insertFailures++;
    this.opts.metrics.insertFailures.inc({ topic: entry.topic });
    const key = tpKey(entry.topic, entry.partition);
    const delayMs = backoff(entry.attempts, this.opts.retryBaseMs, this.opts.retryMaxMs, this.opts.random);
    if (!this.failing.has(key)) {
      this.failing.add(key);
      this.opts.onPauseChange();
    }
    this.opts.log.warn(
      { topic: entry.topic, partition: entry.partition, offset: entry.fetchedOffset.toString(), attempt: entry.attempts, delayMs, err: errorMessage(err) },
      'a Kafka batch could not be stored; partition paused, retrying',
    );
    entry.retryTimer = setTimeout(() => {
      entry.retryTimer = null;
      if (entry.state === 'failed') this.submit(entry);
    }, delayMs);
  }

  private abandon(entry: LedgerEntry): void {
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    entry.retryTimer = null;
    if (entry.state !== 'stored') this.counters.abandonedBatches++;
    this.release(entry);
    entry.state = 'abandoned';
  }

  /** Frees an entry's rows and its share of the in-flight bounds (once). */
  private release(entry: LedgerEntry): void {
    if (entry.released) return;
    entry.released = true;
    entry.decode = null;
    entry.rows = null;
    entry.deadLetters = null;
    this.inFlightMessagesValue -= entry.messages;
    this.inFlightBytesValue -= entry.bytes;
  }

  private updateBackpressure(): void {
    const { maxInFlightMessages, maxInFlightBytes } = this.opts;
    const over = this.inFlightMessagesValue >= maxInFlightMessages || this.inFlightBytesValue >= maxInFlightBytes;
    // Relieved at 80% of the bounds: enough hysteresis not to toggle on every stored
    // batch, and fetching resumes while the next insert still has rows to work on.
    // Relieving at half left the insert thread idle between inserts (measured: 1M
    // events, phase (c), 66–74k events/s at 50% against 75–91k at 80%; docs/performance.md).
    const under = this.inFlightMessagesValue <= maxInFlightMessages * RELIEF_SHARE && this.inFlightBytesValue <= maxInFlightBytes * RELIEF_SHARE;
    if (!this.backpressured && over) {
      this.backpressured = true;
      this.opts.onPauseChange();
    } else if (this.backpressured && under) {
      this.backpressured = false;
      for (const done of [...this.relief]) done();
      this.opts.onPauseChange();
    }
  }
}
