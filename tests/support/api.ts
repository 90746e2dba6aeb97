// Builds the API the way the server does (createServer: logger, limits, plugins),
// on a real embedded ClickHouse, for inject()-based tests (no port is opened unless
// a test listens). Log lines are captured so tests can assert on them.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../api/server.ts';
import { generateApiKey } from '../../api/auth/index.ts';
import { parseConfig, type ApiConfig, type ApiKeyEntry, type ApiScope } from '../../core/config/index.ts';
import { migrationsApplied } from '../../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor } from '../../ingest/index.ts';
import type { TestClickHouse } from './clickhouse.ts';

export interface TestApi {
  app: FastifyInstance;
  writer: BatchWriter;
  /** Every log line the server wrote (JSON). */
  logs: string[];
  close(): Promise<void>;
}

export interface TestApiOptions {
  bodyLimitBytes?: number;
  /** Overrides of the `api` config section, e.g. `{ 'sql.maxExecutionSeconds': 1 }` style objects. */
  api?: Record<string, unknown>;
  keys?: ApiKeyEntry[];
  logLevel?: string;
}

export function apiConfigFor(opts: TestApiOptions = {}): ApiConfig {
  const api: Record<string, unknown> = {
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024,
    docsUi: false,
    ...opts.api,
    auth: { keys: opts.keys ?? [] },
  };
  return parseConfig({ api }).api;
}

export async function buildTestApi(t: TestClickHouse, opts: TestApiOptions = {}): Promise<TestApi> {
  const writer = new BatchWriter({
    inserter: new ClickHouseInserter(t.ch),
    batchRows: 10_000,
    flushIntervalMs: 20,
    maxAttempts: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const fastify = await createServer({
    logLevel: opts.logLevel ?? 'warn',
    logStream,
    app: {
      ch: t.ch,
      ingestor: new HttpIngestor(writer),
      config: apiConfigFor(opts),
      readiness: [
        { name: 'clickhouse', check: () => t.ch.ping() },
        { name: 'migrations', check: () => migrationsApplied(t.ch) },
      ],
    },
  });
  await fastify.ready();
  return {
    app: fastify,
    writer,
    logs,
    async close() {
      await fastify.close();
      await writer.close();
    },
  };
}

/** A fresh key with its config entry (the entry goes into `keys`, the key into requests). */
export function testKey(scopes: ApiScope[], opts: { revoked?: boolean; name?: string } = {}): { key: string; entry: ApiKeyEntry } {
  const k = generateApiKey(scopes, opts.name);
  return { key: k.key, entry: { ...k.entry, revoked: opts.revoked ?? false } };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
