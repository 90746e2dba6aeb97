// How rows reach ClickHouse. Rows arrive already serialised as JSONEachRow lines,
// so a batch is one string concatenation and one INSERT — no per-row re-encoding.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';

export interface Inserter {
  /** Inserts JSONEachRow lines; resolves only once ClickHouse has stored them. */
  insert(table: string, columns: readonly string[], lines: readonly string[]): Promise<void>;
}

/**
 * Settings ride in the statement's own SETTINGS clause: with chdb/connection,
 * `clickhouse_settings` become session-wide SETs that would leak into every later
 * query. Insert dedup is off on purpose: correctness comes from the event_id key
 * (DESIGN.md, "Delivery guarantees"), and the dedup log can drop a retried block
 * after a crash. async_insert is off so "inserted" means "in a part".
 */
export const INSERT_SETTINGS = 'insert_deduplicate = 0, async_insert = 0';

export class ClickHouseInserter implements Inserter {
  constructor(private readonly ch: ClickHouse) {}

  async insert(table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const head = `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS ${INSERT_SETTINGS} FORMAT JSONEachRow\n`;
    try {
      await this.ch.client.command({ query: head + lines.join('\n') });
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `insert into ${table} failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  }
}
