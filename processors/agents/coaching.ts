// Coaching insights (`agent_quality` alerts): an agent whose CSAT or resolution rate
// in a skill is credibly below the skill's population — the whole credible interval
// of the shrunk estimate lies below the population rate — with enough samples that
// the verdict is not about three unlucky tickets. The alert carries the numbers and
// the comparison group, in the shape the alerts module's raise() takes.
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

export function findCoachingInsights(
  scores: readonly AgentSkillScore[],
  populations: readonly SkillPopulation[],
  opts: CoachingOptions,
): AgentQualityAlert[] {
  const pops = new Map(populations.filter((p) => p.window_days === opts.windowDays).map((p) => [p.skill, p] as const));
  const out: AgentQualityAlert[] = [];
  for (const s of scores) {
    if (s.window_days !== opts.windowDays) continue;
    const pop = pops.get(s.skill);
    if (!pop) continue;
    for (const metric of ['csat', 'resolution'] as const) {
      const est = s[metric];
      const prior = pop[metric];
      if (est.n < opts.minSamples || prior.agents < 2) continue;
      if (!(est.hi < prior.mean - opts.margin)) continue;
      out.push(insight(s, metric, est, pop, opts));
    }
  }
  return out;
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
    dedup_key: `agent_quality:${s.agent_id}:${s.skill}:${metric}`,
    subject: { type: 'agent', id: s.agent_id },
    summary,
    details,
    labels: { agent_id: s.agent_id, team: s.team, skill: s.skill, skill_dimension: opts.skillDimension, metric },
  };
}
