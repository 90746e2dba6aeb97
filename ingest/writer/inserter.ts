// How rows reach ClickHouse. Rows arrive already serialised as JSONEachRow (or
// JSONCompactEachRow) lines or bytes, so a batch is one concatenation and one INSERT —
// no per-row re-encoding.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';

export type InsertFormat = 'JSONEachRow' | 'JSONCompactEachRow';

/** Rows already encoded: UTF-8, each ending in '\n'. */
export interface RowBytes {
  bytes: Uint8Array;
  rows: number;
}

/** One line per row, or rows already encoded. */
export type InsertRows = readonly string[] | RowBytes;

export function rowCount(rows: InsertRows): number {
  return 'bytes' in rows ? rows.rows : rows.length;
}

export interface Inserter {
  /**
   * Inserts rows in `format` (JSONEachRow when omitted); resolves only once
   * ClickHouse has stored them. Wrappers must pass `format` on.
   */
  insert(table: string, columns: readonly string[], rows: InsertRows, format?: InsertFormat): Promise<void>;
}

/**
 * Settings ride in the statement's own SETTINGS clause: with chdb/connection,
 * `clickhouse_settings` become session-wide SETs that would leak into every later
 * query. Insert dedup is off on purpose: correctness comes from the event_id key
 * (DESIGN.md, "Delivery guarantees"), and the dedup log can drop a retried block
 * after a crash. async_insert is off so "inserted" means "in a part".
 * optimize_on_insert is off because collapsing repeated keys inside each inserted
 * block costs ~20% of ClickHouse's insert CPU (measured: 9.5 → 7.5 µs per event row,
 * docs/performance.md) and buys nothing: replays arrive in later blocks anyway, and
 * every reader already deduplicates (FINAL, argMax, uniqExact) as merges do.
 */
export const INSERT_SETTINGS = 'insert_deduplicate = 0, async_insert = 0, optimize_on_insert = 0';
/**
 * Embedded inserts also parse on one thread: the engine shares the process's few cores
 * with the consumer, and parallel parsing's splitting and hand-offs cost more than they
 * save there (Kafka benchmark phase (c): +4%, 5 of 6 interleaved pairs, ClickHouse's
 * parsing CPU 3.4–3.8 instead of 3.8–3.9 µs/event; docs/performance.md). A server keeps
 * its default.
 */
const RAW_INSERT_SETTINGS = { insert_deduplicate: 0, async_insert: 0, optimize_on_insert: 0, input_format_parallel_parsing: 0 } as const;

interface RawInsertParams {
  table: string;
  columns: readonly string[];
  format: InsertFormat;
  values: string | Uint8Array;
  settings: Record<string, number>;
}
type RawInsert = (params: RawInsertParams) => Promise<unknown>;

export class ClickHouseInserter implements Inserter {
  private readonly rawInsert: RawInsert | null;

  constructor(private readonly ch: ClickHouse) {
    this.rawInsert = ch.mode === 'embedded' ? findRawInsert(ch) : null;
  }

  async insert(table: string, columns: readonly string[], rows: InsertRows, format: InsertFormat = 'JSONEachRow'): Promise<void> {
    if (rowCount(rows) === 0) return;
    try {
      if (this.rawInsert) {
        // Embedded: the payload goes to chDB as is (bytes without a copy), without
        // the client building one SQL string of statement + data first (docs/performance.md).
        const values = 'bytes' in rows ? rows.bytes : rows.join('\n');
        await this.rawInsert({ table, columns, format, values, settings: { ...RAW_INSERT_SETTINGS } });
      } else {
        const head = `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS ${INSERT_SETTINGS} FORMAT ${format}\n`;
        const text = 'bytes' in rows ? Buffer.from(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.length).toString('utf8') : rows.join('\n');
        await this.ch.client.command({ query: head + text });
      }
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `insert into ${table} failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  }
}

/**
 * chDB's connection keeps a raw-insert entry point (`connection.chdb.rawInsert`)
 * that @clickhouse/client does not expose; the client holds the connection it was
 * given in a plain field. Found by shape, so any other client falls back to SQL.
 */
function findRawInsert(ch: ClickHouse): RawInsert | null {
  const connection = (ch.client as unknown as { connection?: { chdb?: { rawInsert?: unknown } } }).connection;
  const chdb = connection?.chdb;
  if (!chdb || typeof chdb.rawInsert !== 'function') return null;
  const fn = chdb.rawInsert as (params: RawInsertParams) => Promise<unknown>;
  return (params) => fn.call(chdb, params);
}
