// Root causes & surges: the root-cause tracker's batches of similar tickets (clusters,
// ticket_clusters: one row per cluster and tracking run, versioned — read with FINAL)
// and the surge detector's buckets (surges: versioned, a re-run rewrites a bucket it
// no longer confirms as 'retracted'). See docs/root-cause.md.
//
// Batches are found over all tickets, so the dashboard filters narrow the members
// list (by each member's latest dimensions), not the batches themselves.
import type { DashboardSpec, RowSpec } from '../build.ts';
import { ticketLink } from '../links.ts';
import { table, timeSeries } from '../panels.ts';
import { LOOKBACK_START, inFilter, sql, ticketFilters } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

/**
 * The clusters not closed at the end of the range, each at its latest run in the range
 * (a cluster's status is the one of its latest run, as the clusters API reads it),
 * numbered in the order to look at them: emerging, then surging, then the fastest
 * growing.
 */
const ACTIVE_CLUSTERS = sql`
  active AS (
    SELECT cluster_id, run_at, label, status, surging, size, recent, growth, first_seen, suggested_owner,
      concentration_attribute, concentration_value, concentration_share, sample_subjects,
      row_number() OVER (ORDER BY status = 'emerging' DESC, surging DESC, growth DESC, size DESC, cluster_id) AS position
    FROM clusters FINAL
    WHERE (cluster_id, run_at) IN (SELECT cluster_id, max(run_at) FROM clusters WHERE $__timeFilter(run_at) GROUP BY cluster_id)
      AND status != 'closed'
  )`;

const activeBatches = table({
  title: 'Active root-cause batches',
  question: 'Which batches of similar tickets are open now: label, size, growth, and the attribute they concentrate on?',
  note:
    'Clusters of the latest tracking run by the end of the time range, not closed. Growth = tickets in the last 30 min against the cluster’s rate before; emerging = surging and new. ' +
    'Concentration: the attribute value most of its (recent) tickets share, e.g. one product batch; the suggested owner follows from it.',
  tables: ['clusters'],
  columns: ['cluster_id', 'label', 'status', 'size', 'growth', 'concentration', 'sample_subjects', 'recent', 'first_seen', 'suggested_owner'],
  height: 10,
  sql: sql`
    WITH
      ${ACTIVE_CLUSTERS}
    SELECT
      cluster_id,
      label,
      status,
      size,
      round(growth, 2) AS growth,
      if(concentration_attribute = '', '', concat(toString(round(concentration_share * 100)), '% ', concentration_attribute, ' ', concentration_value)) AS concentration,
      arrayStringConcat(sample_subjects, ' | ') AS sample_subjects,
      recent,
      first_seen,
      suggested_owner
    FROM active
    ORDER BY position
    LIMIT 100`,
});

const members = table({
  title: 'Batch members',
  question: 'Which tickets belong to a batch?',
  note: 'Members of each active batch at its latest run, batches in the order of the list above, newest ticket first (at most 1000; filter the columns to find one batch). Filters apply to each ticket’s latest dimensions.',
  tables: ['clusters', 'ticket_clusters', 'ticket_events'],
  columns: ['cluster_id', 'label', 'ticket_id', 'created_at', 'subject', 'team', 'priority', 'channel', 'status'],
  links: { ticket_id: ticketLink() },
  filterable: true,
  height: 12,
  sql: sql`
    WITH
      ${ACTIVE_CLUSTERS},
      membership AS (
        SELECT cluster_id, ticket_id
        FROM ticket_clusters FINAL
        WHERE (cluster_id, run_at) IN (SELECT cluster_id, run_at FROM active)
      ),
      facts AS (
        SELECT
          ticket_id,
          minIf(occurred_at, type = 'created') AS created_at,
          argMinIf(subject, occurred_at, type = 'created') AS subject,
          argMaxIf(tenant, occurred_at, tenant != '') AS tenant,
          if(argMaxIf(team, occurred_at, team != '') = '', '(unassigned)', argMaxIf(team, occurred_at, team != '')) AS team,
          argMaxIf(priority, occurred_at, priority != '') AS priority,
          argMaxIf(channel, occurred_at, channel != '') AS channel,
          argMaxIf(status, occurred_at, status != '') AS ticket_status
        FROM ticket_events
        WHERE ticket_id IN (SELECT ticket_id FROM membership)
          AND occurred_at >= ${LOOKBACK_START} AND occurred_at <= $__toTime
        GROUP BY ticket_id
      )
    SELECT membership.cluster_id AS cluster_id, active.label AS label, ticket_id, created_at, subject, team, priority, channel, ticket_status AS status
    FROM membership
    INNER JOIN active ON active.cluster_id = membership.cluster_id
    INNER JOIN facts USING (ticket_id)
    WHERE ${ticketFilters()}
    ORDER BY active.position, created_at DESC, ticket_id
    LIMIT 1000`,
});

const surgeTimeline = timeSeries({
  title: 'Surge timeline',
  question: 'When did volume exceed what was expected, observed vs expected?',
  note:
    'Buckets the surge detector confirmed (status surging, latest evaluation), per dimension=value: tickets created against the baseline’s expected count, summed per interval. ' +
    'Surges are detected over all tickets; a tenant or channel selection keeps only those values’ series, the other filters do not apply.',
  tables: ['surges'],
  values: ['observed', 'expected'],
  labels: ['scope'],
  sparse: true,
  height: 8,
  width: 24,
  sql: sql`
    SELECT $__timeInterval(bucket_start) AS time, concat(dimension, '=', value) AS scope, sum(observed) AS observed, round(sum(expected), 1) AS expected
    FROM surges FINAL
    WHERE $__timeFilter(bucket_start) AND status = 'surging'
      AND (dimension != 'tenant' OR ${inFilter('value', 'tenant')})
      AND (dimension != 'channel' OR ${inFilter('value', 'channel')})
    GROUP BY time, scope
    ORDER BY time, scope`,
});

const fromClusters: RowSpec[] = [{ title: 'Root-cause batches', panels: [activeBatches, members] }];
const fromSurges: RowSpec[] = [{ title: 'Surges', panels: [surgeTimeline] }];

export const rootCauses: DashboardSpec = {
  uid: 'ticketpulse-root-causes',
  file: 'root-causes.json',
  title: 'TicketPulse — Root causes & surges',
  description: 'Root-cause batches of similar tickets and volume surges against the expected level.',
  tags: ['root-causes'],
  variables: TICKET_VARIABLES,
  rows: [...fromClusters, ...fromSurges],
};
