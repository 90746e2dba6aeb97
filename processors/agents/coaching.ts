// Coaching insights (`agent_quality` alerts): an agent whose CSAT or resolution rate
// in a skill is credibly below the skill's population — the whole credible interval
// of the shrunk estimate lies below the population rate — with enough samples that
// the verdict is not about three unlucky tickets. The alert carries the numbers and
// the comparison group, in the shape the alerts module's raise() takes.
//
// An insight clears (the alert auto-resolves) with hysteresis, like the SLA compliance
// rules (clearAt above below) and surges (clearAfterBuckets): raised when the interval's
// upper end is below `population − margin`, cleared only once the agent's estimate
// itself is back at or above `population − margin`. In between — the estimate still
// below the line but the interval reaching over it — the alert holds, so an agent at
// the edge does not flap. Too few samples also holds; an agent with no tickets of the
// skill left in the window clears (the insight is about that window).
import type { RateEstimate } from './shrinkage.ts';
import type { AgentSkillScore, SkillPopulation } from './types.ts';

export type CoachingMetric = 'csat' | 'resolution';

/** Structurally the alerts module's AlertInput, so the lead can pass `alerts.raise`. */
export interface AgentQualityAlert {
  kind: 'agent_quality';
  severity: 'warning';
  dedup_key: string;
  subject: { type: 'agent'; id: string };
  summary: string;
  details: Record<string, number>;
  labels: Record<string, string>;
}

export interface CoachingOptions {
  minSamples: number;
  /** The interval's upper end must lie this far (rate points) below the population rate. */
  margin: number;
  windowDays: number;
  credibleLevel: number;
  skillDimension: string;
}

const METRIC_LABEL: Record<CoachingMetric, string> = { csat: 'satisfaction (share of ratings ≥ 4)', resolution: 'resolution rate' };

export function coachingDedupKey(agentId: string, skill: string, metric: CoachingMetric): string {
  return `agent_quality:${agentId}:${skill}:${metric}`;
}

const METRICS = ['csat', 'resolution'] as const;

export function findCoachingInsights(
  scores: readonly AgentSkillScore[],
  populations: readonly SkillPopulation[],
  opts: CoachingOptions,
): AgentQualityAlert[] {
  const out: AgentQualityAlert[] = [];
  for (const { s, metric, est, pop } of comparable(scores, populations, opts)) {
    if (est.hi < pop[metric].mean - opts.margin) out.push(insight(s, metric, est, pop, opts));
  }
  return out;
}

/**
 * Every (agent, skill, metric) in the window with enough samples and a comparison group
 * of at least two agents: what raising and clearing both judge.
 */
function* comparable(scores: readonly AgentSkillScore[], populations: readonly SkillPopulation[], opts: CoachingOptions) {
  const pops = new Map(populations.filter((p) => p.window_days === opts.windowDays).map((p) => [p.skill, p] as const));
  for (const s of scores) {
    if (s.window_days !== opts.windowDays) continue;
    const pop = pops.get(s.skill);
    if (!pop) continue;
    for (const metric of METRICS) {
      const est = s[metric];
      if (est.n < opts.minSamples || pop[metric].agents < 2) continue;
      yield { s, metric, est, pop };
    }
  }
}

function insight(s: AgentSkillScore, metric: CoachingMetric, est: RateEstimate, pop: SkillPopulation, opts: CoachingOptions): AgentQualityAlert {
  const prior = pop[metric];
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const level = Math.round(opts.credibleLevel * 100);
  const summary =
    `${s.agent_id} (${s.team}) is below the ${s.skill} group on ${METRIC_LABEL[metric]}: ` +
    `${est.k}/${est.n} = ${pct(est.raw ?? 0)}, estimated ${pct(est.mean)} (${level}% interval ${pct(est.lo)}–${pct(est.hi)}), ` +
    `against ${pct(prior.mean)} across ${prior.agents} agents and ${prior.n} ${metric === 'csat' ? 'ratings' : 'tickets'} over ${opts.windowDays} days.`;
  const details: Record<string, number> = {
    agent_k: est.k,
    agent_n: est.n,
    agent_rate: est.raw ?? 0,
    agent_estimate: est.mean,
    agent_lo: est.lo,
    agent_hi: est.hi,
    population_rate: prior.mean,
    population_agents: prior.agents,
    population_n: prior.n,
    prior_strength: prior.strength,
    window_days: opts.windowDays,
    credible_level: opts.credibleLevel,
    margin: opts.margin,
    tickets: s.tickets,
  };
  if (metric === 'csat' && s.csat_mean !== null) details.csat_mean = s.csat_mean;
  return {
    kind: 'agent_quality',
    severity: 'warning',
    dedup_key: coachingDedupKey(s.agent_id, s.skill, metric),
    subject: { type: 'agent', id: s.agent_id },
    summary,
    details,
    labels: { agent_id: s.agent_id, team: s.team, skill: s.skill, skill_dimension: opts.skillDimension, metric },
  };
}

/**
 * Dedup keys of insights that no longer hold, to clear: the agent's estimate is back
 * at or above `population − margin` (with enough samples and a comparison group, as for
 * raising), or the agent has no tickets of the skill left in the window although the
 * previous snapshot (`previous`) had some. Never a key findCoachingInsights raises.
 * Keys of insights that were never raised are included too: clearing them is a no-op.
 */
export function findClearedInsights(
  scores: readonly AgentSkillScore[],
  populations: readonly SkillPopulation[],
  opts: CoachingOptions,
  previous: readonly AgentSkillScore[] = [],
): string[] {
  const out: string[] = [];
  const present = new Set<string>();
  for (const s of scores) if (s.window_days === opts.windowDays) present.add(`${s.agent_id}\u0000${s.skill}`);
  for (const { s, metric, est, pop } of comparable(scores, populations, opts)) {
    const line = pop[metric].mean - opts.margin;
    // (The second test only matters for extremely skewed posteriors, whose mean can lie above the interval.)
    if (est.mean >= line && !(est.hi < line)) out.push(coachingDedupKey(s.agent_id, s.skill, metric));
  }
  for (const s of previous) {
    if (s.window_days !== opts.windowDays || present.has(`${s.agent_id}\u0000${s.skill}`)) continue;
    present.add(`${s.agent_id}\u0000${s.skill}`);
    for (const metric of METRICS) out.push(coachingDedupKey(s.agent_id, s.skill, metric));
  }
  return out;
}
