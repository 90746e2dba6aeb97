// The seam between the API and the SLA engine: the API explains a ticket's clocks,
// lists tickets at risk and reports compliance through this interface, never through
// processors/sla internals. The parameter allowlists and the response schemas live
// here too, so the routes validate against the same lists the engine's SQL uses.
import Type, { type Static } from 'typebox';
import { COMPLIANCE_DIMENSIONS, SLA_METRICS, type ComplianceDimension, type SlaMetric } from '../config/sla.ts';

export { COMPLIANCE_DIMENSIONS, SLA_METRICS };
export type { ComplianceDimension, SlaMetric };

/** group_by values: the ticket dimensions, the metric and the policy. */
export const SLA_GROUP_BY = ['metric', 'policy', ...COMPLIANCE_DIMENSIONS] as const;
export type SlaGroupBy = (typeof SLA_GROUP_BY)[number];
/** Accepted spellings that mean a column of another name. */
export const SLA_GROUP_ALIASES: Readonly<Record<string, SlaGroupBy>> = { tier: 'customer_tier' };

export const SLA_BUCKETS = ['5m', '15m', '1h', '6h', '1d', '1w'] as const;
export type SlaBucket = (typeof SLA_BUCKETS)[number];

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ description: 'ISO-8601, UTC' });

export const TimelineSegmentDtoSchema = Type.Object({
  start: Time,
  end: Time,
  kind: Type.String({ description: 'running | paused | outside_hours | holiday | stopped' }),
  minutes: Type.Number({ description: 'wall-clock minutes' }),
  business_minutes: Type.Number({ description: 'minutes counted toward the target' }),
  policy: Type.String(),
  calendar: Type.String(),
  reason: Type.String(),
});

export const MetricExplainDtoSchema = Type.Object({
  metric: Type.String(),
  policy: Type.String(),
  calendar: Type.String(),
  calendar_timezone: Type.String(),
  target_minutes: Type.Number(),
  elapsed_minutes: Type.Number(),
  remaining_minutes: Type.Number(),
  paused_minutes: Type.Number(),
  state: Type.String({ description: 'active | paused | met | breached' }),
  clock: Type.String({ description: 'running | paused | stopped' }),
  started_at: Time,
  deadline: Nullable(Time),
  breached_at: Nullable(Time),
  met_at: Nullable(Time),
  met_by: Nullable(Type.String()),
  cycles: Type.Integer(),
  breached_cycles: Type.Integer(),
  at_risk: Type.Array(Type.Object({ name: Type.String(), threshold_minutes: Type.Number(), at: Nullable(Time), reached: Type.Boolean() })),
  escalations: Type.Array(Type.Object({ level: Type.Integer(), notify: Type.String(), due_at: Nullable(Time), state: Type.String() })),
  /** Why the clock says what it says: policy choice, target and calendar, pauses, the verdict. */
  why: Type.Array(Type.String()),
  /** Wall minutes per segment kind over the timeline. */
  totals: Type.Record(Type.String(), Type.Number()),
  timeline: Type.Array(TimelineSegmentDtoSchema),
});
export type MetricExplainDto = Static<typeof MetricExplainDtoSchema>;

export const SlaTicketDtoSchema = Type.Object({
  ticket_id: Type.String(),
  status: Type.String(),
  policy: Nullable(Type.String()),
  policy_reason: Type.String(),
  dimensions: Type.Record(Type.String(), Nullable(Type.String())),
  created_at: Nullable(Time),
  evaluated_at: Time,
  events: Type.Integer({ description: 'distinct events in the history' }),
  /** The latest stored ticket_sla version (null before the processor has seen the ticket). */
  stored: Nullable(Type.Object({ version: Type.Number(), computed_at: Time, source: Type.String() })),
  metrics: Type.Object({
    first_response: Nullable(MetricExplainDtoSchema),
    next_reply: Nullable(MetricExplainDtoSchema),
    resolution: Nullable(MetricExplainDtoSchema),
  }),
});
export type SlaTicketDto = Static<typeof SlaTicketDtoSchema>;

export const AtRiskItemDtoSchema = Type.Object({
  ticket_id: Type.String(),
  metric: Type.String(),
  tenant: Type.String(),
  team: Type.String(),
  priority: Type.String(),
  category: Type.String(),
  channel: Type.String(),
  customer_tier: Type.String(),
  status: Type.String(),
  policy: Type.String(),
  target_minutes: Type.Number(),
  deadline: Nullable(Time),
  /** Wall minutes until the deadline (negative once passed). */
  minutes_left: Nullable(Type.Number()),
  levels_reached: Type.Array(Type.String()),
  breached: Type.Boolean(),
  computed_at: Time,
});
export type AtRiskItemDto = Static<typeof AtRiskItemDtoSchema>;

export const AtRiskListSchema = Type.Object({ now: Time, items: Type.Array(AtRiskItemDtoSchema) });
export type AtRiskList = Static<typeof AtRiskListSchema>;

export const ComplianceRowDtoSchema = Type.Object(
  {
    bucket: Type.Optional(Time),
    met: Type.Integer(),
    breached: Type.Integer(),
    decided: Type.Integer(),
    compliance: Nullable(Type.Number({ description: 'met / (met + breached)' })),
    median_minutes: Nullable(Type.Number({ description: 'business minutes, stopped metrics' })),
    p90_minutes: Nullable(Type.Number()),
  },
  { additionalProperties: Type.String({ description: 'group columns (team, priority, …)' }) },
);
/** The figures, plus one string column per group_by entry (team, priority, …). */
export type ComplianceRowDto = Static<typeof ComplianceRowDtoSchema> & Record<string, string | number | null | undefined>;

export const ComplianceReportSchema = Type.Object({
  from: Time,
  to: Time,
  metrics: Type.Array(Type.String()),
  group_by: Type.Array(Type.String()),
  bucket: Nullable(Type.String()),
  rows: Type.Array(ComplianceRowDtoSchema),
});
export type ComplianceReport = Omit<Static<typeof ComplianceReportSchema>, 'rows'> & { rows: ComplianceRowDto[] };

export const RecomputeReportSchema = Type.Object({
  tickets: Type.Integer(),
  rows: Type.Integer(),
  breached: Type.Integer(),
  chunks: Type.Integer(),
  duration_ms: Type.Number(),
});
export type RecomputeReport = Static<typeof RecomputeReportSchema>;

export interface AtRiskRequest {
  now: number;
  metrics?: SlaMetric[];
  where?: Partial<Record<ComplianceDimension, string[]>>;
  includeBreached?: boolean;
  limit: number;
}

export interface ComplianceRequest {
  from: number;
  to: number;
  metrics: SlaMetric[];
  groupBy: SlaGroupBy[];
  bucket?: SlaBucket;
  where?: Partial<Record<ComplianceDimension, string[]>>;
}

export interface RecomputeRequest {
  since?: number;
  openOnly?: boolean;
}

export interface SlaPort {
  /** The ticket's clocks computed now from its events, with timelines and reasons; null for an unknown ticket. */
  explainTicket(ticketId: string): Promise<SlaTicketDto | null>;
  atRisk(request: AtRiskRequest): Promise<AtRiskList>;
  compliance(request: ComplianceRequest): Promise<ComplianceReport>;
  /** Replays raw events and writes new ticket_sla versions (absent where this process cannot write). */
  recompute?(request: RecomputeRequest): Promise<RecomputeReport>;
}
