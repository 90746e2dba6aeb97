// Fault behaviour of the Kafka consumer: brokers going away (a full outage and a
// partial one with leader moves) and ClickHouse failing inserts. In every case the
// process keeps running, partitions pause and resume, nothing is lost or duplicated,
// and no offset is committed past what ClickHouse stored.
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config/index.ts';
import { createMetricsRegistry, type MetricsRegistry } from '../../core/metrics.ts';
import { BatchWriter, ClickHouseInserter, type Inserter } from '../../ingest/index.ts';
import { startKafkaIngest, type KafkaIngest } from '../../ingest/kafka/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { benchEvent } from '../support/kafka-ingest-events.ts';
import {
  adminFor,
  committedButNotStored,
  committedOffsets,
  FailingInserter,
  highWatermarks,
  ingestConfig,
  preloadEvents,
  scratchDir,
  sleep,
  TEST_TUNING,
  testLogger,
  waitFor,
} from '../support/kafka-ingest-helpers.ts';

let t: TestClickHouse;
let scratch: ReturnType<typeof scratchDir>;
let registry: MetricsRegistry;
const log = testLogger();
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  t = await openTestClickHouse('kafka-faults');
  scratch = scratchDir('kafka-faults');
  registry = createMetricsRegistry({ defaultMetrics: false });
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  await t?.cleanup();
  scratch?.cleanup();
});

async function startBroker(brokers: number): Promise<{ broker: KafkaTestBroker; admin: Admin }> {
  const broker = await startKafkaBroker({ brokers });
  const admin = adminFor(broker);
  cleanups.push(() => broker.stop());
  cleanups.push(() => admin.disconnect());
  return { broker, admin };
}

// The mock cluster completes a rebalance only after the session timeout minus 1 s,
// so a short session keeps rejoins (leader moves, outages) quick; a member that does
// time out during an outage simply rejoins, which is part of what is tested.
const FAULT_TUNING = { ...TEST_TUNING };

async function consumer(config: Config, inserter: Inserter, tuning: Record<string, unknown> = {}): Promise<{ ingest: KafkaIngest; writer: BatchWriter }> {
  const writer = new BatchWriter({ inserter, ...config.ingest });
  const ingest = await startKafkaIngest({ config, writer, log, registry, tuning: { ...FAULT_TUNING, ...tuning } });
  cleanups.push(async () => {
    await ingest.stop({ graceMs: 5_000 });
    await writer.close();
  });
  return { ingest, writer };
}

/** Slows inserts down, so a fault lands while batches are in flight. */
function slowInserter(ms: number): Inserter {
  const real = new ClickHouseInserter(t.ch);
  return { insert: async (...args) => { await sleep(ms); return real.insert(...args); } };
}

async function expectExactlyOnce(admin: Admin, groupId: string, topic: string, run: string, total: number): Promise<void> {
  const hw = await highWatermarks(admin, topic);
  await waitFor(async () => {
    const c = await committedOffsets(admin, groupId, topic);
    return [...hw].every(([p, h]) => h === 0n || c.get(p) === h);
  }, 30_000, 'every partition committed up to its high watermark');
  expect([...hw.values()].reduce((n, h) => n + Number(h), 0)).toBe(total);
  expect(await t.scalar('SELECT count() FROM ticket_events FINAL WHERE kafka_topic = {topic:String}', { topic })).toBe(total);
  const ids = await t.rows<{ event_id: string }>('SELECT event_id FROM ticket_events FINAL WHERE kafka_topic = {topic:String} ORDER BY event_id', { topic });
  const want = Array.from({ length: total }, (_, i) => benchEvent(i, run).event_id as string).sort();
  expect(ids.map((r) => r.event_id)).toEqual(want);
  expect(await committedButNotStored(t, topic, await committedOffsets(admin, groupId, topic))).toEqual([]);
}

describe('Kafka ingest under faults', () => {
  it('survives the only broker being down for 5 s mid-stream: reports it, reconnects, loses nothing', async () => {
    const { broker, admin } = await startBroker(1);
    const topic = randomName('outage');
    const groupId = randomName('outage-group');
    const run = 'o1';
    await broker.createTopic(topic, 4);
    const { ingest } = await consumer(ingestConfig(t.dataDir, broker, [topic], groupId, { batchRows: 2_000 }), slowInserter(100), { maxInFlightMessages: 4_000 });
    await preloadEvents(broker, topic, scratch.dir, 0, 30_000, run);
    await waitFor(() => ingest.status().eventsStored >= 5_000, 60_000, '5,000 events stored');

    await broker.brokerDown(1);
    const downAt = Date.now();
    await waitFor(() => !ingest.status().brokerReachable, 10_000, 'the consumer to report the broker unreachable');
    const during = ingest.status();
    expect(during.lastError?.message).toBeTruthy();
    expect(during.state).not.toBe('stopped');
    await sleep(Math.max(0, 5_000 - (Date.now() - downAt)));
    await broker.brokerUp(1);

    await waitFor(() => ingest.status().brokerReachable, 30_000, 'the consumer to reach the broker again');
    await preloadEvents(broker, topic, scratch.dir, 30_000, 40_000, run);
    await expectExactlyOnce(admin, groupId, topic, run, 40_000);
    await ingest.stop();
  });

  it('follows leader moves and one of three brokers being down for 5 s, losing nothing', async () => {
    const { broker, admin } = await startBroker(3);
    const topic = randomName('leaders');
    const groupId = randomName('leaders-group');
    const run = 'l1';
    await broker.createTopic(topic, 6);
    const { ingest } = await consumer(ingestConfig(t.dataDir, broker, [topic], groupId, { batchRows: 2_000 }), slowInserter(100), { maxInFlightMessages: 4_000 });
    await preloadEvents(broker, topic, scratch.dir, 0, 30_000, run);
    await waitFor(() => ingest.status().eventsStored >= 5_000, 60_000, '5,000 events stored');

    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const leaders = meta.topics[0].partitions.map((p) => ({ partition: p.partitionId, leader: p.leader }));
    // Every partition's leadership moves to the next broker; then broker 2 goes down.
    for (const { partition, leader } of leaders) await broker.setLeader(topic, partition, (leader % 3) + 1);
    await sleep(500);
    await broker.brokerDown(2);
    await sleep(5_000);
    await broker.brokerUp(2);

    await preloadEvents(broker, topic, scratch.dir, 30_000, 40_000, run);
    await expectExactlyOnce(admin, groupId, topic, run, 40_000);
    expect(ingest.status().state).toBe('consuming');
    await ingest.stop();
  });

  it('pauses partitions while ClickHouse inserts fail, retries with backoff, resumes, keeps its group membership', async () => {
    const { broker, admin } = await startBroker(1);
    const topic = randomName('chdown');
    const groupId = randomName('chdown-group');
    const run = 'c1';
    await broker.createTopic(topic, 4);
    let failUntil = 0;
    const failing = new FailingInserter(slowInserter(20), () => Date.now() < failUntil);
    // One attempt per flush: failures reach the consumer at once instead of being
    // absorbed by the writer's own retries.
    const config = ingestConfig(t.dataDir, broker, [topic], groupId, { batchRows: 2_000, maxAttempts: 1 });
    const { ingest } = await consumer(config, failing);
    await preloadEvents(broker, topic, scratch.dir, 0, 20_000, run);
    await waitFor(() => ingest.status().eventsStored >= 2_000, 60_000, 'the first events stored');
    const rebalancesBefore = ingest.status().rebalances;

    // ClickHouse "down" for 4 s while more events arrive.
    failUntil = Date.now() + 4_000;
    await preloadEvents(broker, topic, scratch.dir, 20_000, 30_000, run);
    let maxPaused = 0;
    let reasons: string[] = [];
    while (Date.now() < failUntil) {
      const s = ingest.status();
      if (s.pausedPartitions > maxPaused) {
        maxPaused = s.pausedPartitions;
        reasons = s.pauseReasons;
      }
      await sleep(50);
    }
    // Mid-outage, nothing is committed past what is stored.
    expect(await committedButNotStored(t, topic, await committedOffsets(admin, groupId, topic))).toEqual([]);
    expect(failing.failures).toBeGreaterThan(0);
    expect(maxPaused).toBeGreaterThan(0);
    expect(reasons.join()).toMatch(/ClickHouse writes failing/);

    await expectExactlyOnce(admin, groupId, topic, run, 30_000);
    const s = ingest.status();
    expect(s.insertFailures).toBeGreaterThan(0);
    expect(s.pausedPartitions).toBe(0);
    // Heartbeats went on while paused: no rebalance, the member kept its partitions.
    expect(s.rebalances).toBe(rebalancesBefore);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`ticketpulse_ingest_insert_failures_total\\{topic="${topic}"\\} [1-9]`));
    await ingest.stop();
  });

  it('survives a fixed number of failed inserts (writer retries exhausted) without loss or duplicates', async () => {
    const { broker, admin } = await startBroker(1);
    const topic = randomName('flaky');
    const groupId = randomName('flaky-group');
    const run = 'f1';
    await broker.createTopic(topic, 4);
    // Inserts 3 to 10 fail; with 2 attempts per flush, 4 flushes fail for good and
    // their batches are retried by the consumer.
    const failing = new FailingInserter(new ClickHouseInserter(t.ch), (call) => call >= 3 && call <= 10);
    const { ingest } = await consumer(ingestConfig(t.dataDir, broker, [topic], groupId, { batchRows: 2_000, maxAttempts: 2 }), failing);
    await preloadEvents(broker, topic, scratch.dir, 0, 20_000, run);
    await expectExactlyOnce(admin, groupId, topic, run, 20_000);
    expect(failing.failures).toBe(8);
    expect(ingest.status().insertFailures).toBeGreaterThanOrEqual(1);
    await ingest.stop();
  });
});
