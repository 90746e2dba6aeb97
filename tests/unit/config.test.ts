import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/index.ts';

function issues(fn: () => unknown): Array<{ key: string; env?: string; message: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

const emptyDir = () => mkdtempSync(join(tmpdir(), 'tp-config-'));

describe('configuration', () => {
  it('runs on defaults with no file and no environment', () => {
    const { config, file } = loadConfig({ env: {}, cwd: emptyDir() });
    expect(file).toBeNull();
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 8080, bodyLimitBytes: 16 * 1024 * 1024 });
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.dataDir).toBe('./data');
    expect(config.retention.eventsDays).toBe(1825);
    expect(config.kafka).toMatchObject({ brokers: [], topics: ['ticket-events'] });
    expect(config.ingest).toMatchObject({ batchRows: 10_000, flushIntervalMs: 1_000 });
  });

  it('applies environment overrides with explicit coercion', () => {
    const { config } = loadConfig({
      cwd: emptyDir(),
      env: {
        CLICKHOUSE_URL: 'https://ch.example:8443',
        CLICKHOUSE_USER: 'tp',
        CLICKHOUSE_PASSWORD: 's3cret',
        CLICKHOUSE_DATABASE: 'support',
        TICKETPULSE_DATA_DIR: '/var/lib/tp',
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        PORT: '9090',
        HOST: '0.0.0.0',
        TICKETPULSE_RETENTION_DAYS: '30',
      },
    });
    expect(config.clickhouse).toMatchObject({ url: 'https://ch.example:8443', user: 'tp', password: 's3cret', database: 'support' });
    expect(config.dataDir).toBe('/var/lib/tp');
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.api.port).toBe(9090);
    expect(config.api.host).toBe('0.0.0.0');
    expect(config.retention.eventsDays).toBe(30);
  });

  it('reads YAML and JSON files, found by --config, TICKETPULSE_CONFIG or the default name; env wins over the file', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ticketpulse.config.yaml'), 'api:\n  port: 7000\nretention:\n  eventsDays: 365\n');
    expect(loadConfig({ env: {}, cwd: dir }).config.api.port).toBe(7000);
    expect(loadConfig({ env: { PORT: '7001' }, cwd: dir }).config.api.port).toBe(7001);
    const json = join(dir, 'other.json');
    writeFileSync(json, JSON.stringify({ api: { port: 7002 } }));
    expect(loadConfig({ env: { TICKETPULSE_CONFIG: json }, cwd: dir }).config.api.port).toBe(7002);
    expect(loadConfig({ file: json, env: {}, cwd: dir }).file).toBe(json);
  });

  it.each([
    [{ PORT: 'abc' }, 'api.port', 'PORT', /integer/],
    [{ PORT: '70000' }, 'api.port', 'PORT', /<= 65535/],
    [{ PORT: '80.5' }, 'api.port', 'PORT', /integer/],
    [{ TICKETPULSE_RETENTION_DAYS: '0' }, 'retention.eventsDays', 'TICKETPULSE_RETENTION_DAYS', />= 1/],
    [{ TICKETPULSE_RETENTION_DAYS: 'NaN' }, 'retention.eventsDays', 'TICKETPULSE_RETENTION_DAYS', /integer/],
    [{ CLICKHOUSE_URL: 'ftp://x' }, 'clickhouse.url', 'CLICKHOUSE_URL', /pattern/],
    [{ CLICKHOUSE_DATABASE: 'bad-name;' }, 'clickhouse.database', 'CLICKHOUSE_DATABASE', /pattern/],
    [{ KAFKA_BROKERS: 'no-port' }, 'kafka.brokers.0', 'KAFKA_BROKERS', /pattern/],
    [{ LOG_LEVEL: 'loud' }, 'logLevel', 'LOG_LEVEL', /one of/],
    [{ TICKETPULSE_BATCH_ROWS: '-5' }, 'ingest.batchRows', 'TICKETPULSE_BATCH_ROWS', />= 1/],
  ])('rejects env %j naming %s', (env, key, envName, message) => {
    const found = issues(() => loadConfig({ env: env as Record<string, string>, cwd: emptyDir() }));
    const issue = found.find((i) => i.key === key);
    expect(issue, JSON.stringify(found)).toBeDefined();
    expect(issue!.env).toBe(envName);
    expect(issue!.message).toMatch(message);
  });

  it.each([
    ['api:\n  port: "eighty"\n', 'api.port', /integer/],
    ['api:\n  prot: 80\n', 'api.prot', /unknown key/],
    ['nonsense: true\n', 'nonsense', /unknown key/],
    ['simulator:\n  speed: 0\n', 'simulator.speed', />/],
    ['simulator:\n  speed: .nan\n', 'simulator.speed', /NaN/],
    ['simulator:\n  invalidRate: 2\n', 'simulator.invalidRate', /<= 1/],
    ['kafka:\n  topics: []\n', 'kafka.topics', /items|least/],
    ['dataDir: ""\n', 'dataDir', /least 1|characters/],
    ['- a\n- b\n', '(root)', /mapping/],
    ['api: [unclosed\n', '(file)', /cannot parse/],
  ])('rejects file content %j naming %s', (yaml, key, message) => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ticketpulse.config.yaml'), yaml);
    const found = issues(() => loadConfig({ env: {}, cwd: dir }));
    const issue = found.find((i) => i.key === key);
    expect(issue, JSON.stringify(found)).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('lists every problem at once, and the message names each key', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ticketpulse.config.yaml'), 'api:\n  port: 0.5\nbogus: 1\ningest:\n  batchRows: 0\nkafka:\n  lagRecordSeconds: -1\n');
    let message = '';
    try {
      loadConfig({ env: { LOG_LEVEL: 'chatty', KAFKA_BROKERS: 'x' }, cwd: dir });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const key of ['api.port', 'bogus', 'ingest.batchRows', 'kafka.lagRecordSeconds', 'logLevel (from LOG_LEVEL)', 'kafka.brokers.0 (from KAFKA_BROKERS)']) {
      expect(message).toContain(key);
    }
  });

  it('fails clearly when an explicit config file does not exist', () => {
    const found = issues(() => loadConfig({ file: 'missing.yaml', env: {}, cwd: emptyDir() }));
    expect(found[0]).toMatchObject({ key: '--config' });
    expect(found[0].message).toMatch(/not found/);
  });
});
