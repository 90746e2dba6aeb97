/**
 * Smoke tests for the Kafka test broker (tests/support/kafka-broker.ts): a real
 * Kafka wire-protocol broker (librdkafka's mock cluster) driven by kafkajs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Kafka,
  Partitioners,
  logLevel,
  type Consumer,
  type KafkaConfig,
  type LogEntry,
  type PartitionMetadata,
} from 'kafkajs';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';

interface Received {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
}

const cleanups: (() => Promise<unknown>)[] = [];
function onCleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

afterAll(async () => {
  // reverse order: clients before brokers, brokers before temp dirs
  for (const fn of cleanups.reverse()) {
    await fn().catch(() => undefined);
  }
});

function kafkaFor(broker: KafkaTestBroker, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: randomName('harness-test'),
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    ...extra,
  });
}

function newConsumer(kafka: Kafka, groupId: string): Consumer {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 6000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    retry: { initialRetryTime: 100, retries: 20 },
  });
  onCleanup(() => consumer.disconnect());
  return consumer;
}

/**
 * Run `consumer` on `topic` from the beginning until `done(received)` is true;
 * rejects after `timeoutMs`. The consumer is stopped (offsets committed) before
 * resolving.
 */
async function consumeUntil(
  consumer: Consumer,
  topic: string,
  done: (received: Received[]) => boolean,
  timeoutMs = 15_000,
): Promise<Received[]> {
  const received: Received[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      received.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
      });
      if (done(received)) finish();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`consumed only ${received.length} messages from ${topic} in ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return received;
}

function countByPartition(received: Received[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of received) counts.set(r.partition, (counts.get(r.partition) ?? 0) + 1);
  return counts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Kafka test broker (librdkafka mock cluster)', () => {
  let shared: KafkaTestBroker;

  beforeAll(async () => {
    shared = await startKafkaBroker({ brokers: 3 });
    onCleanup(() => shared.stop());
  });

  it('round-trips 1,000 keyed messages through a consumer group and commits offsets', async () => {
    const topic = randomName('roundtrip');
    const groupId = randomName('roundtrip-group');
    await shared.createTopic(topic, 3);
    expect(shared.brokers).toHaveLength(3);
    expect(shared.bootstrap).toMatch(/^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+){2}$/);

    const kafka = kafkaFor(shared);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    onCleanup(() => producer.disconnect());
    await producer.connect();

    const sent = new Map<string, string>();
    for (let i = 0; i < 1000; i++) {
      sent.set(`ticket-${i}`, JSON.stringify({ ticket_id: `ticket-${i}`, seq: i }));
    }
    const keys = [...sent.keys()];
    for (let i = 0; i < keys.length; i += 250) {
      await producer.send({
        topic,
        messages: keys.slice(i, i + 250).map((key) => ({ key, value: sent.get(key)! })),
      });
    }

    const received = await consumeUntil(newConsumer(kafka, groupId), topic, (r) => r.length >= 1000);
    expect(received).toHaveLength(1000);
    const got = new Map(received.map((r) => [r.key!, r.value!]));
    expect(got.size).toBe(1000);
    expect(got).toEqual(sent);
    // all three partitions were used
    const counts = countByPartition(received);
    expect([...counts.keys()].sort()).toEqual([0, 1, 2]);

    const admin = kafka.admin();
    onCleanup(() => admin.disconnect());
    await admin.connect();
    const expected = [0, 1, 2].map((p) => ({ partition: p, offset: String(counts.get(p)) }));
    await expect
      .poll(
        async () => {
          const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
          return res.partitions
            .map(({ partition, offset }) => ({ partition, offset }))
            .sort((a, b) => a.partition - b.partition);
        },
        { timeout: 5000, interval: 200 },
      )
      .toEqual(expected);
    const watermarks = await admin.fetchTopicOffsets(topic);
    expect(watermarks.map((w) => ({ partition: w.partition, offset: w.high })).sort((a, b) => a.partition - b.partition)).toEqual(
      expected,
    );
    await admin.disconnect();
    await producer.disconnect();
  });

  it('keeps every message when a partition leader goes down for 2 s while producing', async () => {
    const topic = randomName('faults');
    const broker = await startKafkaBroker({ brokers: 3, topics: [{ name: topic, partitions: 3 }] });
    onCleanup(() => broker.stop());
    const kafka = kafkaFor(broker);

    const admin = kafka.admin();
    onCleanup(() => admin.disconnect());
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const victim = meta.topics[0].partitions.find((p) => p.partitionId === 0)!.leader;
    expect([1, 2, 3]).toContain(victim);
    await admin.disconnect();

    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 30 },
    });
    onCleanup(() => producer.disconnect());
    await producer.connect();

    // Consume concurrently with producing and the outage.
    const consumer = newConsumer(kafka, randomName('faults-group'));
    const sentValues = new Set<string>();
    let producing = true;
    const consumed = consumeUntil(
      consumer,
      topic,
      (r) => !producing && new Set(r.map((m) => m.value)).size >= sentValues.size,
      30_000,
    );

    const start = Date.now();
    let downAt = 0;
    let upAt = 0;
    let maxLatency = 0;
    const outage = (async () => {
      await sleep(500);
      await broker.brokerDown(victim);
      downAt = Date.now();
      await sleep(2000);
      await broker.brokerUp(victim);
      upAt = Date.now();
    })();

    let i = 0;
    while (Date.now() - start < 4000) {
      // keys spread over all partitions, so every send needs the victim
      const messages = Array.from({ length: 12 }, () => {
        const value = `msg-${i++}`;
        return { key: `key-${i}`, value };
      });
      const t0 = Date.now();
      await producer.send({ topic, messages });
      maxLatency = Math.max(maxLatency, Date.now() - t0);
      for (const m of messages) sentValues.add(m.value);
      await sleep(20);
    }
    await outage;
    producing = false;
    // wake the consumer's `done` check even if it already has everything
    sentValues.add('last');
    await producer.send({ topic, messages: [{ key: 'last', value: 'last' }] });

    const received = await consumed;
    expect(downAt).toBeGreaterThan(0);
    expect(upAt - downAt).toBeGreaterThanOrEqual(1900);
    // the outage was real: some send was blocked (retrying) for most of it
    expect(maxLatency).toBeGreaterThanOrEqual(1000);
    const receivedValues = new Set(received.map((m) => m.value));
    const missing = [...sentValues].filter((v) => !receivedValues.has(v));
    expect(missing).toEqual([]);
    expect(sentValues.size).toBeGreaterThan(100);
    await producer.disconnect();
  });

  it('preloads an NDJSON file with keys from a JSON field, partitioned like kafkajs', async () => {
    const topic = randomName('preload');
    await shared.createTopic(topic, 3);
    const dir = await mkdtemp(join(tmpdir(), 'ticketpulse-kafka-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'events.ndjson');
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      lines.push(
        JSON.stringify({
          // decoy: the key field's name as a *value* before the real field
          kind: 'ticket_id',
          ticket_id: `T-${String(i).padStart(6, '0')}`,
          seq: i,
          body: 'x'.repeat(250),
        }),
      );
    }
    await writeFile(file, `${lines.join('\n')}\n`);

    const t0 = Date.now();
    const count = await shared.preload(topic, file, 'ticket_id');
    expect(count).toBe(10_000);
    expect(Date.now() - t0).toBeLessThan(5000); // librdkafka does ~10^5+ msg/s here

    const kafka = kafkaFor(shared);
    const received = await consumeUntil(newConsumer(kafka, randomName('preload-group')), topic, (r) => r.length >= 10_000);
    expect(received).toHaveLength(10_000);
    const partitionMetadata: PartitionMetadata[] = [0, 1, 2].map((partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const kafkajsPartition = Partitioners.DefaultPartitioner();
    const seqs = new Set<number>();
    let misplaced = 0;
    for (const m of received) {
      const parsed = JSON.parse(m.value!) as { ticket_id: string; seq: number };
      expect(m.key).toBe(parsed.ticket_id);
      seqs.add(parsed.seq);
      if (kafkajsPartition({ topic, partitionMetadata, message: { key: m.key!, value: null } }) !== m.partition) misplaced++;
    }
    expect(seqs.size).toBe(10_000);
    expect(misplaced).toBe(0);

    // unknown file → ERR → rejected promise, harness still usable afterwards
    await expect(shared.preload(topic, join(dir, 'missing.ndjson'))).rejects.toThrow(/cannot open/);
    await expect(shared.setLeader(topic, 0, 2)).resolves.toBeUndefined();
  });

  it('injected Produce errors are retried (retriable) or surfaced (non-retriable)', async () => {
    const topic = randomName('errors');
    await shared.createTopic(topic, 1);
    const logs: LogEntry[] = [];
    const kafka = kafkaFor(shared, {
      logLevel: logLevel.ERROR,
      logCreator: () => (entry) => {
        logs.push(entry);
      },
    });
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { initialRetryTime: 50, retries: 5 },
    });
    onCleanup(() => producer.disconnect());
    await producer.connect();

    // 2 × NOT_LEADER_FOR_PARTITION (6): retriable, so the third attempt lands.
    await shared.pushRequestErrors(0, 2, 6);
    const [first] = await producer.send({ topic, messages: [{ key: 'k', value: 'first' }] });
    expect(first.errorCode).toBe(0);
    expect(first.baseOffset).toBe('0');
    const retried = logs.filter((l) => /^Failed to send messages: .*not the leader/.test(l.log.message));
    expect(retried).toHaveLength(2);

    // MESSAGE_TOO_LARGE (10): not retriable, the send rejects with it.
    await shared.pushRequestErrors(0, 1, 10);
    await expect(producer.send({ topic, messages: [{ key: 'k', value: 'rejected' }] })).rejects.toMatchObject({
      name: 'KafkaJSProtocolError',
      type: 'MESSAGE_TOO_LARGE',
    });

    // The error stack is drained: the next send succeeds right away.
    const [third] = await producer.send({ topic, messages: [{ key: 'k', value: 'third' }] });
    expect(third.baseOffset).toBe('1');

    const received = await consumeUntil(newConsumer(kafka, randomName('errors-group')), topic, (r) => r.length >= 2);
    expect(received.map((m) => m.value)).toEqual(['first', 'third']);
    await producer.disconnect();

    // ERR answers reject
    await expect(shared.brokerDown(99)).rejects.toThrow(/down 99/);
  });
});
