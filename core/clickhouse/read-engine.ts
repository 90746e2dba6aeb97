// Where analysts' statements run: read-only and limited by the engine itself.
//
// Embedded (chDB): each statement gets its own short-lived chDB session on the same
// data directory (measured: ~1 ms to open, and it runs in parallel with the ingest
// session instead of queueing behind it), with `SETTINGS readonly = 1, <limits>`
// appended to the statement. Per-query SETTINGS do not leak into any session,
// unlike chdb/connection's clickhouse_settings, which become a session-wide SET.
// Server: the same settings travel as HTTP parameters of that one request.
import { TicketPulseError } from '../errors.ts';
import type { ClickHouseMode } from './connection.ts';
import type { ParseSource, QueryParams } from './sql-guard.ts';

export type Lane = 'sql' | 'export';

export interface RunLimits {
  maxExecutionSeconds: number;
  maxMemoryBytes: number;
  /** Absent for exports, which stream any number of rows. */
  maxResultRows?: number;
  maxResultBytes?: number;
}

export interface RunOptions {
  /** ClickHouse format name used when the statement has no FORMAT clause. */
  format: string;
  params?: QueryParams;
  limits: RunLimits;
  /** Further settings the caller has vetted (output-format settings only). */
  settings?: Record<string, string | number>;
  lane?: Lane;
}

export interface ReadEngine extends ParseSource {
  readonly mode: ClickHouseMode;
  readonly database: string;
  /** Runs a statement the guard accepted (or one built by our code) and returns the whole result. */
  run(sql: string, opts: RunOptions): Promise<Buffer>;
  /** Same, as a continuous byte stream in `opts.format`; cancelling the iteration cancels the query. */
  stream(sql: string, opts: RunOptions): AsyncIterable<Buffer>;
  close(): Promise<void>;
}

export interface EngineConcurrency {
  sql: { maxConcurrent: number; maxQueued: number };
  export: { maxConcurrent: number; maxQueued: number };
}

/** The settings every analyst statement runs with. */
export function enforcedSettings(limits: RunLimits, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const s: Record<string, string | number> = {
    ...extra,
    readonly: 1,
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
  };
  if (limits.maxResultRows !== undefined) s.max_result_rows = Math.min(limits.maxResultRows, numberOr(extra.max_result_rows, Infinity));
  if (limits.maxResultBytes !== undefined) s.max_result_bytes = Math.min(limits.maxResultBytes, numberOr(extra.max_result_bytes, Infinity));
  if (limits.maxResultRows !== undefined || limits.maxResultBytes !== undefined) s.result_overflow_mode = 'throw';
  s.max_execution_time = Math.min(limits.maxExecutionSeconds, numberOr(extra.max_execution_time, Infinity));
  s.max_memory_usage = Math.min(limits.maxMemoryBytes, numberOr(extra.max_memory_usage, Infinity));
  return s;
}

function numberOr(v: string | number | undefined, fallback: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Renders settings as a SETTINGS clause; names are checked, values become literals. */
export function settingsClause(settings: Record<string, string | number>): string {
  const parts = Object.entries(settings).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TicketPulseError('bad_request', `invalid setting name ${JSON.stringify(name)}`);
    const literal = typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    return `${name} = ${literal}`;
  });
  return `SETTINGS ${parts.join(', ')}`;
}

/** Bounds how many statements run at once per lane; a full queue answers 429. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
    private readonly what: string,
  ) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueued) {
        throw new TicketPulseError('rate_limited', `too many ${this.what} running (${this.maxConcurrent} at once, ${this.maxQueued} waiting); retry shortly`, { retriable: true });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}
