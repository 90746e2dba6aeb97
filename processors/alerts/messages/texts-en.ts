import type { Texts } from './texts.ts';
import { formatNumber } from './format.ts';

function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (min < 60) return `${min} min`;
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  return m > 0 ? `${h} h ${m} min` : `${h} h`;
}

export const EN: Texts = {
  severity: { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' },
  tags: { resolved: 'RESOLVED', digest: 'DIGEST', test: 'TEST' },
  kinds: {
    sla_at_risk: 'SLA at risk',
    sla_breached: 'SLA breached',
    sla_escalated: 'SLA escalation',
    sla_compliance_low: 'SLA compliance low',
    volume_surge: 'Ticket volume surge',
    root_cause_batch: 'Root-cause batch',
    agent_quality: 'Agent quality',
  },
  metrics: { first_response: 'first response', next_reply: 'next reply', resolution: 'resolution' },
  subjects: {
    ticket: 'ticket',
    team: 'team',
    category: 'category',
    cluster: 'batch',
    agent: 'agent',
    tenant: 'tenant',
    product: 'product',
    queue: 'queue',
    system: 'system',
  },
  labels: { team: 'Team', priority: 'Priority', tier: 'Tier', tenant: 'Tenant', category: 'Category', product: 'Product', agent: 'Agent', escalation: 'Escalate to' },
  details: {
    target_minutes: 'Target',
    elapsed_minutes: 'Elapsed',
    remaining_minutes: 'Remaining',
    overdue_minutes: 'Overdue by',
    no_reply_minutes: 'No agent reply for',
    used_fraction: 'Target used',
    level: 'Level',
    expected: 'Expected',
    observed: 'Observed',
    ratio: 'Observed / expected',
    z_score: 'z-score',
    window_minutes: 'Window',
    compliance_pct: 'Compliance',
    target_pct: 'Target compliance',
    tickets: 'Tickets',
    breached: 'Breached',
    customers: 'Customers',
    csat: 'CSAT',
    reopen_rate: 'Reopen rate',
    similarity: 'Similarity',
  },
  links: { ticket: 'Open ticket', dashboard: 'Dashboard', alert: 'Alert' },
  listSeparator: ', ',
  duration,
  reminder: (forMs) => `Still firing after ${duration(forMs)} and not acknowledged.`,
  escalated: (level, afterMs) => `Escalated to level ${level}: not acknowledged ${duration(afterMs)} after it fired.`,
  severityRaised: (severity) => `Severity raised to ${severity}.`,
  resolvedAuto: (forMs) => `Resolved automatically: the condition cleared after ${duration(forMs)}.`,
  resolvedManual: (by, forMs) => `Resolved by ${by} after ${duration(forMs)}.`,
  acknowledgedBy: (by) => `Acknowledged by ${by}.`,
  firedAt: (time) => `Fired ${time}`,
  alertRef: (id) => `alert ${id}`,
  digestTitle: (total, spanMs) => `${formatNumber(total, 'en')} alerts in ${duration(spanMs)}`,
  digestHeadline: (channel) => `More alerts than the rate limit of ${channel} allows: they are summarised here, each one is kept in TicketPulse.`,
  digestBySeverity: 'By severity',
  digestByKind: 'By kind',
  digestByTeam: 'Top teams',
  digestMore: (n) => `… and ${formatNumber(n, 'en')} more`,
  testTitle: (channel) => `TicketPulse test message for channel ${channel}`,
  testBody: 'If you can read this, alerts will reach this channel.',
};
