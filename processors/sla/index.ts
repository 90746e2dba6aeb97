// The public face of the SLA engine: the pure part (config schema and validation,
// business calendars, policy selection, the clock) and the parts that run it against
// ClickHouse (processor, deadline monitor, compliance SQL and rules, the API port).
export {
  DEFAULT_PAUSE_STATUSES,
  DEFAULT_CALENDARS,
  DEFAULT_POLICIES,
  DEFAULT_AT_RISK,
  DEFAULT_ESCALATIONS,
  DEFAULT_SLA_CONFIG,
  processorSettings,
  monitorSettings,
  complianceSettings,
  complianceRule,
} from './defaults.ts';
export type { SlaConfig, SlaProcessorSettings, SlaMonitorSettings, SlaComplianceSettings, ComplianceRule } from './defaults.ts';
export {
  SLA_METRICS,
  MATCH_DIMENSIONS,
  COMPLIANCE_DIMENSIONS,
  SlaConfigSchema,
  SlaProcessorSchema,
  SlaMonitorSchema,
  SlaComplianceSchema,
  ComplianceRuleSchema,
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
} from '../../core/config/sla.ts';
export type {
  SlaMetric,
  MatchDimension,
  ComplianceDimension,
  SlaConfigInput,
  SlaProcessorConfig,
  SlaMonitorConfig,
  SlaComplianceConfig,
  ComplianceRuleConfig,
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
} from '../../core/config/sla.ts';
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

export { createSlaEngine } from './engine.ts';
export type { SlaEngine, SlaEngineOptions } from './engine.ts';
export { SlaProcessor } from './processor.ts';
export type { SlaProcessorOptions, SlaRunReport, RecomputeOptions, SlaRowsListener } from './processor.ts';
export { DeadlineMonitor } from './deadline-monitor.ts';
export type { DeadlineMonitorOptions, FiredAlert, MonitorStatus, SlaAlertKind } from './deadline-monitor.ts';
export { recordingAlertSink } from './alert-sink.ts';
export type { SlaAlertSink, RecordingAlertSink, RecordedRaise } from './alert-sink.ts';
export { atRiskKey, breachKey, escalationKey, metricTag } from './alert-inputs.ts';
export {
  COMPLIANCE_GROUPS,
  COMPLIANCE_BUCKETS,
  COMPLIANCE_AGGREGATES,
  FINAL_SETTINGS,
  buildComplianceQuery,
  buildContributorsQuery,
  buildAtRiskQuery,
  decidedPopulation,
} from './compliance.ts';
export type {
  ComplianceGroup,
  ComplianceBucket,
  ComplianceQueryOptions,
  ContributorsQueryOptions,
  AtRiskQueryOptions,
  DimensionFilter,
  BuiltQuery,
  ComplianceRow,
} from './compliance.ts';
export { ComplianceRules, ruleAction, ruleDedupKey, complianceAlert, clickHouseFigures } from './compliance-rules.ts';
export type { RuleState, RuleAction, RuleFigures, Contributor, RuleEvaluation, RuleFiguresSource } from './compliance-rules.ts';
export { createSlaPort } from './port.ts';
export type { SlaPortOptions } from './port.ts';
export { explainTicket } from './explain.ts';
export { SlaRowStore, SLA_INSERT_SETTINGS } from './row-store.ts';
export { SLA_ROW_COLUMNS, SLA_ROW_SELECT, slaRows, slaRow, rowLine, parseSlaRow, isOpenRow, VersionClock } from './rows.ts';
export { RowEncoder } from './row-encoder.ts';
export type { SlaRow, SlaRowState, SlaRowSource, SlaRowLevel, SlaRowEscalation } from './rows.ts';
export { readHistories, countTickets, parseHistories } from './history-reader.ts';
export type { TicketHistory, TicketSelection, SelectionFilter } from './history-reader.ts';
