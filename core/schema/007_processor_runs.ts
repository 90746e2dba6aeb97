import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// One row per processor run: what the pipeline-health dashboard and /readyz-style
// checks read to answer "when did SLA (or clustering, …) last succeed, and how long
// did it take?".
export const processorRuns: Migration = {
  version: 7,
  name: 'processor_runs',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS processor_runs${onCluster(ctx)}
      (
        run_id String,
        processor LowCardinality(String),
        trigger LowCardinality(String),
        started_at DateTime64(3, 'UTC'),
        finished_at DateTime64(3, 'UTC'),
        duration_ms UInt32,
        status LowCardinality(String),
        error String,
        details String
      )
      ENGINE = ${engine(ctx, 'MergeTree', 'processor_runs')}
      PARTITION BY toYYYYMM(started_at)
      ORDER BY (processor, started_at)
      TTL toDateTime(started_at) + INTERVAL 90 DAY
    `,
  ],
};
