// The SLA processor: recomputes ticket clocks from the full deduplicated history and
// writes a new ticket_sla version per ticket × metric.
//
//  - incremental: tickets with an event received since the watermark (minus a safety
//    overlap on scheduled runs, for inserts that were still in flight when the
//    watermark moved); the watermark is stored in sla_processor_state;
//  - as events arrive: onEventsStored() (the writer's onFlush) triggers a debounced
//    incremental run, or a recompute of the given tickets;
//  - recompute / backfill: every ticket (or those active since a date, or open ones),
//    read in hash chunks so memory stays bounded, with progress.
//
// Every write goes through one queue, so versions follow the order of computation
// and a later computation always wins. Listeners (the deadline monitor) receive the
// rows once they are stored.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { computeSla } from './clock.ts';
import { processorSettings, type SlaConfig, type SlaProcessorSettings } from './defaults.ts';
import { countTickets, readHistories, type SelectionFilter, type TicketHistory, type TicketSelection } from './history-reader.ts';
import { SlaRowStore } from './row-store.ts';
import { SLA_METRICS } from '../../core/config/sla.ts';
import { RowEncoder } from './row-encoder.ts';
import { VersionClock, slaRow, type SlaRow, type SlaRowSource } from './rows.ts';

export interface SlaProcessorOptions {
  ch: ClickHouse;
  config: SlaConfig;
  log?: Logger;
  /** Injectable clock (epoch ms); Date.now by default. */
  now?: () => number;
  /** Name of the watermark row (one per processor instance sharing a database). */
  name?: string;
  /** Overrides of the `sla.processor` settings (tests, benchmarks). */
  settings?: Partial<SlaProcessorSettings>;
}

export interface SlaRunReport {
  tickets: number;
  rows: number;
  /** Rows written in state 'breached'. */
  breached: number;
  chunks: number;
  durationMs: number;
  /** Incremental runs and backfills: the watermark after the run. */
  watermark?: number | null;
  /** True when the run stopped early because its signal was aborted. */
  aborted?: boolean;
}

export interface RecomputeOptions {
  /** Only tickets with an event at or after this instant (epoch ms). */
  since?: number;
  /** Only tickets whose current status is not solved or closed. */
  openOnly?: boolean;
  /** Called after every chunk with tickets done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export type SlaRowsListener = (rows: readonly SlaRow[]) => void;

interface ProcessOptions {
  source: SlaRowSource;
  /** No 'untracked' rows: they only supersede earlier versions, and there are none. */
  skipUntracked?: boolean;
  filter?: SelectionFilter;
  total?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

interface ComputedChunk {
  tickets: number;
  rows: number;
  breached: number;
  /** JSONCompactEachRow lines, ready to insert. */
  payload: Buffer;
  /** The rows as objects, for listeners (empty when nobody listens). */
  kept: SlaRow[];
}

/** At most this many ids go into one `IN` parameter. */
const MAX_IDS_PER_QUERY = 10_000;

export class SlaProcessor {
  readonly settings: SlaProcessorSettings;
  private readonly store: SlaRowStore;
  private readonly versions = new VersionClock();
  private readonly listeners = new Set<SlaRowsListener>();
  private readonly now: () => number;
  private readonly name: string;
  private chain: Promise<unknown> = Promise.resolve();
  private watermark: number | null | undefined = undefined;
  private pendingIds = new Set<string>();
  private pendingAll = false;
  private debounce: NodeJS.Timeout | null = null;
  private pendingRun: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: SlaProcessorOptions) {
    this.settings = { ...processorSettings(opts.config), ...(opts.settings ?? {}) };
    this.store = new SlaRowStore(opts.ch);
    this.now = opts.now ?? Date.now;
    this.name = opts.name ?? 'sla';
  }

  get config(): SlaConfig {
    return this.opts.config;
  }

  /** Rows are handed over once stored; returns the unsubscribe function. */
  onRows(listener: SlaRowsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tickets with events received since the watermark. Scheduled runs look back
   * `overlapMs` (default: the configured overlap) for inserts that landed late.
   */
  runIncremental(opts: { overlapMs?: number } = {}): Promise<SlaRunReport> {
    return this.enqueue(async () => {
      const t0 = performance.now();
      this.watermark ??= await this.store.readWatermark(this.name);
      const overlap = opts.overlapMs ?? this.settings.overlapMs;
      const after = this.watermark === null ? 0 : this.watermark - overlap;
      const upTo = await this.store.maxReceivedAt(after);
      if (upTo === null) return { tickets: 0, rows: 0, breached: 0, chunks: 0, durationMs: performance.now() - t0, watermark: this.watermark };
      const report = await this.process({ kind: 'received', after, upTo }, { source: 'processor', skipUntracked: await this.store.isEmpty() });
      const next = Math.max(this.watermark ?? 0, upTo);
      if (next !== this.watermark) {
        await this.store.writeWatermark(this.name, next, this.now());
        this.watermark = next;
      }
      return { ...report, durationMs: performance.now() - t0, watermark: this.watermark };
    });
  }

  /** Recomputes the given tickets now (the monitor records a breach this way). */
  recomputeTickets(ids: Iterable<string>, opts: { source?: SlaRowSource } = {}): Promise<SlaRunReport> {
    const list = [...new Set(ids)];
    return this.enqueue(async () => {
      const t0 = performance.now();
      const total: SlaRunReport = { tickets: 0, rows: 0, breached: 0, chunks: 0, durationMs: 0 };
      for (let i = 0; i < list.length; i += MAX_IDS_PER_QUERY) {
        const r = await this.process({ kind: 'ids', ids: list.slice(i, i + MAX_IDS_PER_QUERY) }, { source: opts.source ?? 'processor', total: Math.min(MAX_IDS_PER_QUERY, list.length - i) });
        total.tickets += r.tickets;
        total.rows += r.rows;
        total.breached += r.breached;
        total.chunks += r.chunks;
      }
      total.durationMs = performance.now() - t0;
      return total;
    });
  }

  /**
   * Replays the raw events of every selected ticket under the current configuration
   * and writes new versions (`ticketpulse sla recompute` / `backfill`). Without filters
   * it is a backfill: the watermark moves to the newest event seen.
   */
  recompute(opts: RecomputeOptions = {}): Promise<SlaRunReport> {
    return this.enqueue(async () => {
      const t0 = performance.now();
      const filter: SelectionFilter = {};
      if (opts.since !== undefined) filter.since = opts.since;
      if (opts.openOnly) filter.openOnly = true;
      const backfill = opts.since === undefined && !opts.openOnly;
      // Captured before reading: events received meanwhile are picked up by the next incremental run.
      const upTo = backfill ? await this.store.maxReceivedAt() : null;
      const report = await this.process(
        { kind: 'all' },
        { source: backfill ? 'backfill' : 'recompute', filter, onProgress: opts.onProgress, signal: opts.signal, skipUntracked: await this.store.isEmpty() },
      );
      if (backfill && upTo !== null && !report.aborted) {
        this.watermark ??= await this.store.readWatermark(this.name);
        if (this.watermark === null || upTo > this.watermark) {
          await this.store.writeWatermark(this.name, upTo, this.now());
          this.watermark = upTo;
        }
        report.watermark = this.watermark;
      }
      return { ...report, durationMs: performance.now() - t0 };
    });
  }

  /**
   * Events were stored (the writer's onFlush): recompute soon. With ticket ids, those
   * tickets; without, an incremental run from the watermark (no overlap: the
   * scheduled run covers stragglers). Bursts within the debounce time cost one run.
   */
  onEventsStored(ticketIds?: Iterable<string>): void {
    if (this.closed) return;
    if (ticketIds === undefined) this.pendingAll = true;
    else for (const id of ticketIds) this.pendingIds.add(id);
    if (this.debounce !== null) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.pendingRun = this.runPending().finally(() => {
        this.pendingRun = null;
      });
    }, this.settings.debounceMs);
  }

  /** Resolves once nothing is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.debounce !== null) await new Promise((r) => setTimeout(r, this.settings.debounceMs + 1));
      else if (this.pendingRun !== null) await this.pendingRun;
      else {
        const chain = this.chain;
        await chain.catch(() => undefined);
        if (chain === this.chain && this.debounce === null && this.pendingRun === null) return;
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce !== null) {
      clearTimeout(this.debounce);
      this.debounce = null;
      await this.runPending();
    }
    await this.idle();
  }

  private async runPending(): Promise<void> {
    const all = this.pendingAll;
    const ids = [...this.pendingIds];
    this.pendingAll = false;
    this.pendingIds = new Set();
    try {
      if (all) await this.runIncremental({ overlapMs: 0 });
      else if (ids.length > 0) await this.recomputeTickets(ids);
    } catch (err) {
      this.opts.log?.error({ err }, `SLA recompute after stored events failed: ${errorMessage(err)}`);
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Reads, computes and writes the selection chunk by chunk. The next chunk is read
   * while this one is computed, and a chunk is written while the next is computed:
   * the engine works on its own threads meanwhile.
   */
  private async process(selection: TicketSelection, p: ProcessOptions): Promise<SlaRunReport> {
    const ch = this.opts.ch;
    const filter = p.filter ?? {};
    const total = p.total ?? (await countTickets(ch, selection, filter));
    const report: SlaRunReport = { tickets: 0, rows: 0, breached: 0, chunks: 0, durationMs: 0 };
    if (total === 0) return report;
    const chunks = selection.kind === 'ids' ? 1 : Math.max(1, Math.ceil(total / this.settings.batchTickets));
    const log = this.opts.log;
    const timed = <T>(what: string, chunk: number, work: Promise<T>): Promise<T> => {
      if (!log?.isLevelEnabled('debug')) return work;
      const t0 = performance.now();
      return work.then((v) => {
        log.debug({ chunk, chunks, ms: Math.round(performance.now() - t0) }, `sla ${what}`);
        return v;
      });
    };
    const read = (chunk: number): Promise<TicketHistory[]> => timed('read', chunk, readHistories(ch, selection, filter, { chunks, chunk }));
    let next: Promise<TicketHistory[]> | null = read(0);
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let i = 0; i < chunks; i++) {
        let histories: TicketHistory[] | null = await next!;
        next = i + 1 < chunks && !p.signal?.aborted ? read(i + 1) : null;
        const out = await timed('compute', i, Promise.resolve().then(() => this.compute(histories!, p.source, filter.openOnly === true, p.skipUntracked === true)));
        // The chunk's events are no longer needed: let them go before the next chunk lands.
        histories = null;
        report.tickets += out.tickets;
        report.rows += out.rows;
        report.breached += out.breached;
        report.chunks++;
        await writing;
        writing = timed('write', i, this.write(out));
        p.onProgress?.(Math.min(report.tickets, total), total);
        if (p.signal?.aborted) {
          report.aborted = true;
          break;
        }
      }
      await writing;
    } finally {
      // A prefetch left behind by an error or an abort must not surface as an unhandled rejection.
      next?.catch(() => undefined);
      writing.catch(() => undefined);
    }
    return report;
  }

  /**
   * Clocks → insert payload. Rows are encoded as they are made, into an off-heap
   * buffer: a backfill chunk holds hundreds of thousands of rows, and keeping them as
   * objects and strings until the insert would cost far more memory (and GC) than the
   * bytes themselves. Row objects are kept only when someone listens.
   */
  private compute(histories: readonly TicketHistory[], source: SlaRowSource, openOnly: boolean, skipUntracked: boolean): ComputedChunk {
    const config = this.opts.config;
    const now = this.now();
    const version = this.versions.next(now);
    const keep = this.listeners.size > 0;
    // About 400 bytes a row, three rows a ticket: one buffer for the whole chunk.
    const payload = new RowEncoder(Math.max(1 << 16, histories.length * 1300));
    const kept: SlaRow[] = [];
    let tickets = 0;
    let rows = 0;
    let breached = 0;
    const meta = { version, computedAt: now, source };
    for (const h of histories) {
      if (h.events.length === 0) continue;
      const result = computeSla(h.events, config, now);
      // The SQL pre-filter on the status is approximate at equal timestamps; the clock's status is exact.
      if (openOnly && (result.status === 'solved' || result.status === 'closed')) continue;
      tickets++;
      for (const metric of SLA_METRICS) {
        const row = slaRow(result, metric, meta);
        if (skipUntracked && row.state === 'untracked') continue;
        payload.row(row);
        rows++;
        if (row.state === 'breached') breached++;
        if (keep) kept.push(row);
      }
    }
    return { tickets, rows, breached, payload: payload.finish(), kept };
  }

  private async write(out: ComputedChunk): Promise<void> {
    if (out.rows === 0) return;
    await this.store.writePayload(out.payload);
    if (out.kept.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(out.kept);
      } catch (err) {
        this.opts.log?.error({ err }, 'SLA rows listener failed');
      }
    }
  }
}
