// Pipeline health: what arrives, how late, what is rejected and why, and whether the
// processors run. Events and dead letters are read with FINAL: a replayed message is
// one event (or one dead letter), counted once, at its latest delivery — the same
// answer before and after ClickHouse merges the copies. processor_runs holds one row
// per run (the scheduler writes it once, after the run), so it needs no deduplication.
import type { DashboardSpec } from '../build.ts';
import { stat, table, timeSeries } from '../panels.ts';
import { LOOKBACK_DAYS, LOOKBACK_START, inFilter, sql } from '../sql.ts';
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
  note: 'received_at − occurred_at, by arrival time. Replays of history and backfills show up as large delays. Kafka consumer lag (messages not yet read) is in the Kafka row.',
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

const LAG: ['kafka_consumer_lag'] = ['kafka_consumer_lag'];

const consumerLag = timeSeries({
  title: 'Kafka consumer lag',
  question: 'How many messages wait in Kafka, per partition and in total?',
  note:
    'Messages not yet stored and committed (high watermark − committed offset), summed over partitions per topic and consumer group: ' +
    'the highest sample of each partition in the interval. Sampled by every ingest consumer every kafka.lagRecordSeconds (default 15 s) into kafka_consumer_lag.',
  tables: LAG,
  values: ['lag'],
  labels: ['consumer_group'],
  min: 0,
  sql: sql`
    SELECT time, consumer_group, sum(lag) AS lag
    FROM (
      SELECT $__timeInterval(recorded_at) AS time, concat(topic, ' · ', group_id) AS consumer_group, partition, max(lag) AS lag
      FROM kafka_consumer_lag
      WHERE $__timeFilter(recorded_at)
      GROUP BY time, consumer_group, partition
    )
    GROUP BY time, consumer_group
    ORDER BY time, consumer_group`,
});

const lagByPartition = table({
  title: 'Lag by partition',
  question: 'Which partitions are behind right now, and which consumer owns them?',
  note: 'The latest sample of each partition up to the end of the range. A sample older than a minute or two means its consumer stopped sampling (stopped, or lost the partition).',
  tables: LAG,
  columns: ['topic', 'partition', 'group_id', 'lag', 'committed_offset', 'high_watermark', 'paused', 'consumer', 'sampled_at'],
  units: { sampled_at: 'dateTimeAsIso' },
  width: 12,
  height: 8,
  sql: sql`
    SELECT
      toString(topic) AS topic,
      partition,
      toString(group_id) AS group_id,
      argMax(lag, recorded_at) AS lag,
      argMax(committed_offset, recorded_at) AS committed_offset,
      argMax(high_watermark, recorded_at) AS high_watermark,
      argMax(paused, recorded_at) AS paused,
      argMax(consumer, recorded_at) AS consumer,
      max(recorded_at) AS sampled_at
    FROM kafka_consumer_lag
    WHERE recorded_at >= $__fromTime AND recorded_at <= $__toTime
    GROUP BY topic, partition, group_id
    ORDER BY lag DESC, topic, partition
    LIMIT 500`,
});

const RUNS: ['processor_runs'] = ['processor_runs'];

const processorRunTimes = timeSeries({
  title: 'Processor run times',
  question: 'How long does each processor run take, and is it getting slower?',
  note: 'The slowest run per interval, per processor (sla, sla-compliance, surge, agents, root-cause), by start time. Processors run every few minutes to daily, so points are joined across empty intervals.',
  tables: RUNS,
  values: ['duration'],
  labels: ['processor'],
  unit: 's',
  min: 0,
  sparse: true,
  sql: sql`
    SELECT $__timeInterval(started_at) AS time, toString(processor) AS processor, max(duration_ms) / 1000 AS duration
    FROM processor_runs
    WHERE $__timeFilter(started_at)
    GROUP BY time, processor
    ORDER BY time, processor`,
});

const lastSuccessfulRun = table({
  title: 'Last successful run',
  question: 'When did each processor last succeed, and did any run fail?',
  note:
    `Per processor: its last successful run (up to ${LOOKBACK_DAYS} days before the range start) and how long before the end of the range that was; runs, failures and the median duration in the range; the latest run’s status and error. ` +
    'A processor missing here has not run at all.',
  tables: RUNS,
  columns: ['processor', 'last_success', 'since_last_success', 'last_run', 'last_status', 'runs', 'failed', 'median_duration', 'last_error'],
  units: { since_last_success: 's', median_duration: 's', last_success: 'dateTimeAsIso', last_run: 'dateTimeAsIso' },
  width: 12,
  height: 8,
  sql: sql`
    SELECT
      toString(processor) AS processor,
      maxIfOrNull(started_at, status = 'ok') AS last_success,
      dateDiff('second', last_success, $__toTime) AS since_last_success,
      max(started_at) AS last_run,
      toString(argMax(status, started_at)) AS last_status,
      countIf($__timeFilter(started_at)) AS runs,
      countIf($__timeFilter(started_at) AND status = 'error') AS failed,
      quantileExactIf(0.5)(duration_ms, $__timeFilter(started_at)) / 1000 AS median_duration,
      argMax(error, started_at) AS last_error
    FROM processor_runs
    WHERE started_at >= ${LOOKBACK_START} AND started_at <= $__toTime
    GROUP BY processor
    ORDER BY processor`,
});

export const pipelineHealth: DashboardSpec = {
  uid: 'ticketpulse-pipeline',
  file: 'pipeline-health.json',
  title: 'TicketPulse — Pipeline health',
  description: 'Ingest rate, delivery delay, dead letters, Kafka consumer lag and processor runs.',
  tags: ['pipeline'],
  variables: [source],
  time: { from: 'now-24h', to: 'now' },
  refresh: '30s',
  rows: [
    { title: 'Now', panels: [eventsStored, deadLetterCount, rejectedShare, sinceLastEvent] },
    { title: 'Ingest', panels: [ingestRate, deliveryDelay] },
    { title: 'Dead letters', panels: [deadLettersByReason, rejectedShareTrend, recentDeadLetters] },
    { title: 'Kafka', panels: [consumerLag, lagByPartition, kafkaPartitions] },
    { title: 'Processors', panels: [processorRunTimes, lastSuccessfulRun] },
  ],
  pending: [],
};
