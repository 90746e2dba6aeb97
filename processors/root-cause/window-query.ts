// The tickets a tracking run clusters: `created` events in [now − window, now), one
// per ticket (a replayed or repeated `created` collapses by ticket_id), newest first
// up to maxTickets. Column names come from an allowlist (ROOT_CAUSE_COLUMNS); any
// other attribute is read from the `attributes` map in JS, and every value is bound.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { ROOT_CAUSE_COLUMNS } from '../../core/config/root-cause.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { WindowTicket } from './types.ts';

export interface WindowRequest {
  fromMs: number;
  toMs: number;
  attributes: readonly string[];
  maxTickets: number;
}

export async function readWindow(ch: ClickHouse, req: WindowRequest): Promise<WindowTicket[]> {
  const columns = ROOT_CAUSE_COLUMNS.filter((c) => req.attributes.includes(c));
  const mapKeys = req.attributes.filter((a) => !(ROOT_CAUSE_COLUMNS as readonly string[]).includes(a));
  const selected = columns.map((c) => `, argMin(${c}, occurred_at) AS ${c}`).join('');
  try {
    const rs = await ch.client.query({
      query: `
        SELECT ticket_id, toUnixTimestamp64Milli(min(occurred_at)) AS created_ms,
               argMin(subject, occurred_at) AS subject, argMin(body, occurred_at) AS body,
               argMin(mapFilter((k, v) -> has({map_keys:Array(String)}, k), attributes), occurred_at) AS attrs${selected}
        FROM ticket_events
        WHERE type = 'created'
          AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
          AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        GROUP BY ticket_id
        ORDER BY created_ms DESC, ticket_id
        LIMIT {max:UInt32}
      `,
      query_params: { from_ms: req.fromMs, to_ms: req.toMs, max: req.maxTickets, map_keys: mapKeys },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<Record<string, unknown> & { ticket_id: string; created_ms: number | string; subject: string; body: string; attrs: Record<string, string> }>();
    return rows.map((r) => {
      const attributes: Record<string, string> = {};
      for (const c of columns) if (typeof r[c] === 'string' && r[c] !== '') attributes[c] = r[c] as string;
      for (const [k, v] of Object.entries(r.attrs ?? {})) if (v !== '') attributes[k] = v;
      return { id: r.ticket_id, createdMs: Number(r.created_ms), subject: r.subject, text: r.body ? `${r.subject}\n${r.body}` : r.subject, attributes };
    });
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `root-cause window query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}
