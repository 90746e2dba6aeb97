// Reads ticket histories from the raw log for the clock: one row per ticket with its
// events as an array of tuples (a narrow column set, JSONCompactEachRow), so the
// engine does the grouping and JS parses one line per ticket. Large selections are
// split by a hash of the ticket id, so every chunk holds whole tickets and memory
// stays bounded whatever the size of the log.
//
// Duplicated events (a replayed batch not merged yet) come back as repeated tuples;
// the clock counts each event_id once, so no FINAL is needed here.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import { SAME_INSTANT_ORDER, type SlaEvent } from './clock.ts';

export interface TicketHistory {
  ticket_id: string;
  events: SlaEvent[];
}

/** Which tickets to read. */
export type TicketSelection =
  | { kind: 'all' }
  | { kind: 'ids'; ids: readonly string[] }
  /** Tickets with an event received in (after, upTo]. */
  | { kind: 'received'; after: number; upTo: number };

export interface SelectionFilter {
  /** Only tickets with an event that occurred at or after this instant. */
  since?: number;
  /** Only tickets whose current status is not solved or closed. */
  openOnly?: boolean;
}

export interface ChunkSpec {
  /** Number of hash buckets the selection is split into (1: no split). */
  chunks: number;
  chunk: number;
}

const RANKS = [...SAME_INSTANT_ORDER.entries()];

// The ticket's current status the way the clock derives it: the last event in clock
// order (time, same-instant rank, event_id) that says something about the status.
const STATUS_NOW = `argMaxIf(
    multiIf(type = 'resolved', 'solved', type = 'closed', 'closed', type = 'reopened' AND status IN ('', 'solved', 'closed'), 'open', status),
    (occurred_at, transform(toString(type), [${RANKS.map(([t]) => `'${t}'`).join(', ')}], [${RANKS.map(([, r]) => r).join(', ')}], 13), event_id),
    status != '' OR type IN ('resolved', 'closed', 'reopened'))`;

interface BuiltQuery {
  where: string[];
  having: string[];
  params: Record<string, unknown>;
}

function build(selection: TicketSelection, filter: SelectionFilter, chunk?: ChunkSpec): BuiltQuery {
  const where: string[] = [];
  const having: string[] = [];
  const params: Record<string, unknown> = {};
  if (selection.kind === 'ids') {
    where.push('ticket_id IN {ids:Array(String)}');
    params.ids = selection.ids;
  } else if (selection.kind === 'received') {
    where.push(
      "ticket_id IN (SELECT ticket_id FROM ticket_events WHERE received_at > {after:DateTime64(3, 'UTC')} AND received_at <= {upTo:DateTime64(3, 'UTC')})",
    );
    params.after = toClickHouseTime(selection.after);
    params.upTo = toClickHouseTime(selection.upTo);
  }
  if (chunk && chunk.chunks > 1) {
    where.push('cityHash64(ticket_id) % {chunks:UInt64} = {chunk:UInt64}');
    params.chunks = chunk.chunks;
    params.chunk = chunk.chunk;
  }
  if (filter.since !== undefined) {
    having.push("max(occurred_at) >= {since:DateTime64(3, 'UTC')}");
    params.since = toClickHouseTime(filter.since);
  }
  if (filter.openOnly) having.push(`${STATUS_NOW} NOT IN ('solved', 'closed')`);
  return { where, having, params };
}

function clauses(q: BuiltQuery): string {
  const where = q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : '';
  const having = q.having.length > 0 ? `HAVING ${q.having.join(' AND ')}` : '';
  return `${where}\nGROUP BY ticket_id\n${having}`;
}

/** How many tickets the selection holds (exact). */
export async function countTickets(ch: ClickHouse, selection: TicketSelection, filter: SelectionFilter = {}): Promise<number> {
  const q = build(selection, filter);
  const query =
    q.having.length === 0
      ? `SELECT uniqExact(ticket_id) AS n FROM ticket_events ${q.where.length > 0 ? `WHERE ${q.where.join(' AND ')}` : ''}`
      : `SELECT count() AS n FROM (SELECT ticket_id FROM ticket_events ${clauses(q)})`;
  const rows = await select<{ n: string | number }>(ch, query, q.params);
  return Number(rows[0]?.n ?? 0);
}

// Compact on the wire, because formatting and parsing this text is most of what a
// backfill costs: an event travels as [event_id, type rank, occurred ms, status, dims],
// where the type is its same-instant rank (an unknown type is rank 13 and its name is
// the last element of dims), the instant is epoch ms (Float64: a JSON number, where a
// 64-bit integer would come quoted), and status and dimensions equal to the previous
// event's are blank — which the clock reads as "unchanged" anyway. dims is
// [priority, customer_tier, channel, category, team, tenant] or, when none of them
// changed, []. The events are sorted in the clock's order first (time, rank,
// event_id); around events stamped with the same instant nothing is blanked, since
// the clock's order within such a tie is its own to decide.
const TYPE_BY_RANK: string[] = [];
for (const [t, r] of RANKS) TYPE_BY_RANK[r] = t;
const UNKNOWN = 13;
const DIMS = ['priority', 'customer_tier', 'channel', 'category', 'team', 'tenant'] as const;
const KNOWN = `[${RANKS.map(([t]) => `'${t}'`).join(', ')}]`;

// s[i]: (event_id, rank, ms, status, dims…, unknown type name); dims at 5..10, the name at 11.
const BLANKABLE = 'i > 1 AND s[i].3 != s[i - 1].3 AND (i = 2 OR s[i - 1].3 != s[i - 2].3)';
const dim = (k: number): string => `s[i].${k + 5}`;
const HISTORY_SELECT = `
    SELECT ticket_id,
      arraySort(e -> (e.3, e.2, e.1), groupArray((
        event_id,
        toUInt8(transform(toString(type), ${KNOWN}, [${RANKS.map(([, r]) => r).join(', ')}], ${UNKNOWN})),
        toFloat64(toUnixTimestamp64Milli(occurred_at)),
        toString(status),
        ${DIMS.map((d) => `toString(${d})`).join(', ')},
        if(has(${KNOWN}, toString(type)), '', toString(type))
      ))) AS s,
      arrayMap(i -> (
        s[i].1, s[i].2, s[i].3,
        if(${BLANKABLE} AND s[i].4 = s[i - 1].4, '', s[i].4),
        if(${BLANKABLE} AND s[i].11 = '' AND ${DIMS.map((_, k) => `${dim(k)} = s[i - 1].${k + 5}`).join(' AND ')},
          [],
          arrayConcat(
            [${DIMS.map((_, k) => `if(${BLANKABLE} AND ${dim(k)} = s[i - 1].${k + 5}, '', ${dim(k)})`).join(', ')}],
            if(s[i].11 = '', [], [s[i].11])))
      ), arrayEnumerate(s)) AS h
    FROM ticket_events`;

/** Histories of the selected tickets (one hash chunk of them when `chunk` is given). */
export async function readHistories(ch: ClickHouse, selection: TicketSelection, filter: SelectionFilter = {}, chunk?: ChunkSpec): Promise<TicketHistory[]> {
  const q = build(selection, filter, chunk);
  const query = `SELECT ticket_id, h FROM (${HISTORY_SELECT}\n    ${clauses(q)})`;
  let text: string;
  try {
    const rs = await ch.client.query({ query, query_params: q.params, format: 'JSONCompactEachRow' });
    text = await rs.text();
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `reading ticket histories failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
  return parseHistories(text);
}

/** [event_id, rank, occurred ms, status, [priority, customer_tier, channel, category, team, tenant, unknown type name?] or []] */
type Tuple = [string, number, number | string, string, string[]];

/** JSONCompactEachRow lines [ticket_id, [tuple, …]] → histories. */
export function parseHistories(text: string): TicketHistory[] {
  const out: TicketHistory[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const [ticketId, tuples] = JSON.parse(text.slice(start, end)) as [string, Tuple[]];
      const events: SlaEvent[] = new Array<SlaEvent>(tuples.length);
      for (let i = 0; i < tuples.length; i++) {
        const t = tuples[i];
        const d = t[4];
        const changed = d.length > 0;
        events[i] = {
          event_id: t[0],
          ticket_id: ticketId,
          type: t[1] === UNKNOWN ? (d[6] ?? '') : TYPE_BY_RANK[t[1]],
          occurred_at: '',
          occurred_ms: Number(t[2]),
          status: t[3],
          priority: changed ? d[0] : '',
          customer_tier: changed ? d[1] : '',
          channel: changed ? d[2] : '',
          category: changed ? d[3] : '',
          team: changed ? d[4] : '',
          tenant: changed ? d[5] : '',
        };
      }
      out.push({ ticket_id: ticketId, events });
    }
    start = end + 1;
  }
  return out;
}

async function select<T>(ch: ClickHouse, query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return await rs.json<T>();
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `SLA query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}
