// When an agent_quality insight stops holding (coaching.ts, findClearedInsights): with
// hysteresis — raised when the whole interval is below `population − margin`, cleared
// only when the estimate itself is back above that line — and never for too few samples.
import { describe, expect, it } from 'vitest';
import {
  coachingDedupKey,
  findClearedInsights,
  findCoachingInsights,
  scoreAgents,
  type AgentSkillMetrics,
} from '../../processors/agents/index.ts';

const row = (agent: string, csatGood: number, csatN: number, skill = 'refund'): AgentSkillMetrics => ({
  window_days: 30, agent_id: agent, skill, team: 'billing', last_seen_ms: 0, tickets: 50, settled: 50, resolved: 45, reopened: 1,
  transfers_out: 0, csat_n: csatN, csat_good: csatGood, csat_sum: csatGood * 5 + (csatN - csatGood) * 2, sla_n: 0, sla_met: 0,
  frt_n: 0, frt_mean: 0, frt_m2: 0, frt_typical_s: null, handle_n: 0, handle_mean: 0, handle_m2: 0, handle_typical_s: null,
});
const group = [row('good-1', 40, 50), row('good-2', 42, 50), row('good-3', 39, 50), row('good-4', 41, 50), row('few', 0, 4)];
const scoring = { weights: { resolution: 1, reopen: 1, csat: 1, firstResponse: 1, handleTime: 1, sla: 1 }, credibleLevel: 0.9, bounds: { min: 2, max: 500, fallback: 20, minPopulation: 3 } };
const coaching = { minSamples: 20, margin: 0.05, windowDays: 30, credibleLevel: 0.9, skillDimension: 'category' };
const KEY = coachingDedupKey('x', 'refund', 'csat');

/** The agent 'x' with `good` of `n` ratings ≥ 4 among the group: what is raised, what is cleared, and x's numbers. */
function evaluate(good: number, n: number) {
  const { scores, populations } = scoreAgents([...group, row('x', good, n)], scoring);
  const x = scores.find((s) => s.agent_id === 'x')!.csat;
  const line = populations[0].csat.mean - coaching.margin;
  return {
    raised: findCoachingInsights(scores, populations, coaching).map((a) => a.dedup_key),
    cleared: findClearedInsights(scores, populations, coaching),
    x,
    line,
    scores,
    populations,
  };
}

describe('clearing agent_quality insights', () => {
  it('uses the same dedup key as the raise', () => {
    const below = evaluate(12, 40);
    expect(below.raised).toEqual([KEY]);
    expect(below.cleared).not.toContain(KEY);
  });

  it('clears once the agent is no longer below the group', () => {
    const back = evaluate(38, 50);
    expect(back.x.mean).toBeGreaterThanOrEqual(back.line);
    expect(back.raised).not.toContain(KEY);
    expect(back.cleared).toContain(KEY);
    // The good agents are in the list too (clearing what was never raised is a no-op)…
    expect(back.cleared).toContain(coachingDedupKey('good-1', 'refund', 'csat'));
    // …but not an agent with too few ratings to judge either way.
    expect(back.cleared).not.toContain(coachingDedupKey('few', 'refund', 'csat'));
  });

  it('holds in between: the interval reaches over the line but the estimate is still below it', () => {
    const edge = evaluate(24, 40);
    expect(edge.x.hi).toBeGreaterThanOrEqual(edge.line); // would not be raised now…
    expect(edge.x.mean).toBeLessThan(edge.line); // …and is not good enough to clear
    expect(edge.raised).not.toContain(KEY);
    expect(edge.cleared).not.toContain(KEY);
  });

  it('holds with too few samples, clears an agent with no tickets of the skill left in the window', () => {
    const before = evaluate(12, 40);
    // Next run: x has only 10 ratings in the window — too few to say anything.
    const thin = evaluate(9, 10);
    expect(thin.raised).not.toContain(KEY);
    expect(thin.cleared).not.toContain(KEY);
    // Then none at all: x is in the previous snapshot but gone from this one.
    const { scores, populations } = scoreAgents(group, scoring);
    const cleared = findClearedInsights(scores, populations, coaching, before.scores);
    expect(cleared).toEqual(expect.arrayContaining([KEY, coachingDedupKey('x', 'refund', 'resolution')]));
    // Rows of other windows in the previous snapshot do not count.
    const otherWindow = before.scores.map((s) => ({ ...s, window_days: 7 }));
    expect(findClearedInsights(scores, populations, coaching, otherWindow)).not.toContain(KEY);
  });
});
