// From metrics to scores: per skill and window, fit the population priors, shrink
// every agent toward them, and combine the components into one composite on a
// common scale (population standard deviations). Pure; formulas in docs/routing.md.
import type { AgentScoreWeights } from '../../core/config/agents.ts';
import { normalCdf, normalQuantile } from './distributions.ts';
import {
  betaPosterior,
  betaPriorSd,
  fitBetaPrior,
  fitNormalPrior,
  normalPosterior,
  type BetaPrior,
  type Estimate,
  type NormalPrior,
  type PriorBounds,
  type RateEstimate,
} from './shrinkage.ts';
import type { AgentSkillMetrics, AgentSkillScore, CompositeScore, ScoringResult, SkillPopulation, TimeEstimate } from './types.ts';

export interface ScoringOptions {
  weights: AgentScoreWeights;
  credibleLevel: number;
  bounds: PriorBounds;
}

/** One component on the common scale: z above the population, and the variance of z. */
interface Component {
  weight: number;
  z: number;
  zVar: number;
}

export function scoreAgents(rows: readonly AgentSkillMetrics[], opts: ScoringOptions): ScoringResult {
  const groups = new Map<string, AgentSkillMetrics[]>();
  for (const r of rows) {
    const key = `${r.window_days}\u0000${r.skill}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const scores: AgentSkillScore[] = [];
  const populations: SkillPopulation[] = [];
  for (const group of groups.values()) {
    const pop = fitPopulation(group, opts.bounds);
    populations.push(pop);
    for (const r of group) scores.push(scoreOne(r, pop, opts));
  }
  return { scores, populations };
}

export function fitPopulation(group: readonly AgentSkillMetrics[], bounds: PriorBounds): SkillPopulation {
  const first = group[0];
  const slaTotal = group.reduce((s, r) => s + r.sla_n, 0);
  return {
    skill: first.skill,
    window_days: first.window_days,
    agents: group.length,
    tickets: group.reduce((s, r) => s + r.tickets, 0),
    resolution: fitBetaPrior(group.map((r) => ({ k: r.resolved, n: r.settled })), bounds),
    reopen: fitBetaPrior(group.map((r) => ({ k: r.reopened, n: r.resolved })), bounds),
    csat: fitBetaPrior(group.map((r) => ({ k: r.csat_good, n: r.csat_n })), bounds),
    sla: slaTotal > 0 ? fitBetaPrior(group.map((r) => ({ k: r.sla_met, n: r.sla_n })), bounds) : null,
    first_response: fitNormalPrior(group.map((r) => ({ n: r.frt_n, mean: r.frt_mean, m2: r.frt_m2 })), bounds),
    handle_time: fitNormalPrior(group.map((r) => ({ n: r.handle_n, mean: r.handle_mean, m2: r.handle_m2 })), bounds),
  };
}

function scoreOne(r: AgentSkillMetrics, pop: SkillPopulation, opts: ScoringOptions): AgentSkillScore {
  const level = opts.credibleLevel;
  const w = opts.weights;
  const resolution = betaPosterior(pop.resolution, r.resolved, r.settled, level);
  const reopen = betaPosterior(pop.reopen, r.reopened, r.resolved, level);
  const csat = betaPosterior(pop.csat, r.csat_good, r.csat_n, level);
  const sla = pop.sla ? betaPosterior(pop.sla, r.sla_met, r.sla_n, level) : null;
  const frt = normalPosterior(pop.first_response, { n: r.frt_n, mean: r.frt_mean, m2: r.frt_m2 }, level);
  const handle = normalPosterior(pop.handle_time, { n: r.handle_n, mean: r.handle_mean, m2: r.handle_m2 }, level);

  const components: Component[] = [
    rateComponent(w.resolution, resolution, pop.resolution, +1),
    rateComponent(w.reopen, reopen, pop.reopen, -1),
    rateComponent(w.csat, csat, pop.csat, +1),
    timeComponent(w.firstResponse, frt, pop.first_response),
    timeComponent(w.handleTime, handle, pop.handle_time),
  ];
  if (sla && pop.sla) components.push(rateComponent(w.sla, sla, pop.sla, +1));

  return {
    agent_id: r.agent_id,
    team: r.team,
    skill: r.skill,
    window_days: r.window_days,
    last_seen_ms: r.last_seen_ms,
    tickets: r.tickets,
    transfers_out: r.transfers_out,
    csat_mean: r.csat_n > 0 ? r.csat_sum / r.csat_n : null,
    resolution,
    reopen,
    csat,
    sla,
    first_response: timeEstimate(frt, r.frt_typical_s),
    handle_time: timeEstimate(handle, r.handle_typical_s),
    composite: combine(components, level),
  };
}

/** (posterior − population mean) / between-agent sd; `sign` −1 where lower is better. */
function rateComponent(weight: number, est: RateEstimate, prior: BetaPrior, sign: 1 | -1): Component {
  const sd = betaPriorSd(prior);
  return { weight, z: (sign * (est.mean - prior.mean)) / sd, zVar: est.variance / (sd * sd) };
}

/** Times: lower is better, so z = (μ₀ − posterior) / τ. */
function timeComponent(weight: number, est: Estimate, prior: NormalPrior): Component {
  return { weight, z: (prior.mean - est.mean) / Math.sqrt(prior.tau2), zVar: est.variance / prior.tau2 };
}

export function combine(components: readonly Component[], level: number): CompositeScore {
  let sw = 0;
  let z = 0;
  let v = 0;
  for (const c of components) {
    if (!(c.weight > 0)) continue;
    sw += c.weight;
    z += c.weight * c.z;
    v += c.weight * c.weight * c.zVar;
  }
  if (sw === 0) return { score: 0.5, lo: 0.5, hi: 0.5, z: 0, z_lo: 0, z_hi: 0 };
  z /= sw;
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(v / (sw * sw));
  return { score: normalCdf(z), lo: normalCdf(z - half), hi: normalCdf(z + half), z, z_lo: z - half, z_hi: z + half };
}

function timeEstimate(est: Estimate, typicalSeconds: number | null): TimeEstimate {
  return {
    n: est.n,
    typical_minutes: typicalSeconds === null ? null : typicalSeconds / 60,
    ratio: Math.exp(est.mean),
    lo: Math.exp(est.lo),
    hi: Math.exp(est.hi),
  };
}
