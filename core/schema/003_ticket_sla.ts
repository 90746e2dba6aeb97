import { engine, onCluster, sql, type SchemaContext } from './render.ts';
import type { Migration } from './migration.ts';

// SLA state per ticket and metric (docs/sla.md, "ticket_sla").
//
// Versioned: every recomputation writes a full new row, and the highest `version` of a
// (ticket_id, metric) wins — ReplacingMergeTree(version) collapses older ones on merge,
// and readers that need the current state use FINAL or argMax(…, version). A metric
// the current policy does not track is written as state 'untracked', so a recompute
// under new rules also replaces rows of metrics that no longer apply.
//
// Partitioned by a hash of the ticket id: every version of a row lands in the same
// partition whatever else changes (even created_at can move when a late 'created'
// event arrives), so readers may run FINAL partition by partition
// (do_not_merge_across_partitions_select_final), in parallel, skipping partitions
// already merged into one part. Four partitions also keep a backfill chunk's insert
// to four parts. Instants are UTC; durations are
// business minutes (elapsed, target) or wall minutes (paused) and may be fractional.
//
// sla_processor_state holds the processor's watermark (max received_at processed),
// one row per processor name, latest updated_at wins.
//
// Text columns are plain String: LowCardinality made a backfill's insert cost about
// twice the CPU (dictionary building per block), for no gain in the compliance queries.
//
// The minmax index on ticket_events.received_at lets the incremental processor skip
// every granule older than its watermark instead of scanning the whole log.
export const ticketSla: Migration = {
  version: 3,
  name: 'ticket_sla',
  up: (ctx: SchemaContext) => [
    sql`
      CREATE TABLE IF NOT EXISTS ticket_sla${onCluster(ctx)}
      (
        ticket_id String,
        metric String,
        version UInt64,
        computed_at DateTime64(3, 'UTC'),
        evaluated_at DateTime64(3, 'UTC'),
        source String,
        created_at DateTime64(3, 'UTC'),
        tenant String,
        team String,
        priority String,
        category String,
        channel String,
        customer_tier String,
        status String,
        policy String,
        calendar String,
        state String,
        clock String,
        target_minutes Float64,
        elapsed_minutes Float64,
        paused_minutes Float64,
        started_at Nullable(DateTime64(3, 'UTC')),
        deadline Nullable(DateTime64(3, 'UTC')),
        breached_at Nullable(DateTime64(3, 'UTC')),
        met_at Nullable(DateTime64(3, 'UTC')),
        met_by String,
        decided_at Nullable(DateTime64(3, 'UTC')),
        at_risk_level Array(String),
        at_risk_at Array(Nullable(DateTime64(3, 'UTC'))),
        at_risk_reached Array(UInt8),
        at_risk_threshold_minutes Array(Float64),
        escalation_level Array(UInt8),
        escalation_notify Array(String),
        escalation_due_at Array(Nullable(DateTime64(3, 'UTC'))),
        escalation_state Array(String),
        cycles UInt32,
        breached_cycles UInt32,
        INDEX idx_decided decided_at TYPE minmax GRANULARITY 1,
        INDEX idx_version version TYPE minmax GRANULARITY 1
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'ticket_sla', ['version'])}
      PARTITION BY cityHash64(ticket_id) % 4
      ORDER BY (ticket_id, metric)
    `,
    sql`
      CREATE TABLE IF NOT EXISTS sla_processor_state${onCluster(ctx)}
      (
        name String,
        watermark DateTime64(3, 'UTC'),
        updated_at DateTime64(3, 'UTC')
      )
      ENGINE = ${engine(ctx, 'ReplacingMergeTree', 'sla_processor_state', ['updated_at'])}
      ORDER BY name
    `,
    sql`
      ALTER TABLE ticket_events${onCluster(ctx)}
        ADD INDEX IF NOT EXISTS idx_received received_at TYPE minmax GRANULARITY 1
    `,
  ],
};
