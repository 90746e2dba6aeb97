// Business-time awareness comes from the SLA engine's `ticket_sla` table when it
// exists: its elapsed business minutes replace wall-clock times, and its met /
// breached verdicts give SLA compliance. The table belongs to another module, so
// its columns are discovered (system.columns) rather than assumed; without a usable
// table every time is wall clock from the event log and SLA compliance is left out.
import type { ClickHouse } from '../../core/clickhouse/index.ts';

export interface SlaSource {
  /** Column that orders versions of a (ticket, metric) row; the latest wins. */
  versionColumn: string;
  /** SQL expression giving elapsed business time in minutes. */
  elapsedMinutes: string;
  /** The ticket's creation time, when the table has it: bounds the scan to the window. */
  createdColumn: string | null;
}

export type SlaProbe = { source: SlaSource; reason: null } | { source: null; reason: string };

const VERSION_COLUMNS = ['version', 'updated_at', 'evaluated_at', 'computed_at'];
// [column, factor to minutes]
const ELAPSED_COLUMNS: Array<[string, number]> = [
  ['elapsed_business_minutes', 1],
  ['elapsed_minutes', 1],
  ['business_elapsed_ms', 1 / 60_000],
  ['elapsed_ms', 1 / 60_000],
];

export async function probeSlaSource(ch: ClickHouse): Promise<SlaProbe> {
  const rs = await ch.client.query({
    query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'ticket_sla'",
    format: 'JSONEachRow',
  });
  const columns = new Set((await rs.json<{ name: string }>()).map((r) => r.name));
  if (columns.size === 0) return { source: null, reason: 'no ticket_sla table' };
  for (const c of ['ticket_id', 'metric', 'state']) {
    if (!columns.has(c)) return { source: null, reason: `ticket_sla has no ${c} column` };
  }
  const versionColumn = VERSION_COLUMNS.find((c) => columns.has(c));
  if (!versionColumn) return { source: null, reason: `ticket_sla has none of ${VERSION_COLUMNS.join(', ')}` };
  const elapsed = ELAPSED_COLUMNS.find(([c]) => columns.has(c));
  if (!elapsed) return { source: null, reason: `ticket_sla has none of ${ELAPSED_COLUMNS.map((e) => e[0]).join(', ')}` };
  const [column, factor] = elapsed;
  const any = await ch.client.query({ query: 'SELECT 1 AS one FROM ticket_sla LIMIT 1', format: 'JSONEachRow' });
  if ((await any.json()).length === 0) return { source: null, reason: 'ticket_sla is empty' };
  return {
    source: {
      versionColumn,
      elapsedMinutes: factor === 1 ? `toFloat64(${column})` : `toFloat64(${column}) * ${factor}`,
      createdColumn: columns.has('created_at') ? 'created_at' : null,
    },
    reason: null,
  };
}
