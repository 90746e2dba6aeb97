// Compliance-threshold rules: hysteresis (fires once, does not flap around the
// threshold, resolves once back above it), the minimum sample, the alert naming the
// biggest contributors, and the config keys that define rules.
import { describe, expect, it } from 'vitest';
import {
  ComplianceRules,
  complianceRule,
  parseSlaConfig,
  recordingAlertSink,
  ruleAction,
  validateSlaConfig,
  type Contributor,
  type RuleFigures,
  type RuleFiguresSource,
} from '../../processors/sla/index.ts';

const RULE = complianceRule({
  name: 'urgent-resolution',
  metric: 'resolution',
  match: { priority: ['urgent'] },
  window_minutes: 240,
  below: 0.9,
  min_tickets: 20,
  severity: 'critical',
});

const figures = (compliance: number, decided = 100): RuleFigures => {
  const met = Math.round(compliance * decided);
  return { met, breached: decided - met, decided, compliance: met / decided };
};

/** Feeds one figure per evaluation, and blames billing and refunds. */
function scripted(series: RuleFigures[]): RuleFiguresSource {
  let i = 0;
  const contributors: Contributor[] = [
    { dimension: 'category', value: 'refund', breached: 4, decided: 20 },
    { dimension: 'category', value: 'login', breached: 2, decided: 30 },
    { dimension: 'team', value: 'billing', breached: 5, decided: 40 },
  ];
  return {
    figures: async () => series[Math.min(i++, series.length - 1)],
    contributors: async () => contributors,
  };
}

describe('ruleAction (hysteresis)', () => {
  it('fires below the threshold, holds inside the band, clears at clear_at', () => {
    expect(RULE.clearAt).toBeCloseTo(0.92, 12);
    expect(ruleAction(RULE, 'ok', figures(0.95))).toBe('hold');
    expect(ruleAction(RULE, 'ok', figures(0.9))).toBe('hold');
    expect(ruleAction(RULE, 'ok', figures(0.89))).toBe('fire');
    expect(ruleAction(RULE, 'firing', figures(0.89))).toBe('hold');
    expect(ruleAction(RULE, 'firing', figures(0.91))).toBe('hold');
    expect(ruleAction(RULE, 'firing', figures(0.92))).toBe('clear');
    // Too few decided tickets: no verdict either way.
    expect(ruleAction(RULE, 'ok', figures(0.5, 19))).toBe('hold');
    expect(ruleAction(RULE, 'firing', figures(1, 19))).toBe('hold');
    expect(ruleAction(RULE, 'ok', { met: 0, breached: 0, decided: 0, compliance: null })).toBe('hold');
  });
});

describe('ComplianceRules', () => {
  it('fires once, does not flap around the threshold, and resolves when back above it', async () => {
    const series = [0.95, 0.89, 0.88, 0.905, 0.895, 0.91, 0.5, 0.93, 0.91, 0.9, 0.89].map((c, i) => figures(c, i === 6 ? 10 : 100));
    const sink = recordingAlertSink();
    const rules = new ComplianceRules([RULE], scripted(series), sink);
    const states: string[] = [];
    for (let i = 0; i < series.length; i++) {
      const [r] = await rules.evaluate(Date.now());
      states.push(`${r.action}:${r.state}`);
    }
    expect(states).toEqual([
      'hold:ok',
      'fire:firing',
      'hold:firing',
      'hold:firing', // 90.5 %: above the threshold, but inside the hysteresis band
      'hold:firing',
      'hold:firing',
      'hold:firing', // 10 tickets: too few for a verdict
      'clear:ok',
      'hold:ok',
      'hold:ok', // exactly at the threshold is not below it
      'fire:firing',
    ]);
    expect(sink.raised.map((r) => r.input.dedup_key)).toEqual(['sla_compliance_low:urgent-resolution', 'sla_compliance_low:urgent-resolution']);
    expect(sink.cleared.map((c) => c.dedupKey)).toEqual(['sla_compliance_low:urgent-resolution']);
  });

  it('names the scope, the figures and the biggest contributors', async () => {
    const sink = recordingAlertSink();
    const rules = new ComplianceRules([RULE], scripted([{ met: 42, breached: 8, decided: 50, compliance: 0.84 }]), sink);
    await rules.evaluate(Date.now());
    const alert = sink.raised[0].input;
    expect(alert).toMatchObject({
      kind: 'sla_compliance_low',
      severity: 'critical',
      subject: { type: 'sla_rule', id: 'urgent-resolution' },
      details: { compliance_pct: 84, target_pct: 90, tickets: 50, breached: 8, window_minutes: 240 },
      labels: { rule: 'urgent-resolution', metric: 'resolution', priority: 'urgent', top_team: 'billing', top_category: 'refund' },
    });
    expect(alert.summary).toBe(
      'resolution compliance for priority=urgent is 84.0% over the last 4 h (42 of 50 met), below 90.0%. ' +
        'Most breaches: team billing (5 of 8 breaches); category refund (4 of 8 breaches).',
    );
  });
});

describe('sla.compliance and the other runtime keys in the config', () => {
  it('accepts rules and fills their defaults', () => {
    const sla = parseSlaConfig({ compliance: { schedule: '*/5 * * * *', rules: [{ name: 'r1', metric: 'first_response', below: 0.8 }] } });
    expect(sla.compliance?.rules?.[0]).toEqual({ name: 'r1', metric: 'first_response', below: 0.8 });
    const rule = complianceRule(sla.compliance!.rules![0]);
    expect(rule).toMatchObject({ windowMs: 240 * 60_000, minTickets: 20, severity: 'warning', contributors: ['team', 'category'], match: {} });
    expect(rule.clearAt).toBeCloseTo(0.82, 12);
  });

  it('names every bad key', () => {
    const issues = validateSlaConfig({
      processor: { schedule: 'every minute', overlap_minutes: -1 },
      monitor: { enabled: 'yes' },
      compliance: {
        rules: [
          { name: 'a', metric: 'first_reply', below: 0.9 },
          { name: 'b', metric: 'resolution', below: 0.9, clear_at: 0.8 },
          { name: 'b', metric: 'resolution', below: 0.9, contributors: ['colour'] },
          { name: 'c', metric: 'resolution', below: 0.9, windw_minutes: 60 },
        ],
      },
    });
    const keys = issues.map((i) => i.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'sla.processor.overlap_minutes',
        'sla.monitor.enabled',
        'sla.compliance.rules[0].metric',
        'sla.compliance.rules[1].clear_at',
        'sla.compliance.rules[2].contributors[0]',
        'sla.compliance.rules[3].windw_minutes',
      ]),
    );
    expect(issues.find((i) => i.key === 'sla.compliance.rules[0].metric')?.message).toMatch(/first_response, next_reply, resolution/);
    expect(validateSlaConfig({ processor: { schedule: 'every minute' } }).map((i) => i.key)).toEqual(['sla.processor.schedule']);
    expect(validateSlaConfig({ compliance: { rules: [{ name: 'x', metric: 'resolution', below: 0.9 }, { name: 'x', metric: 'resolution', below: 0.5 }] } }).map((i) => i.key)).toEqual([
      'sla.compliance.rules[1].name',
    ]);
  });
});
