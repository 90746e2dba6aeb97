// The Kafka consumer against a real Kafka wire protocol (librdkafka's mock cluster)
// and the real embedded ClickHouse: exactly-once in effect, lineage, dead letters for
// every kind of poison input, graceful shutdown with hand-over to the next member,
// rebalances, and the Prometheus metrics.
import Fastify from 'fastify';
import { Kafka, Partitioners, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRoutes } from '../../api/routes/metrics.ts';
import type { Config } from '../../core/config/index.ts';
import { toClickHouseTime, toCompactLine, toRow, TICKET_EVENT_COLUMNS } from '../../core/events/row.ts';
import { validateEvent } from '../../core/events/validate.ts';
import { createMetricsRegistry, type MetricsRegistry } from '../../core/metrics.ts';
import { BatchWriter, ClickHouseInserter, type Inserter } from '../../ingest/index.ts';
import { formatStatusLine, newStatusLineState, startKafkaIngest, type KafkaIngest } from '../../ingest/kafka/index.ts';
import { Committer, type CommitTarget } from '../../ingest/kafka/committer.ts';
import { PartitionLedger, type LedgerEntry } from '../../ingest/kafka/partition-ledger.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { benchEvent, malformedMessage, type MalformedKind } from '../support/kafka-ingest-events.ts';
import {
  adminFor,
  committedButNotStored,
  committedOffsets,
  highWatermarks,
  ingestConfig,
  preloadEvents,
  scratchDir,
  TEST_TUNING,
  testLogger,
  sleep,
  waitFor,
} from '../support/kafka-ingest-helpers.ts';

let t: TestClickHouse;
let broker: KafkaTestBroker;
let admin: Admin;
let registry: MetricsRegistry;
let scratch: ReturnType<typeof scratchDir>;
const log = testLogger();
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [t, broker] = await Promise.all([openTestClickHouse('kafka-ingest'), startKafkaBroker({ brokers: 1 })]);
  admin = adminFor(broker);
  await admin.connect();
  registry = createMetricsRegistry({ defaultMetrics: false });
  scratch = scratchDir('kafka-ingest');
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await broker?.stop();
  await t?.cleanup();
  scratch?.cleanup();
});

/** A consumer with its own batching writer; stopped (and the writer closed) after the test file at the latest. */
async function consumer(config: Config, tuning: Record<string, unknown> = {}, inserter: Inserter = new ClickHouseInserter(t.ch)): Promise<{ ingest: KafkaIngest; writer: BatchWriter }> {
  const writer = new BatchWriter({ inserter, ...config.ingest });
  const ingest = await startKafkaIngest({ config, writer, log, registry, tuning: { ...TEST_TUNING, ...tuning } });
  cleanups.push(async () => {
    await ingest.stop({ graceMs: 5_000 });
    await writer.close();
  });
  return { ingest, writer };
}

async function storedIds(table: 'ticket_events', topic: string): Promise<string[]> {
  const rows = await t.rows<{ event_id: string }>(`SELECT event_id FROM ${table} FINAL WHERE kafka_topic = {topic:String} ORDER BY event_id`, { topic });
  return rows.map((r) => r.event_id);
}

function expectedIds(run: string, from: number, to: number): string[] {
  const ids: string[] = [];
  for (let i = from; i < to; i++) ids.push(benchEvent(i, run).event_id as string);
  return ids.sort();
}

async function expectAllCommitted(groupId: string, topic: string): Promise<void> {
  const hw = await highWatermarks(admin, topic);
  await waitFor(async () => {
    const c = await committedOffsets(admin, groupId, topic);
    return [...hw].every(([p, h]) => h === 0n || c.get(p) === h);
  }, 20_000, `group ${groupId} to commit up to the high watermarks of ${topic}`);
}

describe('Kafka ingest (mock Kafka cluster → embedded ClickHouse)', () => {
  it('encodes compact rows with exactly the keyed row values, in column order', () => {
    const now = Date.now();
    for (const ev of [benchEvent(1, 'c'), { ...benchEvent(2, 'c'), occurred_at: '2026-10-01T10:00:00+02:00', csat: 4, tenant: 'acme', extra: { a: 1 } }]) {
      const v = validateEvent(ev, now);
      if (!v.ok) throw new Error(v.message);
      const origin = { source: 'kafka' as const, topic: 'tp', partition: 3, offset: '17' };
      const row = toRow(v.event, v.occurredMs, origin, toClickHouseTime(now)) as unknown as Record<string, unknown>;
      expect(toCompactLine(v.event, v.occurredMs, origin, toClickHouseTime(now))).toBe(JSON.stringify(TICKET_EVENT_COLUMNS.map((c) => row[c])));
    }
  });

  it('stores 100,000 events from 4 partitions exactly once, with lineage, committing exactly what it stored', async () => {
    const topic = randomName('exact');
    const groupId = randomName('exact-group');
    const run = 'x1';
    const total = 100_000;
    await broker.createTopic(topic, 4);
    const config = ingestConfig(t.dataDir, broker, [topic], groupId);
    const { ingest } = await consumer(config);
    const line = newStatusLineState();

    // Each mock partition keeps only ~5 MiB (≈15k of these events): produce in chunks
    // while consuming, never more than ~20k unconsumed messages over the 4 partitions.
    const chunk = 10_000;
    for (let from = 0; from < total; from += chunk) {
      await waitFor(() => ingest.status().consumed >= from - chunk, 60_000, `the consumer to reach ${from - chunk}`);
      await preloadEvents(broker, topic, scratch.dir, from, from + chunk, run);
    }
    await waitFor(() => ingest.status().eventsStored >= total, 90_000, 'all events stored');
    await expectAllCommitted(groupId, topic);

    // No replay happened, so even without FINAL every event is there once.
    expect(await t.scalar('SELECT count() FROM ticket_events WHERE kafka_topic = {topic:String}', { topic })).toBe(total);
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL WHERE kafka_topic = {topic:String}', { topic })).toBe(total);
    expect(await storedIds('ticket_events', topic)).toEqual(expectedIds(run, 0, total));

    // Lineage: every (partition, offset) below the high watermark exactly once, received_at set.
    const hw = await highWatermarks(admin, topic);
    const lineage = await t.rows<{ p: number; n: string; u: string; lo: string; hi: string; bad: string }>(
      `SELECT kafka_partition AS p, toString(count()) AS n, toString(uniqExact(kafka_offset)) AS u, toString(min(kafka_offset)) AS lo,
              toString(max(kafka_offset)) AS hi, toString(countIf(source != 'kafka' OR received_at < now64(3) - INTERVAL 10 MINUTE)) AS bad
       FROM ticket_events WHERE kafka_topic = {topic:String} GROUP BY p ORDER BY p`,
      { topic },
    );
    expect(lineage.map((r) => r.p)).toEqual([0, 1, 2, 3]);
    for (const r of lineage) {
      const h = hw.get(r.p)!;
      expect({ p: r.p, n: r.n, u: r.u, lo: r.lo, hi: r.hi, bad: r.bad }).toEqual({ p: r.p, n: h.toString(), u: h.toString(), lo: '0', hi: (h - 1n).toString(), bad: '0' });
    }

    const s = ingest.status();
    expect(s).toMatchObject({ state: 'consuming', consumed: total, eventsStored: total, deadLettersStored: 0, inFlightMessages: 0, lag: 0, insertFailures: 0 });
    expect(s.partitions).toHaveLength(4);
    expect(formatStatusLine(s, line)).toMatch(/consuming \| 4 partitions \| .* \| stored 100\.0k events, 0 dead letters \| lag 0 \| in flight 0 \| last commit/);

    // GET /metrics from the shared registry, while the consumer still runs.
    const app = Fastify();
    await app.register(metricsRoutes, { registry });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toContain(`ticketpulse_ingest_messages_consumed_total{topic="${topic}"} ${total}`);
    expect(text).toContain(`ticketpulse_ingest_events_inserted_total{topic="${topic}"} ${total}`);
    for (const p of [0, 1, 2, 3]) expect(text).toContain(`ticketpulse_kafka_consumer_lag_messages{topic="${topic}",partition="${p}"} 0`);
    expect(text).toMatch(/ticketpulse_ingest_batch_messages_count \d+/);
    expect(text).toMatch(/ticketpulse_ingest_batch_latency_seconds_bucket\{le="\+Inf"\} \d+/);
    expect(text).toMatch(/ticketpulse_kafka_paused_partitions 0/);
    expect(text).toMatch(/ticketpulse_kafka_last_commit_timestamp_seconds 1\d{9}/);
    expect(text).toMatch(/ticketpulse_kafka_broker_reachable 1/);
    expect(await ingest.stop()).toMatchObject({ clean: true });
  });

  it('dead-letters 10,000 malformed messages interleaved with 50,000 valid ones, each with its reason and offset', async () => {
    const topic = randomName('poison');
    const groupId = randomName('poison-group');
    const run = 'p1';
    await broker.createTopic(topic, 12);
    const config = ingestConfig(t.dataDir, broker, [topic], groupId);
    // On a decode worker: the general path (every rejection) and the transfer of rows
    // and dead letters across threads, end to end. The 100k test above decodes in process.
    const { ingest } = await consumer(config, { decodeWorkers: 1 });

    // Every 6th message is malformed: not JSON, not UTF-8, wrong schema, a tombstone
    // (key, no value), an unknown type — and 10 oversize ones (260 KiB; the mock keeps
    // only ~5 MiB per partition, so not more).
    const kinds: MalformedKind[] = ['not_json', 'not_utf8', 'wrong_schema', 'empty_value', 'unknown_type'];
    const expected = new Map<string, { reason: string; key: string }>();
    const tombstones = new Map<string, string>();
    const messages: Array<{ key: string; value: Buffer | string | null }> = [];
    let valid = 0;
    for (let i = 0; i < 60_000; i++) {
      if (i % 6 !== 5) {
        const ev = benchEvent(valid++, run);
        messages.push({ key: ev.ticket_id as string, value: JSON.stringify(ev) });
        continue;
      }
      const k = (i - 5) / 6;
      const kind = k % 1000 === 999 ? 'oversize' : kinds[k % kinds.length];
      const bad = malformedMessage(k, run, kind);
      const key = `bad-${k}`;
      messages.push({ key, value: bad.value });
      if (bad.value === null) tombstones.set(key, bad.reason);
      else expected.set(bad.value.toString('hex'), { reason: bad.reason, key });
    }
    expect(valid).toBe(50_000);
    expect(expected.size + tombstones.size).toBe(10_000);

    const producer = producerFor(broker);
    await producer.connect();
    for (let i = 0; i < messages.length; i += 2_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2_000) });
    await producer.disconnect();

    await waitFor(() => ingest.status().eventsStored + ingest.status().deadLettersStored >= 60_000, 90_000, 'every message stored');
    await expectAllCommitted(groupId, topic);
    expect(ingest.status()).toMatchObject({ eventsStored: 50_000, deadLettersStored: 10_000 });

    expect(await storedIds('ticket_events', topic)).toEqual(expectedIds(run, 0, 50_000));
    const dls = await t.rows<{ dl_id: string; reason: string; raw: string; raw_size: number; detail: string; kafka_partition: number; kafka_offset: string }>(
      `SELECT dl_id, reason, lower(hex(raw)) AS raw, raw_size, detail, kafka_partition, toString(kafka_offset) AS kafka_offset
       FROM dead_letters FINAL WHERE kafka_topic = {topic:String}`,
      { topic },
    );
    expect(dls).toHaveLength(10_000);
    const seen = new Set<string>();
    const mismatches: string[] = [];
    for (const d of dls) {
      if (d.dl_id !== `kafka:${topic}:${d.kafka_partition}:${d.kafka_offset}`) mismatches.push(`dl_id ${d.dl_id}`);
      if (d.raw === '') {
        const key = /key "([^"]+)"/.exec(d.detail)?.[1] ?? '';
        if (tombstones.get(key) !== d.reason || seen.has(key)) mismatches.push(`tombstone ${key}: ${d.reason} ${d.detail}`);
        seen.add(key);
        continue;
      }
      const want = expected.get(d.raw);
      if (!want || want.reason !== d.reason || seen.has(want.key) || d.raw_size !== d.raw.length / 2) mismatches.push(`${want?.key}: ${d.reason}`);
      if (want) seen.add(want.key);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(seen.size).toBe(10_000);
    const reasons = await t.rows<{ reason: string; n: string }>(
      'SELECT reason, toString(count()) AS n FROM dead_letters FINAL WHERE kafka_topic = {topic:String} GROUP BY reason ORDER BY reason',
      { topic },
    );
    expect(Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)]))).toEqual({
      empty: 2000, invalid_json: 2000, invalid_utf8: 2000, missing_field: 2000, too_large: 10, unknown_event_type: 1990,
    });

    // Every offset of every partition is accounted for exactly once: as an event or a dead letter.
    const hw = await highWatermarks(admin, topic);
    const cover = await t.rows<{ p: number; n: string; u: string }>(
      `SELECT p, toString(count()) AS n, toString(uniqExact(o)) AS u FROM (
         SELECT kafka_partition AS p, kafka_offset AS o FROM ticket_events FINAL WHERE kafka_topic = {topic:String}
         UNION ALL SELECT kafka_partition AS p, kafka_offset AS o FROM dead_letters FINAL WHERE kafka_topic = {topic:String}
       ) GROUP BY p ORDER BY p`,
      { topic },
    );
    expect(cover).toEqual([...hw].sort((a, b) => a[0] - b[0]).map(([p, h]) => ({ p, n: h.toString(), u: h.toString() })));
    await ingest.stop();
  });

  it('commits everything it stored on a graceful stop; the next member continues without gaps, through rebalances', async () => {
    const topic = randomName('handover');
    const groupId = randomName('handover-group');
    const run = 'h1';
    await broker.createTopic(topic, 6);
    const config = ingestConfig(t.dataDir, broker, [topic], groupId);

    // A alone: stopped mid-stream, it stores and commits exactly the same set.
    await preloadEvents(broker, topic, scratch.dir, 0, 30_000, run);
    // A's inserts are slowed down so that it is still busy when it is stopped.
    const real = new ClickHouseInserter(t.ch);
    const slow: Inserter = { insert: async (...args) => { await sleep(150); return real.insert(...args); } };
    const a = await consumer(ingestConfig(t.dataDir, broker, [topic], groupId, { batchRows: 2_000 }), { maxInFlightMessages: 3_000 }, slow);
    await waitFor(() => a.ingest.status().eventsStored >= 8_000, 60_000, 'A to store 8,000 events');
    const report = await a.ingest.stop({ graceMs: 10_000 });
    await a.writer.close();
    expect(report).toMatchObject({ clean: true, abandonedBatches: 0 });
    const afterA = await committedOffsets(admin, groupId, topic);
    const committedByA = [...afterA.values()].reduce((n, o) => n + Number(o), 0);
    expect(committedByA).toBe(a.ingest.status().eventsStored);
    expect(committedByA).toBeLessThan(30_000);
    expect(await t.scalar('SELECT count() FROM ticket_events WHERE kafka_topic = {topic:String}', { topic })).toBe(committedByA);
    expect(await committedButNotStored(t, topic, afterA)).toEqual([]);

    // B and C join (a rebalance splits the partitions); more events arrive; C leaves
    // gracefully and B takes its partitions over.
    const b = await consumer(config);
    await b.ingest.joined();
    const c = await consumer(config);
    await waitFor(() => c.ingest.status().partitions.length > 0 && b.ingest.status().partitions.length < 6, 30_000, 'B and C to share the partitions');
    await preloadEvents(broker, topic, scratch.dir, 30_000, 45_000, run);
    await waitFor(() => c.ingest.status().eventsStored > 0, 30_000, 'C to store events');
    const cReport = await c.ingest.stop({ graceMs: 10_000 });
    expect(cReport.clean).toBe(true);
    await waitFor(() => b.ingest.status().partitions.length === 6, 30_000, 'B to take over all partitions');
    await preloadEvents(broker, topic, scratch.dir, 45_000, 50_000, run);
    await expectAllCommitted(groupId, topic);

    expect(await t.scalar('SELECT count() FROM ticket_events FINAL WHERE kafka_topic = {topic:String}', { topic })).toBe(50_000);
    expect(await storedIds('ticket_events', topic)).toEqual(expectedIds(run, 0, 50_000));
    expect(await committedButNotStored(t, topic, await committedOffsets(admin, groupId, topic))).toEqual([]);
    await b.ingest.stop();
  });
});

function producerFor(b: KafkaTestBroker): Producer {
  return new Kafka({ clientId: 'ticketpulse-test-producer', brokers: b.brokers, logLevel: logLevel.NOTHING }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
}

describe('commit ordering (pure logic)', () => {
  const entry = (from: number, to: number): LedgerEntry => ({
    topic: 't', partition: 0, epoch: 1, fetchedOffset: BigInt(from), nextOffset: BigInt(to), messages: to - from, events: to - from,
    bytes: 0, receivedAt: 0, reasons: new Map(), decode: null, rows: null, deadLetters: [], released: false, state: 'writing', attempts: 1, retryTimer: null,
  });

  it('advances the commit position only over an unbroken run of stored batches', () => {
    const ledger = new PartitionLedger('t', 0, 1, 100n);
    const [a, b, c] = [entry(100, 150), entry(150, 180), entry(180, 200)];
    for (const e of [a, b, c]) {
      expect(ledger.continues(e.fetchedOffset)).toBe(true);
      ledger.push(e);
    }
    expect(ledger.continues(150n)).toBe(false);
    c.state = 'stored';
    expect(ledger.popStored()).toBeNull();
    a.state = 'failed';
    b.state = 'stored';
    expect(ledger.popStored()).toBeNull();
    expect(ledger.hasFailed()).toBe(true);
    a.state = 'stored';
    expect(ledger.popStored()).toBe(200n);
    expect(ledger.size).toBe(0);
  });

  it('coalesces commits per partition, never sends one for an earlier epoch, and retries failures', async () => {
    let epoch = 1;
    const sent: string[][] = [];
    let fail = 1;
    const gates: Array<() => void> = [];
    const committer = new Committer({
      commit: async (offsets) => {
        sent.push(offsets.map((o) => `${o.partition}@${o.offset}`));
        await new Promise<void>((r) => gates.push(r));
        if (sent.length === 2 && fail-- > 0) throw new Error('coordinator moved');
      },
      currentEpoch: () => epoch,
      onError: () => undefined,
      retryDelayMs: 1,
    });
    const open = async () => {
      while (!committer.idle) {
        gates.splice(0).forEach((r) => r());
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const req = (partition: number, offset: number, e = epoch): void => committer.request({ topic: 't', partition, offset: BigInt(offset), epoch: e } satisfies CommitTarget);
    req(0, 10);
    req(0, 20); // while the first is on the wire: coalesced
    req(0, 15); // older than the pending one: ignored
    req(1, 5);
    await open();
    expect(sent).toEqual([['0@10'], ['0@20', '1@5'], ['0@20', '1@5']]);

    req(4, 1); // on the wire…
    req(2, 7); // …while this waits, and then the group rebalances
    epoch = 2;
    committer.dropStale();
    req(3, 9);
    await open();
    expect(sent.slice(3)).toEqual([['4@1'], ['3@9']]);
    await committer.close();
  });
});
