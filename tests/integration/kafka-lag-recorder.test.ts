// Consumer-lag samples (kafka_consumer_lag) against the real wire protocol (librdkafka's
// mock cluster) and embedded ClickHouse: what the pipeline-health dashboard charts must
// be the broker's high watermark minus what this group committed, per partition.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriter, ClickHouseInserter } from '../../ingest/index.ts';
import { lagRows, startKafkaIngest, startLagRecorder, type KafkaIngestStatus } from '../../ingest/kafka/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { FailingInserter, adminFor, committedOffsets, highWatermarks, ingestConfig, preloadEvents, scratchDir, TEST_TUNING, testLogger, waitFor } from '../support/kafka-ingest-helpers.ts';

let t: TestClickHouse;
let broker: KafkaTestBroker;
let scratch: ReturnType<typeof scratchDir>;
const log = testLogger();

beforeAll(async () => {
  [t, broker] = await Promise.all([openTestClickHouse('kafka-lag'), startKafkaBroker({ brokers: 1 })]);
  scratch = scratchDir('kafka-lag');
});

afterAll(async () => {
  await broker?.stop();
  await t?.cleanup();
  scratch?.cleanup();
});

interface Sample {
  partition: number;
  committed_offset: string;
  high_watermark: string;
  lag: string;
  paused: number;
}

describe('consumer-lag samples', () => {
  it('turn a status into one row per partition with known offsets, and skip partitions without a commit', () => {
    const status = {
      groupId: 'g',
      partitions: [
        { topic: 'a', partition: 0, committed: '10', highWatermark: '25', lag: 15, paused: true, inFlightBatches: 1 },
        { topic: 'a', partition: 1, committed: null, highWatermark: '7', lag: null, paused: false, inFlightBatches: 0 },
      ],
    } as unknown as KafkaIngestStatus;
    expect(lagRows(status, 'host:1', Date.UTC(2026, 10, 26, 12))).toEqual([
      { recorded_at: '2026-11-26 12:00:00.000', group_id: 'g', consumer: 'host:1', topic: 'a', partition: 0, committed_offset: '10', high_watermark: '25', lag: 15, paused: 1 },
    ]);
  });

  it('record the lag that builds up while ClickHouse fails, and its return to zero', async () => {
    const topic = randomName('lag');
    const groupId = randomName('lag-group');
    await broker.createTopic(topic, 2);
    const admin = adminFor(broker);
    await admin.connect();
    let failing = false;
    const writer = new BatchWriter({ ...ingestConfig(t.dataDir, broker, [topic], groupId).ingest, inserter: new FailingInserter(new ClickHouseInserter(t.ch), () => failing) });
    const ingest = await startKafkaIngest({ config: ingestConfig(t.dataDir, broker, [topic], groupId), writer, log, tuning: TEST_TUNING });
    // Manual samples only (interval 0), so the test decides when a sample is taken.
    const recorder = startLagRecorder({ ch: t.ch, status: () => ingest.status(), intervalMs: 0, log, consumer: 'test-consumer' });
    const latest = async (): Promise<Sample[]> =>
      t.rows<Sample>(
        `SELECT partition, argMax(committed_offset, recorded_at) AS committed_offset, argMax(high_watermark, recorded_at) AS high_watermark,
                argMax(lag, recorded_at) AS lag, argMax(paused, recorded_at) AS paused
         FROM kafka_consumer_lag WHERE topic = {topic:String} AND group_id = {g:String} GROUP BY partition ORDER BY partition`,
        { topic, g: groupId },
      );
    try {
      await ingest.joined();
      await preloadEvents(broker, topic, scratch.dir, 0, 1_000, 'lag-a');
      const total = async () => [...(await committedOffsets(admin, groupId, topic)).values()].reduce((n, o) => n + o, 0n);
      await waitFor(async () => (await total()) === 1_000n, 30_000, 'the first 1,000 events committed');
      await waitFor(() => ingest.status().lag === 0, 10_000, 'the consumer to see lag 0');
      expect(await recorder.sample()).toBe(2);
      let rows = await latest();
      expect(rows.map((r) => Number(r.lag))).toEqual([0, 0]);
      expect(rows.reduce((n, r) => n + Number(r.committed_offset), 0)).toBe(1_000);

      // ClickHouse refuses writes: nothing more is committed while Kafka grows by 600.
      failing = true;
      await preloadEvents(broker, topic, scratch.dir, 1_000, 1_600, 'lag-b');
      await waitFor(() => (ingest.status().lag ?? 0) === 600 && ingest.status().pausedPartitions > 0, 30_000, 'the consumer to see 600 messages of lag and pause');
      await recorder.sample();
      rows = await latest();
      const hw = await highWatermarks(admin, topic);
      expect(rows.map((r) => Number(r.high_watermark))).toEqual([...hw.entries()].sort(([a], [b]) => a - b).map(([, h]) => Number(h)));
      expect(rows.reduce((n, r) => n + Number(r.lag), 0)).toBe(600);
      expect(rows.reduce((n, r) => n + Number(r.committed_offset), 0)).toBe(1_000);
      expect(rows.some((r) => r.paused === 1)).toBe(true);

      // Writes recover: the backlog drains and the next sample says so.
      failing = false;
      await waitFor(async () => (await total()) === 1_600n, 60_000, 'all 1,600 events committed after recovery');
      await waitFor(() => ingest.status().lag === 0, 10_000, 'the consumer to see lag 0 again');
      await recorder.sample();
      rows = await latest();
      expect(rows.map((r) => Number(r.lag))).toEqual([0, 0]);
      expect(rows.reduce((n, r) => n + Number(r.committed_offset), 0)).toBe(1_600);
      expect(await t.scalar('SELECT uniqExact(recorded_at) FROM kafka_consumer_lag WHERE topic = {topic:String}', { topic })).toBe(3);
    } finally {
      await recorder.stop();
      await ingest.stop({ graceMs: 5_000 });
      await writer.close();
      await admin.disconnect();
    }
  });
});
