// Builds the Fastify app the way the server does, on a real embedded ClickHouse,
// for inject()-based tests (no port is opened).
import Fastify, { type FastifyInstance } from 'fastify';
import { app } from '../../api/app.ts';
import { migrationsApplied } from '../../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor } from '../../ingest/index.ts';
import type { TestClickHouse } from './clickhouse.ts';

export interface TestApi {
  app: FastifyInstance;
  writer: BatchWriter;
  close(): Promise<void>;
}

export async function buildTestApi(t: TestClickHouse, opts: { bodyLimitBytes?: number } = {}): Promise<TestApi> {
  const writer = new BatchWriter({
    inserter: new ClickHouseInserter(t.ch),
    batchRows: 10_000,
    flushIntervalMs: 20,
    maxAttempts: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
  });
  const fastify = Fastify({ logger: false, bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024 });
  await fastify.register(app, {
    ch: t.ch,
    ingestor: new HttpIngestor(writer),
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024,
    readiness: [
      { name: 'clickhouse', check: () => t.ch.ping() },
      { name: 'migrations', check: () => migrationsApplied(t.ch) },
    ],
  });
  await fastify.ready();
  return {
    app: fastify,
    writer,
    async close() {
      await fastify.close();
      await writer.close();
    },
  };
}
