// Child process for tests/integration/crash.test.ts: writes deterministic events
// into the embedded ClickHouse until the test kills it with SIGKILL. The ack log is
// the stand-in for a Kafka offset commit: a batch's line is appended (and fsynced)
// only after the writer reported the batch stored, so every id in it is a promise
// the test can hold ClickHouse to.
//
//   node --import tsx tests/support/crash-writer.ts <dataDir> <ackLogPath> <startIndex> <count> <batchSize>
//
// Writes event indices [startIndex, count) in batches of batchSize: count is an end
// index, not a length, so a restart names the same end and carries on towards it.
// The test restarts it from the last acknowledged index + 1, which re-sends the
// batch that was in flight when it died: stored or not, it is replayed.
//
// stdout protocol, one line each (pipes are synchronous on Linux, so the parent
// sees them in order and before the next step starts):
//   ready <pid>             data directory opened and migrated
//   replay <first> <stored> on a restart: rows of the re-sent batch already stored
//   send <first> <last>     a batch handed to the writer
//   ack <first> <last>      that batch stored and its ack line fsynced
//   done                    count reached, ClickHouse closed
import { closeSync, fsyncSync, openSync, realpathSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import { migrate } from '../../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { makeEvent, testConfig } from './clickhouse.ts';

// A fixed past base keeps every event valid (not "in the future") whatever the
// machine's clock says, and inside one or two month partitions.
const BASE_MS = Date.UTC(2025, 0, 1);

/** Event id of index i is CRASH_ID_PREFIX + i; the test rebuilds acked ids from it. */
export const CRASH_ID_PREFIX = 'crash-';

function crashEventId(i: number): string {
  return `${CRASH_ID_PREFIX}${i}`;
}

function eventLine(i: number, nowMs: number, receivedAt: string): string {
  const event = makeEvent(i, { event_id: crashEventId(i), occurred_at: new Date(BASE_MS + i * 1000).toISOString() });
  const r = processMessage(JSON.stringify(event), { source: 'file', index: i }, { nowMs, receivedAt });
  if (r.kind !== 'ok') throw new Error(`crash-writer: event ${i} did not validate: ${JSON.stringify(r)}`);
  return r.line;
}

function parseIntArg(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`crash-writer: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return n;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [dataDir, ackLogPath, startArg, countArg, batchArg] = argv;
  if (!dataDir || !ackLogPath) {
    throw new Error('usage: crash-writer.ts <dataDir> <ackLogPath> <startIndex> <count> <batchSize>');
  }
  const start = parseIntArg('startIndex', startArg, 0);
  const count = parseIntArg('count', countArg, 0);
  const batchSize = parseIntArg('batchSize', batchArg, 1);

  const ackFd = openSync(ackLogPath, 'a');
  // A freshly created log is only durable once its directory entry is.
  const dirFd = openSync(dirname(ackLogPath), 'r');
  fsyncSync(dirFd);
  closeSync(dirFd);

  const config = testConfig(dataDir);
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'crash-writer' });
  await migrate(ch, { cluster: null, retention: config.retention });
  say(`ready ${process.pid}`);

  if (start > 0 && start < count) {
    // How much of the re-sent batch the killed run had already stored (without an
    // ack): the replays that really duplicate rows, which FINAL has to collapse.
    const ids = Array.from({ length: Math.min(batchSize, count - start) }, (_, k) => crashEventId(start + k));
    const rs = await ch.client.query({
      query: 'SELECT count() AS n FROM ticket_events WHERE event_id IN {ids:Array(String)}',
      query_params: { ids },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    say(`replay ${start} ${Number(row?.n ?? 0)}`);
  }

  const writer = new BatchWriter({
    inserter: new ClickHouseInserter(ch),
    // A batch of exactly batchSize lines flushes as soon as it is written, so one
    // write() is one INSERT and its resolution is that INSERT's acknowledgement.
    batchRows: batchSize,
    flushIntervalMs: 10,
    maxAttempts: 5,
    retryBaseMs: 10,
    retryMaxMs: 200,
  });

  const batchAt = (first: number): { first: number; last: number; lines: string[] } => {
    const last = Math.min(first + batchSize, count) - 1;
    const nowMs = Date.now();
    const receivedAt = toClickHouseTime(nowMs);
    const lines: string[] = [];
    for (let i = first; i <= last; i++) lines.push(eventLine(i, nowMs, receivedAt));
    return { first, last, lines };
  };

  let batch = start < count ? batchAt(start) : null;
  while (batch) {
    say(`send ${batch.first} ${batch.last}`);
    const stored = writer.write(batch.lines);
    // chDB runs the INSERT off the main thread: encoding the next batch meanwhile
    // keeps the process inside an INSERT for most of its life, which is where the
    // test wants its kills to land. Nothing of the next batch is sent before the ack.
    const nextFirst = batch.last + 1;
    const next = nextFirst < count ? batchAt(nextFirst) : null;
    await stored;
    // Acknowledge only what is stored, and make the acknowledgement durable before
    // the next batch starts: the test treats every line here as a promise.
    writeSync(ackFd, `${batch.first} ${batch.last}\n`);
    fsyncSync(ackFd);
    say(`ack ${batch.first} ${batch.last}`);
    batch = next;
  }

  await writer.close();
  closeSync(ackFd);
  await ch.close();
  say('done');
}

// The test imports CRASH_ID_PREFIX from here; only a direct run writes anything.
const entry = process.argv[1];
if (entry && pathToFileURL(realpathSync(entry)).href === import.meta.url) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`crash-writer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
