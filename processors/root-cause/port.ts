// The API's view of `clusters` / `ticket_clusters` (GET /v1/clusters, /v1/clusters/:id/tickets).
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { ClusterDto, ClusterList, ClusterTickets, ClustersPort, ListClustersQuery } from '../../core/ports/clusters.ts';
import { CLUSTER_SELECT, trackedOf, type StoredClusterRow } from './store.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

function dtoOf(r: StoredClusterRow): ClusterDto {
  const c = trackedOf(r);
  return {
    cluster_id: c.clusterId,
    status: c.status,
    surging: c.surging,
    label: c.label,
    top_terms: c.topTerms,
    size: c.size,
    recent: c.recent,
    growth: c.growth,
    first_seen: iso(c.firstSeenMs),
    last_seen: iso(c.lastSeenMs),
    run_at: iso(Number(r.run_ms)),
    concentration: c.concentration
      ? { attribute: c.concentration.attribute, value: c.concentration.value, share: c.concentration.share, base_share: c.concentration.baseShare }
      : null,
    suggested_owner: c.owner,
    profile: c.profile,
    sample_subjects: c.samples,
    size_history: c.history.map((h) => ({ at: iso(h.atMs), size: h.size })),
  };
}

const failed = (what: string, err: unknown) =>
  new TicketPulseError('clickhouse_query_failed', `${what} failed: ${errorMessage(err)}`, { cause: err, retriable: true });

export function createClustersPort(ch: ClickHouse): ClustersPort {
  return {
    async list(query: ListClustersQuery): Promise<ClusterList> {
      try {
        // Latest row per cluster (argMax by run_at), then filtered: a cluster's status
        // is the one of its latest run, not of any run.
        const rs = await ch.client.query({
          query: `
            SELECT ${CLUSTER_SELECT}
            FROM clusters FINAL
            WHERE (cluster_id, run_at) IN (SELECT cluster_id, max(run_at) FROM clusters GROUP BY cluster_id)
              AND last_seen >= {since:DateTime64(3, 'UTC')}
              AND (empty({statuses:Array(String)}) OR has({statuses:Array(String)}, status))
            ORDER BY status = 'emerging' DESC, surging DESC, size DESC, cluster_id
            LIMIT {limit:UInt32}
          `,
          query_params: { since: toClickHouseTime(query.since), statuses: query.status ?? [], limit: query.limit },
          format: 'JSONEachRow',
        });
        return { since: iso(query.since), clusters: (await rs.json<StoredClusterRow>()).map(dtoOf) };
      } catch (err) {
        throw failed('clusters query', err);
      }
    },

    async tickets(clusterId: string, limit: number): Promise<ClusterTickets | null> {
      try {
        const latest = await ch.client.query({
          query: `SELECT toUnixTimestamp64Milli(max(run_at)) AS run_ms, count() AS n FROM clusters WHERE cluster_id = {id:String}`,
          query_params: { id: clusterId },
          format: 'JSONEachRow',
        });
        const [head] = await latest.json<{ run_ms: number | string; n: number | string }>();
        if (!head || Number(head.n) === 0) return null;
        const runMs = Number(head.run_ms);
        const rs = await ch.client.query({
          query: `
            SELECT ticket_id, toUnixTimestamp64Milli(min(occurred_at)) AS created_ms, argMin(subject, occurred_at) AS subject,
                   argMin(product, occurred_at) AS product, argMin(region, occurred_at) AS region,
                   argMin(category, occurred_at) AS category, argMin(channel, occurred_at) AS channel,
                   argMin(attributes, occurred_at) AS attributes
            FROM ticket_events
            WHERE type = 'created'
              AND ticket_id IN (
                SELECT ticket_id FROM ticket_clusters
                WHERE cluster_id = {id:String} AND run_at = fromUnixTimestamp64Milli({run_ms:Int64}, 'UTC')
              )
            GROUP BY ticket_id
            ORDER BY created_ms DESC, ticket_id
            LIMIT {limit:UInt32}
          `,
          query_params: { id: clusterId, run_ms: runMs, limit },
          format: 'JSONEachRow',
        });
        const rows = await rs.json<{ ticket_id: string; created_ms: number | string; subject: string; product: string; region: string; category: string; channel: string; attributes: Record<string, string> }>();
        return {
          cluster_id: clusterId,
          run_at: iso(runMs),
          tickets: rows.map((r) => ({
            ticket_id: r.ticket_id,
            created_at: iso(Number(r.created_ms)),
            subject: r.subject,
            product: r.product,
            region: r.region,
            category: r.category,
            channel: r.channel,
            attributes: r.attributes ?? {},
          })),
        };
      } catch (err) {
        throw failed('cluster tickets query', err);
      }
    },
  };
}
