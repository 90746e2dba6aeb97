// Back-pressure: when more consumed messages wait for ClickHouse than the in-flight
// bound allows, the consumer stops fetching by holding its batch handler — heartbeating,
// so it stays in the group even when ClickHouse stalls for longer than the session
// timeout — and resumes by itself; memory stays bounded and nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { BatchWriter, ClickHouseInserter, type Inserter } from '../../ingest/index.ts';
import { formatStatusLine, newStatusLineState, startKafkaIngest } from '../../ingest/kafka/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { ingestConfig, preloadEvents, scratchDir, sleep, TEST_TUNING, testLogger, waitFor } from '../support/kafka-ingest-helpers.ts';

let t: TestClickHouse;
let broker: KafkaTestBroker;
let scratch: ReturnType<typeof scratchDir>;

beforeAll(async () => {
  t = await openTestClickHouse('kafka-backpressure');
  broker = await startKafkaBroker({ brokers: 1 });
  scratch = scratchDir('kafka-backpressure');
});

afterAll(async () => {
  await broker?.stop();
  await t?.cleanup();
  scratch?.cleanup();
});

describe('Kafka ingest back-pressure', () => {
  it('holds fetching while too much waits for ClickHouse, stays in the group through a stall longer than the session, and loses nothing', async () => {
    const topic = randomName('bp');
    const EVENTS = 40_000;
    const BOUND = 2_000;
    await broker.createTopic(topic, 4);
    await preloadEvents(broker, topic, scratch.dir, 0, EVENTS, 'bp');

    // The first insert stalls for 8 s — longer than the 6 s session timeout — then all run normally.
    const real = new ClickHouseInserter(t.ch);
    let stalled = false;
    const inserter: Inserter = {
      insert: async (...args) => {
        if (!stalled) {
          stalled = true;
          await sleep(8_000);
        }
        return real.insert(...args);
      },
    };
    const config = ingestConfig(t.dataDir, broker, [topic], randomName('bp-group'), { batchRows: 500, flushIntervalMs: 100 });
    const writer = new BatchWriter({ inserter, ...config.ingest });
    const ingest = await startKafkaIngest({
      config,
      writer,
      log: testLogger(),
      registry: createMetricsRegistry({ defaultMetrics: false }),
      tuning: { ...TEST_TUNING, maxInFlightMessages: BOUND },
    });
    try {
      await ingest.joined();
      const line = newStatusLineState();
      let maxInFlight = 0;
      let sawHolding = false;
      const sampler = setInterval(() => {
        const s = ingest.status();
        maxInFlight = Math.max(maxInFlight, s.inFlightMessages);
        if (formatStatusLine(s, line).includes('holding fetches (back-pressure)')) sawHolding = true;
      }, 20);
      try {
        await waitFor(() => ingest.status().eventsStored === EVENTS, 90_000, 'every event stored');
      } finally {
        clearInterval(sampler);
      }
      const s = ingest.status();
      expect(sawHolding).toBe(true);
      // Bounded: the bound plus what one fetch can bring (4 partitions × ≤ 1 MiB), far below the 40,000 produced.
      expect(maxInFlight).toBeLessThan(BOUND + 4 * 3_000);
      // Still the member that joined first: heartbeats while holding kept the session alive.
      expect(s.rebalances).toBe(1);
      expect(s.restarts).toBe(0);
      expect(await t.scalar('SELECT count() FROM ticket_events FINAL WHERE kafka_topic = {topic:String}', { topic })).toBe(EVENTS);
    } finally {
      await ingest.stop({ graceMs: 5_000 });
      await writer.close();
    }
  });
});
