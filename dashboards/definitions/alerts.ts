// Alerts: the alert service's log (alerts) and delivery outbox (alert_deliveries),
// docs/alerts.md. Both keep every version of a row — a transition is a new version,
// a retried insert of the same version collapses — so each alert or delivery is read
// at its latest version with argMax over version, taken at the end of the time range
// (versions written after it do not count), which makes "firing" mean firing then.
//
// The dashboard filters apply to the alerts' labels (team, tenant, priority, channel),
// which the SLA alerts carry; an alert without that label drops out of a selection.
// Deliveries are per notification channel (Slack, webhook …) and are not filtered.
import type { DashboardSpec, RowSpec } from '../build.ts';
import { barChart, table } from '../panels.ts';
import { LOOKBACK_DAYS, LOOKBACK_START, inFilter, sql } from '../sql.ts';
import { TICKET_VARIABLES } from '../variables.ts';

const LABEL_FILTERS = [
  inFilter(`labels['tenant']`, 'tenant'),
  inFilter('team', 'team'),
  inFilter(`labels['priority']`, 'priority'),
  inFilter(`labels['channel']`, 'channel'),
].join('\n  AND ');

/**
 * Each alert at its latest version written by the end of the range, fired up to
 * LOOKBACK_DAYS before its start. Computed names differ from the columns (ClickHouse
 * would put an alias into the WHERE conditions that read the column).
 */
const LATEST_ALERTS = sql`
  latest AS (
    SELECT
      alert_id,
      argMax(kind, version) AS alert_kind,
      argMax(severity, version) AS alert_severity,
      argMax(state, version) AS alert_state,
      argMax(subject_type, version) AS alert_subject_type,
      argMax(subject_id, version) AS alert_subject_id,
      argMax(summary, version) AS alert_summary,
      argMax(team, version) AS alert_team,
      argMax(occurrences, version) AS alert_occurrences,
      min(fired_at) AS first_fired_at,
      -- The first acknowledgement: aggregate functions skip the NULLs of the versions before it.
      min(acknowledged_at) AS first_acknowledged_at,
      argMax(acknowledged_by, version) AS alert_acknowledged_by,
      argMax(resolved_at, version) AS last_resolved_at
    FROM alerts
    WHERE fired_at >= ${LOOKBACK_START} AND fired_at <= $__toTime AND updated_at <= $__toTime
      AND ${LABEL_FILTERS}
    GROUP BY alert_id
  )`;

const lookbackNote = `Alerts fired up to ${LOOKBACK_DAYS} days before the range start are followed.`;

const byState = barChart({
  title: 'Alerts by state',
  question: 'How many alerts are firing, acknowledged and resolved, by kind?',
  note: `Alerts open at some point in the time range, by their state at its end: firing (nobody acknowledged yet), acknowledged (someone is on it), resolved (in the range; auto = the condition cleared). ${lookbackNote}`,
  tables: ['alerts'],
  category: 'kind',
  values: ['firing', 'acknowledged', 'resolved'],
  stacked: true,
  width: 12,
  sql: sql`
    WITH
      ${LATEST_ALERTS}
    SELECT
      toString(alert_kind) AS kind,
      countIf(alert_state = 'firing') AS firing,
      countIf(alert_state = 'acknowledged') AS acknowledged,
      countIf(alert_state = 'resolved') AS resolved
    FROM latest
    WHERE alert_state != 'resolved' OR last_resolved_at >= $__fromTime
    GROUP BY kind
    ORDER BY firing + acknowledged + resolved DESC, kind`,
});

const timeToAck = table({
  title: 'Time to acknowledge',
  question: 'How long do alerts wait for someone to acknowledge them?',
  note: 'Alerts fired in the time range, per kind: minutes from firing to the first acknowledgement (median, p90, longest), and how many were never acknowledged — resolved on their own, or still firing at the end of the range.',
  tables: ['alerts'],
  columns: ['kind', 'fired', 'acknowledged', 'median_minutes', 'p90_minutes', 'longest_minutes', 'resolved_unacknowledged', 'still_firing'],
  units: { median_minutes: 'm', p90_minutes: 'm', longest_minutes: 'm' },
  width: 12,
  height: 8,
  sql: sql`
    WITH
      ${LATEST_ALERTS},
      waits AS (
        SELECT alert_kind, alert_state, first_acknowledged_at, dateDiff('second', first_fired_at, first_acknowledged_at) / 60 AS wait_minutes
        FROM latest
        WHERE $__timeFilter(first_fired_at)
      )
    SELECT
      toString(alert_kind) AS kind,
      count() AS fired,
      countIf(first_acknowledged_at IS NOT NULL) AS acknowledged,
      round(quantileExact(0.5)(wait_minutes), 1) AS median_minutes,
      round(quantileExact(0.9)(wait_minutes), 1) AS p90_minutes,
      round(max(wait_minutes), 1) AS longest_minutes,
      countIf(first_acknowledged_at IS NULL AND alert_state = 'resolved') AS resolved_unacknowledged,
      countIf(alert_state = 'firing') AS still_firing
    FROM waits
    GROUP BY kind
    ORDER BY fired DESC, kind`,
});

const openAlerts = table({
  title: 'Open alerts',
  question: 'Which alerts are firing or acknowledged at the end of the period, and what are they about?',
  note: `Oldest first. ${lookbackNote}`,
  tables: ['alerts'],
  columns: ['fired_at', 'kind', 'severity', 'state', 'subject', 'summary', 'team', 'occurrences', 'acknowledged_by'],
  height: 9,
  sql: sql`
    WITH
      ${LATEST_ALERTS}
    SELECT
      first_fired_at AS fired_at,
      toString(alert_kind) AS kind,
      toString(alert_severity) AS severity,
      toString(alert_state) AS state,
      concat(toString(alert_subject_type), ' ', alert_subject_id) AS subject,
      alert_summary AS summary,
      toString(alert_team) AS team,
      alert_occurrences AS occurrences,
      alert_acknowledged_by AS acknowledged_by
    FROM latest
    WHERE alert_state IN ('firing', 'acknowledged')
    ORDER BY fired_at, alert_id
    LIMIT 200`,
});

const deliveries = table({
  title: 'Deliveries and failures by channel',
  question: 'Do notifications reach Slack, DingTalk, WeCom and webhooks, or fail?',
  note:
    'Messages created in the time range, per channel, at their latest version: delivered, dead (refused for good, or out of attempts), still pending, or digested (folded into a digest message, itself counted as one message). ' +
    'Attempts include retries; last error is the newest failure text.',
  tables: ['alert_deliveries'],
  columns: ['channel', 'type', 'messages', 'delivered', 'dead', 'pending', 'digested', 'failure_rate', 'attempts', 'last_error'],
  units: { failure_rate: 'percentunit' },
  gauges: { failure_rate: [0, 1] },
  height: 7,
  sql: sql`
    WITH latest AS (
      SELECT
        delivery_id,
        argMax(channel, version) AS channel_name,
        argMax(channel_type, version) AS channel_kind,
        argMax(state, version) AS delivery_state,
        argMax(attempts, version) AS tries,
        argMax(last_error, version) AS error_text,
        max(updated_at) AS last_update
      FROM alert_deliveries
      WHERE $__timeFilter(created_at)
      GROUP BY delivery_id
    )
    SELECT
      toString(channel_name) AS channel,
      toString(channel_kind) AS type,
      count() AS messages,
      countIf(delivery_state = 'delivered') AS delivered,
      countIf(delivery_state = 'dead') AS dead,
      countIf(delivery_state = 'pending') AS pending,
      countIf(delivery_state = 'digested') AS digested,
      dead / count() AS failure_rate,
      sum(tries) AS attempts,
      argMaxIf(error_text, last_update, error_text != '') AS last_error
    FROM latest
    GROUP BY channel, type
    ORDER BY channel`,
});

const fromAlerts: RowSpec[] = [{ title: 'Lifecycle', panels: [byState, timeToAck, openAlerts] }];
const fromAlertDeliveries: RowSpec[] = [{ title: 'Delivery', panels: [deliveries] }];

export const alerts: DashboardSpec = {
  uid: 'ticketpulse-alerts',
  file: 'alerts.json',
  title: 'TicketPulse — Alerts',
  description: 'Alert lifecycle (firing, acknowledged, resolved), time to acknowledge, deliveries and failures by channel.',
  tags: ['alerts'],
  variables: TICKET_VARIABLES,
  rows: [...fromAlerts, ...fromAlertDeliveries],
};
