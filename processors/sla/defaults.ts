// The SLA engine's defaults: built-in calendars and policies, so the engine runs with no
// configuration at all, and the settings of the processor, monitor and compliance
// rules. The schema of the section lives in core/config/sla.ts.
import type {
  AtRiskLevel,
  CalendarsConfig,
  ComplianceDimension,
  ComplianceRuleConfig,
  EscalationLevel,
  MatchDimension,
  PolicyConfig,
  SlaComplianceConfig,
  SlaMetric,
  SlaMonitorConfig,
  SlaProcessorConfig,
} from '../../core/config/sla.ts';

/** Pause statuses used for a metric the policy does not mention. */
export const DEFAULT_PAUSE_STATUSES: Readonly<Record<SlaMetric, readonly string[]>> = {
  first_response: [],
  next_reply: [],
  resolution: ['pending', 'on_hold'],
};

/**
 * What the clock needs: every calendar a policy names, and the ordered policies. The
 * other parts are read by the processor, the monitor and the compliance rules.
 */
export interface SlaConfig {
  calendars: CalendarsConfig;
  policies: PolicyConfig[];
  processor?: SlaProcessorConfig;
  monitor?: SlaMonitorConfig;
  compliance?: SlaComplianceConfig;
}

export const DEFAULT_CALENDARS: CalendarsConfig = {
  default: { timezone: 'UTC', always: true, description: 'around the clock, every day' },
  business: {
    timezone: 'Europe/London',
    description: 'example office hours: Monday to Friday 09:00-18:00 UK time',
    hours: {
      mon: ['09:00-18:00'],
      tue: ['09:00-18:00'],
      wed: ['09:00-18:00'],
      thu: ['09:00-18:00'],
      fri: ['09:00-18:00'],
    },
    holidays: [
      { date: '01-01', name: "New Year's Day" },
      { date: '12-25', name: 'Christmas Day' },
      { date: '12-26', name: 'Boxing Day' },
    ],
  },
};

export const DEFAULT_AT_RISK: AtRiskLevel[] = [{ name: 'at_risk', fraction: 0.75 }];

export const DEFAULT_ESCALATIONS: EscalationLevel[] = [
  { level: 1, notify: 'team_lead', after_minutes: 0 },
  { level: 2, notify: 'manager', after_minutes: 24 * 60, if_no_agent_reply: true },
];

const TWO_LEVELS: AtRiskLevel[] = [
  { name: 'warning', fraction: 0.5 },
  { name: 'critical', fraction: 0.75 },
];

/**
 * Urgent work and VIP customers run on the 24×7 calendar; everything else on office
 * hours (9 business hours a day, so 2700 minutes = 5 business days).
 */
export const DEFAULT_POLICIES: PolicyConfig[] = [
  {
    name: 'urgent',
    match: { priority: ['urgent'] },
    targets: { first_response: 30, next_reply: 60, resolution: 4 * 60 },
    calendar: 'default',
    at_risk: [...TWO_LEVELS, { name: 'last_10_minutes', minutes_left: 10 }],
  },
  {
    name: 'vip',
    match: { customer_tier: ['vip'] },
    targets: { first_response: 60, next_reply: 120, resolution: 24 * 60 },
    calendar: 'default',
    at_risk: TWO_LEVELS,
  },
  {
    name: 'high',
    match: { priority: ['high'] },
    targets: { first_response: 60, next_reply: 240, resolution: 2 * 540 },
    calendar: 'business',
    at_risk: TWO_LEVELS,
  },
  {
    name: 'normal',
    match: { priority: ['normal'] },
    targets: { first_response: 240, next_reply: 480, resolution: 5 * 540 },
    calendar: 'business',
    at_risk: TWO_LEVELS,
  },
  {
    name: 'low',
    match: { priority: ['low'] },
    targets: { first_response: 480, next_reply: 960, resolution: 10 * 540 },
    calendar: 'business',
    at_risk: TWO_LEVELS,
  },
  {
    name: 'default',
    description: 'tickets no other policy matches (no or unknown priority): treated as normal',
    targets: { first_response: 240, next_reply: 480, resolution: 5 * 540 },
    calendar: 'business',
    at_risk: TWO_LEVELS,
  },
];

export const DEFAULT_SLA_CONFIG: SlaConfig = { calendars: DEFAULT_CALENDARS, policies: DEFAULT_POLICIES };

export interface SlaProcessorSettings {
  schedule: string;
  overlapMs: number;
  batchTickets: number;
  debounceMs: number;
}

export interface SlaMonitorSettings {
  enabled: boolean;
  lateAlertMs: number;
}

export interface ComplianceRule {
  name: string;
  description: string | null;
  metric: SlaMetric;
  match: Partial<Record<MatchDimension, string[]>>;
  windowMs: number;
  below: number;
  clearAt: number;
  minTickets: number;
  severity: 'info' | 'warning' | 'critical';
  contributors: ComplianceDimension[];
}

export interface SlaComplianceSettings {
  schedule: string;
  rules: ComplianceRule[];
}

const EVERY_MINUTE = '* * * * *';

export function processorSettings(config: SlaConfig): SlaProcessorSettings {
  const p = config.processor ?? {};
  return {
    schedule: p.schedule ?? EVERY_MINUTE,
    overlapMs: Math.round((p.overlap_minutes ?? 5) * 60_000),
    batchTickets: p.batch_tickets ?? 50_000,
    debounceMs: p.debounce_ms ?? 200,
  };
}

export function monitorSettings(config: SlaConfig): SlaMonitorSettings {
  const m = config.monitor ?? {};
  return { enabled: m.enabled ?? true, lateAlertMs: Math.round((m.late_alert_minutes ?? 60) * 60_000) };
}

export function complianceRule(r: ComplianceRuleConfig): ComplianceRule {
  return {
    name: r.name,
    description: r.description ?? null,
    metric: r.metric,
    match: { ...(r.match ?? {}) },
    windowMs: Math.round((r.window_minutes ?? 240) * 60_000),
    below: r.below,
    // Two points of hysteresis by default: a rate wobbling around the threshold does not flap.
    clearAt: r.clear_at ?? Math.min(1, r.below + 0.02),
    minTickets: r.min_tickets ?? 20,
    severity: r.severity ?? 'warning',
    contributors: r.contributors ?? ['team', 'category'],
  };
}

export function complianceSettings(config: SlaConfig): SlaComplianceSettings {
  const c = config.compliance ?? {};
  return { schedule: c.schedule ?? EVERY_MINUTE, rules: (c.rules ?? []).map(complianceRule) };
}
