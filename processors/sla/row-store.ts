// ticket_sla and sla_processor_state: writing row versions in big batches, reading the
// current state back, and the processor's watermark.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import { FINAL_SETTINGS } from './compliance.ts';
import { RowEncoder } from './row-encoder.ts';
import { SLA_ROW_COLUMNS, SLA_ROW_SELECT, parseSlaRow, type SlaRow } from './rows.ts';

/**
 * In the statement's own SETTINGS clause (with chdb/connection, clickhouse_settings
 * would become session-wide SETs). No block dedup: versions do that job; synchronous,
 * so "written" means "in a part" (DESIGN.md, "Delivery guarantees").
 */
export const SLA_INSERT_SETTINGS = 'insert_deduplicate = 0, async_insert = 0';

interface RawInsertParams {
  table: string;
  columns: readonly string[];
  format: 'JSONCompactEachRow';
  values: string | Buffer;
  settings: Record<string, number>;
}
type RawInsert = (params: RawInsertParams) => Promise<unknown>;

export class SlaRowStore {
  private readonly rawInsert: RawInsert | null;

  constructor(private readonly ch: ClickHouse) {
    this.rawInsert = ch.mode === 'embedded' ? findRawInsert(ch) : null;
  }

  /** Stores row versions; resolves once they are in a part. */
  async write(rows: readonly SlaRow[]): Promise<void> {
    if (rows.length === 0) return;
    const encoder = new RowEncoder(1 << 16);
    for (const r of rows) encoder.row(r);
    await this.writePayload(encoder.finish());
  }

  async writeLines(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.writePayload(lines.join('\n'));
  }

  /** JSONCompactEachRow lines in SLA_ROW_COLUMNS order (a Buffer stays off the V8 heap on the embedded engine). */
  async writePayload(values: string | Buffer): Promise<void> {
    if (values.length === 0) return;
    try {
      if (this.rawInsert) {
        // Embedded: the payload goes to chDB as is, without building statement + data
        // as one SQL string first (the ingest writer does the same).
        await this.rawInsert({ table: 'ticket_sla', columns: SLA_ROW_COLUMNS, format: 'JSONCompactEachRow', values, settings: { insert_deduplicate: 0, async_insert: 0 } });
      } else {
        const head = `INSERT INTO ticket_sla (${SLA_ROW_COLUMNS.join(', ')}) SETTINGS ${SLA_INSERT_SETTINGS} FORMAT JSONCompactEachRow\n`;
        await this.ch.client.command({ query: head + (typeof values === 'string' ? values : values.toString('utf8')) });
      }
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `insert into ticket_sla failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  }

  /** True while ticket_sla holds no row at all (a first backfill). */
  async isEmpty(): Promise<boolean> {
    return (await this.select<{ x: number }>('SELECT 1 AS x FROM ticket_sla LIMIT 1', {})).length === 0;
  }

  /** Current state of every open metric (clock running or paused): what the deadline monitor schedules from. */
  async openRows(): Promise<SlaRow[]> {
    return this.rows(`SELECT ${SLA_ROW_SELECT} FROM ticket_sla FINAL WHERE clock IN ('running', 'paused') SETTINGS ${FINAL_SETTINGS}`, {});
  }

  /** Versions written after `version` (µs), oldest first: how a monitor follows writes made by other processes. */
  async rowsAfter(version: number, limit = 100_000): Promise<SlaRow[]> {
    return this.rows(`SELECT ${SLA_ROW_SELECT} FROM ticket_sla WHERE version > {v:UInt64} ORDER BY version LIMIT {limit:UInt32}`, {
      v: String(Math.max(0, Math.floor(version))),
      limit,
    });
  }

  /** The latest version of each metric of one ticket ([] when never computed). */
  async ticketRows(ticketId: string): Promise<SlaRow[]> {
    return this.rows(`SELECT ${SLA_ROW_SELECT} FROM ticket_sla FINAL WHERE ticket_id = {id:String} ORDER BY metric SETTINGS ${FINAL_SETTINGS}`, { id: ticketId });
  }

  async readWatermark(name: string): Promise<number | null> {
    const rows = await this.select<{ w: string | number | null }>(
      'SELECT toUnixTimestamp64Milli(argMax(watermark, updated_at)) AS w, count() AS n FROM sla_processor_state WHERE name = {name:String} HAVING n > 0',
      { name },
    );
    return rows.length === 0 || rows[0].w === null ? null : Number(rows[0].w);
  }

  async writeWatermark(name: string, watermark: number, now: number): Promise<void> {
    const line = JSON.stringify([name, toClickHouseTime(watermark), toClickHouseTime(now)]);
    try {
      await this.ch.client.command({
        query: `INSERT INTO sla_processor_state (name, watermark, updated_at) SETTINGS ${SLA_INSERT_SETTINGS} FORMAT JSONCompactEachRow\n${line}`,
      });
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `storing the SLA watermark failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  }

  /** Newest received_at in the log (ms), or null when it is empty. */
  async maxReceivedAt(after?: number): Promise<number | null> {
    const where = after === undefined ? '' : "WHERE received_at > {after:DateTime64(3, 'UTC')}";
    const rows = await this.select<{ m: string | number | null; n: string | number }>(
      `SELECT toUnixTimestamp64Milli(max(received_at)) AS m, count() AS n FROM ticket_events ${where}`,
      after === undefined ? {} : { after: toClickHouseTime(after) },
    );
    return rows.length === 0 || Number(rows[0].n) === 0 ? null : Number(rows[0].m);
  }

  private async rows(query: string, params: Record<string, unknown>): Promise<SlaRow[]> {
    return (await this.select<Record<string, unknown>>(query, params)).map(parseSlaRow);
  }

  private async select<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    try {
      const rs = await this.ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `SLA query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  }
}

/**
 * chDB's connection keeps a raw-insert entry point (`connection.chdb.rawInsert`) that
 * @clickhouse/client does not expose; found by shape, so any other client falls back
 * to SQL.
 */
function findRawInsert(ch: ClickHouse): RawInsert | null {
  const connection = (ch.client as unknown as { connection?: { chdb?: { rawInsert?: unknown } } }).connection;
  const chdb = connection?.chdb;
  if (!chdb || typeof chdb.rawInsert !== 'function') return null;
  const fn = chdb.rawInsert as (params: RawInsertParams) => Promise<unknown>;
  return (params) => fn.call(chdb, params);
}
