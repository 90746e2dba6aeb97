// Real embedded ClickHouse (chDB) for integration tests: a fresh data directory per
// test file (vitest runs each file in its own process; chDB allows one directory
// per process), migrated, and removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse, type ClickHouse } from '../../core/clickhouse/index.ts';
import { parseConfig, type Config } from '../../core/config/index.ts';
import { migrate } from '../../core/schema/index.ts';

export interface TestClickHouse {
  ch: ClickHouse;
  config: Config;
  dataDir: string;
  /** Rows of a query as objects. */
  rows<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** A single number from a one-value query. */
  scalar(sql: string, params?: Record<string, unknown>): Promise<number>;
  truncate(...tables: string[]): Promise<void>;
  cleanup(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ticketpulse-${prefix}-`));
}

export function testConfig(dataDir: string, overrides: Record<string, unknown> = {}): Config {
  return parseConfig({ dataDir, logLevel: 'silent', ...overrides });
}

export async function openTestClickHouse(prefix = 'it'): Promise<TestClickHouse> {
  const dataDir = tempDir(prefix);
  const config = testConfig(dataDir);
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'test' });
  await migrate(ch, { cluster: null, retention: config.retention });
  const rows = async <T>(sql: string, params?: Record<string, unknown>) =>
    (await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
  return {
    ch,
    config,
    dataDir,
    rows,
    async scalar(sql, params) {
      const r = await rows<Record<string, unknown>>(sql, params);
      return Number(Object.values(r[0] ?? {})[0]);
    },
    async truncate(...tables) {
      for (const t of tables) await ch.client.command({ query: `TRUNCATE TABLE ${t}` });
    },
    async cleanup() {
      await ch.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid event with sensible defaults; override any field. */
export function makeEvent(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `evt-${i}`,
    ticket_id: `T-${Math.floor(i / 8)}`,
    type: 'created',
    occurred_at: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
    channel: 'email',
    priority: 'normal',
    team: 'billing',
    subject: `Subject ${i}`,
    ...overrides,
  };
}
