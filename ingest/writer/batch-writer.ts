// Buffers rows and writes them in batches: by size (batchRows) or age
// (flushIntervalMs), whichever comes first. Callers await `write()`, which resolves
// only when the flush that carried their rows has been stored — the moment an HTTP
// request may answer 202 or a Kafka consumer may commit its offsets.
import { TICKET_EVENT_COLUMNS } from '../../core/events/row.ts';
import { DEAD_LETTER_COLUMNS, type DeadLetterRow } from '../../core/events/dead-letter.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { RowFormat } from '../pipeline.ts';
import type { Inserter, RowBytes } from './inserter.ts';

export interface BatchWriterOptions {
  inserter: Inserter;
  batchRows: number;
  flushIntervalMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /**
   * Flushes that may be stored at the same time (default 1: one at a time, in
   * order). More overlap inserts with each other on a multi-core engine; each
   * write() still resolves only when its own flush is stored.
   */
  maxConcurrentFlushes?: number;
  /** Called after every stored flush (metrics, progress lines). */
  onFlush?: (report: FlushReport) => void;
  /** Called on each failed attempt that will be retried. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Injected for tests; real sleeps by default. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface FlushReport {
  events: number;
  deadLetters: number;
  attempts: number;
  durationMs: number;
}

export interface WriterStats {
  flushes: number;
  eventsWritten: number;
  deadLettersWritten: number;
  retries: number;
  failedFlushes: number;
  bufferedRows: number;
  lastFlushAt: number | null;
}

interface Pending {
  events: string[];
  /** JSONCompactEachRow lines given to write(). */
  compactEvents: string[];
  /** JSONCompactEachRow rows given to writeEncoded(), as bytes (the Kafka consumer's encoding). */
  compactChunks: Uint8Array[];
  compactRows: number;
  deadLetters: string[];
  waiters: Array<{ resolve: (r: FlushReport) => void; reject: (e: unknown) => void }>;
}

const emptyPending = (): Pending => ({ events: [], compactEvents: [], compactChunks: [], compactRows: 0, deadLetters: [], waiters: [] });
const rowsOf = (p: Pending): number => p.events.length + p.compactRows + p.deadLetters.length;

export class BatchWriter {
  private pending: Pending = emptyPending();
  private timer: NodeJS.Timeout | null = null;
  /** Flushes waiting for a free slot, oldest first; rows keep buffering meanwhile. */
  private readonly queue: Array<{ batch: Pending; done: () => void }> = [];
  /** Every flush not settled yet (queued or running), for flush(). */
  private readonly outstanding = new Set<Promise<void>>();
  private running = 0;
  private inFlight = 0;
  private closed = false;
  private readonly stats: WriterStats = {
    flushes: 0,
    eventsWritten: 0,
    deadLettersWritten: 0,
    retries: 0,
    failedFlushes: 0,
    bufferedRows: 0,
    lastFlushAt: null,
  };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: BatchWriterOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
  }

  /**
   * Buffers event lines (JSONEachRow by default, or JSONCompactEachRow as the
   * pipeline encoded them) and dead-letter rows; resolves when they are stored,
   * rejects (retriable) when the flush carrying them failed for good.
   */
  write(eventLines: readonly string[], deadLetters: readonly DeadLetterRow[] = [], format: RowFormat = 'JSONEachRow'): Promise<FlushReport> {
    if (this.closed) return Promise.reject(new TicketPulseError('internal', 'the batch writer is closed'));
    const p = this.pending;
    if (format === 'JSONCompactEachRow') {
      for (const line of eventLines) p.compactEvents.push(line);
      p.compactRows += eventLines.length;
    } else {
      for (const line of eventLines) p.events.push(line);
    }
    return this.buffered(p, deadLetters, eventLines.length);
  }

  /**
   * Buffers JSONCompactEachRow rows that arrive already encoded (one buffer for a whole
   * Kafka batch): they reach ClickHouse as they are, without passing through strings.
   * Keyed rows go through write(), line by line.
   */
  writeEncoded(encoded: RowBytes, deadLetters: readonly DeadLetterRow[] = []): Promise<FlushReport> {
    if (this.closed) return Promise.reject(new TicketPulseError('internal', 'the batch writer is closed'));
    const p = this.pending;
    if (encoded.rows > 0) {
      p.compactChunks.push(encoded.bytes);
      p.compactRows += encoded.rows;
    }
    return this.buffered(p, deadLetters, encoded.rows);
  }

  private buffered(p: Pending, deadLetters: readonly DeadLetterRow[], added: number): Promise<FlushReport> {
    // Nothing to store is stored already: no flush (and no empty INSERT) for it.
    if (added === 0 && deadLetters.length === 0) return Promise.resolve({ events: 0, deadLetters: 0, attempts: 0, durationMs: 0 });
    for (const dl of deadLetters) p.deadLetters.push(JSON.stringify(dl));
    const done = new Promise<FlushReport>((resolve, reject) => p.waiters.push({ resolve, reject }));
    if (rowsOf(p) >= this.opts.batchRows) this.flushPending();
    else this.armTimer();
    return done;
  }

  /** Flushes whatever is buffered and waits for every flush in flight. */
  async flush(): Promise<void> {
    this.flushPending();
    await Promise.all([...this.outstanding]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  /** Rows waiting in the buffer or in flight (callers use it for backpressure). */
  get bufferedRows(): number {
    return rowsOf(this.pending) + this.inFlight;
  }

  getStats(): WriterStats {
    return { ...this.stats, bufferedRows: this.bufferedRows };
  }

  private armTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushPending();
    }, this.opts.flushIntervalMs);
    // The timer alone must not keep a finished process alive.
    this.timer.unref();
  }

  private flushPending(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.pending;
    if (batch.waiters.length === 0) return;
    this.pending = emptyPending();
    this.inFlight += rowsOf(batch);
    let done!: () => void;
    const settled = new Promise<void>((r) => (done = r));
    this.outstanding.add(settled);
    void settled.then(() => this.outstanding.delete(settled));
    this.queue.push({ batch, done });
    this.pump();
  }

  private pump(): void {
    const max = Math.max(1, this.opts.maxConcurrentFlushes ?? 1);
    while (this.running < max && this.queue.length > 0) {
      const { batch, done } = this.queue.shift()!;
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        done();
        this.pump();
      });
    }
  }

  private async run(batch: Pending): Promise<void> {
    const rows = rowsOf(batch);
    try {
      const report = await this.store(batch);
      for (const w of batch.waiters) w.resolve(report);
    } catch (err) {
      this.stats.failedFlushes++;
      for (const w of batch.waiters) w.reject(err);
    } finally {
      this.inFlight -= rows;
    }
  }

  private async store(batch: Pending): Promise<FlushReport> {
    const started = performance.now();
    let attempts = 0;
    // Each table's insert is retried on its own: a retry after a partial success
    // re-sends rows that are already stored, which the ReplacingMergeTree keys collapse.
    attempts += await this.withRetry(() => this.opts.inserter.insert('ticket_events', TICKET_EVENT_COLUMNS, batch.events), batch.events.length);
    if (batch.compactRows > 0) {
      const compact = compactPayload(batch);
      attempts += await this.withRetry(() => this.opts.inserter.insert('ticket_events', TICKET_EVENT_COLUMNS, compact, 'JSONCompactEachRow'), batch.compactRows);
    }
    attempts += await this.withRetry(() => this.opts.inserter.insert('dead_letters', DEAD_LETTER_COLUMNS, batch.deadLetters), batch.deadLetters.length);
    const report: FlushReport = {
      events: batch.events.length + batch.compactRows,
      deadLetters: batch.deadLetters.length,
      attempts,
      durationMs: performance.now() - started,
    };
    this.stats.flushes++;
    this.stats.eventsWritten += report.events;
    this.stats.deadLettersWritten += report.deadLetters;
    this.stats.lastFlushAt = Date.now();
    this.opts.onFlush?.(report);
    return report;
  }

  private async withRetry(fn: () => Promise<void>, rows: number): Promise<number> {
    if (rows === 0) return 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await fn();
        return attempt;
      } catch (err) {
        const retriable = !(err instanceof TicketPulseError) || err.retriable;
        if (!retriable || attempt >= this.opts.maxAttempts) {
          throw new TicketPulseError('clickhouse_unavailable', `insert failed after ${attempt} attempt(s): ${errorMessage(err)}`, {
            cause: err,
            retriable: true,
          });
        }
        const delayMs = backoff(attempt, this.opts.retryBaseMs, this.opts.retryMaxMs, this.random);
        this.stats.retries++;
        this.opts.onRetry?.({ attempt, delayMs, error: err });
        await this.sleep(delayMs);
      }
    }
  }
}

/** A flush's compact rows as one payload: the encoded chunks, then the lines written one by one. */
function compactPayload(batch: Pending): RowBytes {
  const chunks = batch.compactEvents.length > 0 ? [...batch.compactChunks, Buffer.from(`${batch.compactEvents.join('\n')}\n`)] : batch.compactChunks;
  const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  return { bytes, rows: batch.compactRows };
}

/** Exponential backoff with full jitter: spreads retries of many writers apart. */
export function backoff(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
