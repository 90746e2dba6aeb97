import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// The raw event log. ORDER BY event_id is the deduplication key: a replayed event
// collapses with its earlier copy on merge and under FINAL. Partitioning by event
// month (not arrival) keeps every copy of an event in one partition, where merges
// and OPTIMIZE FINAL can meet it.
export const ticketEvents: Migration = {
  version: 1,
  name: 'ticket_events',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS ticket_events${onCluster(ctx)}
      (
        event_id String,
        ticket_id String,
        type LowCardinality(String),
        occurred_at DateTime64(3, 'UTC'),
        tenant LowCardinality(String),
        channel LowCardinality(String),
        priority LowCardinality(String),
        customer_id String,
        customer_tier LowCardinality(String),
        team LowCardinality(String),
        agent_id LowCardinality(String),
        category LowCardinality(String),
        product LowCardinality(String),
        region LowCardinality(String),
        status LowCardinality(String),
        subject String,
        body String CODEC(ZSTD(3)),
        csat Nullable(UInt8),
        attributes Map(LowCardinality(String), String),
        schema_version UInt16,
        received_at DateTime64(3, 'UTC'),
        source LowCardinality(String),
        kafka_topic LowCardinality(String),
        kafka_partition Int32,
        kafka_offset Int64,
        INDEX idx_ticket ticket_id TYPE bloom_filter(0.01) GRANULARITY 4,
        INDEX idx_occurred occurred_at TYPE minmax GRANULARITY 1
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'ticket_events')}
      PARTITION BY toYYYYMM(occurred_at)
      ORDER BY event_id
      TTL toDateTime(occurred_at) + INTERVAL ${ctx.retention.eventsDays} DAY
    `,
  ],
};

// Every rejected message, with its raw bytes (hex on the way in, so invalid UTF-8
// survives a text insert format), the reason and its origin. dl_id is derived from
// the origin (Kafka coordinates, or HTTP request id + index), so a replayed batch
// collapses here too.
export const deadLetters: Migration = {
  version: 2,
  name: 'dead_letters',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS dead_letters${onCluster(ctx)}
      (
        dl_id String,
        received_at DateTime64(3, 'UTC'),
        source LowCardinality(String),
        reason LowCardinality(String),
        path String,
        detail String,
        event_id String,
        ticket_id String,
        raw_hex String EPHEMERAL,
        raw String DEFAULT unhex(raw_hex) CODEC(ZSTD(3)),
        raw_size UInt32,
        raw_truncated UInt8,
        kafka_topic LowCardinality(String),
        kafka_partition Int32,
        kafka_offset Int64
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'dead_letters')}
      PARTITION BY toYYYYMM(received_at)
      ORDER BY dl_id
      TTL toDateTime(received_at) + INTERVAL ${ctx.retention.deadLettersDays} DAY
    `,
  ],
};
