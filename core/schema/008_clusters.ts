import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// Root-cause clusters (docs/root-cause.md, "Tracking and alerts").
//
// `clusters`: one row per (cluster, tracking run). A cluster keeps its `cluster_id`
// across runs (matched by centroid), so a cluster's history is its rows ordered by
// `run_at`, and the current state is the row of the latest run. A re-run at the same
// instant writes a newer `version` of the same key, which ReplacingMergeTree keeps
// instead of duplicating; readers use FINAL. `term_keys`/`term_weights` are the
// centroid in term space (stable across feature models, what matching uses);
// `centroid` is the reduced-space one, comparable only within one feature model.
//
// `ticket_clusters`: the membership of every run (ticket → cluster). Kept for 30 days:
// it is a working table for "which tickets are in this cluster", not an archive.
//
// Both are partitioned by the run's month, which re-runs do not change, so the
// versions of a row always meet in one partition.
export const clusters: Migration = {
  version: 8,
  name: 'clusters',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS clusters${onCluster(ctx)}
      (
        cluster_id String,
        run_at DateTime64(3, 'UTC'),
        run_id String,
        version UInt64,
        status LowCardinality(String),
        surging UInt8,
        alerted UInt8,
        label String,
        top_terms Array(String),
        size UInt32,
        recent UInt32,
        growth Float64,
        first_seen DateTime64(3, 'UTC'),
        last_seen DateTime64(3, 'UTC'),
        history_at Array(DateTime64(3, 'UTC')),
        history_size Array(UInt32),
        concentration_attribute LowCardinality(String),
        concentration_value String,
        concentration_share Float64,
        profile String,
        sample_subjects Array(String),
        suggested_owner LowCardinality(String),
        centroid Array(Float32),
        term_keys Array(String),
        term_weights Array(Float32),
        INDEX idx_run run_at TYPE minmax GRANULARITY 1
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'clusters', ['version'])}
      PARTITION BY toYYYYMM(run_at)
      ORDER BY (cluster_id, run_at)
    `,
    sql`
      CREATE TABLE IF NOT EXISTS ticket_clusters${onCluster(ctx)}
      (
        cluster_id String,
        run_at DateTime64(3, 'UTC'),
        ticket_id String,
        run_id String,
        version UInt64
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'ticket_clusters', ['version'])}
      PARTITION BY toYYYYMM(run_at)
      ORDER BY (cluster_id, run_at, ticket_id)
      TTL toDateTime(run_at) + INTERVAL 30 DAY
    `,
  ],
};
