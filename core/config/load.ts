// Configuration is read once at start-up: file, then environment overrides, then
// validation against the schema. Every problem is listed at once, each naming its key.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import Value from 'typebox/value';
import { TicketPulseError } from '../errors.ts';
import { ConfigSchema, type Config } from './schema.ts';

export interface ConfigIssue {
  /** Dotted config key, e.g. `api.port`. */
  key: string;
  /** The environment variable the value came from, when it came from one. */
  env?: string;
  message: string;
}

export class ConfigError extends TicketPulseError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], source?: string) {
    const lines = issues.map((i) => `  - ${i.key}${i.env ? ` (from ${i.env})` : ''}: ${i.message}`);
    super('config_invalid', `Invalid configuration${source ? ` in ${source}` : ''}:\n${lines.join('\n')}`, {
      field: issues[0]?.key,
    });
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Coerce = 'string' | 'int' | 'number' | 'bool' | 'list';
/** Environment variables and the keys they override. Values are coerced explicitly. */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; key: string; coerce: Coerce }> = [
  { env: 'TICKETPULSE_DATA_DIR', key: 'dataDir', coerce: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', coerce: 'string' },
  { env: 'CLICKHOUSE_URL', key: 'clickhouse.url', coerce: 'string' },
  { env: 'CLICKHOUSE_USER', key: 'clickhouse.user', coerce: 'string' },
  { env: 'CLICKHOUSE_PASSWORD', key: 'clickhouse.password', coerce: 'string' },
  { env: 'CLICKHOUSE_DATABASE', key: 'clickhouse.database', coerce: 'string' },
  { env: 'CLICKHOUSE_CLUSTER', key: 'clickhouse.cluster', coerce: 'string' },
  { env: 'TICKETPULSE_RETENTION_DAYS', key: 'retention.eventsDays', coerce: 'int' },
  { env: 'KAFKA_BROKERS', key: 'kafka.brokers', coerce: 'list' },
  { env: 'KAFKA_TOPICS', key: 'kafka.topics', coerce: 'list' },
  { env: 'KAFKA_GROUP_ID', key: 'kafka.groupId', coerce: 'string' },
  { env: 'HOST', key: 'api.host', coerce: 'string' },
  { env: 'PORT', key: 'api.port', coerce: 'int' },
  { env: 'TICKETPULSE_CORS_ORIGINS', key: 'api.cors.origins', coerce: 'list' },
  { env: 'TICKETPULSE_SQL_MAX_EXECUTION_SECONDS', key: 'api.sql.maxExecutionSeconds', coerce: 'int' },
  { env: 'TICKETPULSE_BATCH_ROWS', key: 'ingest.batchRows', coerce: 'int' },
  { env: 'TICKETPULSE_FLUSH_INTERVAL_MS', key: 'ingest.flushIntervalMs', coerce: 'int' },
];

export interface LoadConfigOptions {
  /** Explicit config file (`--config`); otherwise TICKETPULSE_CONFIG, then ./ticketpulse.config.{yaml,yml,json}. */
  file?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Programmatic overrides applied after the environment (CLI flags, tests). */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, or null when running on defaults. */
  file: string | null;
}

const DEFAULT_FILES = ['ticketpulse.config.yaml', 'ticketpulse.config.yml', 'ticketpulse.config.json'];

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(opts.file ?? env.TICKETPULSE_CONFIG, cwd);
  const raw = file ? readConfigFile(file) : {};

  const issues: ConfigIssue[] = [];
  const fromEnv = new Map<string, string>();
  for (const { env: name, key, coerce } of ENV_OVERRIDES) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = coerceEnv(text, coerce);
    if (value instanceof Error) {
      issues.push({ key, env: name, message: `${value.message}, got ${JSON.stringify(text)}` });
      continue;
    }
    setPath(raw, key, value);
    fromEnv.set(key, name);
  }
  for (const [key, value] of Object.entries(opts.overrides ?? {})) {
    if (value !== undefined) setPath(raw, key, value);
  }
  let config: Config;
  try {
    config = parseConfig(raw, { file, fromEnv });
  } catch (err) {
    if (err instanceof ConfigError && issues.length > 0) throw new ConfigError([...issues, ...err.issues], file ?? undefined);
    throw err;
  }
  if (issues.length > 0) throw new ConfigError(issues, file ?? undefined);
  return { config, file };
}

/** Validate an already-assembled config object; applies defaults. */
export function parseConfig(input: unknown, ctx: { file?: string | null; fromEnv?: Map<string, string> } = {}): Config {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError([{ key: '(root)', message: 'expected an object of settings' }], ctx.file ?? undefined);
  }
  const withDefaults = Value.Default(ConfigSchema, structuredClone(input));
  const issues: ConfigIssue[] = [];
  for (const e of collectErrors(withDefaults as Record<string, unknown>)) {
    // TypeBox reports an unknown key twice (the boolean `false` subschema and the
    // additionalProperties keyword); keep the keyword form, which names the key.
    if (e.keyword === 'boolean') continue;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
      for (const name of extra) {
        const key = joinKey(pointerToKey(e.instancePath), name);
        issues.push({ key, message: 'unknown key (check the spelling; see docs/configuration.md)' });
      }
      continue;
    }
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'enum') {
      // Unions of literals (e.g. logLevel): the per-branch errors say little; say what is allowed.
      const key = pointerToKey(e.instancePath);
      if (issues.some((i) => i.key === key)) continue;
      issues.push({ key, env: envFor(ctx.fromEnv, key), message: `${describeAllowed(key)}, got ${JSON.stringify(getPath(withDefaults, key))}` });
      continue;
    }
    if (e.keyword === 'const') continue;
    const key = pointerToKey(e.instancePath);
    issues.push({ key, env: envFor(ctx.fromEnv, key), message: `${e.message}, got ${show(getPath(withDefaults, key))}` });
  }
  if (issues.length > 0) throw new ConfigError(dedupeIssues(issues), ctx.file ?? undefined);
  return withDefaults as Config;
}

/**
 * TypeBox stops at the first failing keyword of an object, so one bad key would hide
 * the others: check unknown top-level keys, then each section on its own.
 */
function collectErrors(value: Record<string, unknown>): Array<{ keyword: string; instancePath: string; message: string; params: unknown }> {
  const out = [...Value.Errors(ConfigSchema, value)].filter((e) => e.keyword === 'additionalProperties' && e.instancePath === '');
  for (const [name, schema] of Object.entries(ConfigSchema.properties)) {
    for (const e of Value.Errors(schema, value[name])) out.push({ ...e, instancePath: `/${name}${e.instancePath}` });
  }
  return out;
}

function envFor(fromEnv: Map<string, string> | undefined, key: string): string | undefined {
  for (const [k, name] of fromEnv ?? []) if (key === k || key.startsWith(`${k}.`)) return name;
  return undefined;
}

function show(value: unknown): string {
  // JSON.stringify turns NaN into null, which would hide why the value was refused.
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}

function describeAllowed(key: string): string {
  if (key === 'logLevel') return 'must be one of fatal, error, warn, info, debug, trace, silent';
  return 'has a value that is not allowed';
}

function dedupeIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.key}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function findConfigFile(explicit: string | undefined, cwd: string): string | null {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new ConfigError([{ key: '--config', message: `config file not found: ${path}` }]);
    }
    return path;
  }
  for (const name of DEFAULT_FILES) {
    const path = resolve(cwd, name);
    if (existsSync(path)) return path;
  }
  return null;
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ key: '(file)', message: `cannot parse ${path}: ${(err as Error).message}` }], path);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([{ key: '(root)', message: 'the config file must hold a mapping of settings' }], path);
  }
  return parsed as Record<string, unknown>;
}

function coerceEnv(text: string, kind: Coerce): unknown {
  const t = text.trim();
  switch (kind) {
    case 'string':
      return text;
    case 'int':
      if (!/^[+-]?\d+$/.test(t)) return new Error('expected an integer');
      return Number(t);
    case 'number': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n)) return new Error('expected a finite number');
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(t)) return true;
      if (/^(0|false|no|off)$/i.test(t)) return false;
      return new Error('expected true or false');
    case 'list':
      return t.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }
}

function pointerToKey(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function joinKey(base: string, name: string): string {
  return base === '(root)' ? name : `${base}.${name}`;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node: Record<string, unknown> = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function getPath(source: unknown, key: string): unknown {
  if (key === '(root)') return source;
  let node: unknown = source;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
