// The public face of the SLA engine's pure part: config schema and validation,
// business calendars, policy selection and the clock. No I/O lives here.
export {
  SLA_METRICS,
  MATCH_DIMENSIONS,
  DEFAULT_PAUSE_STATUSES,
  DEFAULT_CALENDARS,
  DEFAULT_POLICIES,
  DEFAULT_AT_RISK,
  DEFAULT_ESCALATIONS,
  DEFAULT_SLA_CONFIG,
  SlaConfigSchema,
  CalendarSchema,
  CalendarsSchema,
  WeeklyHoursSchema,
  HolidaySchema,
  PolicySchema,
  PolicyMatchSchema,
  PolicyTargetsSchema,
  PauseStatusesSchema,
  AtRiskLevelSchema,
  EscalationLevelSchema,
} from './config-schema.ts';
export type {
  SlaMetric,
  MatchDimension,
  SlaConfig,
  SlaConfigInput,
  CalendarConfig,
  CalendarsConfig,
  WeeklyHours,
  Holiday,
  PolicyConfig,
  PolicyMatch,
  PolicyTargets,
  PauseStatuses,
  AtRiskLevel,
  EscalationLevel,
} from './config-schema.ts';
export { validateSlaConfig, parseSlaConfig } from './config-validate.ts';
export type { ValidateSlaOptions } from './config-validate.ts';
export { CompiledCalendar, compileCalendar, businessMinutesBetween, addBusinessMinutes, segments } from './calendar.ts';
export type { CalendarLike, CalendarPart, CalendarPartKind, CalendarSegment } from './calendar.ts';
export { CompiledSlaConfig, compileSlaConfig, selectPolicy } from './policy.ts';
export type { TicketDimensions, CompiledPolicy } from './policy.ts';
export { computeSla, orderEvents, SAME_INSTANT_ORDER } from './clock.ts';
export type { SlaEvent } from './clock.ts';
export type {
  SlaResult,
  SlaMetrics,
  MetricSla,
  SlaState,
  ClockState,
  AtRiskInstant,
  EscalationInstant,
  EscalationState,
  TimelineSegment,
  TimelineKind,
  ComputeSlaOptions,
} from './types.ts';
