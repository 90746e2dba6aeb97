// Policy selection: the first policy whose conditions all hold wins. Policies are
// compiled once (calendars resolved, targets in ms, defaults applied) so that the
// clock only compares strings.
import { TicketPulseError } from '../../core/errors.ts';
import { CompiledCalendar, compileCalendar } from './calendar.ts';
import { MATCH_DIMENSIONS, SLA_METRICS, type CalendarsConfig, type EscalationLevel, type PolicyConfig, type SlaMetric } from '../../core/config/sla.ts';
import { DEFAULT_AT_RISK, DEFAULT_CALENDARS, DEFAULT_ESCALATIONS, DEFAULT_PAUSE_STATUSES, type SlaConfig } from './defaults.ts';

/** The ticket fields policies match on; absent fields match no condition on them. */
export type TicketDimensions = { [D in (typeof MATCH_DIMENSIONS)[number]]?: string | undefined };

const MINUTE_MS = 60_000;

export interface CompiledAtRiskLevel {
  name: string;
  fraction: number | null;
  minutesLeft: number | null;
}

export interface CompiledEscalation {
  level: number;
  notify: string;
  afterMs: number;
  businessClock: boolean;
  ifNoAgentReply: boolean;
  metrics: readonly SlaMetric[];
}

export interface CompiledPolicy {
  index: number;
  name: string;
  config: PolicyConfig;
  /** Per condition: index into MATCH_DIMENSIONS and the allowed values. */
  conditions: ReadonlyArray<{ dim: number; values: readonly string[] }>;
  calendarName: string;
  calendar: CompiledCalendar;
  /** Per metric (SLA_METRICS order): target in ms, or -1 when the policy sets none. */
  targetMs: readonly [number, number, number];
  pauseStatuses: readonly [readonly string[], readonly string[], readonly string[]];
  atRisk: readonly CompiledAtRiskLevel[];
  /** Per metric: elapsed ms at which each at-risk level is reached ([] without a target). */
  thresholdsMs: readonly [readonly number[], readonly number[], readonly number[]];
  escalations: readonly CompiledEscalation[];
}

export class CompiledSlaConfig {
  readonly policies: readonly CompiledPolicy[];
  readonly calendars: ReadonlyMap<string, CompiledCalendar>;
  /** Used when no policy matches (only possible without a catch-all last policy): tracks nothing. */
  readonly fallback: CompiledPolicy;

  constructor(config: SlaConfig) {
    const calendars = new Map<string, CompiledCalendar>();
    const sources: CalendarsConfig = { ...DEFAULT_CALENDARS, ...config.calendars };
    const calendarFor = (name: string, key: string): CompiledCalendar => {
      let cal = calendars.get(name);
      if (cal !== undefined) return cal;
      const source = sources[name];
      if (source === undefined) {
        throw new TicketPulseError('config_invalid', `${key}: unknown calendar ${JSON.stringify(name)}`, { field: key });
      }
      cal = compileCalendar(source, name);
      calendars.set(name, cal);
      return cal;
    };
    this.policies = config.policies.map((p, index) => compilePolicy(p, index, calendarFor));
    this.fallback = compilePolicy({ name: '(none)', targets: {}, at_risk: [], escalations: [] }, -1, calendarFor);
    this.calendars = calendars;
  }
}

function compilePolicy(p: PolicyConfig, index: number, calendarFor: (name: string, key: string) => CompiledCalendar): CompiledPolicy {
  const calendarName = p.calendar ?? 'default';
  const conditions: Array<{ dim: number; values: readonly string[] }> = [];
  MATCH_DIMENSIONS.forEach((d, dim) => {
    const values = p.match?.[d];
    if (values !== undefined) conditions.push({ dim, values });
  });
  const target = (m: SlaMetric): number => {
    const minutes = p.targets?.[m];
    return minutes === undefined ? -1 : Math.round(minutes * MINUTE_MS);
  };
  const pause = (m: SlaMetric): readonly string[] => p.pause_statuses?.[m] ?? DEFAULT_PAUSE_STATUSES[m];
  const atRisk = (p.at_risk ?? DEFAULT_AT_RISK).map((l, i) => ({
    name: l.name ?? `level_${i + 1}`,
    fraction: l.fraction ?? null,
    minutesLeft: l.minutes_left ?? null,
  }));
  const thresholds = (m: SlaMetric): number[] => {
    const t = target(m);
    return t < 0 ? [] : atRisk.map((l) => thresholdMs(t, l.fraction, l.minutesLeft));
  };
  return {
    index,
    name: p.name,
    config: p,
    conditions,
    calendarName,
    calendar: calendarFor(calendarName, `sla.policies[${index}].calendar`),
    targetMs: [target('first_response'), target('next_reply'), target('resolution')],
    pauseStatuses: [pause('first_response'), pause('next_reply'), pause('resolution')],
    atRisk,
    thresholdsMs: [thresholds('first_response'), thresholds('next_reply'), thresholds('resolution')],
    escalations: (p.escalations ?? DEFAULT_ESCALATIONS)
      .map((e: EscalationLevel) => ({
        level: e.level,
        notify: e.notify,
        afterMs: Math.round((e.after_minutes ?? 0) * MINUTE_MS),
        businessClock: e.clock === 'business',
        ifNoAgentReply: e.if_no_agent_reply === true,
        metrics: e.metrics ?? SLA_METRICS,
      }))
      .sort((a, b) => a.level - b.level),
  };
}

// A config object maps to one compiled instance (which owns the calendar caches) for
// as long as it lives. Keyed by the policies array and the calendars object, so a
// fresh `{ policies, calendars }` literal around the same parts still hits the cache.
const NO_CALENDARS: CalendarsConfig = {};
const compiledCache = new WeakMap<readonly PolicyConfig[], WeakMap<CalendarsConfig, CompiledSlaConfig>>();

export function compileSlaConfig(config: SlaConfig | CompiledSlaConfig): CompiledSlaConfig {
  if (config instanceof CompiledSlaConfig) return config;
  const calendars = config.calendars ?? NO_CALENDARS;
  let byCalendars = compiledCache.get(config.policies);
  if (byCalendars === undefined) {
    byCalendars = new WeakMap();
    compiledCache.set(config.policies, byCalendars);
  }
  let compiled = byCalendars.get(calendars);
  if (compiled === undefined) {
    compiled = new CompiledSlaConfig({ policies: config.policies, calendars });
    byCalendars.set(calendars, compiled);
  }
  return compiled;
}

/** First compiled policy whose conditions hold for `dims` (values in MATCH_DIMENSIONS order). */
export function matchCompiledPolicy(policies: readonly CompiledPolicy[], dims: ReadonlyArray<string | undefined>): CompiledPolicy | null {
  for (let i = 0; i < policies.length; i++) {
    const conditions = policies[i].conditions;
    let ok = true;
    for (let c = 0; c < conditions.length; c++) {
      const value = dims[conditions[c].dim];
      if (value === undefined || !conditions[c].values.includes(value)) {
        ok = false;
        break;
      }
    }
    if (ok) return policies[i];
  }
  return null;
}

/**
 * The first policy whose `match` conditions all hold for the ticket: every listed
 * dimension must be present and equal (case-sensitive) to one of the listed values.
 * Null only when no policy matches, which a validated config (catch-all last) rules out.
 */
export function selectPolicy(policies: readonly PolicyConfig[], dims: TicketDimensions): PolicyConfig | null {
  for (const p of policies) {
    let ok = true;
    for (const d of MATCH_DIMENSIONS) {
      const allowed = p.match?.[d];
      if (allowed === undefined) continue;
      const value = dims[d];
      if (value === undefined || !allowed.includes(value)) {
        ok = false;
        break;
      }
    }
    if (ok) return p;
  }
  return null;
}

/** Elapsed ms at which an at-risk level is reached: the earlier of its two conditions. */
export function thresholdMs(targetMs: number, fraction: number | null, minutesLeft: number | null): number {
  let th = targetMs;
  if (fraction !== null) th = Math.min(th, Math.round(targetMs * fraction));
  if (minutesLeft !== null) th = Math.min(th, targetMs - Math.round(minutesLeft * 60_000));
  return th < 0 ? 0 : th;
}
