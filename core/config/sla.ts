// The `sla:` config section: business calendars, the ordered policy list, and the
// settings of the SLA processor, deadline monitor and compliance rules. It lives in
// core so the config schema can include it without core importing processors; the
// engine (processors/sla) re-exports it with its defaults and deeper validation
// (cross references, time zones, a catch-all last policy: validateSlaConfig).
import Type, { type Static } from 'typebox';

/** 'HH:MM-HH:MM'; the start is 00:00..23:59, the end may also be 24:00. */
export const TIME_RANGE_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** 'YYYY-MM-DD' (one date) or 'MM-DD' (every year). */
export const HOLIDAY_DATE_PATTERN = '^([0-9]{4}-)?[0-9]{2}-[0-9]{2}$';

export const SLA_METRICS = ['first_response', 'next_reply', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** Ticket dimensions a policy may match on, in the order they are checked. */
export const MATCH_DIMENSIONS = ['priority', 'customer_tier', 'channel', 'category', 'team', 'tenant'] as const;
export type MatchDimension = (typeof MATCH_DIMENSIONS)[number];

// ---------------------------------------------------------------- calendars

const TimeRange = Type.String({
  pattern: TIME_RANGE_PATTERN,
  description: "local 'HH:MM-HH:MM'; in weekly hours an end before the start runs past midnight (22:00-06:00)",
});
const DayHours = Type.Array(TimeRange, { maxItems: 48 });

export const WeeklyHoursSchema = Type.Object(
  {
    mon: Type.Optional(DayHours),
    tue: Type.Optional(DayHours),
    wed: Type.Optional(DayHours),
    thu: Type.Optional(DayHours),
    fri: Type.Optional(DayHours),
    sat: Type.Optional(DayHours),
    sun: Type.Optional(DayHours),
  },
  { additionalProperties: false },
);

export const HolidaySchema = Type.Object(
  {
    /** 'YYYY-MM-DD' for one date, 'MM-DD' for every year. */
    date: Type.String({ pattern: HOLIDAY_DATE_PATTERN }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    /** Closed ranges on that local date; absent means closed all day. */
    closed: Type.Optional(Type.Array(TimeRange, { minItems: 1, maxItems: 48 })),
  },
  { additionalProperties: false },
);

export const CalendarSchema = Type.Object(
  {
    /** IANA zone the hours and holidays are written in, e.g. 'Europe/London'. */
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    /** Open around the clock (24×7); holidays still apply. Excludes `hours`. */
    always: Type.Optional(Type.Boolean()),
    hours: Type.Optional(WeeklyHoursSchema),
    holidays: Type.Optional(Type.Array(HolidaySchema, { maxItems: 10_000 })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const CalendarsSchema = Type.Record(Type.String(), CalendarSchema);

// ---------------------------------------------------------------- policies

const MatchValues = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 1000 });

export const PolicyMatchSchema = Type.Object(
  {
    priority: Type.Optional(MatchValues),
    customer_tier: Type.Optional(MatchValues),
    channel: Type.Optional(MatchValues),
    category: Type.Optional(MatchValues),
    team: Type.Optional(MatchValues),
    tenant: Type.Optional(MatchValues),
  },
  { additionalProperties: false },
);

// A year of minutes: far beyond any real target, and it bounds how far a deadline
// search walks the calendar.
const TargetMinutes = Type.Number({ exclusiveMinimum: 0, maximum: 525_600 });

export const PolicyTargetsSchema = Type.Object(
  {
    first_response: Type.Optional(TargetMinutes),
    next_reply: Type.Optional(TargetMinutes),
    resolution: Type.Optional(TargetMinutes),
  },
  { additionalProperties: false },
);

const StatusList = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100 });

export const PauseStatusesSchema = Type.Object(
  {
    first_response: Type.Optional(StatusList),
    next_reply: Type.Optional(StatusList),
    resolution: Type.Optional(StatusList),
  },
  { additionalProperties: false },
);

/**
 * One at-risk level. With both fields the level is reached at whichever comes first:
 * `fraction` of the target used, or only `minutes_left` business minutes remaining.
 */
export const AtRiskLevelSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    fraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    minutes_left: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

/**
 * Escalation level: due `after_minutes` after the breach instant (wall clock unless
 * `clock: business`). With `if_no_agent_reply`, an agent reply after the breach and
 * before the level is due cancels it. Meeting the metric first cancels it too.
 */
export const EscalationLevelSchema = Type.Object(
  {
    level: Type.Integer({ minimum: 1, maximum: 20 }),
    notify: Type.String({ minLength: 1, maxLength: 128 }),
    after_minutes: Type.Optional(Type.Number({ minimum: 0, maximum: 5_256_000 })),
    clock: Type.Optional(Type.Union([Type.Literal('wall'), Type.Literal('business')])),
    if_no_agent_reply: Type.Optional(Type.Boolean()),
    /** Metrics this level applies to; absent means all three. */
    metrics: Type.Optional(
      Type.Array(Type.Union(SLA_METRICS.map((m) => Type.Literal(m))), { minItems: 1, maxItems: 3 }),
    ),
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    /** Conditions that must all hold; absent or empty matches every ticket. */
    match: Type.Optional(PolicyMatchSchema),
    /** Business minutes per metric; a metric without a target is not tracked. */
    targets: PolicyTargetsSchema,
    /** Calendar name; absent means 'default' (24×7). */
    calendar: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    pause_statuses: Type.Optional(PauseStatusesSchema),
    /** Absent means one level at 75 % of the target; [] disables at-risk instants. */
    at_risk: Type.Optional(Type.Array(AtRiskLevelSchema, { maxItems: 10 })),
    /** Absent means DEFAULT_ESCALATIONS; [] disables escalation. */
    escalations: Type.Optional(Type.Array(EscalationLevelSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export type WeeklyHours = Static<typeof WeeklyHoursSchema>;
export type Holiday = Static<typeof HolidaySchema>;
export type CalendarConfig = Static<typeof CalendarSchema>;
export type CalendarsConfig = Static<typeof CalendarsSchema>;
export type PolicyMatch = Static<typeof PolicyMatchSchema>;
export type PolicyTargets = Static<typeof PolicyTargetsSchema>;
export type PauseStatuses = Static<typeof PauseStatusesSchema>;
export type AtRiskLevel = Static<typeof AtRiskLevelSchema>;
export type EscalationLevel = Static<typeof EscalationLevelSchema>;
export type PolicyConfig = Static<typeof PolicySchema>;


// ---------------------------------------------------------------- processor, monitor, compliance rules

/** A five- or six-field cron expression (node-cron, UTC); checked by validateSlaConfig. */
const Cron = Type.String({ minLength: 9, maxLength: 128 });

export const SlaProcessorSchema = Type.Object(
  {
    /** Incremental runs (tickets with new events since the watermark). Default every minute. */
    schedule: Type.Optional(Cron),
    /**
     * Scheduled runs look this far behind the watermark (by received_at), so events whose
     * insert was still in flight when the watermark moved are not missed. Default 5.
     */
    overlap_minutes: Type.Optional(Type.Number({ minimum: 0, maximum: 1440 })),
    /** Tickets per read/compute/write chunk (memory bound). Default 50,000. */
    batch_tickets: Type.Optional(Type.Integer({ minimum: 100, maximum: 1_000_000 })),
    /** Events stored → recompute after this quiet time, so a burst of flushes costs one run. Default 200. */
    debounce_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

export const SlaMonitorSchema = Type.Object(
  {
    /** Off: no in-memory deadline queue and no at-risk / breach / escalation alerts. Default on. */
    enabled: Type.Optional(Type.Boolean()),
    /**
     * A breach the monitor learns about only after the fact (first seen already breached,
     * e.g. a ticket imported late) raises an alert only if it happened this recently. Default 60.
     */
    late_alert_minutes: Type.Optional(Type.Number({ minimum: 0, maximum: 525_600 })),
  },
  { additionalProperties: false },
);

/** Dimensions compliance can be grouped by, filtered on, and blamed on (contributors). */
export const COMPLIANCE_DIMENSIONS = ['team', 'priority', 'category', 'channel', 'customer_tier', 'tenant'] as const;
export type ComplianceDimension = (typeof COMPLIANCE_DIMENSIONS)[number];

export const ComplianceRuleSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    metric: Type.Union([Type.Literal('first_response'), Type.Literal('next_reply'), Type.Literal('resolution')]),
    /** Which tickets the rule watches (same form as a policy's match); absent = all. */
    match: Type.Optional(PolicyMatchSchema),
    /** Metrics decided (met or breached) in the last this-many minutes. Default 240. */
    window_minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 525_600 })),
    /** Fires when compliance (met / (met + breached)) drops below this share. */
    below: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    /** Resolves only once compliance is back at or above this (hysteresis). Default below + 0.02 (at most 1). */
    clear_at: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    /** No verdict on fewer decided metrics than this: the state is kept as it is. Default 20. */
    min_tickets: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    severity: Type.Optional(Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')])),
    /** Dimensions whose biggest breach holders the alert names. Default team and category. */
    contributors: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Literal('team'),
          Type.Literal('priority'),
          Type.Literal('category'),
          Type.Literal('channel'),
          Type.Literal('customer_tier'),
          Type.Literal('tenant'),
        ]),
        { minItems: 1, maxItems: 6 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SlaComplianceSchema = Type.Object(
  {
    /** How often the rules are evaluated. Default every minute. */
    schedule: Type.Optional(Cron),
    rules: Type.Optional(Type.Array(ComplianceRuleSchema, { maxItems: 200 })),
  },
  { additionalProperties: false },
);

/** The whole section. Absent keys take the engine's defaults (processors/sla). */
export const SlaConfigSchema = Type.Object(
  {
    /** Merged over the built-in calendars ('default', 'business'), which may be redefined. */
    calendars: Type.Optional(CalendarsSchema),
    /** Ordered, first match wins; the last must match every ticket. Replaces the built-in set. */
    policies: Type.Optional(Type.Array(PolicySchema, { minItems: 1, maxItems: 1000 })),
    processor: Type.Optional(SlaProcessorSchema),
    monitor: Type.Optional(SlaMonitorSchema),
    compliance: Type.Optional(SlaComplianceSchema),
  },
  { additionalProperties: false, default: {} },
);

export type SlaProcessorConfig = Static<typeof SlaProcessorSchema>;
export type SlaMonitorConfig = Static<typeof SlaMonitorSchema>;
export type ComplianceRuleConfig = Static<typeof ComplianceRuleSchema>;
export type SlaComplianceConfig = Static<typeof SlaComplianceSchema>;
export type SlaConfigInput = Static<typeof SlaConfigSchema>;
