import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// Detected volume surges (docs/root-cause.md, "Surge detection"): one row per
// (dimension, value, bucket) that scored as a surge, with what was observed, what the
// baseline expected, and the score.
//
// Versioned: the detector re-evaluates recent buckets every run (late events), and
// every evaluation writes a full row with a newer `version`, so ReplacingMergeTree
// keeps the latest per key instead of piling up duplicates. A bucket that a later run
// no longer finds unusual is rewritten with status 'retracted'. Readers use FINAL (or
// argMax by version) and usually want status = 'surging'.
//
// Partitioned by the bucket's month, which re-runs do not change, so the versions of
// a row always meet in one partition.
export const surges: Migration = {
  version: 5,
  name: 'surges',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS surges${onCluster(ctx)}
      (
        dimension LowCardinality(String),
        value String,
        bucket_start DateTime64(3, 'UTC'),
        bucket_minutes UInt16,
        version UInt64,
        detected_at DateTime64(3, 'UTC'),
        observed UInt32,
        expected Float64,
        score Float64,
        ratio Float64,
        method LowCardinality(String),
        baseline_kind LowCardinality(String),
        baseline_points UInt16,
        status LowCardinality(String),
        INDEX idx_detected detected_at TYPE minmax GRANULARITY 1
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'surges', ['version'])}
      PARTITION BY toYYYYMM(bucket_start)
      ORDER BY (dimension, value, bucket_minutes, bucket_start)
    `,
  ],
};
