// When the batching writer flushes, against the real embedded engine: by size without
// waiting for the age, by age when the size is not reached (measured from the oldest
// buffered row), and retries whose delays grow (exponential backoff, capped).
// Timing assertions are lower bounds and orderings with generous upper bounds: the
// suite runs on a loaded 2-core machine.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toClickHouseTime } from '../../core/events/row.ts';
import { decodeBatch } from '../../ingest/kafka/batch-decode.ts';
import { BatchWriter, ClickHouseInserter, processMessage, rowCount, type FlushReport, type Inserter } from '../../ingest/index.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse('writer-flush');
});
afterAll(async () => t?.cleanup());
beforeEach(async () => t.truncate('ticket_events', 'dead_letters'));

/** setTimeout may fire up to ~1 ms before the nominal instant as performance.now() measures it. */
const TIMER_SLACK_MS = 2;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lines(from: number, n: number): string[] {
  const c = { nowMs: Date.now(), receivedAt: toClickHouseTime(Date.now()) };
  return Array.from({ length: n }, (_, i) => {
    const r = processMessage(JSON.stringify(makeEvent(from + i)), { source: 'file', index: i }, c);
    if (r.kind !== 'ok') throw new Error(`fixture invalid: ${JSON.stringify(r)}`);
    return r.line;
  });
}

/** Rejects if `p` has not settled within `ms` (so a missing flush fails fast instead of hanging). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const stored = () => t.scalar('SELECT count() FROM ticket_events FINAL');

describe('batching writer: flush triggers', () => {
  it('flushes by size as soon as batchRows rows are buffered, without waiting for the age', async () => {
    const reports: FlushReport[] = [];
    // An age far beyond the test's own timeout: only the size can trigger these flushes.
    const w = new BatchWriter({
      inserter: new ClickHouseInserter(t.ch),
      batchRows: 50,
      flushIntervalMs: 600_000,
      maxAttempts: 3,
      retryBaseMs: 10,
      retryMaxMs: 100,
      onFlush: (r) => reports.push(r),
    });
    // 120 rows in writes of 10: the 5th and 10th writes reach 50 rows and flush.
    const writes = Array.from({ length: 12 }, (_, i) => w.write(lines(i * 10, 10)));
    const firstTen = await within(Promise.all(writes.slice(0, 10)), 30_000, 'the size-triggered flushes');
    expect(new Set(firstTen.slice(0, 5)).size).toBe(1); // one flush carried writes 1–5 …
    expect(new Set(firstTen.slice(5, 10)).size).toBe(1); // … another writes 6–10
    expect(firstTen[0]).not.toBe(firstTen[5]);
    expect(firstTen[0]).toMatchObject({ events: 50, deadLetters: 0, attempts: 1 });
    expect(reports.map((r) => r.events)).toEqual([50, 50]);
    expect(w.getStats()).toMatchObject({ flushes: 2, eventsWritten: 100, retries: 0, failedFlushes: 0, bufferedRows: 20 });
    expect(await stored()).toBe(100);

    // The remaining 20 rows stay buffered (below the size, far below the age) until flush().
    let lateSettled = false;
    void Promise.all(writes.slice(10)).then(() => (lateSettled = true));
    await sleep(200);
    expect(lateSettled).toBe(false);
    expect(w.getStats().flushes).toBe(2);
    await w.flush();
    const last = await Promise.all(writes.slice(10));
    expect(last[0]).toMatchObject({ events: 20, attempts: 1 });
    expect(reports.map((r) => r.events)).toEqual([50, 50, 20]);
    expect(w.getStats()).toMatchObject({ flushes: 3, eventsWritten: 120, bufferedRows: 0 });
    expect(await stored()).toBe(120);
    await w.close();
  });

  it('flushes by age when fewer rows than batchRows arrive: not before flushIntervalMs, and well within a generous bound', async () => {
    const flushIntervalMs = 1_000;
    const flushedAt: number[] = [];
    const insertStartedAt: number[] = [];
    const reports: FlushReport[] = [];
    const real = new ClickHouseInserter(t.ch);
    const w = new BatchWriter({
      inserter: {
        insert(table, columns, rows, format) {
          insertStartedAt.push(performance.now());
          return real.insert(table, columns, rows, format);
        },
      },
      batchRows: 10_000,
      flushIntervalMs,
      maxAttempts: 3,
      retryBaseMs: 10,
      retryMaxMs: 100,
      onFlush: (r) => {
        flushedAt.push(performance.now());
        reports.push(r);
      },
    });
    const start = performance.now();
    const first = w.write(lines(0, 7));
    // A second write before the age is reached joins the same flush: the age counts
    // from the oldest buffered row, not from the latest write.
    await sleep(flushIntervalMs * 0.4);
    expect(w.getStats()).toMatchObject({ flushes: 0, bufferedRows: 7 });
    expect(insertStartedAt).toEqual([]);
    const secondAt = performance.now();
    const second = w.write(lines(7, 5));
    expect(w.getStats().bufferedRows).toBe(12);

    const [a, b] = await within(Promise.all([first, second]), flushIntervalMs + 15_000, 'the age-triggered flush');
    const resolvedAfter = performance.now() - start;
    expect(a).toBe(b);
    expect(a).toMatchObject({ events: 12, deadLetters: 0, attempts: 1 });
    expect(reports).toHaveLength(1);
    expect(insertStartedAt).toHaveLength(1);
    // Not before the interval (timers never fire early beyond a millisecond of rounding) …
    expect(insertStartedAt[0] - start).toBeGreaterThanOrEqual(flushIntervalMs - TIMER_SLACK_MS);
    expect(flushedAt[0] - start).toBeGreaterThanOrEqual(flushIntervalMs - TIMER_SLACK_MS);
    // … counted from the first write: the second one did not re-arm the timer (that would
    // start the insert a whole interval after it) …
    expect(insertStartedAt[0] - secondAt).toBeLessThan(flushIntervalMs);
    // … and stored well within a bound generous enough for a loaded machine.
    expect(resolvedAfter).toBeLessThan(flushIntervalMs + 10_000);
    expect(w.getStats()).toMatchObject({ flushes: 1, eventsWritten: 12, bufferedRows: 0 });
    expect(await stored()).toBe(12);

    // Nothing buffered → no timer, no empty flushes.
    await sleep(flushIntervalMs + 100);
    expect(w.getStats().flushes).toBe(1);
    expect(insertStartedAt).toHaveLength(1);
    await w.close();
  });
});

describe('batching writer: retry backoff', () => {
  /** Fails the first `failures` inserts, then passes everything on to the real inserter. */
  function failingFirst(failures: number) {
    const real = new ClickHouseInserter(t.ch);
    const attempts: Array<{ at: number; table: string; rows: number }> = [];
    const inserter: Inserter = {
      async insert(table, columns, rows, format) {
        attempts.push({ at: performance.now(), table, rows: rowCount(rows) });
        if (attempts.length <= failures) throw new Error(`injected failure ${attempts.length}`);
        return real.insert(table, columns, rows, format);
      },
    };
    return { inserter, attempts };
  }

  it('waits longer before each retry: delays double from retryBaseMs, and the real gaps honour them', async () => {
    const retryBaseMs = 400;
    const { inserter, attempts } = failingFirst(2);
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    const w = new BatchWriter({
      inserter,
      batchRows: 10_000,
      flushIntervalMs: 20,
      maxAttempts: 5,
      retryBaseMs,
      retryMaxMs: 10_000,
      // The top of the jitter range, so the delays are exact: base, 2 × base.
      random: () => 1,
      onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }),
    });
    const report = await within(w.write(lines(0, 300)), 30_000, 'the retried flush');
    await w.close();

    expect(report).toMatchObject({ events: 300, attempts: 3 });
    expect(w.getStats()).toMatchObject({ flushes: 1, retries: 2, failedFlushes: 0, eventsWritten: 300 });
    expect(retries).toEqual([
      { attempt: 1, delayMs: retryBaseMs },
      { attempt: 2, delayMs: 2 * retryBaseMs },
    ]);
    // Every attempt re-sends the whole batch to the same table.
    expect(attempts.map((a) => [a.table, a.rows])).toEqual([
      ['ticket_events', 300],
      ['ticket_events', 300],
      ['ticket_events', 300],
    ]);
    const gap1 = attempts[1].at - attempts[0].at;
    const gap2 = attempts[2].at - attempts[1].at;
    expect(gap1).toBeGreaterThanOrEqual(retryBaseMs - TIMER_SLACK_MS);
    expect(gap2).toBeGreaterThanOrEqual(2 * retryBaseMs - TIMER_SLACK_MS);
    // The real waits grew too (only a stall of more than retryBaseMs in this process could invert them).
    expect(gap2).toBeGreaterThan(gap1);
    expect(await stored()).toBe(300);
  });

  it('keeps each jittered delay within [ceiling/2, ceiling], the ceiling doubling up to retryMaxMs', async () => {
    const retryBaseMs = 60;
    const retryMaxMs = 150;
    const { inserter, attempts } = failingFirst(3);
    const delays: number[] = [];
    const w = new BatchWriter({
      inserter,
      batchRows: 10_000,
      flushIntervalMs: 20,
      maxAttempts: 5,
      retryBaseMs,
      retryMaxMs,
      onRetry: ({ delayMs }) => delays.push(delayMs),
    });
    const report = await within(w.write(lines(0, 40)), 30_000, 'the retried flush');
    await w.close();
    expect(report).toMatchObject({ events: 40, attempts: 4 });

    const ceilings = [60, 120, 150]; // 240 capped at retryMaxMs
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d, `delay ${i + 1}`).toBeGreaterThanOrEqual(ceilings[i] / 2);
      expect(d, `delay ${i + 1}`).toBeLessThanOrEqual(ceilings[i]);
      const gap = attempts[i + 1].at - attempts[i].at;
      expect(gap, `gap before attempt ${i + 2}`).toBeGreaterThanOrEqual(d - TIMER_SLACK_MS);
    });
    expect(await stored()).toBe(40);
  });
});

describe('batching writer: encoded rows (the Kafka decode workers)', () => {
  it('counts an encoded chunk by its rows, for the size trigger and the report, and stores every row', async () => {
    const reports: FlushReport[] = [];
    const w = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 40, flushIntervalMs: 600_000, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100, onFlush: (r) => reports.push(r) });
    const c = { nowMs: Date.now(), receivedAt: toClickHouseTime(Date.now()), rowFormat: 'JSONCompactEachRow' as const };
    const compact = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const r = processMessage(JSON.stringify(makeEvent(5_000 + from + i)), { source: 'kafka', topic: 't', partition: 0, offset: from + i }, c);
        if (r.kind !== 'ok') throw new Error('fixture invalid');
        return r.line;
      });
    // 25 rows as one chunk, then 15 single compact lines: 40 rows → one size-triggered flush.
    const a = w.writeEncoded({ bytes: Buffer.from(`${compact(0, 25).join('\n')}\n`), rows: 25 });
    const b = w.write(compact(25, 15), [], 'JSONCompactEachRow');
    // An empty chunk has nothing to store: stored at once, no flush for it.
    expect(await w.writeEncoded({ bytes: new Uint8Array(0), rows: 0 })).toMatchObject({ events: 0, deadLetters: 0 });
    const [ra, rb] = await within(Promise.all([a, b]), 30_000, 'the size-triggered flush');
    expect(ra).toBe(rb);
    expect(ra.events).toBe(40);
    await w.close();
    expect(reports.map((r) => r.events)).toEqual([40]);
    expect(await stored()).toBe(40);
  });

  it('stores the Kafka fast path\'s rows (strings copied as written, escapes and all) with the values the general path stores', async () => {
    const tricky = ['line one\nline two\t"quoted" back\\slash /', 'caf\u00e9 \u4f60\u597d \u{1f600} \u2028 \u007f', '\u0000\u0001\u001f'];
    const nowMs = Date.now();
    const events = tricky.map((s, i) => ({ ...makeEvent(9_000 + i), subject: s, body: s, tenant: s, attributes: { note: s } }));
    // Escapes JSON.stringify never writes, as a producer may: \/ and \u for printable characters.
    const handWritten = JSON.stringify({ ...makeEvent(9_100), body: 'x' }).replace('"body":"x"', '"body":"a\\/b \\u00e9 \\ud83d\\ude00 \\u0041"');
    const values = [...events.map((e) => JSON.stringify(e)), handWritten];
    // The same events once through the fast path (Kafka decode) and once through the
    // general path, under other ids.
    const messages = values.map((v, i) => ({ key: null, value: Buffer.from(v), offset: String(i), timestamp: '0', attributes: 0, headers: {} }));
    const decoded = decodeBatch('t', 0, messages as never, nowMs);
    expect(decoded.events).toBe(values.length);
    const generalLines = values.map((v, i) => {
      const r = processMessage(v.replace(/"event_id":"([^"]+)"/, '"event_id":"general-$1"'), { source: 'kafka', topic: 't', partition: 0, offset: i }, { nowMs, receivedAt: toClickHouseTime(nowMs), rowFormat: 'JSONCompactEachRow' });
      if (r.kind !== 'ok') throw new Error('fixture invalid');
      return r.line;
    });
    const w = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 1_000, flushIntervalMs: 50, maxAttempts: 1, retryBaseMs: 10, retryMaxMs: 10 });
    await Promise.all([w.writeEncoded({ bytes: decoded.rows, rows: decoded.events }), w.write(generalLines, [], 'JSONCompactEachRow')]);
    await w.close();
    type Row = { event_id: string; subject: string; body: string; tenant: string; attributes: Record<string, string> };
    const rows = await t.rows<Row>('SELECT event_id, subject, body, tenant, attributes FROM ticket_events FINAL ORDER BY event_id');
    expect(rows).toHaveLength(2 * values.length);
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    for (const v of values) {
      const e = JSON.parse(v) as Row;
      const viaFast = byId.get(e.event_id);
      const viaGeneral = byId.get(`general-${e.event_id}`);
      expect(viaFast).toEqual({ event_id: e.event_id, subject: e.subject, body: e.body, tenant: e.tenant ?? '', attributes: e.attributes ?? {} });
      expect({ ...viaGeneral, event_id: e.event_id }).toEqual(viaFast);
    }
  });
});
