// SQL building blocks shared by panels. The ticket blocks read the raw log
// (ticket_events), which is at-least-once: a replayed event can sit on disk twice
// until a merge. They therefore only use aggregates that a duplicate row cannot
// change — min/max/argMax per ticket, count() over one-row-per-ticket subqueries,
// uniqExact(event_id) — or read with FINAL where they count rows. The derived tables
// at the end are versioned instead (see there).
import { SLA_METRICS } from '../core/config/sla.ts';
import { FINAL_SETTINGS } from '../processors/sla/compliance.ts';

/**
 * Dedents a template so the rawSql in the generated JSON reads well in Grafana's
 * editor. A multi-line value is indented to the line it is placed on, so blocks nest.
 */
export function sql(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let text = '';
  strings.forEach((s, i) => {
    text += s;
    if (i >= values.length) return;
    const indent = /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n') + 1))?.[0] ?? '';
    text += String(values[i])
      .split('\n')
      .map((l, j) => (j === 0 || l === '' ? l : indent + l))
      .join('\n');
  });
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const indent = Math.min(...lines.filter((l) => l !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** `${name}`: the braced form, so a following identifier character cannot extend the name. */
export function variable(name: string): string {
  return '${' + name + '}';
}

/**
 * A filter on a multi-value variable with "All": `column IN ('a','b')` for a selection,
 * `1=1` for All, so All never expands into a long IN list (plugin $__conditionalAll).
 */
export function inFilter(column: string, variableName: string): string {
  return `$__conditionalAll(${column} IN (${variable(variableName)}), $${variableName})`;
}

/** The dashboard filters of every ticket panel, applied to the ticket's latest known dimensions. */
export const TICKET_FILTER_VARIABLES = ['tenant', 'team', 'priority', 'channel'] as const;
export type TicketFilterVariable = (typeof TICKET_FILTER_VARIABLES)[number];

export function ticketFilters(prefix = ''): string {
  return TICKET_FILTER_VARIABLES.map((name) => inFilter(`${prefix}${name}`, name)).join('\n  AND ');
}

/**
 * Tickets opened before the dashboard range are still followed this far back (backlog,
 * ratings and lookups of older tickets). A ticket open for longer is not counted:
 * the bound keeps every panel's scan to a few partitions.
 */
export const LOOKBACK_DAYS = 90;
export const LOOKBACK_START = `$__fromTime - INTERVAL ${LOOKBACK_DAYS} DAY`;

/** Lifecycle events that open or close a ticket, for backlog and state. */
const OPENING = `'created', 'reopened'`;
const LIFECYCLE = `'created', 'resolved', 'closed', 'reopened'`;

/**
 * One row per ticket created in [since, $__toTime], with its latest known dimensions
 * and lifecycle instants, built from the events in that window. Dimensions come from
 * the last event that carried them (a ticket's first event often has no team yet).
 * Empty lifecycle instants are NULL.
 */
export function ticketsCte(since: string = '$__fromTime'): string {
  return sql`
    tickets AS (
      SELECT
        ticket_id,
        minIf(occurred_at, type = 'created') AS created_at,
        argMaxIf(tenant, occurred_at, tenant != '') AS tenant,
        if(argMaxIf(team, occurred_at, team != '') = '', '(unassigned)', argMaxIf(team, occurred_at, team != '')) AS team,
        argMaxIf(priority, occurred_at, priority != '') AS priority,
        argMaxIf(channel, occurred_at, channel != '') AS channel,
        argMaxIf(category, occurred_at, category != '') AS category,
        argMaxIf(product, occurred_at, product != '') AS product,
        argMaxIf(status, occurred_at, status != '') AS status,
        minIfOrNull(occurred_at, type = 'agent_replied') AS first_reply_at,
        minIfOrNull(occurred_at, type IN ('resolved', 'closed')) AS resolved_at,
        argMaxIf(type, occurred_at, type IN (${LIFECYCLE})) IN ('resolved', 'closed') AS is_done
      FROM ticket_events
      WHERE occurred_at >= ${since} AND occurred_at <= $__toTime
      GROUP BY ticket_id
      -- minIf is 1970-01-01 when the ticket's created event is not in the window.
      HAVING created_at >= ${since}
    )`;
}

/**
 * The latest rating of each ticket rated in the dashboard range (a re-rating replaces
 * the earlier one), with the agent and the agent's team on that rating event.
 */
export function ratingsCte(): string {
  return sql`
    ratings AS (
      SELECT
        ticket_id,
        max(occurred_at) AS rated_at,
        argMax(csat, occurred_at) AS score,
        argMax(agent_id, occurred_at) AS agent_id,
        argMax(team, occurred_at) AS agent_team
      FROM ticket_events
      WHERE type = 'satisfaction_rated' AND csat IS NOT NULL AND $__timeFilter(occurred_at)
      GROUP BY ticket_id
    )`;
}

/** Per-ticket dimensions for tickets already chosen by `idsFrom` (a CTE with ticket_id). */
export function dimsCte(idsFrom: string): string {
  return sql`
    dims AS (
      SELECT
        ticket_id,
        argMaxIf(tenant, occurred_at, tenant != '') AS tenant,
        if(argMaxIf(team, occurred_at, team != '') = '', '(unassigned)', argMaxIf(team, occurred_at, team != '')) AS team,
        argMaxIf(priority, occurred_at, priority != '') AS priority,
        argMaxIf(channel, occurred_at, channel != '') AS channel
      FROM ticket_events
      WHERE ticket_id IN (SELECT ticket_id FROM ${idsFrom})
        AND occurred_at >= ${LOOKBACK_START} AND occurred_at <= $__toTime
      GROUP BY ticket_id
    )`;
}

/**
 * +1 when a ticket opens (created, reopened after a close), -1 when it closes (first
 * resolved/closed while open), 0 otherwise: the lag over the ticket's own lifecycle
 * events makes a duplicated event a no-op, so no FINAL is needed. Restricted to
 * tickets chosen by the `tickets` CTE.
 */
export function backlogChangesCte(): string {
  return sql`
    lifecycle AS (
      SELECT ticket_id, occurred_at, toInt8(type IN (${OPENING})) AS opens
      FROM ticket_events
      WHERE type IN (${LIFECYCLE})
        AND occurred_at >= ${LOOKBACK_START} AND occurred_at <= $__toTime
        AND ticket_id IN (SELECT ticket_id FROM tickets WHERE ${ticketFilters()})
    ),
    changes AS (
      SELECT
        occurred_at,
        opens - lagInFrame(opens, 1, toInt8(0)) OVER (
          PARTITION BY ticket_id ORDER BY occurred_at, opens DESC
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS delta
      FROM lifecycle
    )`;
}

// ---------------------------------------------------------------------------
// Derived tables. Each is versioned its own way (docs/schema.md, "Derived tables"):
// ticket_sla, surges, clusters, ticket_clusters collapse by version (read with FINAL);
// alerts and alert_deliveries keep every version (latest by argMax over version);
// agent_scores and routing_weights are snapshots (the latest one at the range end);
// processor_runs is one row per run.

/**
 * Every version of a ticket_sla row sits in one partition (a hash of the ticket id),
 * so FINAL may run partition by partition — what the SLA module's own queries do.
 */
export const SLA_FINAL_SETTINGS = `SETTINGS ${FINAL_SETTINGS}`;

/** The three SLA metrics as an SQL array literal, in their documented order. */
export const SLA_METRIC_LIST = `[${SLA_METRICS.map((m) => `'${m}'`).join(', ')}]`;

/** ticket_sla's team is '' until a ticket is assigned; shown as in the ticket panels. */
export const SLA_TEAM = `if(team = '', '(unassigned)', team)`;
