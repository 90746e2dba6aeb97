// Validation of the `alerts:` section beyond its schema: routes naming channels that
// do not exist, channels without a URL, secrets expected from unset environment
// variables. Every issue names its key the way a person finds it in the file.
import { IANAZone } from 'luxon';
import Value from 'typebox/value';
import { ConfigError, type ConfigIssue } from '../../core/config/index.ts';
import {
  AlertsConfigSchema,
  ChannelSchema,
  RouteSchema,
  type AlertChannelConfig,
  type AlertChannelType,
  type AlertLanguage,
  type AlertRateLimit,
  type AlertsConfig,
} from '../../core/config/alerts.ts';

export interface ValidateAlertsOptions {
  /** Key prefix of the section; 'alerts' unless embedded elsewhere. */
  prefix?: string;
  /** Where `urlEnv` / `secretEnv` are looked up (process.env by default). */
  env?: Record<string, string | undefined>;
}

/** A channel with its environment references resolved and its defaults applied. */
export interface ResolvedChannel {
  name: string;
  type: AlertChannelType;
  url: string;
  secret: string | null;
  language: AlertLanguage;
  headers: Record<string, string>;
  mentions: string[];
  mentionAll: boolean;
  rateLimit: AlertRateLimit;
  timeoutMs: number;
}

export function validateAlertsConfig(input: unknown, opts: ValidateAlertsOptions = {}): ConfigIssue[] {
  const prefix = opts.prefix ?? 'alerts';
  const env = opts.env ?? process.env;
  if (input === undefined || input === null) return [];
  if (typeof input !== 'object' || Array.isArray(input)) return [{ key: prefix, message: `expected a mapping, got ${JSON.stringify(input)}` }];
  const section = Value.Default(AlertsConfigSchema, structuredClone(input)) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];

  // TypeBox stops at the first failing keyword of an object: check the section's own
  // keys, then each channel and route on its own so one mistake does not hide another.
  for (const e of Value.Errors(AlertsConfigSchema, section)) {
    if (e.instancePath.startsWith('/channels/') || e.instancePath.startsWith('/routes/')) continue;
    pushIssue(issues, prefix, section, e);
  }
  if (typeof section.timezone === 'string' && !IANAZone.isValidZone(section.timezone)) {
    issues.push({ key: `${prefix}.timezone`, message: `unknown IANA time zone ${JSON.stringify(section.timezone)} (e.g. 'UTC', 'Asia/Shanghai')` });
  }
  const channels = isRecord(section.channels) ? section.channels : {};
  for (const [name, ch] of Object.entries(channels)) {
    const key = `${prefix}.channels.${name}`;
    const before = issues.length;
    for (const e of Value.Errors(ChannelSchema, ch)) pushIssue(issues, key, ch, e);
    if (issues.length > before) continue;
    const c = ch as AlertChannelConfig;
    if (!c.url && !c.urlEnv) issues.push({ key: `${key}.url`, message: "a channel needs 'url' (or 'urlEnv' naming an environment variable that holds it)" });
    if (c.url && c.urlEnv) issues.push({ key: `${key}.urlEnv`, message: "give 'url' or 'urlEnv', not both" });
    if (c.urlEnv && !env[c.urlEnv]) issues.push({ key: `${key}.urlEnv`, message: `environment variable ${c.urlEnv} is not set` });
    if (c.urlEnv && env[c.urlEnv] && !/^https?:\/\//.test(env[c.urlEnv] ?? '')) {
      issues.push({ key: `${key}.urlEnv`, message: `environment variable ${c.urlEnv} does not hold an http(s) URL` });
    }
    if (c.secret && c.secretEnv) issues.push({ key: `${key}.secretEnv`, message: "give 'secret' or 'secretEnv', not both" });
    if (c.secretEnv && !env[c.secretEnv]) issues.push({ key: `${key}.secretEnv`, message: `environment variable ${c.secretEnv} is not set` });
    if (c.headers && c.type !== 'webhook') issues.push({ key: `${key}.headers`, message: `extra headers apply to webhook channels only, not ${c.type}` });
    if ((c.secret || c.secretEnv) && (c.type === 'slack' || c.type === 'wecom')) {
      issues.push({ key: `${key}.secret`, message: `${c.type} robots are authenticated by their URL; a secret applies to webhook and dingtalk channels` });
    }
  }
  const routes = Array.isArray(section.routes) ? section.routes : [];
  routes.forEach((route, i) => {
    const key = `${prefix}.routes[${i}]`;
    const before = issues.length;
    for (const e of Value.Errors(RouteSchema, route)) pushIssue(issues, key, route, e);
    if (issues.length > before) return;
    const r = route as { channels: string[]; escalate?: Array<{ channels: string[] }> };
    const known = Object.keys(channels);
    const check = (name: string, at: string) => {
      if (!(name in channels)) {
        issues.push({ key: at, message: `unknown channel ${JSON.stringify(name)}; defined channels: ${known.length ? known.join(', ') : '(none)'}` });
      }
    };
    r.channels.forEach((c, j) => check(c, `${key}.channels[${j}]`));
    (r.escalate ?? []).forEach((s, j) => s.channels.forEach((c, k) => check(c, `${key}.escalate[${j}].channels[${k}]`)));
  });
  return issues;
}

/** The section with its defaults applied; throws ConfigError listing every issue. */
export function parseAlertsConfig(input: unknown, opts: ValidateAlertsOptions = {}): AlertsConfig {
  const issues = validateAlertsConfig(input, opts);
  if (issues.length > 0) throw new ConfigError(issues);
  return Value.Default(AlertsConfigSchema, structuredClone(input ?? {})) as AlertsConfig;
}

export function resolveChannels(config: AlertsConfig, env: Record<string, string | undefined> = process.env): Map<string, ResolvedChannel> {
  const out = new Map<string, ResolvedChannel>();
  for (const [name, c] of Object.entries(config.channels)) {
    out.set(name, {
      name,
      type: c.type,
      url: c.url ?? env[c.urlEnv ?? ''] ?? '',
      secret: c.secret ?? (c.secretEnv ? (env[c.secretEnv] ?? null) : null),
      language: c.language ?? config.language,
      headers: c.headers ?? {},
      mentions: c.mentions ?? [],
      mentionAll: c.mentionAll ?? false,
      rateLimit: c.rateLimit ?? config.rateLimit,
      timeoutMs: c.timeoutMs ?? config.delivery.timeoutMs,
    });
  }
  return out;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  message: string;
  params: unknown;
}

function pushIssue(issues: ConfigIssue[], base: string, root: unknown, e: SchemaError): void {
  // An unknown key is reported twice (the `false` subschema and the keyword); keep the keyword form.
  if (e.keyword === 'boolean' || e.keyword === 'const') return;
  const key = joinKey(base, e.instancePath);
  if (e.keyword === 'additionalProperties') {
    for (const name of (e.params as { additionalProperties?: string[] }).additionalProperties ?? []) {
      issues.push({ key: `${key}.${name}`, message: 'unknown key (check the spelling; see docs/alerts.md)' });
    }
    return;
  }
  if (issues.some((i) => i.key === key)) return;
  const value = valueAt(root, e.instancePath);
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    issues.push({ key, message: `must be one of ${allowed ? allowed.join(', ') : 'the allowed values'}, got ${JSON.stringify(value)}` });
    return;
  }
  if (e.keyword === 'pattern' && /\.(url|ticketUrl)$/.test(key)) {
    issues.push({ key, message: `expected an http(s) URL, got ${JSON.stringify(value)}` });
    return;
  }
  issues.push({ key, message: `${e.message}, got ${JSON.stringify(value)}` });
}

function joinKey(base: string, pointer: string): string {
  if (pointer === '') return base;
  const parts = pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let key = base;
  for (const p of parts) key += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  return key;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const p of pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
