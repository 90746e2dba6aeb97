import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// Kafka consumer lag, sampled: every ingest consumer writes one row per assigned
// partition every `kafka.lagRecordSeconds`. Lag lives in the brokers and in each
// consumer's memory; keeping samples in ClickHouse lets the pipeline-health dashboard
// (and an analyst) see it over time next to the data it delays, without a separate
// metrics store. Prometheus still gets the live gauge from /metrics.
//
// Plain MergeTree: samples are observations, not facts to deduplicate — a replayed
// insert adds one more sample at the same instant, which max()/argMax readers absorb.
export const kafkaConsumerLag: Migration = {
  version: 9,
  name: 'kafka_consumer_lag',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS kafka_consumer_lag${onCluster(ctx)}
      (
        recorded_at DateTime64(3, 'UTC'),
        group_id LowCardinality(String),
        consumer String,
        topic LowCardinality(String),
        partition UInt32,
        committed_offset Int64,
        high_watermark Int64,
        lag Int64,
        paused UInt8
      )
      ENGINE = ${engine(ctx, 'MergeTree', 'kafka_consumer_lag')}
      PARTITION BY toYYYYMMDD(recorded_at)
      ORDER BY (group_id, topic, partition, recorded_at)
      TTL toDateTime(recorded_at) + INTERVAL 30 DAY
    `,
  ],
};
