// The `ticket_sla` row: what the processor writes for each ticket × metric, what the
// deadline monitor schedules from, and what the API and dashboards read. One model,
// three forms: the in-memory SlaRow, the insert line (JSONCompactEachRow in
// SLA_ROW_COLUMNS order) and the SELECT list that reads it back (SLA_ROW_SELECT).
import { SLA_METRICS, type SlaMetric } from '../../core/config/sla.ts';
import type { MetricSla, SlaResult } from './types.ts';

/** 'untracked': the current policy sets no target for the metric (or next_reply has no cycle yet). */
export type SlaRowState = 'active' | 'paused' | 'met' | 'breached' | 'untracked';

/** Who wrote a version: the incremental processor, the deadline monitor (breach recorded), or a replay. */
export type SlaRowSource = 'processor' | 'monitor' | 'recompute' | 'backfill';

export interface SlaRowLevel {
  name: string;
  at: number | null;
  reached: boolean;
  /** Elapsed business minutes at which the level is reached. */
  threshold_minutes: number;
}

export interface SlaRowEscalation {
  level: number;
  notify: string;
  due_at: number | null;
  state: string;
}

export interface SlaRow {
  ticket_id: string;
  metric: SlaMetric;
  version: number;
  computed_at: number;
  evaluated_at: number;
  source: SlaRowSource;
  created_at: number;
  tenant: string;
  team: string;
  priority: string;
  category: string;
  channel: string;
  customer_tier: string;
  status: string;
  policy: string;
  calendar: string;
  state: SlaRowState;
  /** running | paused | stopped; '' when untracked. */
  clock: string;
  target_minutes: number;
  elapsed_minutes: number;
  paused_minutes: number;
  started_at: number | null;
  deadline: number | null;
  breached_at: number | null;
  met_at: number | null;
  met_by: string;
  /** The instant the promise was decided: breached_at when breached, met_at when met on time. */
  decided_at: number | null;
  at_risk: SlaRowLevel[];
  escalations: SlaRowEscalation[];
  cycles: number;
  breached_cycles: number;
}

export const SLA_ROW_COLUMNS = [
  'ticket_id', 'metric', 'version', 'computed_at', 'evaluated_at', 'source', 'created_at',
  'tenant', 'team', 'priority', 'category', 'channel', 'customer_tier', 'status', 'policy', 'calendar',
  'state', 'clock', 'target_minutes', 'elapsed_minutes', 'paused_minutes',
  'started_at', 'deadline', 'breached_at', 'met_at', 'met_by', 'decided_at',
  'at_risk_level', 'at_risk_at', 'at_risk_reached', 'at_risk_threshold_minutes',
  'escalation_level', 'escalation_notify', 'escalation_due_at', 'escalation_state',
  'cycles', 'breached_cycles',
] as const;

/** Reads rows back with instants as epoch ms, for parseSlaRow. */
export const SLA_ROW_SELECT = `
  ticket_id, metric, version, toUnixTimestamp64Milli(computed_at) AS computed_at,
  toUnixTimestamp64Milli(evaluated_at) AS evaluated_at, source, toUnixTimestamp64Milli(created_at) AS created_at,
  tenant, team, priority, category, channel, customer_tier, status, policy, calendar,
  state, clock, target_minutes, elapsed_minutes, paused_minutes,
  toUnixTimestamp64Milli(started_at) AS started_at, toUnixTimestamp64Milli(deadline) AS deadline,
  toUnixTimestamp64Milli(breached_at) AS breached_at, toUnixTimestamp64Milli(met_at) AS met_at, met_by,
  toUnixTimestamp64Milli(decided_at) AS decided_at,
  at_risk_level, arrayMap(a -> toUnixTimestamp64Milli(a), at_risk_at) AS at_risk_at, at_risk_reached, at_risk_threshold_minutes,
  escalation_level, escalation_notify, arrayMap(a -> toUnixTimestamp64Milli(a), escalation_due_at) AS escalation_due_at, escalation_state,
  cycles, breached_cycles`;

export interface RowMeta {
  version: number;
  computedAt: number;
  source: SlaRowSource;
}

const NO_LEVELS: SlaRowLevel[] = [];
const NO_ESCALATIONS: SlaRowEscalation[] = [];

/** One row per metric (all three, 'untracked' where the clock reports null). */
export function slaRows(result: SlaResult, meta: RowMeta): SlaRow[] {
  const out: SlaRow[] = [];
  for (const metric of SLA_METRICS) out.push(slaRow(result, metric, meta));
  return out;
}

/** The row of one metric ('untracked' where the clock reports null). */
export function slaRow(result: SlaResult, metric: SlaMetric, meta: RowMeta): SlaRow {
  const m: MetricSla | null = result.metrics[metric];
  // One literal with every field in one order (no spread): rows stay one hidden class,
  // which matters at millions of rows per backfill.
  const d = result.dimensions;
  const tracked = m !== null;
  return {
    ticket_id: result.ticket_id,
    metric,
    version: meta.version,
    computed_at: meta.computedAt,
    evaluated_at: result.evaluated_at,
    source: meta.source,
    created_at: result.created_at ?? result.evaluated_at,
    tenant: d.tenant ?? '',
    team: d.team ?? '',
    priority: d.priority ?? '',
    category: d.category ?? '',
    channel: d.channel ?? '',
    customer_tier: d.customer_tier ?? '',
    status: result.status,
    policy: tracked ? m.policy : (result.policy ?? ''),
    calendar: tracked ? m.calendar : '',
    state: tracked ? m.state : 'untracked',
    clock: tracked ? m.clock : '',
    target_minutes: tracked ? m.target_minutes : 0,
    elapsed_minutes: tracked ? m.elapsed_minutes : 0,
    paused_minutes: tracked ? m.paused_minutes : 0,
    started_at: tracked ? m.started_at : null,
    deadline: tracked ? m.deadline : null,
    breached_at: tracked ? m.breached_at : null,
    met_at: tracked ? m.met_at : null,
    met_by: tracked ? (m.met_by ?? '') : '',
    decided_at: !tracked ? null : m.state === 'breached' ? m.breached_at : m.state === 'met' ? m.met_at : null,
    // The clock's own arrays (fresh per call; their items carry a few more fields): no copies per row.
    at_risk: tracked ? m.at_risk : NO_LEVELS,
    escalations: tracked ? m.escalations : NO_ESCALATIONS,
    cycles: tracked ? m.cycles : 0,
    breached_cycles: tracked ? m.breached_cycles : 0,
  };
}

export { rowLine } from './row-encoder.ts';

type Raw = Record<string, unknown>;

const ms = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A row selected with SLA_ROW_SELECT (JSONEachRow) back into an SlaRow. */
export function parseSlaRow(r: Raw): SlaRow {
  const levels = (r.at_risk_level as string[]) ?? [];
  const levelAt = (r.at_risk_at as unknown[]) ?? [];
  const reached = (r.at_risk_reached as number[]) ?? [];
  const thresholds = (r.at_risk_threshold_minutes as number[]) ?? [];
  const escLevel = (r.escalation_level as number[]) ?? [];
  const escNotify = (r.escalation_notify as string[]) ?? [];
  const escDue = (r.escalation_due_at as unknown[]) ?? [];
  const escState = (r.escalation_state as string[]) ?? [];
  return {
    ticket_id: String(r.ticket_id),
    metric: r.metric as SlaMetric,
    version: Number(r.version),
    computed_at: Number(r.computed_at),
    evaluated_at: Number(r.evaluated_at),
    source: r.source as SlaRowSource,
    created_at: Number(r.created_at),
    tenant: String(r.tenant),
    team: String(r.team),
    priority: String(r.priority),
    category: String(r.category),
    channel: String(r.channel),
    customer_tier: String(r.customer_tier),
    status: String(r.status),
    policy: String(r.policy),
    calendar: String(r.calendar),
    state: r.state as SlaRowState,
    clock: String(r.clock),
    target_minutes: Number(r.target_minutes),
    elapsed_minutes: Number(r.elapsed_minutes),
    paused_minutes: Number(r.paused_minutes),
    started_at: ms(r.started_at),
    deadline: ms(r.deadline),
    breached_at: ms(r.breached_at),
    met_at: ms(r.met_at),
    met_by: String(r.met_by),
    decided_at: ms(r.decided_at),
    at_risk: levels.map((name, i) => ({ name, at: ms(levelAt[i]), reached: Number(reached[i]) === 1, threshold_minutes: Number(thresholds[i] ?? 0) })),
    escalations: escLevel.map((level, i) => ({ level: Number(level), notify: escNotify[i], due_at: ms(escDue[i]), state: escState[i] })),
    cycles: Number(r.cycles),
    breached_cycles: Number(r.breached_cycles),
  };
}

/** Open: the clock still runs or is paused (not met, not untracked, not stopped after a breach). */
export function isOpenRow(r: SlaRow): boolean {
  return r.clock === 'running' || r.clock === 'paused';
}

/**
 * Versions that only grow within a process, and across processes follow the wall
 * clock (microseconds): a later computation always wins, and two writes in the same
 * millisecond still get distinct versions.
 */
export class VersionClock {
  private last = 0;

  next(nowMs: number): number {
    const v = Math.max(Math.floor(nowMs) * 1000, this.last + 1);
    this.last = v;
    return v;
  }
}
