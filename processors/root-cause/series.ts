// A per-cluster series for the surge detector (SurgeSeriesSource, dimension
// `cluster`): tickets of each cluster's latest membership, counted per bucket of
// their creation time. Only the tracking window has memberships, so older buckets
// come back empty; the surge detector therefore sees a cluster's own recent history
// only — enough for its recent-hours baseline, not for week-over-week seasonality.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { SeriesWindow, SurgeSeriesSource } from '../surge/index.ts';
import type { SeriesPoint } from '../surge/index.ts';

export function clusterSeriesSource(ch: ClickHouse): SurgeSeriesSource {
  return {
    dimensions: ['cluster'],
    async load(window: SeriesWindow): Promise<SeriesPoint[]> {
      if (window.ranges.length === 0) return [];
      const starts = window.ranges.map((r) => r[0]);
      const ends = window.ranges.map((r) => r[1]);
      try {
        const rs = await ch.client.query({
          query: `
            WITH latest AS (SELECT max(run_at) AS at FROM ticket_clusters)
            SELECT m.cluster_id AS value, intDiv(toUnixTimestamp(e.created), {bucket_s:UInt32}) * {bucket_s:UInt32} * 1000 AS bucket_ms, uniqExact(m.ticket_id) AS n
            FROM (SELECT cluster_id, ticket_id FROM ticket_clusters WHERE run_at = (SELECT at FROM latest)) AS m
            INNER JOIN
            (
              SELECT ticket_id, min(occurred_at) AS created
              FROM ticket_events
              WHERE type = 'created'
                AND occurred_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')
                AND occurred_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')
              GROUP BY ticket_id
            ) AS e ON e.ticket_id = m.ticket_id
            WHERE arrayExists((s, x) -> bucket_ms >= s AND bucket_ms < x, {starts:Array(Int64)}, {ends:Array(Int64)})
            GROUP BY value, bucket_ms
          `,
          query_params: { bucket_s: window.bucketMinutes * 60, from_ms: Math.min(...starts), to_ms: Math.max(...ends), starts, ends },
          format: 'JSONEachRow',
        });
        const rows = await rs.json<{ value: string; bucket_ms: number | string; n: number | string }>();
        return rows.map((r) => ({ dimension: 'cluster', value: r.value, bucketStartMs: Number(r.bucket_ms), count: Number(r.n) }));
      } catch (err) {
        throw new TicketPulseError('clickhouse_query_failed', `cluster series query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
      }
    },
  };
}
