// Bucketed ticket counts per dimension value, straight from the raw log. Tickets are
// counted with uniqExact(ticket_id) over `created` events, so a replayed event (or a
// ticketing core that sends `created` twice) never counts twice, FINAL or not.
//
// Only the buckets a run needs are grouped: the overall [from, to) range uses the
// occurred_at index, and `ranges` (the evaluated window, the same window in each
// baseline week, the recent hours) keeps the GROUP BY to a few hundred buckets per
// series instead of a month of them. Dimension names come from SURGE_DIMENSIONS, an
// allowlist, never from a request; every value is bound as a query parameter.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { SURGE_DIMENSIONS, type SurgeDimension } from '../../core/config/surge.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { SeriesPoint } from './types.ts';

export interface CountsRequest {
  dimensions: readonly SurgeDimension[];
  bucketMinutes: number;
  /** Half-open [startMs, endMs) ranges of bucket starts to count. */
  ranges: ReadonlyArray<readonly [number, number]>;
}

export function buildCountsQuery(dimensions: readonly SurgeDimension[]): string {
  for (const d of dimensions) {
    if (!(SURGE_DIMENSIONS as readonly string[]).includes(d)) throw new TicketPulseError('config_invalid', `unknown surge dimension ${JSON.stringify(d)}`, { field: 'surge.dimensions' });
  }
  const pairs = dimensions.map((d) => `('${d}', ${d})`).join(', ');
  return `
    SELECT pair.1 AS dimension, pair.2 AS value, bucket_s * 1000 AS bucket_ms, uniqExact(ticket_id) AS n
    FROM
    (
      SELECT ticket_id, intDiv(toUnixTimestamp(occurred_at), {bucket_s:UInt32}) * {bucket_s:UInt32} AS bucket_s, ${dimensions.join(', ')}
      FROM ticket_events
      WHERE type = 'created'
        AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
        AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
        AND arrayExists((s, e) -> bucket_s * 1000 >= s AND bucket_s * 1000 < e, {starts:Array(Int64)}, {ends:Array(Int64)})
    )
    ARRAY JOIN [${pairs}] AS pair
    WHERE pair.2 != ''
    GROUP BY dimension, value, bucket_ms
  `;
}

export async function queryCounts(ch: ClickHouse, req: CountsRequest): Promise<SeriesPoint[]> {
  if (req.dimensions.length === 0 || req.ranges.length === 0) return [];
  const starts = req.ranges.map((r) => r[0]);
  const ends = req.ranges.map((r) => r[1]);
  try {
    const rs = await ch.client.query({
      query: buildCountsQuery(req.dimensions),
      query_params: { bucket_s: req.bucketMinutes * 60, from_ms: Math.min(...starts), to_ms: Math.max(...ends), starts, ends },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ dimension: string; value: string; bucket_ms: number | string; n: number | string }>();
    return rows.map((r) => ({ dimension: r.dimension, value: r.value, bucketStartMs: Number(r.bucket_ms), count: Number(r.n) }));
  } catch (err) {
    throw new TicketPulseError('clickhouse_query_failed', `surge counts query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
  }
}

/**
 * The earliest `created` event at or after `fromMs`, or null when there is none. The
 * detector treats buckets before it as unknown history, not as empty buckets.
 */
export async function queryHistoryStart(ch: ClickHouse, fromMs: number, toMs: number): Promise<number | null> {
  const rs = await ch.client.query({
    query: `
      SELECT toUnixTimestamp64Milli(min(occurred_at)) AS first_ms, count() AS n
      FROM ticket_events
      WHERE type = 'created'
        AND occurred_at >= {from:DateTime64(3, 'UTC')}
        AND occurred_at < {to:DateTime64(3, 'UTC')}
    `,
    query_params: { from: toClickHouseTime(fromMs), to: toClickHouseTime(toMs) },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ first_ms: number | string; n: number | string }>();
  return row && Number(row.n) > 0 ? Number(row.first_ms) : null;
}
