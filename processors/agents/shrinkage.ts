// Empirical-Bayes shrinkage: each agent's estimate is pulled toward the skill's
// population by as much as the agent's sample is small compared with how much agents
// really differ. The population's prior is fitted from the agents themselves
// (method of moments), with its strength κ bounded so that neither one huge team
// nor a handful of agents can make it absurd. Formulas: docs/routing.md.
import { betaQuantile, normalQuantile } from './distributions.ts';

export interface PriorBounds {
  /** Lower and upper bound on the fitted prior strength κ (pseudo-observations). */
  min: number;
  max: number;
  /** κ when fewer than `minPopulation` agents have data. */
  fallback: number;
  minPopulation: number;
}

export interface BinomialSample {
  k: number;
  n: number;
}

export interface BetaPrior {
  alpha: number;
  beta: number;
  /** Prior mean m = α / (α + β): the population rate. */
  mean: number;
  /** κ = α + β. */
  strength: number;
  /** Agents with at least one observation, and their totals. */
  agents: number;
  k: number;
  n: number;
  /** False when κ is the fallback (too few agents to fit). */
  fitted: boolean;
}

export interface Estimate {
  /** Observations behind the estimate. */
  n: number;
  /** Posterior mean. */
  mean: number;
  /** Equal-tailed credible interval at the configured level. */
  lo: number;
  hi: number;
  /** Posterior variance. */
  variance: number;
}

export interface RateEstimate extends Estimate {
  k: number;
  /** k / n, or null without observations. */
  raw: number | null;
}

export function fitBetaPrior(samples: readonly BinomialSample[], bounds: PriorBounds): BetaPrior {
  let agents = 0;
  let k = 0;
  let n = 0;
  let n2 = 0;
  for (const s of samples) {
    if (s.n <= 0) continue;
    agents++;
    k += s.k;
    n += s.n;
    n2 += s.n * s.n;
  }
  // The half-success keeps m inside (0, 1) when every agent scored 0 % or 100 %.
  const m = (k + 0.5) / (n + 1);
  let strength = bounds.fallback;
  const fitted = agents >= bounds.minPopulation;
  if (fitted) {
    let spread = 0;
    for (const s of samples) if (s.n > 0) spread += s.n * (s.k / s.n - m) ** 2;
    const tau2 = (spread - (agents - 1) * m * (1 - m)) / (n - n2 / n);
    // No detectable difference between agents → shrink as hard as allowed.
    strength = tau2 > 0 ? m * (1 - m) / tau2 - 1 : bounds.max;
  }
  strength = Math.min(bounds.max, Math.max(bounds.min, strength));
  return { alpha: m * strength, beta: (1 - m) * strength, mean: m, strength, agents, k, n, fitted };
}

/** Beta(α + k, β + n − k): the agent's rate given the population prior. */
export function betaPosterior(prior: BetaPrior, k: number, n: number, level: number): RateEstimate {
  const a = prior.alpha + k;
  const b = prior.beta + (n - k);
  const tail = (1 - level) / 2;
  const s = a + b;
  return {
    k,
    n,
    raw: n > 0 ? k / n : null,
    mean: a / s,
    lo: betaQuantile(tail, a, b),
    hi: betaQuantile(1 - tail, a, b),
    variance: (a * b) / (s * s * (s + 1)),
  };
}

/** Between-agent standard deviation of the true rates implied by the prior. */
export function betaPriorSd(prior: BetaPrior): number {
  const s = prior.strength;
  return Math.sqrt((prior.mean * (1 - prior.mean)) / (s + 1));
}

export interface NormalSample {
  n: number;
  /** Mean of the agent's observations. */
  mean: number;
  /** Sum of squared deviations from that mean. */
  m2: number;
}

export interface NormalPrior {
  /** Population mean of the agents' true means. */
  mean: number;
  /** Within-agent variance σ² of one observation (pooled). */
  sigma2: number;
  /** κ = σ² / τ², τ² being the between-agent variance. */
  strength: number;
  tau2: number;
  agents: number;
  n: number;
  fitted: boolean;
}

/** Normal–normal model (used on log times): same κ bounds as the Beta prior. */
export function fitNormalPrior(samples: readonly NormalSample[], bounds: PriorBounds): NormalPrior {
  let agents = 0;
  let n = 0;
  let n2 = 0;
  let sum = 0;
  let within = 0;
  let dof = 0;
  for (const s of samples) {
    if (s.n <= 0) continue;
    agents++;
    n += s.n;
    n2 += s.n * s.n;
    sum += s.n * s.mean;
    within += s.m2;
    dof += s.n - 1;
  }
  const mean = n > 0 ? sum / n : 0;
  const sigma2 = dof > 0 && within > 0 ? within / dof : 1;
  let strength = bounds.fallback;
  const fitted = agents >= bounds.minPopulation;
  if (fitted) {
    let spread = 0;
    for (const s of samples) if (s.n > 0) spread += s.n * (s.mean - mean) ** 2;
    const tau2 = (spread - (agents - 1) * sigma2) / (n - n2 / n);
    strength = tau2 > 0 ? sigma2 / tau2 : bounds.max;
  }
  strength = Math.min(bounds.max, Math.max(bounds.min, strength));
  return { mean, sigma2, strength, tau2: sigma2 / strength, agents, n, fitted };
}

/** Posterior of an agent's true mean: (κ·μ₀ + n·ȳ) / (κ + n), variance σ² / (κ + n). */
export function normalPosterior(prior: NormalPrior, sample: NormalSample, level: number): Estimate {
  const n = Math.max(0, sample.n);
  const denom = prior.strength + n;
  const mean = (prior.strength * prior.mean + (n > 0 ? n * sample.mean : 0)) / denom;
  const variance = prior.sigma2 / denom;
  const half = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(variance);
  return { n, mean, lo: mean - half, hi: mean + half, variance };
}
