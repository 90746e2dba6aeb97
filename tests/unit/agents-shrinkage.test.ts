import { describe, expect, it } from 'vitest';
import {
  betaCdf,
  betaPosterior,
  betaQuantile,
  fitBetaPrior,
  fitNormalPrior,
  normalCdf,
  normalPosterior,
  normalQuantile,
  scoreAgents,
  spearman,
  type AgentSkillMetrics,
  type PriorBounds,
} from '../../processors/agents/index.ts';

const BOUNDS: PriorBounds = { min: 2, max: 500, fallback: 20, minPopulation: 3 };

describe('distributions', () => {
  it('normal CDF and quantile match the tables', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.0902323, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6);
  });

  it('Beta CDF matches closed forms and the quantile inverts it', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.99]) {
      expect(betaCdf(x, 3, 1)).toBeCloseTo(x ** 3, 10);
      expect(betaCdf(x, 1, 4)).toBeCloseTo(1 - (1 - x) ** 4, 10);
      expect(betaCdf(x, 2, 2)).toBeCloseTo(3 * x * x - 2 * x ** 3, 10);
    }
    for (const [a, b] of [[0.5, 0.5], [2, 5], [111, 9], [1.2, 300], [9.56, 1.89]]) {
      for (const p of [0.001, 0.05, 0.5, 0.95, 0.999]) {
        expect(betaCdf(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 9);
      }
    }
    expect(betaQuantile(0.5, 2, 2)).toBeCloseTo(0.5, 10);
    expect(betaQuantile(0.25, 3, 1)).toBeCloseTo(0.25 ** (1 / 3), 10);
  });

  it('Spearman uses ranks (monotone → 1) and averages ties', () => {
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 10000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486833, 6);
  });
});

describe('empirical-Bayes shrinkage (Beta-Binomial)', () => {
  // Four agents in one skill: A 2/2 resolved, B 95/100, C 70/100, D 75/100.
  const samples = [
    { k: 2, n: 2 },
    { k: 95, n: 100 },
    { k: 70, n: 100 },
    { k: 75, n: 100 },
  ];

  it('fits the prior by the method of moments, as computed by hand', () => {
    // By hand: K = 242, N = 302, Σn² = 30004
    //   m  = (K + ½) / (N + 1)                         = 242.5 / 303       = 0.800330033
    //   S  = Σ nᵢ (kᵢ/nᵢ − m)²                         = 3.579768868
    //   τ² = (S − (A − 1)·m(1 − m)) / (N − Σn²/N)      = 0.015299178
    //   κ  = m(1 − m)/τ² − 1                           = 9.445127818
    //   α  = m·κ = 7.559219458,  β = (1 − m)·κ = 1.885908360
    const prior = fitBetaPrior(samples, BOUNDS);
    expect(prior.fitted).toBe(true);
    expect(prior.mean).toBeCloseTo(0.800330033, 8);
    expect(prior.strength).toBeCloseTo(9.445127818, 6);
    expect(prior.alpha).toBeCloseTo(7.559219458, 6);
    expect(prior.beta).toBeCloseTo(1.88590836, 6);
  });

  it('ranks 2/2 below 95/100; posterior means match (α + k) / (κ + n)', () => {
    const prior = fitBetaPrior(samples, BOUNDS);
    const a = betaPosterior(prior, 2, 2, 0.9);
    const b = betaPosterior(prior, 95, 100, 0.9);
    // Raw rates rank A first (100 % vs 95 %); shrinkage does not.
    expect(a.raw).toBe(1);
    expect(b.raw).toBe(0.95);
    expect(a.mean).toBeCloseTo((7.559219458 + 2) / (9.445127818 + 2), 8); // 0.835221730
    expect(b.mean).toBeCloseTo((7.559219458 + 95) / (9.445127818 + 100), 8); // 0.937083464
    expect(a.mean).toBeLessThan(b.mean);
    // Each carries its sample size and a credible interval; A's is far wider.
    expect(a.n).toBe(2);
    expect(b.n).toBe(100);
    expect(betaCdf(a.lo, 9.559219458, 1.88590836)).toBeCloseTo(0.05, 8);
    expect(betaCdf(a.hi, 9.559219458, 1.88590836)).toBeCloseTo(0.95, 8);
    expect(a.hi - a.lo).toBeGreaterThan(3 * (b.hi - b.lo));
    expect(a.lo).toBeLessThan(a.mean);
    expect(a.hi).toBeGreaterThan(a.mean);
  });

  it('shrinks as hard as allowed when agents do not differ, and falls back with too few agents', () => {
    const same = fitBetaPrior([{ k: 80, n: 100 }, { k: 80, n: 100 }, { k: 80, n: 100 }], BOUNDS);
    expect(same.strength).toBe(500);
    const few = fitBetaPrior([{ k: 3, n: 4 }, { k: 9, n: 10 }], BOUNDS);
    expect(few.fitted).toBe(false);
    expect(few.strength).toBe(20);
    // Everyone at 100 %: the prior mean stays inside (0, 1).
    const all = fitBetaPrior([{ k: 5, n: 5 }, { k: 9, n: 9 }, { k: 7, n: 7 }], BOUNDS);
    expect(all.mean).toBeLessThan(1);
    expect(all.beta).toBeGreaterThan(0);
  });

  it('normal model: posterior mean (κμ₀ + nȳ)/(κ + n), variance σ²/(κ + n)', () => {
    const prior = fitNormalPrior(
      [
        { n: 10, mean: 0.5, m2: 9 },
        { n: 10, mean: -0.5, m2: 9 },
        { n: 10, mean: 0, m2: 9 },
      ],
      BOUNDS,
    );
    // σ² = 27/27 = 1; S = 10·0.25·2 = 5; τ² = (5 − 2·1)/(30 − 300/30) = 0.15; κ = 1/0.15
    expect(prior.sigma2).toBeCloseTo(1, 12);
    expect(prior.tau2).toBeCloseTo(0.15, 12);
    expect(prior.strength).toBeCloseTo(1 / 0.15, 12);
    const post = normalPosterior(prior, { n: 3, mean: 1, m2: 2 }, 0.9);
    const k = 1 / 0.15;
    expect(post.mean).toBeCloseTo((k * 0 + 3 * 1) / (k + 3), 12);
    expect(post.variance).toBeCloseTo(1 / (k + 3), 12);
    expect(post.hi - post.mean).toBeCloseTo(1.6448536 * Math.sqrt(1 / (k + 3)), 6);
  });
});

function metrics(agent: string, over: Partial<AgentSkillMetrics>): AgentSkillMetrics {
  return {
    window_days: 30,
    agent_id: agent,
    skill: 'software_fault',
    team: 'tech',
    last_seen_ms: 0,
    tickets: 0,
    settled: 0,
    resolved: 0,
    reopened: 0,
    transfers_out: 0,
    csat_n: 0,
    csat_good: 0,
    csat_sum: 0,
    sla_n: 0,
    sla_met: 0,
    frt_n: 0,
    frt_mean: 0,
    frt_m2: 0,
    frt_typical_s: null,
    handle_n: 0,
    handle_mean: 0,
    handle_m2: 0,
    handle_typical_s: null,
    ...over,
  };
}

describe('composite score', () => {
  const rows = [
    metrics('A', { tickets: 2, settled: 2, resolved: 2 }),
    metrics('B', { tickets: 100, settled: 100, resolved: 95 }),
    metrics('C', { tickets: 100, settled: 100, resolved: 70 }),
    metrics('D', { tickets: 100, settled: 100, resolved: 75 }),
  ];
  const opts = {
    weights: { resolution: 1, reopen: 0, csat: 0, firstResponse: 0, handleTime: 0, sla: 0 },
    credibleLevel: 0.9,
    bounds: BOUNDS,
  };

  it('is z = (posterior − m) / between-agent sd, reported as Φ(z), and ranks 2/2 below 95/100', () => {
    const { scores, populations } = scoreAgents(rows, opts);
    const by = new Map(scores.map((s) => [s.agent_id, s]));
    const m = 0.800330033;
    const sd = Math.sqrt((m * (1 - m)) / (9.445127818 + 1)); // 0.123783…
    const zA = (0.83522173 - m) / sd;
    const zB = (0.937083464 - m) / sd;
    expect(by.get('A')!.composite.z).toBeCloseTo(zA, 5);
    expect(by.get('B')!.composite.z).toBeCloseTo(zB, 5);
    expect(by.get('A')!.composite.score).toBeCloseTo(normalCdf(zA), 6);
    const ranked = [...scores].sort((p, q) => q.composite.score - p.composite.score).map((s) => s.agent_id);
    expect(ranked).toEqual(['B', 'A', 'D', 'C']);
    // A's interval is wide (2 tickets), B's narrow.
    const width = (id: string) => by.get(id)!.composite.z_hi - by.get(id)!.composite.z_lo;
    expect(width('A')).toBeGreaterThan(2 * width('B'));
    expect(populations[0].resolution.agents).toBe(4);
  });

  it('leaves out components without population data and renormalises the weights', () => {
    const { scores } = scoreAgents(rows, { ...opts, weights: { ...opts.weights, sla: 5 } });
    const a = scores.find((s) => s.agent_id === 'A')!;
    expect(a.sla).toBeNull();
    const base = scoreAgents(rows, opts).scores.find((s) => s.agent_id === 'A')!;
    expect(a.composite.z).toBeCloseTo(base.composite.z, 12);
  });
});
