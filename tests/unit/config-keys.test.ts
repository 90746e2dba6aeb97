// Configuration keys one by one: every environment override (a valid value lands on
// its key; a bad one is refused naming the key and the variable), and every numeric
// or enumerated key of the schema, found by walking the schema itself so a key added
// later is covered without touching this file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, ENV_OVERRIDES, loadConfig, parseConfig, type ConfigIssue } from '../../core/config/index.ts';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'tp-config-keys-'));

function getPath(source: unknown, key: string): unknown {
  let node = source;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, but the value was accepted');
}

const ENV_NAMES = ENV_OVERRIDES.map((o) => o.env);
const keyOf = (env: string) => ENV_OVERRIDES.find((o) => o.env === env)!.key;

// ---------------------------------------------------------------- (a) valid env overrides

/** [env, text, value expected at the env's key]. Every entry of ENV_OVERRIDES appears at least once. */
const VALID_ENV: Array<[string, string, unknown]> = [
  ['TICKETPULSE_DATA_DIR', '/srv/tp data', '/srv/tp data'],
  ['LOG_LEVEL', 'debug', 'debug'],
  ['CLICKHOUSE_URL', 'http://ch:8123', 'http://ch:8123'],
  ['CLICKHOUSE_USER', 'analyst', 'analyst'],
  ['CLICKHOUSE_PASSWORD', ' p@ss word ', ' p@ss word '],
  ['CLICKHOUSE_DATABASE', 'support_2', 'support_2'],
  ['CLICKHOUSE_CLUSTER', 'prod_{shard}-1.eu', 'prod_{shard}-1.eu'],
  ['TICKETPULSE_RETENTION_DAYS', '36500', 36_500],
  ['KAFKA_BROKERS', 'k1:9092,k2:9093', ['k1:9092', 'k2:9093']],
  ['KAFKA_TOPICS', ' ticket-events , tickets.v2,,legacy_topic ', ['ticket-events', 'tickets.v2', 'legacy_topic']],
  ['KAFKA_GROUP_ID', 'tp ingest eu', 'tp ingest eu'],
  ['HOST', '::', '::'],
  ['HOST', 'fe80::1%eth0', 'fe80::1%eth0'],
  ['HOST', 'api.internal', 'api.internal'],
  ['PORT', '0', 0],
  ['TICKETPULSE_CORS_ORIGINS', 'https://dash.example.com, http://localhost:5173', ['https://dash.example.com', 'http://localhost:5173']],
  ['TICKETPULSE_CORS_ORIGINS', '*', ['*']],
  ['TICKETPULSE_SQL_MAX_EXECUTION_SECONDS', '3600', 3_600],
  ['TICKETPULSE_BATCH_ROWS', '+250', 250],
  ['TICKETPULSE_FLUSH_INTERVAL_MS', ' 75 ', 75],
];

describe('environment overrides: valid values', () => {
  it('the table covers every override in ENV_OVERRIDES', () => {
    expect(new Set(VALID_ENV.map(([env]) => env))).toEqual(new Set(ENV_NAMES));
  });

  it.each(VALID_ENV)('%s=%j sets its key', (env, text, expected) => {
    const { config } = loadConfig({ env: { [env]: text }, cwd: emptyDir() });
    expect(getPath(config, keyOf(env))).toEqual(expected);
  });

  it('CLICKHOUSE_CLUSTER, KAFKA_TOPICS, KAFKA_GROUP_ID, flush interval and batch size together, leaving the other keys at their defaults', () => {
    const { config } = loadConfig({
      cwd: emptyDir(),
      env: {
        CLICKHOUSE_CLUSTER: 'tp_cluster',
        KAFKA_TOPICS: 'a,b',
        KAFKA_GROUP_ID: 'tp-eu',
        TICKETPULSE_FLUSH_INTERVAL_MS: '250',
        TICKETPULSE_BATCH_ROWS: '500',
      },
    });
    expect(config.clickhouse.cluster).toBe('tp_cluster');
    expect(config.kafka).toMatchObject({ topics: ['a', 'b'], groupId: 'tp-eu', brokers: [], clientId: 'ticketpulse' });
    expect(config.ingest).toEqual({ batchRows: 500, flushIntervalMs: 250, maxAttempts: 8, retryBaseMs: 100, retryMaxMs: 10_000 });
  });

  it('an empty variable is ignored (the default stays)', () => {
    const { config } = loadConfig({ cwd: emptyDir(), env: { KAFKA_GROUP_ID: '', TICKETPULSE_FLUSH_INTERVAL_MS: '', HOST: '' } });
    expect(config.kafka.groupId).toBe('ticketpulse-ingest');
    expect(config.ingest.flushIntervalMs).toBe(1_000);
    expect(config.api.host).toBe('127.0.0.1');
  });
});

// ---------------------------------------------------------------- (b) invalid env overrides

/** [env, text, key the issue names, message]. */
const INVALID_ENV: Array<[string, string, string, RegExp]> = [
  ['TICKETPULSE_DATA_DIR', '   ', 'dataDir', /pattern/],
  ['TICKETPULSE_DATA_DIR', '/var/lib/tp ', 'dataDir', /pattern/],
  ['LOG_LEVEL', 'verbose', 'logLevel', /one of/],
  ['CLICKHOUSE_URL', 'ch:8123', 'clickhouse.url', /pattern/],
  ['CLICKHOUSE_DATABASE', '1st', 'clickhouse.database', /pattern/],
  ['CLICKHOUSE_CLUSTER', 'prod cluster', 'clickhouse.cluster', /pattern/],
  ['CLICKHOUSE_CLUSTER', "x'; DROP TABLE t", 'clickhouse.cluster', /pattern/],
  ['TICKETPULSE_RETENTION_DAYS', '36501', 'retention.eventsDays', /<= 36500/],
  ['TICKETPULSE_RETENTION_DAYS', '30d', 'retention.eventsDays', /expected an integer/],
  ['KAFKA_BROKERS', 'k1:9092,k2', 'kafka.brokers.1', /pattern/],
  ['KAFKA_TOPICS', 'ok,bad topic!', 'kafka.topics.1', /pattern/],
  ['KAFKA_TOPICS', ' , ,', 'kafka.topics', /fewer than 1|items/],
  ['KAFKA_GROUP_ID', '   ', 'kafka.groupId', /pattern/],
  ['KAFKA_GROUP_ID', 'tp-ingest\n', 'kafka.groupId', /pattern/],
  ['HOST', ' ', 'api.host', /pattern/],
  ['HOST', '0.0.0.0 ', 'api.host', /pattern/],
  ['HOST', 'http://0.0.0.0', 'api.host', /pattern/],
  ['PORT', '-1', 'api.port', />= 0/],
  ['TICKETPULSE_CORS_ORIGINS', 'https://dash.example.com/', 'api.cors.origins.0', /pattern/],
  ['TICKETPULSE_CORS_ORIGINS', '*,dash.example.com', 'api.cors.origins.1', /pattern/],
  ['TICKETPULSE_SQL_MAX_EXECUTION_SECONDS', '0', 'api.sql.maxExecutionSeconds', />= 1/],
  ['TICKETPULSE_SQL_MAX_EXECUTION_SECONDS', '3601', 'api.sql.maxExecutionSeconds', /<= 3600/],
  ['TICKETPULSE_SQL_MAX_EXECUTION_SECONDS', '30s', 'api.sql.maxExecutionSeconds', /expected an integer/],
  ['TICKETPULSE_BATCH_ROWS', '1e4', 'ingest.batchRows', /expected an integer/],
  ['TICKETPULSE_BATCH_ROWS', '1000001', 'ingest.batchRows', /<= 1000000/],
  ['TICKETPULSE_FLUSH_INTERVAL_MS', '0', 'ingest.flushIntervalMs', />= 1/],
  ['TICKETPULSE_FLUSH_INTERVAL_MS', '2.5', 'ingest.flushIntervalMs', /expected an integer/],
  ['TICKETPULSE_FLUSH_INTERVAL_MS', '600001', 'ingest.flushIntervalMs', /<= 600000/],
  ['TICKETPULSE_FLUSH_INTERVAL_MS', 'NaN', 'ingest.flushIntervalMs', /expected an integer/],
];

/** Opaque credentials: any string is a value someone may use, so there is no bad one to test. */
const NO_INVALID_VALUE = ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'];

describe('environment overrides: invalid values', () => {
  it('every override has an invalid case, except the opaque credentials', () => {
    const covered = new Set(INVALID_ENV.map(([env]) => env));
    expect(ENV_NAMES.filter((e) => !covered.has(e) && !NO_INVALID_VALUE.includes(e))).toEqual([]);
    expect(NO_INVALID_VALUE.filter((e) => covered.has(e))).toEqual([]);
  });

  it.each(INVALID_ENV)('%s=%j is refused naming %s', (env, text, key, message) => {
    const err = configError(() => loadConfig({ env: { [env]: text }, cwd: emptyDir() }));
    const issue = err.issues.find((i) => i.key === key);
    expect(issue, JSON.stringify(err.issues)).toBeDefined();
    expect(issue!.env).toBe(env);
    expect(issue!.message).toMatch(message);
    expect(err.message).toContain(`${key} (from ${env}):`);
  });

  it('reports every bad variable at once', () => {
    const env = Object.fromEntries(INVALID_ENV.map(([name, text]) => [name, text]));
    const err = configError(() => loadConfig({ env, cwd: emptyDir() }));
    const named = new Set(err.issues.map((i) => i.env));
    expect(ENV_NAMES.filter((e) => !NO_INVALID_VALUE.includes(e) && !named.has(e))).toEqual([]);
  });

  it('credentials pass through verbatim', () => {
    const { config } = loadConfig({ env: { CLICKHOUSE_USER: ' odd user ', CLICKHOUSE_PASSWORD: '#:;,"\'' }, cwd: emptyDir() });
    expect(config.clickhouse).toMatchObject({ user: ' odd user ', password: '#:;,"\'' });
  });
});

// ---------------------------------------------------------------- (c) every numeric / enum key of the schema

type Json = Record<string, unknown>;
interface Segment {
  name: string;
  /** prop: an object property; item: element 0 of an array; value: entry `k1` of a record. */
  kind: 'prop' | 'item' | 'value';
}
interface Leaf {
  key: string;
  /** The key with array/record positions as `*`: finds the fixture for a container element. */
  pattern: string;
  segments: Segment[];
  schema: Json;
  kind: 'number' | 'enum';
}

const RECORD_KEY = 'k1';

function isLiteralUnion(s: Json): boolean {
  return Array.isArray(s.anyOf) && s.anyOf.length > 0 && (s.anyOf as Json[]).every((b) => 'const' in b);
}

function allowedValues(s: Json): unknown[] {
  return Array.isArray(s.enum) ? s.enum : (s.anyOf as Json[]).map((b) => b.const);
}

function collectLeaves(schema: Json, segments: Segment[] = [], out: Leaf[] = []): Leaf[] {
  const key = segments.map((s) => s.name).join('.');
  const pattern = segments.map((s) => (s.kind === 'prop' ? s.name : '*')).join('.');
  if ((schema.type === 'integer' || schema.type === 'number') && !('const' in schema)) {
    out.push({ key, pattern, segments, schema, kind: 'number' });
  } else if (Array.isArray(schema.enum) || isLiteralUnion(schema)) {
    out.push({ key, pattern, segments, schema, kind: 'enum' });
  } else if (schema.type === 'object' && schema.properties) {
    for (const [name, sub] of Object.entries(schema.properties as Record<string, Json>)) collectLeaves(sub, [...segments, { name, kind: 'prop' }], out);
  } else if (schema.type === 'object' && schema.patternProperties) {
    const [[keyPattern, sub]] = Object.entries(schema.patternProperties as Record<string, Json>);
    if (!new RegExp(keyPattern).test(RECORD_KEY)) throw new Error(`record key ${RECORD_KEY} does not fit ${key}'s key pattern ${keyPattern}`);
    collectLeaves(sub, [...segments, { name: RECORD_KEY, kind: 'value' }], out);
  } else if (schema.type === 'array' && schema.items && typeof schema.items === 'object') {
    collectLeaves(schema.items as Json, [...segments, { name: '0', kind: 'item' }], out);
  }
  return out;
}

/**
 * A valid value for each array/record element that is an object holding numeric or
 * enum keys, and for each optional object with required properties of its own.
 */
const FIXTURES: Record<string, Json> = {
  'api.auth.keys.*': { id: 'abcdefgh', scopes: ['read'], sha256: 'a'.repeat(64) },
  'alerts.channels.*': { type: 'webhook', url: 'https://hooks.example/x' },
  'alerts.channels.*.rateLimit': { maxMessages: 10, windowSeconds: 60 },
  'alerts.routes.*': { channels: ['ops'] },
  'alerts.routes.*.escalate.*': { afterMinutes: 30, channels: ['ops'] },
  'sla.policies.*': { name: 'all', targets: { resolution: 60 } },
  'sla.policies.*.at_risk.*': { fraction: 0.5 },
  'sla.policies.*.escalations.*': { level: 1, notify: 'ops' },
  'sla.compliance.rules.*': { name: 'r1', metric: 'resolution', below: 0.9 },
};

/** The smallest config that puts `value` at the leaf's key, with valid elements around it. */
function inputFor(leaf: Leaf, value: unknown): Json {
  const root: Json = {};
  let node = root as Record<string | number, unknown>;
  leaf.segments.forEach((seg, i) => {
    const slot = seg.kind === 'item' ? 0 : seg.name;
    if (i === leaf.segments.length - 1) {
      node[slot] = value;
      return;
    }
    if (node[slot] === undefined) {
      const at = leaf.segments
        .slice(0, i + 1)
        .map((s) => (s.kind === 'prop' ? s.name : '*'))
        .join('.');
      const fixture = FIXTURES[at];
      if (fixture) node[slot] = structuredClone(fixture);
      else if (seg.kind === 'prop') node[slot] = leaf.segments[i + 1].kind === 'item' ? [] : {};
      else throw new Error(`no fixture for the elements of ${at} (needed by ${leaf.key}): add one to FIXTURES`);
    }
    node = node[slot] as Record<string | number, unknown>;
  });
  return root;
}

function validValue(leaf: Leaf): unknown {
  const s = leaf.schema;
  if (leaf.kind === 'enum') return s.default ?? allowedValues(s)[0];
  const lo = (s.minimum ?? s.exclusiveMinimum ?? 0) as number;
  const hi = (s.maximum ?? s.exclusiveMaximum ?? lo + 10) as number;
  const found = [s.default, s.minimum, s.maximum, (lo + hi) / 2, Math.floor((lo + hi) / 2), lo + 1].find((v) => v !== undefined && Value.Check(s, v));
  if (found === undefined) throw new Error(`cannot find a valid value for ${leaf.key}`);
  return found;
}

/** Bad values for the leaf and what the message must say about each. */
function invalidValues(leaf: Leaf): Array<[unknown, RegExp]> {
  const s = leaf.schema;
  if (leaf.kind === 'enum') {
    const allowed = allowedValues(s);
    const numeric = typeof allowed[0] === 'number';
    return [
      [numeric ? Math.max(...(allowed as number[])) + 7 : 'definitely-not-allowed', /not allowed|one of/],
      [numeric ? 'fifteen' : 12_345, /not allowed|one of|must be/],
      [null, /not allowed|one of|must be/],
    ];
  }
  const type = s.type as string;
  const cases: Array<[unknown, RegExp]> = [
    ['12', new RegExp(`must be ${type}`)],
    [null, new RegExp(`must be ${type}`)],
    [true, new RegExp(`must be ${type}`)],
    [Number.NaN, /NaN/],
    [Number.POSITIVE_INFINITY, /Infinity/],
    [Number.NEGATIVE_INFINITY, /-Infinity/],
  ];
  if (type === 'integer') {
    const v = validValue(leaf) as number;
    cases.push([v === s.maximum ? v - 0.5 : v + 0.5, /must be integer/]);
  }
  if (typeof s.minimum === 'number') cases.push([s.minimum - 1, new RegExp(`must be >= ${s.minimum}`)]);
  if (typeof s.exclusiveMinimum === 'number') cases.push([s.exclusiveMinimum, new RegExp(`must be > ${s.exclusiveMinimum}`)]);
  if (typeof s.maximum === 'number') cases.push([s.maximum + 1, new RegExp(`must be <= ${s.maximum}`)]);
  if (typeof s.exclusiveMaximum === 'number') cases.push([s.exclusiveMaximum, new RegExp(`must be < ${s.exclusiveMaximum}`)]);
  return cases;
}

const LEAVES = collectLeaves(ConfigSchema as unknown as Json);

function issueFor(leaf: Leaf, value: unknown): { issue: ConfigIssue | undefined; err: ConfigError } {
  const err = configError(() => parseConfig(inputFor(leaf, value)));
  return { issue: err.issues.find((i) => i.key === leaf.key), err };
}

describe('every numeric and enumerated key of the schema', () => {
  it('the walk finds the keys (sections, nested objects, arrays and records included)', () => {
    const keys = LEAVES.map((l) => l.key);
    for (const key of [
      'logLevel',
      'clickhouse.requestTimeoutMs',
      'retention.eventsDays',
      'retention.deadLettersDays',
      'kafka.lagRecordSeconds',
      'api.port',
      'api.rateLimit.max',
      'api.sql.maxQueued',
      'api.export.maxConcurrent',
      'api.auth.keys.0.scopes.0',
      'ingest.batchRows',
      'ingest.flushIntervalMs',
      'ingest.maxAttempts',
      'ingest.retryBaseMs',
      'ingest.retryMaxMs',
      'simulator.speed',
      'alerts.delivery.maxAttempts',
      'alerts.channels.k1.timeoutMs',
      'alerts.routes.0.escalate.0.afterMinutes',
      'surge.bucketMinutes',
      'surge.dimensions.0',
      'rootCause.k',
      'agents.windowsDays.0',
      'agents.routing.capacityByAgent.k1',
      'sla.policies.0.targets.resolution',
      'sla.compliance.rules.0.severity',
    ]) {
      expect(keys).toContain(key);
    }
    expect(LEAVES.length).toBeGreaterThan(100);
  });

  it.each(LEAVES.map((l) => [l.key, l] as const))('%s: a valid value and its bounds are accepted', (_key, leaf) => {
    const values = [validValue(leaf)];
    if (leaf.kind === 'number') {
      if (typeof leaf.schema.minimum === 'number') values.push(leaf.schema.minimum);
      if (typeof leaf.schema.maximum === 'number') values.push(leaf.schema.maximum);
    } else {
      values.push(...allowedValues(leaf.schema));
    }
    for (const v of values) {
      const config = parseConfig(inputFor(leaf, v));
      expect(getPath(config, leaf.key), `${leaf.key} = ${String(v)}`).toEqual(v);
    }
  });

  it.each(LEAVES.map((l) => [l.key, l] as const))('%s: each bad value is refused, naming the key', (_key, leaf) => {
    for (const [value, message] of invalidValues(leaf)) {
      const { issue, err } = issueFor(leaf, value);
      const label = `${leaf.key} = ${String(value)}: ${JSON.stringify(err.issues)}`;
      expect(issue, label).toBeDefined();
      expect(issue!.message, label).toMatch(message);
      expect(err.message, label).toContain(`  - ${leaf.key}: `);
    }
  });
});
