// The SLA clock's output: what `ticket_sla` stores, what the deadline monitor
// schedules from, and what the explain API shows. Instants are epoch ms (UTC);
// durations are minutes and may be fractional.
import type { MatchDimension, SlaMetric } from '../../core/config/sla.ts';

/** met / breached are final for a cycle; breached wins over everything (met late stays breached). */
export type SlaState = 'active' | 'paused' | 'met' | 'breached';

/** Whether business time is accruing right now. */
export type ClockState = 'running' | 'paused' | 'stopped';

export interface AtRiskInstant {
  name: string;
  fraction: number | null;
  minutes_left: number | null;
  /** Elapsed business minutes at which this level is reached under the current target. */
  threshold_minutes: number;
  /**
   * When the level was reached (reached = true), or when it will be if the clock keeps
   * running (reached = false); null when paused or stopped short of it.
   */
  at: number | null;
  reached: boolean;
}

/** pending: not due yet (due_at null while paused); due: its instant has passed; cancelled: met, or an agent replied in time. */
export type EscalationState = 'pending' | 'due' | 'cancelled';

export interface EscalationInstant {
  level: number;
  notify: string;
  due_at: number | null;
  state: EscalationState;
}

export type TimelineKind = 'running' | 'paused' | 'outside_hours' | 'holiday' | 'stopped';

export interface TimelineSegment {
  start: number;
  end: number;
  kind: TimelineKind;
  /** Wall-clock minutes. */
  minutes: number;
  /** Minutes counted toward the target (non-zero only when kind is 'running'). */
  business_minutes: number;
  policy: string;
  calendar: string;
  /** One line a person can read, e.g. 'paused: status "pending"'. */
  reason: string;
}

export interface MetricSla {
  metric: SlaMetric;
  /** The policy in force now (after any re-targeting). */
  policy: string;
  calendar: string;
  target_minutes: number;
  elapsed_minutes: number;
  /** Wall-clock minutes the metric spent paused by a pause status. */
  paused_minutes: number;
  /** Start of the metric (next_reply: of the current cycle). */
  started_at: number;
  /** When the target runs out if the clock keeps running; the passed deadline once breached; null while paused or once met. */
  deadline: number | null;
  state: SlaState;
  clock: ClockState;
  breached_at: number | null;
  met_at: number | null;
  /** The event type that stopped the clock (agent_replied, resolved, closed, status_changed). */
  met_by: string | null;
  at_risk: AtRiskInstant[];
  escalations: EscalationInstant[];
  /** first_response: 1; next_reply: customer-message cycles so far; resolution: 1 + reopens. */
  cycles: number;
  /** Breached cycles so far (next_reply counts each; the others 0 or 1). */
  breached_cycles: number;
  /** Present when computeSla ran with { explain: true }. */
  timeline?: TimelineSegment[];
}

export interface SlaMetrics {
  /** null: no target under the current policy (or, for next_reply, no cycle yet). */
  first_response: MetricSla | null;
  next_reply: MetricSla | null;
  resolution: MetricSla | null;
}

export interface SlaResult {
  ticket_id: string;
  /** The instant the clock was evaluated at: max(nowMs, last event). */
  evaluated_at: number;
  /** The policy in force now; null only when no policy matches (an invalid config). */
  policy: string | null;
  /** The ticket's current status. */
  status: string;
  /** When the clocks started: the 'created' event, or the first event of a history without one; null without events. */
  created_at: number | null;
  /** The ticket's current dimensions (the latest non-empty value of each); null when never given. */
  dimensions: Record<MatchDimension, string | null>;
  metrics: SlaMetrics;
}

export interface ComputeSlaOptions {
  /** Also build each metric's timeline (for the explain API); costs time and memory. */
  explain?: boolean;
}
