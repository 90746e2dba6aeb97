// The agents processor's data model: metrics from SQL, scores, weights, snapshots.
// Times are epoch milliseconds in memory; field names follow the API's snake_case
// so that snapshots serialise without renaming.
import type { BetaPrior, NormalPrior, RateEstimate } from './shrinkage.ts';

/** Per agent × skill × window, as computed in ClickHouse (metrics-query.ts). */
export interface AgentSkillMetrics {
  window_days: number;
  agent_id: string;
  skill: string;
  /** The agent's team on their latest ticket of this skill. */
  team: string;
  last_seen_ms: number;
  /** Tickets the agent held (assigned or transferred in) created in the window. */
  tickets: number;
  /** Held tickets the agent worked on (replied or resolved) that are resolved, transferred out, or older than the grace period. */
  settled: number;
  /** Held tickets the agent resolved. */
  resolved: number;
  /** Tickets the agent resolved that were reopened. */
  reopened: number;
  transfers_out: number;
  csat_n: number;
  csat_good: number;
  csat_sum: number;
  /** Resolved tickets with a final SLA verdict (ticket_sla only), and how many met every target. */
  sla_n: number;
  sla_met: number;
  /** Case-mix residuals of log(1 + seconds): count, mean and sum of squared deviations; typical = geometric mean of the raw seconds. */
  frt_n: number;
  frt_mean: number;
  frt_m2: number;
  frt_typical_s: number | null;
  handle_n: number;
  handle_mean: number;
  handle_m2: number;
  handle_typical_s: number | null;
}

export type TimeBasis = 'business' | 'wall_clock';

export interface TimeEstimate {
  n: number;
  /** Typical raw time in minutes: geometric mean, exp(mean log(1 + s)) − 1 (for people; the score uses the residual model). */
  typical_minutes: number | null;
  /** Posterior time relative to the case-mix norm: 0.8 = 20 % faster than typical. */
  ratio: number;
  lo: number;
  hi: number;
}

export interface CompositeScore {
  /** Φ(z): 0.5 is the skill's typical agent, 0.84 one population standard deviation better. */
  score: number;
  lo: number;
  hi: number;
  /** Weighted mean of the component z-scores (population standard deviations above typical). */
  z: number;
  z_lo: number;
  z_hi: number;
}

export interface AgentSkillScore {
  agent_id: string;
  team: string;
  skill: string;
  window_days: number;
  /** The agent's latest event on a ticket of this skill in the window. */
  last_seen_ms: number;
  tickets: number;
  transfers_out: number;
  csat_mean: number | null;
  resolution: RateEstimate;
  /** Posterior reopen rate (lower is better). */
  reopen: RateEstimate;
  /** Posterior share of ratings ≥ 4. */
  csat: RateEstimate;
  /** Posterior SLA compliance; null when no SLA state exists. */
  sla: RateEstimate | null;
  first_response: TimeEstimate;
  handle_time: TimeEstimate;
  composite: CompositeScore;
}

/** The comparison group of one skill in one window: the fitted priors. */
export interface SkillPopulation {
  skill: string;
  window_days: number;
  agents: number;
  tickets: number;
  resolution: BetaPrior;
  reopen: BetaPrior;
  csat: BetaPrior;
  sla: BetaPrior | null;
  first_response: NormalPrior;
  handle_time: NormalPrior;
}

export interface ScoringResult {
  scores: AgentSkillScore[];
  populations: SkillPopulation[];
}

/** One agent's weight in one (team, skill) group. */
export interface WeightEntry {
  team: string;
  skill: string;
  agent_id: string;
  weight: number;
  previous_weight: number;
  /** Composite score (routing window) and its z; 0.5 / 0 without data. */
  score: number;
  score_z: number;
  tickets: number;
  open_tickets: number;
  capacity: number;
  /** False for a tombstone: the agent left this (team, skill); weight is 0. */
  active: boolean;
  /** Version in which this entry last changed, and that version's publication time. */
  changed_in: number;
  changed_at: number;
}

export interface WeightSnapshot {
  version: number;
  published_at: number;
  skill_dimension: string;
  /** since_version below this cannot be answered as a delta (older removals were forgotten). */
  resync_below: number;
  entries: WeightEntry[];
}

export interface ScoreSnapshot {
  computed_at: number;
  skill_dimension: string;
  windows: number[];
  routing_window_days: number;
  time_basis: TimeBasis;
  scores: AgentSkillScore[];
}

/** A new version's changed entries: what the push feed carries. */
export interface RoutingUpdate {
  version: number;
  previous_version: number;
  published_at: number;
  skill_dimension: string;
  changes: WeightEntry[];
}
