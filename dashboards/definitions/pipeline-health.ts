// Pipeline health: what arrives, how late, what is rejected and why. Rows are read
// with FINAL: a replayed message is one event (or one dead letter), counted once, at
// its latest delivery — the same answer before and after ClickHouse merges the copies.
import type { DashboardSpec } from '../build.ts';
import { stat, table, timeSeries } from '../panels.ts';
import { inFilter, sql } from '../sql.ts';
import { source } from '../variables.ts';

const SOURCE = inFilter('source', 'source');
const EVENTS: ['ticket_events'] = ['ticket_events'];
const DEAD: ['dead_letters'] = ['dead_letters'];
const BOTH: ['ticket_events', 'dead_letters'] = ['ticket_events', 'dead_letters'];

const eventsStored = stat({
  title: 'Events stored',
  question: 'How many distinct events arrived in this period?',
  note: 'By arrival time (received_at); a replayed event counts once.',
  tables: EVENTS,
  values: ['events'],
  sql: sql`
    SELECT count() AS events
    FROM ticket_events FINAL
    WHERE $__timeFilter(received_at) AND ${SOURCE}`,
});

const deadLetterCount = stat({
  title: 'Dead letters',
  question: 'How many messages were rejected in this period?',
  tables: DEAD,
  values: ['dead_letters'],
  sql: sql`
    SELECT count() AS dead_letters
    FROM dead_letters FINAL
    WHERE $__timeFilter(received_at) AND ${SOURCE}`,
});

const rejectedShare = stat({
  title: 'Rejected share',
  question: 'What share of incoming messages is rejected?',
  note: 'Dead letters / (events + dead letters), by arrival time.',
  tables: BOTH,
  values: ['rejected_share'],
  unit: 'percentunit',
  decimals: 2,
  sql: sql`
    SELECT rejected / greatest(rejected + accepted, 1) AS rejected_share
    FROM
      (SELECT count() AS accepted FROM ticket_events FINAL WHERE $__timeFilter(received_at) AND ${SOURCE}) AS e,
      (SELECT count() AS rejected FROM dead_letters FINAL WHERE $__timeFilter(received_at) AND ${SOURCE}) AS d`,
});

const sinceLastEvent = stat({
  title: 'Since the last event',
  question: 'Is anything arriving right now?',
  note: 'Time from the latest arrival in the range to now; large when ingest has stopped or the producers are quiet.',
  tables: EVENTS,
  values: ['seconds_since_last_event'],
  unit: 's',
  sql: sql`
    SELECT dateDiff('second', max(received_at), now64(3)) AS seconds_since_last_event
    FROM ticket_events
    WHERE $__timeFilter(received_at) AND ${SOURCE}`,
});

const ingestRate = timeSeries({
  title: 'Ingest rate by source',
  question: 'How many events per second are being stored, from which source?',
  note: 'Distinct events per second, by arrival time.',
  tables: EVENTS,
  values: ['events_per_second'],
  labels: ['source'],
  unit: 'ops',
  sql: sql`
    SELECT $__timeInterval(received_at) AS time, source, count() / $__interval_s AS events_per_second
    FROM ticket_events FINAL
    WHERE $__timeFilter(received_at) AND ${SOURCE}
    GROUP BY time, source
    ORDER BY time, source`,
});

const deliveryDelay = timeSeries({
  title: 'Delivery delay (received − occurred)',
  question: 'How late do events reach TicketPulse after they happened in the ticketing core?',
  note: 'received_at − occurred_at, by arrival time. Replays of history and backfills show up as large delays. Kafka consumer lag (messages not yet read) is not here: it comes from the consumer’s metrics (see dashboards/README.md, pending).',
  tables: EVENTS,
  values: ['p50', 'p95', 'slowest'],
  unit: 's',
  sql: sql`
    SELECT
      $__timeInterval(received_at) AS time,
      quantile(0.5)(delay_s) AS p50,
      quantile(0.95)(delay_s) AS p95,
      max(delay_s) AS slowest
    FROM (
      SELECT received_at, dateDiff('millisecond', occurred_at, received_at) / 1000 AS delay_s
      FROM ticket_events FINAL
      WHERE $__timeFilter(received_at) AND ${SOURCE}
    )
    GROUP BY time
    ORDER BY time`,
});

const deadLettersByReason = timeSeries({
  title: 'Dead letters by reason',
  question: 'Why are messages rejected, and since when?',
  tables: DEAD,
  values: ['dead_letters'],
  labels: ['reason'],
  stacked: true,
  bars: true,
  sql: sql`
    SELECT $__timeInterval(received_at) AS time, reason, count() AS dead_letters
    FROM dead_letters FINAL
    WHERE $__timeFilter(received_at) AND ${SOURCE}
    GROUP BY time, reason
    ORDER BY time, reason`,
});

const rejectedShareTrend = timeSeries({
  title: 'Rejected share over time',
  question: 'Did a producer start sending bad messages?',
  note: 'Dead letters / (events + dead letters) per interval, by arrival time.',
  tables: BOTH,
  values: ['rejected_share'],
  unit: 'percentunit',
  min: 0,
  sql: sql`
    SELECT time, sum(rejected) / greatest(sum(rejected) + sum(accepted), 1) AS rejected_share
    FROM (
      SELECT $__timeInterval(received_at) AS time, count() AS accepted, 0 AS rejected
      FROM ticket_events FINAL
      WHERE $__timeFilter(received_at) AND ${SOURCE}
      GROUP BY time
      UNION ALL
      SELECT $__timeInterval(received_at) AS time, 0 AS accepted, count() AS rejected
      FROM dead_letters FINAL
      WHERE $__timeFilter(received_at) AND ${SOURCE}
      GROUP BY time
    )
    GROUP BY time
    ORDER BY time`,
});

const recentDeadLetters = table({
  title: 'Recent dead letters',
  question: 'What exactly was rejected, and where did it come from?',
  note: 'The 100 latest; raw_preview is the first 200 bytes (invalid UTF-8 replaced). The full bytes are in dead_letters.raw.',
  tables: DEAD,
  columns: ['received_at', 'source', 'reason', 'path', 'detail', 'event_id', 'ticket_id', 'raw_size', 'raw_preview', 'kafka_topic', 'kafka_partition', 'kafka_offset'],
  units: { raw_size: 'bytes' },
  height: 10,
  sql: sql`
    SELECT
      received_at, source, reason, path, detail, event_id, ticket_id, raw_size,
      toValidUTF8(substring(raw, 1, 200)) AS raw_preview,
      kafka_topic, kafka_partition, kafka_offset
    FROM dead_letters FINAL
    WHERE $__timeFilter(received_at) AND ${SOURCE}
    ORDER BY received_at DESC, dl_id
    LIMIT 100`,
});

const kafkaPartitions = table({
  title: 'Kafka partitions',
  question: 'Is every partition flowing, and how far has each been read?',
  note: 'From the lineage columns of stored events: offsets stored in the range and the latest arrival per partition. A partition missing here received nothing, or its consumer is stuck.',
  tables: EVENTS,
  columns: ['kafka_topic', 'kafka_partition', 'events', 'first_offset', 'last_offset', 'last_received_at'],
  height: 8,
  sql: sql`
    SELECT
      kafka_topic,
      kafka_partition,
      count() AS events,
      min(kafka_offset) AS first_offset,
      max(kafka_offset) AS last_offset,
      max(received_at) AS last_received_at
    FROM ticket_events FINAL
    WHERE $__timeFilter(received_at) AND source = 'kafka' AND ${SOURCE}
    GROUP BY kafka_topic, kafka_partition
    ORDER BY kafka_topic, kafka_partition`,
});

export const pipelineHealth: DashboardSpec = {
  uid: 'ticketpulse-pipeline',
  file: 'pipeline-health.json',
  title: 'TicketPulse — Pipeline health',
  description: 'Ingest rate, delivery delay and dead letters. Kafka consumer lag and processor runs are pending (dashboards/README.md).',
  tags: ['pipeline'],
  variables: [source],
  time: { from: 'now-24h', to: 'now' },
  refresh: '30s',
  rows: [
    { title: 'Now', panels: [eventsStored, deadLetterCount, rejectedShare, sinceLastEvent] },
    { title: 'Ingest', panels: [ingestRate, deliveryDelay] },
    { title: 'Dead letters', panels: [deadLettersByReason, rejectedShareTrend, recentDeadLetters] },
    { title: 'Kafka', panels: [kafkaPartitions] },
  ],
  pending: [
    { title: 'Kafka consumer lag', question: 'How many messages wait in Kafka, per partition and in total?', needs: ['ingest metrics table (consumer lag per partition)'] },
    { title: 'Processor run times', question: 'How long does each processor run take, and is it getting slower?', needs: ['processor run records'] },
    { title: 'Last successful run', question: 'When did each processor last succeed, and did any run fail?', needs: ['processor run records'] },
  ],
};
