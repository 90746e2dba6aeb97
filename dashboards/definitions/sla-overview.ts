// SLA overview: everything here reads ticket_sla, the SLA engine's state per ticket ×
// metric in business minutes (docs/sla.md). The table is versioned — every recompute
// writes a new row and the highest version wins — so every panel reads it with FINAL.
// The ticket's dimensions are on each row (latest non-empty values), so the dashboard
// filters apply to them directly.
//
// Compliance follows the SLA module's definition (processors/sla/compliance.ts): over
// the latest version of each ticket × metric that is decided — met, or breached — with
// its decision instant (decided_at) in the range, compliance = met / (met + breached).
import type { DashboardSpec, RowSpec } from '../build.ts';
import { ticketLink } from '../links.ts';
import { table, timeSeries } from '../panels.ts';
import { SLA_FINAL_SETTINGS, SLA_METRIC_LIST, SLA_TEAM, sql, ticketFilters } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

const FILTERS = ticketFilters();
const SLA: ['ticket_sla'] = ['ticket_sla'];
/** The decided population of the range (see the file comment). */
const DECIDED = `state IN ('met', 'breached') AND $__timeFilter(decided_at)`;
const decidedNote = 'Latest version of each ticket × metric, decided (met or breached) in the time range; business minutes on the policy’s calendar.';

const complianceNow = table({
  title: 'Compliance now, by metric',
  question: 'What share of first responses, next replies and resolutions met their SLA?',
  note: `${decidedNote} Compliance = met / (met + breached); empty when nothing was decided. Median and p90 are the business minutes used by the metrics that stopped.`,
  tables: SLA,
  columns: ['metric', 'met', 'breached', 'compliance', 'median_minutes', 'p90_minutes'],
  gauges: { compliance: [0, 1] },
  units: { compliance: 'percentunit', median_minutes: 'm', p90_minutes: 'm' },
  width: 12,
  height: 6,
  // Every metric gets its row, also one with nothing decided in the range.
  sql: sql`
    SELECT
      metric,
      countIf(state = 'met') AS met,
      countIf(state = 'breached') AS breached,
      if(met + breached = 0, NULL, met / (met + breached)) AS compliance,
      round(quantileExactIf(0.5)(elapsed_minutes, stopped), 1) AS median_minutes,
      round(quantileExactIf(0.9)(elapsed_minutes, stopped), 1) AS p90_minutes
    FROM (SELECT arrayJoin(${SLA_METRIC_LIST}) AS metric) AS metrics
    LEFT JOIN (
      SELECT metric, state, elapsed_minutes, met_at IS NOT NULL AS stopped
      FROM ticket_sla FINAL
      WHERE ${DECIDED}
        AND ${FILTERS}
    ) AS decided USING (metric)
    GROUP BY metric
    ORDER BY indexOf(${SLA_METRIC_LIST}, metric)
    ${SLA_FINAL_SETTINGS}`,
});

const complianceTrend = timeSeries({
  title: 'Compliance over time',
  question: 'Is SLA compliance improving or slipping, per metric?',
  note: `${decidedNote} By the instant each metric was decided (met, or its deadline passed).`,
  tables: SLA,
  values: ['compliance'],
  labels: ['metric'],
  unit: 'percentunit',
  min: 0,
  max: 1,
  width: 12,
  height: 6,
  sql: sql`
    SELECT $__timeInterval(assumeNotNull(decided_at)) AS time, metric, countIf(state = 'met') / count() AS compliance
    FROM ticket_sla FINAL
    WHERE ${DECIDED}
      AND ${FILTERS}
    GROUP BY time, metric
    ORDER BY time, metric
    ${SLA_FINAL_SETTINGS}`,
});

/** compliance of one metric within a group; NULL when the group decided none of it. */
const metricCompliance = (metric: string) => `countIf(metric = '${metric}' AND state = 'met') / nullIf(countIf(metric = '${metric}'), 0) AS ${metric}`;

const byPriorityTeam = table({
  title: 'Compliance by priority and team',
  question: 'Which priority × team combinations miss their targets?',
  note: `${decidedNote} Worst first; a blank cell means that metric had nothing decided in the group.`,
  tables: SLA,
  columns: ['priority', 'team', 'decided', 'breached', 'first_response', 'next_reply', 'resolution', 'compliance'],
  gauges: { first_response: [0, 1], next_reply: [0, 1], resolution: [0, 1], compliance: [0, 1] },
  units: { first_response: 'percentunit', next_reply: 'percentunit', resolution: 'percentunit', compliance: 'percentunit' },
  height: 9,
  sql: sql`
    SELECT priority_name AS priority, team_name AS team, decided, breached, first_response, next_reply, resolution, compliance
    FROM (
      SELECT
        if(priority = '', '(none)', priority) AS priority_name,
        ${SLA_TEAM} AS team_name,
        count() AS decided,
        countIf(state = 'breached') AS breached,
        ${metricCompliance('first_response')},
        ${metricCompliance('next_reply')},
        ${metricCompliance('resolution')},
        countIf(state = 'met') / count() AS compliance
      FROM ticket_sla FINAL
      WHERE ${DECIDED}
        AND ${FILTERS}
      GROUP BY priority_name, team_name
    )
    ORDER BY compliance, decided DESC, priority, team
    LIMIT 50
    ${SLA_FINAL_SETTINGS}`,
});

const atRiskNow = table({
  title: 'Breached and at-risk right now',
  question: 'Which tickets have breached or are about to, and how long is left?',
  note:
    'Open metrics (latest version not met, clock running or paused) as of the end of the time range: breached = past the deadline; at risk = an at-risk level reached, deadline still ahead. ' +
    'Nearest the deadline first, on either side — about to breach, or just breached — up to 500; minutes left is negative when overdue (wall-clock minutes to the business-calendar deadline). ' +
    'The same selection as the SLA API’s at-risk list with breaches. Long-overdue tickets are also the oldest open ones (Operations).',
  tables: SLA,
  columns: ['ticket_id', 'metric', 'state', 'priority', 'team', 'deadline', 'minutes_left', 'channel', 'policy', 'elapsed_minutes', 'target_minutes'],
  units: { minutes_left: 'm', elapsed_minutes: 'm', target_minutes: 'm', deadline: 'dateTimeAsIso' },
  links: { ticket_id: ticketLink() },
  height: 10,
  // Computed names differ from the columns they read: ClickHouse would otherwise put
  // the alias into the WHERE conditions that use the column.
  sql: sql`
    SELECT ticket_id, metric, sla_state AS state, priority, team_name AS team, due AS deadline, minutes_left, channel, policy, elapsed_minutes, target_minutes
    FROM (
      SELECT
        ticket_id,
        metric,
        if(state = 'breached' OR deadline <= $__toTime, 'breached', 'at_risk') AS sla_state,
        priority,
        ${SLA_TEAM} AS team_name,
        ifNull(deadline, breached_at) AS due,
        round(dateDiff('second', $__toTime, due) / 60, 1) AS minutes_left,
        channel,
        policy,
        round(elapsed_minutes, 1) AS elapsed_minutes,
        target_minutes
      FROM ticket_sla FINAL
      WHERE (
          (state = 'active' AND clock = 'running' AND deadline > $__toTime AND arrayExists(a -> ifNull(a <= $__toTime, 0), at_risk_at))
          OR (clock IN ('running', 'paused') AND (state = 'breached' OR deadline <= $__toTime))
        )
        AND ${FILTERS}
    )
    ORDER BY abs(minutes_left), ticket_id, metric
    LIMIT 500
    ${SLA_FINAL_SETTINGS}`,
});

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

const breachHeatmap = table({
  title: 'Breaches by hour of week',
  question: 'When in the week do breaches happen (heatmap, weekday × hour)?',
  note: 'Breached metrics (latest version) by the instant their deadline passed, in the time range: one row per weekday, one column per hour, UTC. A breach happens at its deadline, which on a business-hours calendar falls within opening hours; 24×7 policies breach at any hour.',
  tables: SLA,
  // No total column: Grafana scales cell colours over every number in the table.
  columns: ['weekday', ...HOURS],
  heatColumns: '/^\\d\\d$/',
  height: 8,
  sql: sql`
    SELECT
      ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][day] AS weekday,
      ${HOURS.map((h, i) => `hours[${i + 1}] AS \`${h}\``).join(',\n')}
    FROM (SELECT arrayJoin(range(1, 8)) AS day) AS days
    LEFT JOIN (
      SELECT
        toDayOfWeek(assumeNotNull(breached_at)) AS day,
        sumForEach(arrayMap(h -> toUInt64(h = toHour(assumeNotNull(breached_at))), range(24))) AS hours
      FROM ticket_sla FINAL
      WHERE state = 'breached' AND $__timeFilter(breached_at)
        AND ${FILTERS}
      GROUP BY day
    ) AS breaches USING (day)
    ORDER BY day
    ${SLA_FINAL_SETTINGS}`,
});

const worstContributors = table({
  title: 'Worst contributors',
  question: 'Which teams, categories and channels cause most breaches?',
  note: `${decidedNote} The five values with most breaches per dimension; share = of that dimension’s breaches.`,
  tables: SLA,
  columns: ['dimension', 'value', 'breached', 'decided', 'compliance', 'breach_share'],
  units: { compliance: 'percentunit', breach_share: 'percentunit' },
  gauges: { breach_share: [0, 1] },
  height: 10,
  sql: sql`
    SELECT dimension, value, breached, decided, 1 - breached / decided AS compliance, breached / sum(breached) OVER (PARTITION BY dimension) AS breach_share
    FROM (
      SELECT d.1 AS dimension, if(d.2 = '', '(none)', d.2) AS value, countIf(state = 'breached') AS breached, count() AS decided
      FROM ticket_sla FINAL
      ARRAY JOIN [tuple('team', team), tuple('category', category), tuple('channel', channel)] AS d
      WHERE ${DECIDED}
        AND ${FILTERS}
      GROUP BY dimension, value
      HAVING breached > 0
    )
    ORDER BY dimension, breached DESC, value
    LIMIT 5 BY dimension
    ${SLA_FINAL_SETTINGS}`,
});

const fromTicketSla: RowSpec[] = [
  { title: 'Compliance', panels: [complianceNow, complianceTrend, byPriorityTeam] },
  { title: 'Right now', panels: [atRiskNow] },
  { title: 'Where breaches come from', panels: [breachHeatmap, worstContributors] },
];

export const slaOverview: DashboardSpec = {
  uid: 'ticketpulse-sla',
  file: 'sla-overview.json',
  title: 'TicketPulse — SLA overview',
  description: 'SLA compliance by metric, priority and team; breaches and at-risk tickets right now.',
  tags: ['sla'],
  variables: TICKET_VARIABLES,
  rows: [...fromTicketSla],
};
