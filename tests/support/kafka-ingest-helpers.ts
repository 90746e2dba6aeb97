// Shared pieces of the Kafka ingest tests: configuration for a consumer on the mock
// broker, producing fixtures, reading committed offsets and watermarks, checking what
// ClickHouse holds against what Kafka committed, and an inserter that fails on demand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { parseConfig, type Config } from '../../core/config/index.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import type { Inserter, InsertFormat, InsertRows } from '../../ingest/writer/index.ts';
import type { TestClickHouse } from './clickhouse.ts';
import type { KafkaTestBroker } from './kafka-broker.ts';
import { writeEventsNdjson } from './kafka-ingest-events.ts';

/** Quiet unless TICKETPULSE_DEBUG_INGEST is set. */
export function testLogger(): Logger {
  return createLogger(process.env.TICKETPULSE_DEBUG_INGEST ? 'debug' : 'silent', 'kafka-ingest-test');
}

export function ingestConfig(dataDir: string, broker: KafkaTestBroker, topics: string[], groupId: string, ingest: Record<string, unknown> = {}): Config {
  return parseConfig({
    dataDir,
    logLevel: 'silent',
    kafka: { brokers: broker.brokers, topics, groupId, clientId: 'ticketpulse-test' },
    ingest: { flushIntervalMs: 100, retryBaseMs: 50, retryMaxMs: 500, ...ingest },
  });
}

/** Consumer tuning for tests: short waits so joins, pauses and shutdowns are quick. */
export const TEST_TUNING = {
  maxWaitTimeInMs: 100,
  // The mock cluster completes a rebalance after the session timeout minus 1 s.
  sessionTimeout: 6_000,
  rebalanceTimeout: 2_000,
  heartbeatInterval: 500,
  restartDelayMs: 500,
  brokerStaleMs: 2_000,
  clientLogLevel: process.env.TICKETPULSE_DEBUG_INGEST ? 'debug' : 'warn',
} as const;

export function adminFor(broker: KafkaTestBroker): Admin {
  return new Kafka({ clientId: 'ticketpulse-test-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  if (process.env.TICKETPULSE_DEBUG_WAITS) process.stderr.write(`waited ${Date.now() - started} ms for ${what}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scratch directory for NDJSON files, removed by `cleanup`. */
export function scratchDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `ticketpulse-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Produces events `from..to-1` of `run` through the broker's preload (keyed by ticket_id). */
export async function preloadEvents(broker: KafkaTestBroker, topic: string, dir: string, from: number, to: number, run: string): Promise<number> {
  const file = join(dir, `${topic}-${from}-${to}.ndjson`);
  await writeEventsNdjson(file, from, to, run);
  return broker.preload(topic, file, 'ticket_id');
}

/** Committed offset per partition (next offset to consume); partitions without a commit are absent. */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const out = new Map<number, bigint>();
  for (const t of await admin.fetchOffsets({ groupId, topics: [topic] })) {
    for (const p of t.partitions) if (BigInt(p.offset) >= 0n) out.set(p.partition, BigInt(p.offset));
  }
  return out;
}

export async function highWatermarks(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

/**
 * The delivery invariant: for every partition, every offset below the committed one
 * is stored — in ticket_events or dead_letters. Returns the partitions that break it.
 */
export async function committedButNotStored(t: Pick<TestClickHouse, 'scalar'>, topic: string, committed: Map<number, bigint>): Promise<string[]> {
  const bad: string[] = [];
  for (const [partition, offset] of committed) {
    const n = await t.scalar(
      `SELECT uniqExact(o) FROM (
         SELECT kafka_offset AS o FROM ticket_events WHERE kafka_topic = {topic:String} AND kafka_partition = {p:Int32} AND kafka_offset < {c:Int64}
         UNION ALL
         SELECT kafka_offset AS o FROM dead_letters WHERE kafka_topic = {topic:String} AND kafka_partition = {p:Int32} AND kafka_offset < {c:Int64}
       )`,
      { topic, p: partition, c: offset.toString() },
    );
    if (BigInt(n) !== offset) bad.push(`partition ${partition}: committed ${offset}, stored ${n} of the offsets below it`);
  }
  return bad;
}

/** Fails the inserts `shouldFail` picks (by call number), passing the others on. */
export class FailingInserter implements Inserter {
  calls = 0;
  failures = 0;

  constructor(
    private readonly inner: Inserter,
    private readonly shouldFail: (call: number, table: string) => boolean,
  ) {}

  async insert(table: string, columns: readonly string[], rows: InsertRows, format?: InsertFormat): Promise<void> {
    const call = ++this.calls;
    if (this.shouldFail(call, table)) {
      this.failures++;
      throw new Error(`injected insert failure #${this.failures} (call ${call}, ${table})`);
    }
    return this.inner.insert(table, columns, rows, format);
  }
}
