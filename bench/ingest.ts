// Kafka → ClickHouse ingest throughput, three ways over the same 1,000,000 events
// preloaded into the mock Kafka broker (tests/support/kafka-broker.ts):
//   (a) consume only: kafkajs eachBatch + JSON.parse of every value, nothing else;
//   (b) insert only: the same rows, encoded as the consumer encodes them, written
//       through the batching writer into embedded ClickHouse (encoding not timed);
//   (c) the full pipeline: startKafkaIngest (decode, validation, dead-letter checks,
//       insert, commit) until every event is stored and committed.
// Prints progress lines, the figures, peak RSS, and last a RESULT line.
//   npm run bench:ingest [-- --events 1000000 --partitions 128 --phase all|a|b|c]
// Profile one phase: node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/ingest.ts --phase c
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as nodePerformance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { parseConfig, type Config } from '../core/config/index.ts';
import { createLogger } from '../core/log.ts';
import { ingestMetrics } from '../core/metrics.ts';
import { Progress, fmt } from '../core/progress.ts';
import { BatchWriter, ClickHouseInserter } from '../ingest/index.ts';
import { decodeBatch, type DecodedBatch } from '../ingest/kafka/batch-decode.ts';
import { DEFAULT_TUNING, startKafkaIngest } from '../ingest/kafka/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../tests/support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../tests/support/kafka-broker.ts';
import { writeEventsNdjson } from '../tests/support/kafka-ingest-events.ts';

const args = parseArgs(process.argv.slice(2));
const EVENTS = Number(args.events ?? 1_000_000);
// The mock broker keeps ~5 MiB per partition: 1M × ~350 B needs at least 67.
const PARTITIONS = Number(args.partitions ?? 128);
const PHASE = String(args.phase ?? 'all');
// Rows per insert: 50,000 as recommended for Kafka ingest (docs/operations.md); the
// configuration default is 10,000 (--batch-rows 10000 measures that).
const BATCH_ROWS = Number(args['batch-rows'] ?? 50_000);
const FLUSHES = Number(args.flushes ?? 1);
/** Consumer tuning overrides for experiments, e.g. --tuning '{"maxInFlightMessages":50000}'. */
const TUNING = JSON.parse(args.tuning ?? '{}') as Record<string, number>;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Process CPU (all threads, chDB's included) per row, by phase: robust when other processes compete for the cores. */
const cpuPerRow: Record<string, number> = {};
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
rssTimer.unref();

async function main(): Promise<void> {
  const file = join(tmpdir(), `ticketpulse-bench-ingest-${EVENTS}.ndjson`);
  if (!existsSync(file) || statSync(file).size < EVENTS * 300) {
    say(`generating ${fmt(EVENTS)} events into ${file}…`);
    await writeEventsNdjson(file, 0, EVENTS, 'b');
  }
  const bytes = statSync(file).size;
  say(`events: ${fmt(EVENTS)} (${(bytes / EVENTS).toFixed(0)} B each on average), ${PARTITIONS} partitions, phase ${PHASE}, writer batch ${BATCH_ROWS} rows × ${FLUSHES} concurrent flush(es)`);

  const topic = randomName('bench-ingest');
  const broker = await startKafkaBroker({ brokers: 1, topics: [{ name: topic, partitions: PARTITIONS }] });
  const ch = await openTestClickHouse('bench-ingest');
  try {
    const t0 = performance.now();
    const n = await broker.preload(topic, file, 'ticket_id');
    say(`preloaded ${fmt(n)} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const a = PHASE === 'all' || PHASE === 'a' ? await consumeOnly(broker, topic) : NaN;
    const b = PHASE === 'all' || PHASE === 'b' ? await insertOnly(ch, file, topic) : NaN;
    const c = PHASE === 'all' || PHASE === 'c' ? await fullPipeline(ch, broker, topic) : NaN;

    const rssMb = Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 20;
    say('');
    say(`(a) kafkajs consume only (eachBatch + JSON.parse): ${fmt(a)} msg/s`);
    say(`(b) insert only (pipeline encoding → batching writer → embedded ClickHouse): ${fmt(b)} rows/s`);
    say(`(c) full pipeline (Kafka → validate → insert → commit): ${fmt(c)} events/s`);
    say(`(c)/(a) = ${(c / a).toFixed(2)}; peak RSS ${rssMb.toFixed(0)} MB`);
    say(`CPU per row (all threads): ${Object.entries(cpuPerRow).map(([k, v]) => `${k} ${v.toFixed(1)} µs`).join(', ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    say(`RESULT ingest events_per_s=${Math.round(c)} ratio=${(c / a).toFixed(2)} consume_only_per_s=${Math.round(a)} insert_only_per_s=${Math.round(b)} rss_mb=${Math.round(rssMb)}`);
  } finally {
    await ch.cleanup();
    await broker.stop();
  }
}

/** (a): the ceiling kafkajs sets on this machine with the consumer's own fetch settings. */
async function consumeOnly(broker: KafkaTestBroker, topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-a', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({
    groupId: randomName('bench-a'),
    maxBytes: DEFAULT_TUNING.maxBytes,
    maxBytesPerPartition: DEFAULT_TUNING.maxBytesPerPartition,
    maxWaitTimeInMs: DEFAULT_TUNING.maxWaitTimeInMs,
  });
  const progress = new Progress({ label: '(a) consume only', total: EVENTS, unit: 'msg', write: say });
  let count = 0;
  let first = 0;
  let last = 0;
  let cpu0 = process.cpuUsage();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: DEFAULT_TUNING.partitionsConsumedConcurrently,
    eachBatch: async ({ batch }) => {
      if (!first) {
        first = performance.now();
        cpu0 = process.cpuUsage();
      }
      for (const m of batch.messages) JSON.parse(m.value!.toString('utf8'));
      count += batch.messages.length;
      progress.tick(batch.messages.length);
      if (count >= EVENTS) {
        last = performance.now();
        cpuPerRow.a = cpuMicros(cpu0) / count;
        done();
      }
    },
  });
  await finished;
  await consumer.disconnect();
  progress.finish();
  return (count * 1000) / (last - first);
}

/** (b): rows encoded as the consumer encodes them (not timed), then written as fast as the writer stores them. */
async function insertOnly(t: TestClickHouse, file: string, topic: string): Promise<number> {
  const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), ...t.config.ingest, ...writerTuning() });
  const progress = new Progress({ label: '(b) insert only', total: EVENTS, unit: 'rows', write: say });
  const nowMs = Date.now();
  const CHUNK = 100_000;
  // The consumer's batches: up to 5,000 messages of one partition each.
  const BATCH = 5_000;
  let insertMs = 0;
  let index = 0;
  let messages: KafkaMessage[] = [];
  let encoded: DecodedBatch[] = [];
  let rows = 0;
  let cpuMs = 0;
  const encode = () => {
    const d = decodeBatch(topic, encoded.length % PARTITIONS, messages, nowMs);
    if (d.events !== messages.length) throw new Error(`insert only: ${messages.length - d.events} events rejected`);
    encoded.push(d);
    rows += d.events;
    messages = [];
  };
  const insertChunk = async () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await Promise.all(encoded.map((d) => writer.writeEncoded({ bytes: d.rows, rows: d.events })));
    insertMs += performance.now() - t0;
    cpuMs += cpuMicros(c0) / 1000;
    progress.tick(rows);
    encoded = [];
    rows = 0;
  };
  // Encode 100k rows, then time their insert; repeat (keeps memory bounded).
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (text.length === 0) continue;
    messages.push({ key: null, value: Buffer.from(text), offset: String(index++), timestamp: '0', attributes: 0, headers: {} } as KafkaMessage);
    if (messages.length === BATCH) encode();
    if (rows === CHUNK) await insertChunk();
  }
  if (messages.length > 0) encode();
  if (rows > 0) await insertChunk();
  await writer.close();
  progress.finish();
  cpuPerRow.b = (cpuMs * 1000) / EVENTS;
  const stored = await t.scalar('SELECT count() FROM ticket_events');
  if (stored < EVENTS) throw new Error(`insert only: ${stored} rows stored, expected ${EVENTS}`);
  await t.truncate('ticket_events', 'dead_letters');
  return (EVENTS * 1000) / insertMs;
}

/** (c): the real consumer, from its first batch until every event is stored and committed. */
async function fullPipeline(t: TestClickHouse, broker: KafkaTestBroker, topic: string): Promise<number> {
  const config: Config = parseConfig({
    dataDir: t.dataDir,
    logLevel: 'warn',
    kafka: { brokers: broker.brokers, topics: [topic], groupId: randomName('bench-c'), clientId: 'bench-c' },
  });
  const log = createLogger('warn');
  const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), ...config.ingest, ...writerTuning() });
  const progress = new Progress({ label: '(c) full pipeline', total: EVENTS, unit: 'events', write: say });
  const ingest = await startKafkaIngest({ config, writer, log, tuning: TUNING });
  let threads0 = threadCpu();
  let first = 0;
  let stored = 0;
  let cpu0 = process.cpuUsage();
  let elu0 = nodePerformance.eventLoopUtilization();
  while (stored < EVENTS) {
    await new Promise((r) => setTimeout(r, 25));
    const s = ingest.status();
    if (!first && s.consumed > 0) {
      first = performance.now();
      cpu0 = process.cpuUsage();
      elu0 = nodePerformance.eventLoopUtilization();
      threads0 = threadCpu();
    }
    progress.tick(s.eventsStored - stored);
    stored = s.eventsStored;
    if (s.deadLettersStored > 0) throw new Error(`${s.deadLettersStored} valid events were dead-lettered`);
  }
  const elapsed = performance.now() - first;
  cpuPerRow.c = cpuMicros(cpu0) / EVENTS;
  const elu = nodePerformance.eventLoopUtilization(elu0);
  say(`(c) CPU by thread, µs/event: ${threadReport(threads0, threadCpu(), EVENTS)}`);
  cpuPerRow['c main thread'] = (elu.active * 1000) / EVENTS;
  const decodeSeconds = (await ingestMetrics().batchDecodeSeconds.get()).values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
  say(`(c) main thread busy ${(elu.utilization * 100).toFixed(0)}% of the time; decode+validate+encode ${((decodeSeconds * 1e6) / EVENTS).toFixed(1)} µs/event of it`);
  const report = await ingest.stop();
  await writer.close();
  progress.finish();
  const final = await t.scalar('SELECT count() FROM ticket_events FINAL');
  say(`(c) check: ${fmt(final)} rows in ticket_events FINAL, stop ${report.clean ? 'clean' : 'NOT clean'} in ${report.durationMs} ms`);
  if (final !== EVENTS) throw new Error(`full pipeline: ${final} rows stored, expected ${EVENTS}`);
  return (EVENTS * 1000) / elapsed;
}

function writerTuning(): { batchRows: number; maxConcurrentFlushes: number } {
  return { batchRows: BATCH_ROWS, maxConcurrentFlushes: FLUSHES };
}

/** CPU time (µs) of each thread of this process, by thread id, with its name (Linux /proc; empty elsewhere). */
function threadCpu(): Map<string, { name: string; micros: number }> {
  const out = new Map<string, { name: string; micros: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 1e6 / 100; // USER_HZ
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      out.set(tid, { name: tid === String(process.pid) ? 'main' : name, micros: (Number(fields[11]) + Number(fields[12])) * tick });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * Where the CPU went between two snapshots: Node's own threads (main, the decode
 * worker, GC helpers and libuv, all named "node") and ClickHouse's (named by role),
 * summed by name, biggest first.
 */
function threadReport(before: Map<string, { name: string; micros: number }>, after: Map<string, { name: string; micros: number }>, events: number): string {
  const byName = new Map<string, number>();
  const nodeThreads: number[] = [];
  for (const [tid, a] of after) {
    const used = a.micros - (before.get(tid)?.micros ?? 0);
    if (used <= 0) continue;
    if (a.name === 'node') nodeThreads.push(used);
    else byName.set(a.name, (byName.get(a.name) ?? 0) + used);
  }
  // The busiest unnamed Node thread is the decode worker; the rest are GC helpers and libuv.
  nodeThreads.sort((x, y) => y - x);
  nodeThreads.slice(0, 4).forEach((v, i) => byName.set(`node#${i + 1}`, v));
  if (nodeThreads.length > 4) byName.set('other node threads', nodeThreads.slice(4).reduce((x, y) => x + y, 0));
  return [...byName]
    .sort((x, y) => y[1] - x[1])
    .filter(([, v]) => v / events >= 0.05)
    .map(([k, v]) => `${k} ${(v / events).toFixed(2)}`)
    .join(', ');
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    out[m[1]] = m[2] ?? argv[++i] ?? '';
  }
  return out;
}

await main();
clearInterval(rssTimer);
