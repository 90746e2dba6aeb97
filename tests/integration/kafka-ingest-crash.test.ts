// Crash safety of `ticketpulse ingest`, run as a child process: killed with SIGKILL
// mid-stream three times and restarted each time, then stopped with SIGTERM. After
// every kill (with the data directory opened only while no child holds it), no
// partition's committed offset is ahead of the rows ClickHouse stored; at the end the
// table holds exactly the produced events, once each under FINAL, and the SIGTERM
// run exits 0 having committed everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import { parseConfig } from '../../core/config/index.ts';
import type { TestClickHouse } from '../support/clickhouse.ts';
import { randomName, startKafkaBroker, type KafkaTestBroker } from '../support/kafka-broker.ts';
import { benchEvent } from '../support/kafka-ingest-events.ts';
import { adminFor, committedButNotStored, committedOffsets, highWatermarks, preloadEvents, scratchDir, waitFor } from '../support/kafka-ingest-helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = join(ROOT, 'tests/support/kafka-ingest-child.ts');
const TOTAL = 80_000;
const PARTITIONS = 8;

let broker: KafkaTestBroker;
let admin: Admin;
let dataDir: string;
let scratch: ReturnType<typeof scratchDir>;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  broker = await startKafkaBroker({ brokers: 1 });
  admin = adminFor(broker);
  await admin.connect();
  dataDir = mkdtempSync(join(tmpdir(), 'ticketpulse-kafka-crash-'));
  scratch = scratchDir('kafka-crash');
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await admin?.disconnect().catch(() => undefined);
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  scratch?.cleanup();
});

interface Child {
  proc: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(topic: string, groupId: string, env: Record<string, string> = {}): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, '--data-dir', dataDir, '--log-level', 'warn', 'ingest', '--brokers', broker.bootstrap, '--topics', topic,
      '--group', groupId, '--no-metrics', '--status-interval', '1', '--grace', '15', '--session-timeout', '6'],
    // Small, frequent flushes: many batches are in flight when the kill lands.
    { cwd: ROOT, env: { ...process.env, TICKETPULSE_BATCH_ROWS: '1000', TICKETPULSE_FLUSH_INTERVAL_MS: '100', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(proc);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => {
      children.delete(proc);
      res({ code, signal });
    }),
  );
  return { proc, output, exited };
}

/** Opens the child's data directory (only while no child runs), runs `fn`, closes it. */
async function withData<T>(fn: (t: Pick<TestClickHouse, 'rows' | 'scalar'>) => Promise<T>): Promise<T> {
  expect(children.size).toBe(0);
  const config = parseConfig({ dataDir, logLevel: 'silent' });
  const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir, command: 'test' });
  const rows = async <R,>(sql: string, params?: Record<string, unknown>) => (await ch.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<R>();
  try {
    return await fn({
      rows,
      scalar: async (sql, params) => Number(Object.values((await rows<Record<string, unknown>>(sql, params))[0] ?? {})[0]),
    } as Pick<TestClickHouse, 'rows' | 'scalar'>);
  } finally {
    await ch.close();
  }
}

const sum = (m: Map<number, bigint>) => [...m.values()].reduce((n, o) => n + Number(o), 0);

describe('ticketpulse ingest crash safety (child process, kill -9)', () => {
  it('loses nothing, duplicates nothing and never commits ahead of ClickHouse across three kill -9 and a SIGTERM', async () => {
    const topic = randomName('crash');
    const groupId = randomName('crash-group');
    const run = 'k1';
    await broker.createTopic(topic, PARTITIONS);
    // 80k events ≈ 3.4 MiB per partition: within the mock's 5 MiB, so replays find them.
    await preloadEvents(broker, topic, scratch.dir, 0, TOTAL, run);

    const history: string[] = [];
    let before = 0;
    for (let kill = 1; kill <= 3; kill++) {
      // Each run gets 8,000 offsets further than the last before it is killed. Its
      // commits are held back 150 ms on the wire, so the kill lands while rows are
      // stored but not yet committed: the replay must collapse through event_id.
      const threshold = before + 8_000;
      const child = startChild(topic, groupId, { TICKETPULSE_TEST_COMMIT_DELAY_MS: '150' });
      try {
        await waitFor(async () => sum(await committedOffsets(admin, groupId, topic)) >= threshold, 60_000, `the child to commit ${threshold} offsets`, 25);
      } catch (err) {
        child.proc.kill('SIGKILL');
        throw new Error(`${(err as Error).message}\nchild output:\n${child.output.join('\n')}`);
      }
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');

      const committed = await committedOffsets(admin, groupId, topic);
      const { broken, stored } = await withData(async (t) => ({
        broken: await committedButNotStored(t, topic, committed),
        stored: await t.scalar('SELECT count() FROM ticket_events WHERE kafka_topic = {topic:String}', { topic }),
      }));
      before = sum(committed);
      history.push(`kill ${kill}: committed ${before}, ${stored} rows stored (replays included)`);
      if (process.env.TICKETPULSE_DEBUG_WAITS) process.stderr.write(`${history.at(-1)}\n`);
      expect(broken, history.join('; ')).toEqual([]);
      // Killed mid-stream: it had not finished.
      expect(before).toBeLessThan(TOTAL);
    }

    // Last run: to the end, then SIGTERM — exits 0 within the grace period, all committed.
    const last = startChild(topic, groupId);
    const hw = await highWatermarks(admin, topic);
    await waitFor(async () => {
      const c = await committedOffsets(admin, groupId, topic);
      return [...hw].every(([p, h]) => c.get(p) === h);
    }, 60_000, 'the last child to commit everything', 100).catch((err: Error) => {
      last.proc.kill('SIGKILL');
      throw new Error(`${err.message}\nchild output:\n${last.output.join('\n')}`);
    });
    const sentAt = Date.now();
    last.proc.kill('SIGTERM');
    const exit = await last.exited;
    expect(exit, last.output.join('\n')).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(last.output.join('\n')).toMatch(/stopped cleanly/);

    const committed = await committedOffsets(admin, groupId, topic);
    expect(sum(committed)).toBe(TOTAL);
    await withData(async (t) => {
      expect(await committedButNotStored(t, topic, committed)).toEqual([]);
      expect(await t.scalar('SELECT count() FROM ticket_events FINAL WHERE kafka_topic = {topic:String}', { topic })).toBe(TOTAL);
      expect(await t.scalar('SELECT uniqExact(event_id) FROM ticket_events WHERE kafka_topic = {topic:String}', { topic })).toBe(TOTAL);
      const ids = await t.rows<{ event_id: string }>('SELECT event_id FROM ticket_events FINAL WHERE kafka_topic = {topic:String} ORDER BY event_id', { topic });
      expect(ids.map((r) => r.event_id)).toEqual(Array.from({ length: TOTAL }, (_, i) => benchEvent(i, run).event_id as string).sort());
      expect(await t.scalar('SELECT count() FROM dead_letters WHERE kafka_topic = {topic:String}', { topic })).toBe(0);
    });
  }, 150_000);
});
