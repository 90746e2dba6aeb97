import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

/** Snapshot history kept by default; the agents processor re-applies `agents.historyDays` at start-up. */
export const AGENT_HISTORY_DEFAULT_DAYS = 90;

// Agent skill scores, routing weights and the weight feed's delivery log.
//  - agent_scores: one snapshot per recompute (computed_at), per agent × skill × window;
//    the composite and every component carry sample size and credible interval.
//  - routing_weights: one full snapshot per published version (version increases
//    strictly); `changed` marks rows that differ from the previous version and
//    `active = 0` rows are tombstones of agents that left a (team, skill).
//  - routing_feed_deliveries: which version each push sink has acknowledged, so a
//    restart resumes the feed where it stopped instead of replaying or skipping.
export const agents: Migration = {
  version: 6,
  name: 'agents',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS agent_scores${onCluster(ctx)}
      (
        computed_at DateTime64(3, 'UTC'),
        routing_version UInt64,
        window_days UInt16,
        skill_dimension LowCardinality(String),
        skill String,
        agent_id String,
        team LowCardinality(String),
        time_basis LowCardinality(String),
        last_seen_at DateTime64(3, 'UTC'),
        tickets UInt32,
        settled UInt32,
        resolved UInt32,
        reopened UInt32,
        transfers_out UInt32,
        csat_n UInt32,
        csat_good UInt32,
        csat_mean Nullable(Float64),
        sla_n UInt32,
        sla_met UInt32,
        frt_n UInt32,
        frt_typical_s Nullable(Float64),
        handle_n UInt32,
        handle_typical_s Nullable(Float64),
        resolution_score Float64,
        resolution_lo Float64,
        resolution_hi Float64,
        reopen_score Float64,
        reopen_lo Float64,
        reopen_hi Float64,
        csat_score Float64,
        csat_lo Float64,
        csat_hi Float64,
        sla_score Nullable(Float64),
        sla_lo Nullable(Float64),
        sla_hi Nullable(Float64),
        frt_ratio Float64,
        frt_lo Float64,
        frt_hi Float64,
        handle_ratio Float64,
        handle_lo Float64,
        handle_hi Float64,
        composite Float64,
        composite_lo Float64,
        composite_hi Float64,
        composite_z Float64
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'agent_scores')}
      PARTITION BY toYYYYMM(computed_at)
      ORDER BY (agent_id, skill, window_days, computed_at)
      TTL toDateTime(computed_at) + INTERVAL ${AGENT_HISTORY_DEFAULT_DAYS} DAY
    `,
    sql`
      CREATE TABLE IF NOT EXISTS routing_weights${onCluster(ctx)}
      (
        version UInt64,
        published_at DateTime64(3, 'UTC'),
        skill_dimension LowCardinality(String),
        team LowCardinality(String),
        skill String,
        agent_id String,
        weight Float64,
        previous_weight Float64,
        score Float64,
        score_z Float64,
        tickets UInt32,
        open_tickets UInt32,
        capacity UInt32,
        active UInt8,
        changed UInt8,
        changed_in UInt64,
        changed_at DateTime64(3, 'UTC'),
        resync_below UInt64
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'routing_weights')}
      PARTITION BY toYYYYMM(published_at)
      ORDER BY (version, team, skill, agent_id)
      TTL toDateTime(published_at) + INTERVAL ${AGENT_HISTORY_DEFAULT_DAYS} DAY
    `,
    sql`
      CREATE TABLE IF NOT EXISTS routing_feed_deliveries${onCluster(ctx)}
      (
        sink LowCardinality(String),
        version UInt64,
        delivered_at DateTime64(3, 'UTC'),
        attempts UInt32
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'routing_feed_deliveries')}
      ORDER BY (sink, version)
      TTL toDateTime(delivered_at) + INTERVAL ${AGENT_HISTORY_DEFAULT_DAYS} DAY
    `,
  ],
};
