// Tables that GET /v1/export/:name streams as Arrow IPC. Any table with a time
// column can be added: processors call registerExportTable() for theirs
// (ticket_sla, alerts, …) before the API starts, and the route lists them all.
import { TicketPulseError } from '../errors.ts';
import { quoteIdent } from './connection.ts';

export interface ExportTable {
  /** The name in the URL (`/v1/export/<name>`). */
  name: string;
  /** The ClickHouse table. */
  table: string;
  /** Rows are selected by this column with `from` (inclusive) and `to` (exclusive). */
  timeColumn: string;
  /** Read with FINAL so that replayed rows of a ReplacingMergeTree count once. */
  final: boolean;
  description: string;
}

const registry = new Map<string, ExportTable>();

export function registerExportTable(table: ExportTable): void {
  for (const ident of [table.table, table.timeColumn]) quoteIdent(ident);
  if (!/^[a-z][a-z0-9_]*$/.test(table.name)) throw new TicketPulseError('config_invalid', `export name ${table.name} must be lower-case letters, digits and _`);
  registry.set(table.name, table);
}

export function exportTables(): ExportTable[] {
  return [...registry.values()];
}

export function exportTable(name: string): ExportTable | undefined {
  return registry.get(name);
}

registerExportTable({
  name: 'events',
  table: 'ticket_events',
  timeColumn: 'occurred_at',
  final: true,
  description: 'the raw ticket event log, deduplicated by event_id; rows selected by occurred_at',
});
registerExportTable({
  name: 'dead_letters',
  table: 'dead_letters',
  timeColumn: 'received_at',
  final: true,
  description: 'rejected messages with their raw bytes, reason and origin; rows selected by received_at',
});

export interface ExportColumn {
  name: string;
  type: string;
}

export interface ExportRequest {
  from?: Date;
  to?: Date;
  /** Column names; all ordinary columns when absent. Checked against the table's columns. */
  columns?: string[];
  limit?: number;
}

/** The export statement: identifiers checked against the table's own column list, values bound as parameters. */
export function buildExportQuery(t: ExportTable, available: ExportColumn[], req: ExportRequest): { sql: string; params: Record<string, string | number> } {
  const known = new Set(available.map((c) => c.name));
  const columns = req.columns && req.columns.length > 0 ? req.columns : available.map((c) => c.name);
  for (const c of columns) {
    if (!known.has(c)) {
      throw new TicketPulseError('bad_request', `unknown column ${JSON.stringify(c)} for ${t.name}; columns: ${[...known].join(', ')}`, { field: 'columns' });
    }
  }
  const where: string[] = [];
  const params: Record<string, string | number> = {};
  const time = quoteIdent(t.timeColumn);
  if (req.from) {
    where.push(`${time} >= {from:DateTime64(3, 'UTC')}`);
    params.from = chDateTime(req.from);
  }
  if (req.to) {
    where.push(`${time} < {to:DateTime64(3, 'UTC')}`);
    params.to = chDateTime(req.to);
  }
  let sql = `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(t.table)}${t.final ? ' FINAL' : ''}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  if (req.limit !== undefined) {
    sql += ' LIMIT {limit:UInt64}';
    params.limit = req.limit;
  }
  return { sql, params };
}

/** ClickHouse's DateTime64 text form (the ISO 'T'/'Z' form does not parse as a query parameter). */
function chDateTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
