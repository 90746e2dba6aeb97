// The alerts the deadline monitor raises, built from a ticket_sla row. Dedup keys make
// each promise alert once: one key per at-risk level, one for the breach, one per
// escalation level; next_reply keys carry the cycle, since every customer message
// opens a new promise.
import type { AlertInput } from './alert-sink.ts';
import type { SlaRow, SlaRowEscalation, SlaRowLevel } from './rows.ts';

const METRIC_TEXT: Record<string, string> = { first_response: 'first response', next_reply: 'next reply', resolution: 'resolution' };

/** `first_response`, or `next_reply#3` for the third next-reply cycle. */
export function metricTag(row: Pick<SlaRow, 'metric' | 'cycles'>): string {
  return row.metric === 'next_reply' ? `next_reply#${row.cycles}` : row.metric;
}

export function atRiskKey(row: Pick<SlaRow, 'ticket_id' | 'metric' | 'cycles'>, level: string): string {
  return `sla_at_risk:${row.ticket_id}:${metricTag(row)}:${level}`;
}

export function breachKey(row: Pick<SlaRow, 'ticket_id' | 'metric' | 'cycles'>): string {
  return `sla_breached:${row.ticket_id}:${metricTag(row)}`;
}

export function escalationKey(row: Pick<SlaRow, 'ticket_id' | 'metric' | 'cycles'>, level: number): string {
  return `sla_escalated:${row.ticket_id}:${metricTag(row)}:${level}`;
}

function labels(row: SlaRow): Record<string, string> {
  return {
    team: row.team,
    priority: row.priority,
    tier: row.customer_tier,
    tenant: row.tenant,
    category: row.category,
    channel: row.channel,
    metric: row.metric,
    policy: row.policy,
  };
}

function iso(ms: number | null): string {
  return ms === null ? 'unknown' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

const round = (x: number): number => Math.round(x * 100) / 100;

export function atRiskAlert(row: SlaRow, level: SlaRowLevel): AlertInput {
  const used = level.threshold_minutes;
  return {
    kind: 'sla_at_risk',
    severity: 'warning',
    dedup_key: atRiskKey(row, level.name),
    subject: { type: 'ticket', id: row.ticket_id },
    summary:
      `Ticket ${row.ticket_id}: ${METRIC_TEXT[row.metric]} is at risk (${level.name}) — ` +
      `${round(used)} of ${round(row.target_minutes)} business minutes used, due ${iso(row.deadline)} (policy ${row.policy}).`,
    details: {
      target_minutes: round(row.target_minutes),
      elapsed_minutes: round(used),
      remaining_minutes: round(Math.max(0, row.target_minutes - used)),
      used_fraction: row.target_minutes > 0 ? round(used / row.target_minutes) : 1,
    },
    labels: { ...labels(row), level: level.name },
  };
}

export function breachAlert(row: SlaRow, breachedAt: number): AlertInput {
  return {
    kind: 'sla_breached',
    severity: 'critical',
    dedup_key: breachKey(row),
    subject: { type: 'ticket', id: row.ticket_id },
    summary:
      `Ticket ${row.ticket_id} breached its ${METRIC_TEXT[row.metric]} SLA at ${iso(breachedAt)}: ` +
      `target ${round(row.target_minutes)} business minutes (policy ${row.policy}, calendar ${row.calendar}).`,
    details: {
      target_minutes: round(row.target_minutes),
      elapsed_minutes: round(Math.max(row.elapsed_minutes, row.target_minutes)),
      ...(row.metric === 'next_reply' ? { level: row.cycles } : {}),
    },
    labels: labels(row),
  };
}

export function escalationAlert(row: SlaRow, esc: SlaRowEscalation, breachedAt: number | null): AlertInput {
  return {
    kind: 'sla_escalated',
    severity: 'critical',
    dedup_key: escalationKey(row, esc.level),
    subject: { type: 'ticket', id: row.ticket_id },
    summary:
      `Ticket ${row.ticket_id}: ${METRIC_TEXT[row.metric]} SLA breached at ${iso(breachedAt)} and still open — ` +
      `escalation level ${esc.level} (${esc.notify}) is due (policy ${row.policy}).`,
    details: { level: esc.level, target_minutes: round(row.target_minutes) },
    labels: { ...labels(row), escalation: esc.notify },
  };
}
