// Compliance-threshold rules (sla.compliance.rules): "resolution compliance for
// priority=urgent below 90 % over the last 4 h, at least 20 tickets". Each rule is a
// two-state machine with hysteresis, so a rate wobbling around the threshold does
// not flap: it fires when compliance drops below `below`, and resolves only once it
// is back at or above `clearAt`. Below `minTickets` decided metrics there is no
// verdict and the state stays as it is. When it fires, the alert names the biggest
// breach holders per contributor dimension (which team / category holds the breaches).
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { AlertInput, SlaAlertSink } from './alert-sink.ts';
import { buildComplianceQuery, buildContributorsQuery, type BuiltQuery, type DimensionFilter } from './compliance.ts';
import type { ComplianceRule } from './defaults.ts';

export type RuleState = 'ok' | 'firing';
export type RuleAction = 'fire' | 'clear' | 'hold';

export interface RuleFigures {
  met: number;
  breached: number;
  decided: number;
  /** met / decided; null without decided metrics. */
  compliance: number | null;
}

export interface Contributor {
  dimension: string;
  value: string;
  breached: number;
  decided: number;
}

/** The hysteresis: what a rule in `state` does with these figures. */
export function ruleAction(rule: Pick<ComplianceRule, 'below' | 'clearAt' | 'minTickets'>, state: RuleState, f: RuleFigures): RuleAction {
  if (f.decided < rule.minTickets || f.compliance === null) return 'hold';
  if (state === 'ok') return f.compliance < rule.below ? 'fire' : 'hold';
  return f.compliance >= rule.clearAt ? 'clear' : 'hold';
}

export function ruleDedupKey(rule: Pick<ComplianceRule, 'name'>): string {
  return `sla_compliance_low:${rule.name}`;
}

const METRIC_TEXT: Record<string, string> = { first_response: 'first-response', next_reply: 'next-reply', resolution: 'resolution' };
const DIMENSION_LABEL: Record<string, string> = { customer_tier: 'tier' };

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function windowText(ms: number): string {
  const min = ms / 60_000;
  if (min % 1440 === 0) return `${min / 1440} d`;
  if (min % 60 === 0) return `${min / 60} h`;
  return `${Math.round(min)} min`;
}

function scopeText(match: ComplianceRule['match']): string {
  const parts = Object.entries(match)
    .filter(([, v]) => v !== undefined && v.length > 0)
    .map(([k, v]) => `${k}=${v!.join('|')}`);
  return parts.length === 0 ? 'all tickets' : parts.join(', ');
}

/** The alert for a rule that fires, naming the biggest contributors. */
export function complianceAlert(rule: ComplianceRule, f: RuleFigures, contributors: readonly Contributor[]): AlertInput {
  const top = new Map<string, Contributor>();
  for (const c of contributors) if (!top.has(c.dimension)) top.set(c.dimension, c);
  const blame = rule.contributors
    .map((d) => top.get(d))
    .filter((c): c is Contributor => c !== undefined)
    .map((c) => `${DIMENSION_LABEL[c.dimension] ?? c.dimension} ${c.value || '(none)'} (${c.breached} of ${f.breached} breaches)`);
  const labels: Record<string, string> = { rule: rule.name, metric: rule.metric };
  for (const [k, v] of Object.entries(rule.match)) {
    if (v !== undefined && v.length === 1) labels[DIMENSION_LABEL[k] ?? k] = v[0];
  }
  for (const [d, c] of top) labels[`top_${DIMENSION_LABEL[d] ?? d}`] = c.value;
  return {
    kind: 'sla_compliance_low',
    severity: rule.severity,
    dedup_key: ruleDedupKey(rule),
    subject: { type: 'sla_rule', id: rule.name },
    summary:
      `${METRIC_TEXT[rule.metric]} compliance for ${scopeText(rule.match)} is ${pct(f.compliance ?? 0)} over the last ${windowText(rule.windowMs)} ` +
      `(${f.met} of ${f.decided} met), below ${pct(rule.below)}.` +
      (blame.length > 0 ? ` Most breaches: ${blame.join('; ')}.` : ''),
    details: {
      compliance_pct: Math.round((f.compliance ?? 0) * 1000) / 10,
      target_pct: Math.round(rule.below * 1000) / 10,
      tickets: f.decided,
      breached: f.breached,
      window_minutes: Math.round(rule.windowMs / 60_000),
    },
    labels,
  };
}

export interface RuleEvaluation {
  rule: string;
  action: RuleAction;
  state: RuleState;
  figures: RuleFigures;
  contributors: Contributor[];
}

/** Where the figures come from: ClickHouse in production, a function in tests. */
export interface RuleFiguresSource {
  figures(rule: ComplianceRule, now: number): Promise<RuleFigures>;
  contributors(rule: ComplianceRule, now: number): Promise<Contributor[]>;
}

export class ComplianceRules {
  private readonly states = new Map<string, RuleState>();

  constructor(
    private readonly rules: readonly ComplianceRule[],
    private readonly source: RuleFiguresSource,
    private readonly alerts: SlaAlertSink | null,
    private readonly log?: Logger,
  ) {}

  state(name: string): RuleState {
    return this.states.get(name) ?? 'ok';
  }

  /** Evaluates every rule once; raises or clears through the sink on a state change only. */
  async evaluate(now: number): Promise<RuleEvaluation[]> {
    const out: RuleEvaluation[] = [];
    for (const rule of this.rules) {
      try {
        out.push(await this.evaluateRule(rule, now));
      } catch (err) {
        this.log?.error({ err, rule: rule.name }, `SLA compliance rule failed: ${errorMessage(err)}`);
      }
    }
    return out;
  }

  private async evaluateRule(rule: ComplianceRule, now: number): Promise<RuleEvaluation> {
    const prev = this.state(rule.name);
    const figures = await this.source.figures(rule, now);
    const action = ruleAction(rule, prev, figures);
    let contributors: Contributor[] = [];
    if (action === 'fire') {
      contributors = await this.source.contributors(rule, now);
      await this.alerts?.raise(complianceAlert(rule, figures, contributors));
      this.states.set(rule.name, 'firing');
    } else if (action === 'clear') {
      await this.alerts?.clear(ruleDedupKey(rule));
      this.states.set(rule.name, 'ok');
    }
    return { rule: rule.name, action, state: this.state(rule.name), figures, contributors };
  }
}

function ruleWhere(rule: ComplianceRule): DimensionFilter {
  return rule.match as DimensionFilter;
}

/** Figures from ticket_sla with the same SQL as the API and the dashboards. */
export function clickHouseFigures(ch: ClickHouse): RuleFiguresSource {
  const run = async <T>(q: BuiltQuery): Promise<T[]> => {
    try {
      const rs = await ch.client.query({ query: q.query, query_params: q.params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw new TicketPulseError('clickhouse_query_failed', `SLA compliance query failed: ${errorMessage(err)}`, { cause: err, retriable: true });
    }
  };
  return {
    async figures(rule, now) {
      const [row] = await run<{ met: string | number; breached: string | number; decided: string | number; compliance: number | null }>(
        buildComplianceQuery({ from: now - rule.windowMs, to: now, metrics: [rule.metric], where: ruleWhere(rule) }),
      );
      const met = Number(row?.met ?? 0);
      const breached = Number(row?.breached ?? 0);
      return { met, breached, decided: met + breached, compliance: met + breached === 0 ? null : met / (met + breached) };
    },
    async contributors(rule, now) {
      const rows = await run<{ dimension: string; value: string; breached: string | number; decided: string | number }>(
        buildContributorsQuery({ from: now - rule.windowMs, to: now, metrics: [rule.metric], where: ruleWhere(rule), dimensions: rule.contributors }),
      );
      return rows.map((r) => ({ dimension: r.dimension, value: r.value, breached: Number(r.breached), decided: Number(r.decided) }));
    },
  };
}
