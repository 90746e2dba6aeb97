// Per-partition bookkeeping that makes "commit exactly what is stored" hold while
// inserts overlap consumption: batches of one partition are recorded in fetch order,
// their writes may finish in any order, and the commit position only advances over
// an unbroken prefix of stored batches. A batch is committed whole or not at all.
import type { DeadLetterRow } from '../../core/events/dead-letter.ts';
import type { DecodedBatch } from './batch-decode.ts';

export type EntryState = 'decoding' | 'writing' | 'failed' | 'stored' | 'abandoned';

export interface LedgerEntry {
  readonly topic: string;
  readonly partition: number;
  readonly epoch: number;
  /** Offset the fetch started at (the previous batch's commit position). */
  readonly fetchedOffset: bigint;
  /** Commit position once this batch is stored: last offset + 1. */
  readonly nextOffset: bigint;
  readonly messages: number;
  /** Accepted events (known once decoded). */
  events: number;
  /** Size of the batch's message values: its share of the in-flight memory bound. */
  readonly bytes: number;
  /** performance.now() when the batch reached the consumer. */
  readonly receivedAt: number;
  /** Dead letters by reason, counted into metrics once stored. */
  reasons: ReadonlyMap<string, number>;
  /**
   * Produces the rows, on a decode worker or in process; cleared once decoded. A
   * decode that asked for a retry is run again with the batch's next attempt.
   */
  decode: (() => DecodedBatch | Promise<DecodedBatch>) | null;
  /** The rows' bytes; released (null) once stored or abandoned, so memory follows what is still pending. */
  rows: Uint8Array | null;
  deadLetters: DeadLetterRow[] | null;
  /** Set once its rows and its share of the in-flight bounds were given back. */
  released: boolean;
  state: EntryState;
  attempts: number;
  retryTimer: NodeJS.Timeout | null;
}

export class PartitionLedger {
  private readonly entries: LedgerEntry[] = [];

  /**
   * @param expectedNext where the next batch must start: the committed offset when
   *   the partition was assigned, then each accepted batch's end.
   */
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly epoch: number,
    private expectedNext: bigint,
  ) {}

  get expected(): bigint {
    return this.expectedNext;
  }

  /**
   * True if a batch fetched from `fetchedOffset` continues this partition without a
   * gap or overlap. A batch fetched before a rebalance, or after the client reset its
   * position, does not — accepting it could commit past rows never stored.
   */
  continues(fetchedOffset: bigint): boolean {
    return fetchedOffset === this.expectedNext;
  }

  push(entry: LedgerEntry): void {
    this.entries.push(entry);
    this.expectedNext = entry.nextOffset;
  }

  /**
   * Drops the stored batches at the head and returns the new commit position, or null
   * when the head is still being written (or failed and waits for its retry).
   */
  popStored(): bigint | null {
    let next: bigint | null = null;
    while (this.entries.length > 0 && this.entries[0].state === 'stored') {
      next = this.entries.shift()!.nextOffset;
    }
    return next;
  }

  hasFailed(): boolean {
    return this.entries.some((e) => e.state === 'failed');
  }

  get pending(): readonly LedgerEntry[] {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Forgets every pending batch (rebalance, crash, shutdown past its grace period). */
  clear(): LedgerEntry[] {
    return this.entries.splice(0, this.entries.length);
  }
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
