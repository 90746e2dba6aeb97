import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// The alert log and its delivery outbox (docs/alerts.md, "Tables").
//
// Both tables keep every version: ORDER BY (id, version) means versions never
// collapse into each other (history stays for SQL), while a row written twice with
// the same version (a retried insert) does. Readers take the latest version per id
// (`ORDER BY version DESC LIMIT 1 BY id`, or argMax). Partitions follow fired_at /
// created_at, which never change between versions, so all versions of one alert or
// delivery sit in one partition.
export const alertsTables: Migration = {
  version: 4,
  name: 'alerts',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS alerts${onCluster(ctx)}
      (
        alert_id String,
        version UInt64,
        event LowCardinality(String),
        actor String,
        note String,
        dedup_key String,
        kind LowCardinality(String),
        severity LowCardinality(String),
        state LowCardinality(String),
        subject_type LowCardinality(String),
        subject_id String,
        summary String,
        details Map(LowCardinality(String), Float64),
        labels Map(LowCardinality(String), String),
        links Map(String, String),
        team LowCardinality(String) MATERIALIZED labels['team'],
        fired_at DateTime64(3, 'UTC'),
        last_seen_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        acknowledged_at Nullable(DateTime64(3, 'UTC')),
        acknowledged_by String,
        resolved_at Nullable(DateTime64(3, 'UTC')),
        resolved_by String,
        resolution LowCardinality(String),
        escalation_level UInt8,
        notifications UInt32,
        occurrences UInt32,
        last_notified_at Nullable(DateTime64(3, 'UTC')),
        last_notification LowCardinality(String),
        next_notify_at Nullable(DateTime64(3, 'UTC')),
        INDEX idx_dedup dedup_key TYPE bloom_filter(0.01) GRANULARITY 4
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'alerts')}
      PARTITION BY toYYYYMM(fired_at)
      ORDER BY (alert_id, version)
    `,
    sql`
      CREATE TABLE IF NOT EXISTS alert_deliveries${onCluster(ctx)}
      (
        delivery_id String,
        version UInt64,
        alert_id String,
        alert_version UInt64,
        channel LowCardinality(String),
        channel_type LowCardinality(String),
        notification LowCardinality(String),
        escalation_level UInt8,
        state LowCardinality(String),
        attempts UInt16,
        last_status UInt16,
        last_error String,
        created_at DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC'),
        next_attempt_at DateTime64(3, 'UTC'),
        delivered_at Nullable(DateTime64(3, 'UTC')),
        digest_id String,
        member_count UInt32,
        message String CODEC(ZSTD(3))
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'alert_deliveries')}
      PARTITION BY toYYYYMM(created_at)
      ORDER BY (delivery_id, version)
    `,
  ],
};
