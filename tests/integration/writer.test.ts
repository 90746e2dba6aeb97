// The batching writer against the real embedded engine: exactly-once in effect
// from the event_id key, retries that lose nothing, and no settings leaking into
// the chDB session.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toClickHouseTime } from '../../core/events/row.ts';
import { BatchWriter, ClickHouseInserter, processMessage, type Inserter } from '../../ingest/index.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse('writer');
});
afterAll(async () => t?.cleanup());
beforeEach(async () => t.truncate('ticket_events', 'dead_letters'));

const ctx = () => ({ nowMs: Date.now(), receivedAt: toClickHouseTime(Date.now()) });

function lines(events: Array<Record<string, unknown>>): string[] {
  const c = ctx();
  return events.map((e, index) => {
    const r = processMessage(JSON.stringify(e), { source: 'file', index }, c);
    if (r.kind !== 'ok') throw new Error(`fixture invalid: ${JSON.stringify(r)}`);
    return r.line;
  });
}

function writer(inserter: Inserter, overrides: Partial<ConstructorParameters<typeof BatchWriter>[0]> = {}) {
  return new BatchWriter({
    inserter,
    batchRows: 10_000,
    flushIntervalMs: 50,
    maxAttempts: 5,
    retryBaseMs: 1,
    retryMaxMs: 5,
    ...overrides,
  });
}

describe('batching writer on embedded ClickHouse', () => {
  it('stores 100,000 events with 5% duplicates and a replayed batch exactly once (FINAL = distinct ids)', async () => {
    const distinct = 100_000;
    const events = Array.from({ length: distinct }, (_, i) => makeEvent(i));
    // 5% duplicates spread through the stream (the same event delivered twice).
    const withDups: Array<Record<string, unknown>> = [];
    events.forEach((e, i) => {
      withDups.push(e);
      if (i % 20 === 7) withDups.push(e);
    });
    expect(withDups.length).toBe(105_000);
    const w = writer(new ClickHouseInserter(t.ch));
    const all = lines(withDups);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < all.length; i += 5_000) pending.push(w.write(all.slice(i, i + 5_000)));
    // A whole batch replayed, as after a crash between insert and commit.
    pending.push(w.write(all.slice(30_000, 40_000)));
    await Promise.all(pending);
    await w.close();

    expect(w.getStats().eventsWritten).toBe(115_000);
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBeGreaterThan(distinct);
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL')).toBe(distinct);
    expect(await t.scalar('SELECT uniqExact(event_id) FROM ticket_events')).toBe(distinct);
    // After merging, the stored rows themselves collapse too.
    await t.ch.client.command({ query: 'OPTIMIZE TABLE ticket_events FINAL' });
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBe(distinct);
  });

  it('loses nothing when an insert fails twice and then succeeds', async () => {
    const real = new ClickHouseInserter(t.ch);
    let calls = 0;
    const flaky: Inserter = {
      async insert(table, columns, rows) {
        calls++;
        if (calls <= 2) throw new Error(`injected failure ${calls}`);
        return real.insert(table, columns, rows);
      },
    };
    const retries: number[] = [];
    const w = writer(flaky, { onRetry: ({ attempt }) => retries.push(attempt) });
    const report = await w.write(lines(Array.from({ length: 1_000 }, (_, i) => makeEvent(i))));
    await w.close();
    expect(report.events).toBe(1_000);
    expect(report.attempts).toBe(3);
    expect(retries).toEqual([1, 2]);
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL')).toBe(1_000);
  });

  it('rejects the write (retriable) when every attempt fails, and acknowledges nothing', async () => {
    const failing: Inserter = { insert: async () => Promise.reject(new Error('ClickHouse is down')) };
    const w = writer(failing, { maxAttempts: 3 });
    await expect(w.write(lines([makeEvent(1)]))).rejects.toMatchObject({ code: 'clickhouse_unavailable', retriable: true });
    expect(w.getStats().failedFlushes).toBe(1);
    expect(w.getStats().eventsWritten).toBe(0);
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBe(0);
  });

  it('leaks no per-insert setting into the session: a later plain insert still lands', async () => {
    // Every setting the writer passes per insert (INSERT_SETTINGS) must be back to the session's value.
    const settings = "SELECT getSetting('insert_deduplicate') AS d, getSetting('async_insert') AS a, getSetting('optimize_on_insert') AS o";
    const before = await t.rows<{ d: unknown; a: unknown; o: unknown }>(settings);
    // The writer sets optimize_on_insert = 0; the session default is on, so a leak would show.
    expect(before[0].o).toBe(true);
    const w = writer(new ClickHouseInserter(t.ch));
    await w.write(lines(Array.from({ length: 100 }, (_, i) => makeEvent(i))));
    await w.close();
    const after = await t.rows<{ d: unknown; a: unknown; o: unknown }>(settings);
    expect(after).toEqual(before);

    // A plain insert through the client, with no settings at all, after the writer ran.
    const row = JSON.parse(lines([makeEvent(5_000)])[0]) as Record<string, unknown>;
    await t.ch.client.insert({ table: 'ticket_events', values: [row], format: 'JSONEachRow' });
    await t.ch.client.insert({ table: 'ticket_events', values: [{ ...row, event_id: 'evt-plain-2' }], format: 'JSONEachRow' });
    expect(await t.scalar("SELECT count() FROM ticket_events FINAL WHERE event_id IN ('evt-5000', 'evt-plain-2')")).toBe(2);
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL')).toBe(102);
  });

  it('keeps dead letters with their raw bytes (invalid UTF-8 included), reason and origin', async () => {
    const c = ctx();
    const raw = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xff, 0xfe, 0x7d]); // {"a":<ff fe>}
    const r = processMessage(raw, { source: 'kafka', topic: 'ticket-events', partition: 3, offset: '42' }, c);
    expect(r.kind).toBe('dead_letter');
    if (r.kind !== 'dead_letter') return;
    const w = writer(new ClickHouseInserter(t.ch));
    await w.write([], [r.row]);
    await w.close();
    const rows = await t.rows<Record<string, unknown>>(
      'SELECT dl_id, reason, hex(raw) AS raw, raw_size, kafka_topic, kafka_partition, toString(kafka_offset) AS kafka_offset FROM dead_letters FINAL',
    );
    expect(rows).toEqual([
      {
        dl_id: 'kafka:ticket-events:3:42',
        reason: 'invalid_utf8',
        raw: raw.toString('hex').toUpperCase(),
        raw_size: 8,
        kafka_topic: 'ticket-events',
        kafka_partition: 3,
        kafka_offset: '42',
      },
    ]);
  });
});
