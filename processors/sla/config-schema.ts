// The SLA configuration (`sla:` in the config file): business calendars and the ordered
// policy list. This schema is the only source of the SLA config types; the defaults
// below make the engine run with no configuration at all.
import Type, { type Static } from 'typebox';
import { HOLIDAY_DATE_PATTERN, TIME_RANGE_PATTERN } from './time-ranges.ts';

export const SLA_METRICS = ['first_response', 'next_reply', 'resolution'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];

/** Ticket dimensions a policy may match on, in the order they are checked. */
export const MATCH_DIMENSIONS = ['priority', 'customer_tier', 'channel', 'category', 'team', 'tenant'] as const;
export type MatchDimension = (typeof MATCH_DIMENSIONS)[number];

/** Pause statuses used for a metric the policy does not mention. */
export const DEFAULT_PAUSE_STATUSES: Readonly<Record<SlaMetric, readonly string[]>> = {
  first_response: [],
  next_reply: [],
  resolution: ['pending', 'on_hold'],
};

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

export const SlaConfigSchema = Type.Object(
  {
    /** Merged over the built-in calendars ('default', 'business'), which may be redefined. */
    calendars: Type.Optional(CalendarsSchema),
    /** Ordered, first match wins; the last must match every ticket. Replaces the built-in set. */
    policies: Type.Optional(Type.Array(PolicySchema, { minItems: 1, maxItems: 1000 })),
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
export type SlaConfigInput = Static<typeof SlaConfigSchema>;

/** What the clock needs: every calendar a policy names, and the ordered policies. */
export interface SlaConfig {
  calendars: CalendarsConfig;
  policies: PolicyConfig[];
}

// ---------------------------------------------------------------- defaults

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
