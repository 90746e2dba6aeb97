// Validation of the `sla:` config section: the TypeBox schema first, then the rules a
// schema cannot express (cross references, time zones, a catch-all last policy).
// Every issue names its key the way a person finds it in the file: sla.policies[2].calendar.
import { IANAZone } from 'luxon';
import cron from 'node-cron';
import Value from 'typebox/value';
import { ConfigError, type ConfigIssue } from '../../core/config/index.ts';
import {
  CalendarSchema,
  ComplianceRuleSchema,
  MATCH_DIMENSIONS,
  PolicySchema,
  SlaComplianceSchema,
  SlaConfigSchema,
  SlaMonitorSchema,
  SlaProcessorSchema,
  type CalendarConfig,
  type CalendarsConfig,
  type ComplianceRuleConfig,
  type PolicyConfig,
  type SlaComplianceConfig,
  type SlaMonitorConfig,
  type SlaProcessorConfig,
} from '../../core/config/sla.ts';
import { DEFAULT_CALENDARS, DEFAULT_POLICIES, type SlaConfig } from './defaults.ts';
import { WEEKDAYS, parseHolidayDate, parseHolidayRange, parseWeeklyRange } from './time-ranges.ts';

export interface ValidateSlaOptions {
  /** Key prefix of the section in the config file; 'sla' unless embedded elsewhere. */
  prefix?: string;
}

const CALENDAR_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Every problem in an `sla:` section, each naming its key; [] when the section is
 * usable. `undefined` / `null` (no section) is valid: the built-in defaults apply.
 */
export function validateSlaConfig(input: unknown, opts: ValidateSlaOptions = {}): ConfigIssue[] {
  const prefix = opts.prefix ?? 'sla';
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) {
    return [{ key: prefix, message: `expected a mapping with 'calendars' and/or 'policies', got ${show(input)}` }];
  }
  const issues: ConfigIssue[] = [];
  const section = input as Record<string, unknown>;

  // One schema pass per calendar and per policy: TypeBox stops at the first failing
  // keyword of an object, which would hide every problem after the first.
  for (const e of Value.Errors(SlaConfigSchema, section)) {
    if (e.instancePath === '' && e.keyword === 'additionalProperties') pushSchemaIssue(issues, prefix, section, e);
    if (e.instancePath === '/calendars' || e.instancePath === '/policies') pushSchemaIssue(issues, prefix, section, e);
  }

  const calendars = isRecord(section.calendars) ? section.calendars : {};
  const calendarNames = new Set(Object.keys(DEFAULT_CALENDARS));
  for (const [name, cal] of Object.entries(calendars)) {
    const key = `${prefix}.calendars.${name}`;
    calendarNames.add(name);
    if (!CALENDAR_NAME.test(name)) {
      issues.push({ key, message: 'a calendar name may hold only letters, digits, _ and - (at most 64)' });
      continue;
    }
    const before = issues.length;
    for (const e of Value.Errors(CalendarSchema, cal)) pushSchemaIssue(issues, key, cal, e);
    if (issues.length === before) checkCalendar(issues, key, cal as CalendarConfig);
  }

  const policies = Array.isArray(section.policies) ? section.policies : [];
  const seenNames = new Map<string, number>();
  policies.forEach((policy, i) => {
    const key = `${prefix}.policies[${i}]`;
    const before = issues.length;
    for (const e of Value.Errors(PolicySchema, policy)) pushSchemaIssue(issues, key, policy, e);
    if (issues.length > before) return;
    const p = policy as PolicyConfig;
    const first = seenNames.get(p.name);
    if (first !== undefined) {
      issues.push({ key: `${key}.name`, message: `duplicate policy name ${JSON.stringify(p.name)} (also ${prefix}.policies[${first}])` });
    } else {
      seenNames.set(p.name, i);
    }
    const calendar = p.calendar ?? 'default';
    if (!calendarNames.has(calendar)) {
      issues.push({
        key: `${key}.calendar`,
        message: `unknown calendar ${JSON.stringify(calendar)}; defined calendars: ${[...calendarNames].join(', ')}`,
      });
    }
    (p.at_risk ?? []).forEach((level, j) => {
      if (level.fraction === undefined && level.minutes_left === undefined) {
        issues.push({ key: `${key}.at_risk[${j}]`, message: "an at-risk level needs 'fraction' (0..1) and/or 'minutes_left'" });
      }
    });
    const levels = new Set<number>();
    (p.escalations ?? []).forEach((esc, j) => {
      if (levels.has(esc.level)) issues.push({ key: `${key}.escalations[${j}].level`, message: `duplicate escalation level ${esc.level}` });
      levels.add(esc.level);
    });
    const last = i === policies.length - 1;
    if (last && !matchesEverything(p)) {
      issues.push({
        key: `${key}.match`,
        message: 'the last policy must match every ticket (a default): remove its conditions or add a catch-all policy after it',
      });
    } else if (!last && matchesEverything(p)) {
      issues.push({
        key: `${key}.match`,
        message: `matches every ticket, so the policies after it (${prefix}.policies[${i + 1}..${policies.length - 1}]) are never used`,
      });
    }
  });
  checkRuntimeSections(issues, prefix, section);
  return issues;
}

/** processor, monitor and compliance: schema per section and per rule, then cron expressions and thresholds. */
function checkRuntimeSections(issues: ConfigIssue[], prefix: string, section: Record<string, unknown>): void {
  const checkCron = (key: string, value: unknown): void => {
    if (typeof value === 'string' && !cron.validate(value)) {
      issues.push({ key, message: `not a valid cron expression (five fields, UTC, e.g. '* * * * *'), got ${show(value)}` });
    }
  };
  if (section.processor !== undefined) {
    const key = `${prefix}.processor`;
    const before = issues.length;
    for (const e of Value.Errors(SlaProcessorSchema, section.processor)) pushSchemaIssue(issues, key, section.processor, e);
    if (issues.length === before) checkCron(`${key}.schedule`, (section.processor as SlaProcessorConfig).schedule);
  }
  if (section.monitor !== undefined) {
    for (const e of Value.Errors(SlaMonitorSchema, section.monitor)) pushSchemaIssue(issues, `${prefix}.monitor`, section.monitor, e);
  }
  if (section.compliance === undefined) return;
  const key = `${prefix}.compliance`;
  const compliance = section.compliance;
  if (!isRecord(compliance)) {
    issues.push({ key, message: `expected a mapping with 'schedule' and/or 'rules', got ${show(compliance)}` });
    return;
  }
  for (const e of Value.Errors(SlaComplianceSchema, compliance)) {
    if (e.instancePath === '' || e.instancePath === '/schedule' || e.instancePath === '/rules') pushSchemaIssue(issues, key, compliance, e);
  }
  checkCron(`${key}.schedule`, (compliance as SlaComplianceConfig).schedule);
  const rules = Array.isArray(compliance.rules) ? compliance.rules : [];
  const names = new Map<string, number>();
  rules.forEach((rule, i) => {
    const rkey = `${key}.rules[${i}]`;
    const before = issues.length;
    for (const e of Value.Errors(ComplianceRuleSchema, rule)) pushSchemaIssue(issues, rkey, rule, e);
    if (issues.length > before) return;
    const r = rule as ComplianceRuleConfig;
    const first = names.get(r.name);
    if (first !== undefined) issues.push({ key: `${rkey}.name`, message: `duplicate rule name ${JSON.stringify(r.name)} (also ${key}.rules[${first}])` });
    else names.set(r.name, i);
    if (r.clear_at !== undefined && r.clear_at < r.below) {
      issues.push({ key: `${rkey}.clear_at`, message: `must be at least 'below' (${r.below}): the alert resolves only once compliance is back above where it fired` });
    }
  });
}

/**
 * The effective SLA config: built-in calendars with the configured ones merged over
 * them, and the configured policies (or the built-in set). Throws ConfigError listing
 * every issue.
 */
export function parseSlaConfig(input: unknown, opts: ValidateSlaOptions = {}): SlaConfig {
  const issues = validateSlaConfig(input, opts);
  if (issues.length > 0) throw new ConfigError(issues);
  const section = (input ?? {}) as {
    calendars?: CalendarsConfig;
    policies?: PolicyConfig[];
    processor?: SlaProcessorConfig;
    monitor?: SlaMonitorConfig;
    compliance?: SlaComplianceConfig;
  };
  const config: SlaConfig = {
    calendars: { ...DEFAULT_CALENDARS, ...(section.calendars ?? {}) },
    policies: section.policies ?? DEFAULT_POLICIES,
  };
  if (section.processor !== undefined) config.processor = section.processor;
  if (section.monitor !== undefined) config.monitor = section.monitor;
  if (section.compliance !== undefined) config.compliance = section.compliance;
  return config;
}

export function matchesEverything(p: Pick<PolicyConfig, 'match'>): boolean {
  const match = p.match;
  if (!match) return true;
  return MATCH_DIMENSIONS.every((d) => match[d] === undefined);
}

function checkCalendar(issues: ConfigIssue[], key: string, cal: CalendarConfig): void {
  if (!IANAZone.isValidZone(cal.timezone)) {
    issues.push({ key: `${key}.timezone`, message: `unknown IANA time zone ${JSON.stringify(cal.timezone)} (e.g. 'Europe/London', 'UTC')` });
  }
  if (cal.always === true && cal.hours !== undefined) {
    issues.push({ key: `${key}.hours`, message: "a calendar with 'always: true' is open around the clock: remove 'hours' or 'always'" });
  }
  if (cal.always !== true) {
    let open = 0;
    for (const day of WEEKDAYS) {
      (cal.hours?.[day] ?? []).forEach((text, j) => {
        const r = parseWeeklyRange(text);
        if (r.ok) open += 1;
        else issues.push({ key: `${key}.hours.${day}[${j}]`, message: r.message });
      });
    }
    if (open === 0 && !issues.some((i) => i.key.startsWith(`${key}.hours.`))) {
      issues.push({ key: `${key}.hours`, message: "no opening hours: give weekly 'hours' (e.g. mon: ['09:00-18:00']) or 'always: true'" });
    }
  }
  (cal.holidays ?? []).forEach((h, i) => {
    const d = parseHolidayDate(h.date);
    if (!d.ok) issues.push({ key: `${key}.holidays[${i}].date`, message: d.message });
    (h.closed ?? []).forEach((text, j) => {
      const r = parseHolidayRange(text);
      if (!r.ok) issues.push({ key: `${key}.holidays[${i}].closed[${j}]`, message: r.message });
    });
  });
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message: string;
  params: unknown;
}

function pushSchemaIssue(issues: ConfigIssue[], base: string, root: unknown, e: SchemaError): void {
  // An unknown key is reported twice (the `false` subschema and the keyword); keep the
  // keyword form, which names the key.
  if (e.keyword === 'boolean' || e.keyword === 'const') return;
  const key = joinKey(base, e.instancePath);
  if (e.keyword === 'additionalProperties') {
    for (const name of (e.params as { additionalProperties?: string[] }).additionalProperties ?? []) {
      issues.push({ key: `${key}.${name}`, message: 'unknown key (check the spelling; see docs/sla.md)' });
    }
    return;
  }
  const value = valueAt(root, e.instancePath);
  if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
    if (issues.some((i) => i.key === key)) return;
    issues.push({ key, message: `${allowedFor(key)}, got ${show(value)}` });
    return;
  }
  if (e.keyword === 'pattern') {
    issues.push({ key, message: `${patternHint(key)}, got ${show(value)}` });
    return;
  }
  if (issues.some((i) => i.key === key && i.message.startsWith(e.message))) return;
  issues.push({ key, message: `${e.message}, got ${show(value)}` });
}

function allowedFor(key: string): string {
  if (/\.clock$/.test(key)) return "must be 'wall' or 'business'";
  if (/\.metric$/.test(key)) return 'must be one of first_response, next_reply, resolution';
  if (/\.severity$/.test(key)) return 'must be one of info, warning, critical';
  if (/\.contributors\[\d+\]$/.test(key)) return 'must be one of team, priority, category, channel, customer_tier, tenant';
  if (/\.metrics\[\d+\]$/.test(key)) return 'must be one of first_response, next_reply, resolution';
  return 'has a value that is not allowed';
}

function patternHint(key: string): string {
  if (/\.date$/.test(key)) return "expected 'YYYY-MM-DD' or 'MM-DD' (every year)";
  if (/\.name$/.test(key)) return 'expected 1-64 letters, digits, _ . or -';
  return "expected a local time range 'HH:MM-HH:MM' (24-hour clock, e.g. '09:00-18:00')";
}

/** '/hours/mon/0' under 'sla.calendars.x' → 'sla.calendars.x.hours.mon[0]'. */
function joinKey(base: string, pointer: string): string {
  if (pointer === '') return base;
  let key = base;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    key += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return key;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}
