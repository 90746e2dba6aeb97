// The API as the server builds it, with the analysts' read engine replaced by a
// recorder, for the overview route tests: every statement the overview runs is kept
// with its run options, and answered by a function of the SQL (JSONCompact).
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../api/server.ts';
import type { AnalystSql, ClickHouse, RunOptions } from '../../core/clickhouse/index.ts';
import type { ApiKeyEntry } from '../../core/config/index.ts';
import type { AlertsPort } from '../../core/ports/alerts.ts';
import { apiConfigFor } from './api.ts';

export interface RecordedRun {
  sql: string;
  opts: RunOptions;
}

export interface FakeResult {
  columns: string[];
  rows: unknown[][];
}

export const FAKE_LIMITS = { maxExecutionSeconds: 7, maxResultRows: 1234, maxResultBytes: 5678, maxMemoryBytes: 9012 };

export interface FakeApi {
  app: FastifyInstance;
  runs: RecordedRun[];
  close(): Promise<void>;
}

export async function buildFakeApi(answer: (sql: string) => FakeResult, opts: { keys?: ApiKeyEntry[]; alerts?: AlertsPort } = {}): Promise<FakeApi> {
  const runs: RecordedRun[] = [];
  const engine = {
    async run(sql: string, o: RunOptions): Promise<Buffer> {
      runs.push({ sql, opts: o });
      const r = answer(sql);
      return Buffer.from(JSON.stringify({ meta: r.columns.map((name) => ({ name, type: 'String' })), data: r.rows }));
    },
  };
  const analyst = { engine, limits: FAKE_LIMITS, close: async () => {} } as unknown as AnalystSql;
  const app = await createServer({
    logLevel: 'silent',
    app: {
      ch: {} as ClickHouse,
      analyst,
      ingestor: { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) },
      readiness: [],
      config: apiConfigFor({ keys: opts.keys ?? [] }),
      ...(opts.alerts ? { alerts: opts.alerts } : {}),
    },
  });
  await app.ready();
  return { app, runs, close: () => app.close() };
}
