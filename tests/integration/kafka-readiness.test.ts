// /readyz of an ingest process says "not ready" for Kafka until the consumer has
// joined its group, and again while no broker answers or after it stopped — checked
// over HTTP against the role's real status server, with the mock Kafka cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatusServer, type StatusServer } from '../../cli/status-server.ts';
import { createMetricsRegistry } from '../../core/metrics.ts';
import { BatchWriter, ClickHouseInserter } from '../../ingest/index.ts';
import { startKafkaIngest, type KafkaIngest } from '../../ingest/kafka/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { ingestConfig, preloadEvents, scratchDir, TEST_TUNING, testLogger, waitFor } from '../support/kafka-ingest-helpers.ts';

let t: TestClickHouse;
let broker: KafkaTestBroker;
let scratch: ReturnType<typeof scratchDir>;

beforeAll(async () => {
  t = await openTestClickHouse('kafka-ready');
  broker = await startKafkaBroker({ brokers: 1 });
  scratch = scratchDir('kafka-ready');
});

afterAll(async () => {
  await broker?.stop();
  await t?.cleanup();
  scratch?.cleanup();
});

async function readyz(server: StatusServer): Promise<{ code: number; kafka: boolean }> {
  const res = await fetch(`${server.url}/readyz`);
  const body = (await res.json()) as { checks: Record<string, boolean> };
  return { code: res.status, kafka: body.checks.kafka };
}

describe('Kafka readiness', () => {
  it('is ready only as a group member that reaches a broker', async () => {
    const topic = randomName('ready');
    await broker.createTopic(topic, 2);
    await preloadEvents(broker, topic, scratch.dir, 0, 1_000, 'ready');
    const config = ingestConfig(t.dataDir, broker, [topic], randomName('ready-group'));
    const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), ...config.ingest });
    let ingest: KafkaIngest | null = null;
    const server = await startStatusServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetricsRegistry({ defaultMetrics: false }),
      checks: [{ name: 'kafka', check: async () => ingest?.status().ready ?? false }],
    });
    try {
      ingest = await startKafkaIngest({ config, writer, log: testLogger(), registry: createMetricsRegistry({ defaultMetrics: false }), tuning: TEST_TUNING });
      // Before the first join the broker may already answer, but the member is not in the group.
      const early = ingest.status();
      if (!early.groupMember) expect(await readyz(server)).toEqual({ code: 503, kafka: false });

      await ingest.joined();
      await waitFor(() => ingest!.status().eventsStored >= 1_000, 30_000, 'the preloaded events stored');
      expect(await readyz(server)).toEqual({ code: 200, kafka: true });

      await broker.brokerDown(1);
      await waitFor(async () => (await readyz(server)).code === 503, 15_000, '/readyz to turn 503 while the broker is down');
      expect(ingest.status().ready).toBe(false);
      await broker.brokerUp(1);
      await waitFor(async () => (await readyz(server)).code === 200, 60_000, '/readyz to be 200 again once the broker is back');

      await ingest.stop({ graceMs: 5_000 });
      expect(ingest.status().groupMember).toBe(false);
      expect(await readyz(server)).toEqual({ code: 503, kafka: false });
    } finally {
      await ingest?.stop({ graceMs: 5_000 });
      await writer.close();
      await server.close();
    }
  });
});
