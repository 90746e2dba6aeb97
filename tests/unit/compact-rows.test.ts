// The Kafka fast path (core/events/compact-rows.ts) against the general path
// (decodeEvent → toCompactLine): whatever the fast path takes, the general path
// accepts with the same row; whatever it declines, it leaves no trace. Plain events
// give byte-identical rows; events with escapes give rows that decode to the same
// values. A mutation fuzzer looks for inputs where the two disagree.
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { CompactRowsBuilder, ROW_FIELDS } from '../../core/events/compact-rows.ts';
import { compactLineTail, toClickHouseTime, TICKET_EVENT_COLUMNS } from '../../core/events/row.ts';
import { TicketEventSchema } from '../../core/events/schema.ts';
import { createSimulation } from '../../ingest/simulator/index.ts';
import { processMessage } from '../../ingest/pipeline.ts';
import { benchEvent } from '../support/kafka-ingest-events.ts';

const NOW = Date.UTC(2026, 10, 27, 12);
const RECEIVED = toClickHouseTime(NOW);
const ORIGIN = { source: 'kafka' as const, topic: 'ticket-events', partition: 7 };
const TAIL = compactLineTail(ORIGIN, RECEIVED);

/** The fast path's row (without its newline), or null when it declines. */
function fast(raw: Buffer, offset = 42, nowMs = NOW): string | null {
  const b = new CompactRowsBuilder(compactLineTail(ORIGIN, toClickHouseTime(nowMs)), nowMs, 16);
  // Surrounded by other bytes, as in a packed batch: nothing outside [start, end) may be read.
  const src = Buffer.concat([Buffer.from('{"x":1}'), raw, Buffer.from('"}]')]);
  const ok = b.tryEvent(src, 7, 7 + raw.length, offset);
  const out = Buffer.from(b.finish()).toString('utf8');
  if (!ok) {
    expect(out).toBe('');
    expect(b.rows).toBe(0);
    return null;
  }
  expect(b.rows).toBe(1);
  expect(out.endsWith('\n')).toBe(true);
  return out.slice(0, -1);
}

/** The general path's row, or its rejection reason. */
function general(raw: Buffer, offset = 42, nowMs = NOW): { line: string } | { reason: string } {
  const r = processMessage(raw, { ...ORIGIN, offset }, { nowMs, receivedAt: toClickHouseTime(nowMs), rowFormat: 'JSONCompactEachRow' });
  if (r.kind === 'ok') return { line: r.line };
  if (r.kind === 'dead_letter') return { reason: r.rejection.reason };
  throw new Error('retry verdict');
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const event = (over: Record<string, unknown> = {}) => ({ ...benchEvent(17, 'fp'), ...over });

describe('compact rows fast path: same rows as the general path', () => {
  it('knows the contract fields in column order', () => {
    expect(ROW_FIELDS.map((f) => f.name)).toEqual(TICKET_EVENT_COLUMNS.slice(0, ROW_FIELDS.length));
    expect(ROW_FIELDS.map((f) => f.name).sort()).toEqual(Object.keys(TicketEventSchema.properties).sort());
  });

  it('writes byte-identical rows for the benchmark events and a simulated day', () => {
    const start = Date.UTC(2026, 10, 20);
    const sim = createSimulation({ seed: 7, start });
    const events: unknown[] = [...sim.events(start + 24 * 3600_000)];
    for (let i = 0; i < 2_000; i++) events.push(benchEvent(i, 'fp'));
    expect(events.length).toBeGreaterThan(5_000);
    const nowMs = start + 2 * 24 * 3600_000;
    let withAttributes = 0;
    let withCsat = 0;
    for (const [i, e] of events.entries()) {
      const raw = json(e);
      const g = general(raw, i, nowMs);
      expect(g).toHaveProperty('line');
      expect(fast(raw, i, nowMs)).toBe((g as { line: string }).line);
      if (Object.keys((e as { attributes?: object }).attributes ?? {}).length > 0) withAttributes++;
      if ((e as { csat?: number }).csat !== undefined) withCsat++;
    }
    // The sample covers the optional shapes.
    expect(withAttributes).toBeGreaterThan(100);
    expect(withCsat).toBeGreaterThan(10);
  });

  it('handles every absent optional field, whitespace between tokens and any field order', () => {
    const minimal = { event_id: 'e-1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-11-26T10:15:00.000Z' };
    for (const raw of [
      json(minimal),
      Buffer.from(JSON.stringify(event({ csat: 4, attributes: { a: 'x', b: 'y' }, schema_version: 1 }), null, 2)),
      Buffer.from(` \t\r\n${JSON.stringify(Object.fromEntries(Object.entries(event({ csat: 5 })).reverse()))}\n `),
      json(event({ attributes: {} })),
    ]) {
      const g = general(raw);
      expect(g).toHaveProperty('line');
      expect(fast(raw)).toBe((g as { line: string }).line);
    }
  });

  it('copies strings with escapes and non-ASCII text as written, decoding to the same values', () => {
    const tricky = [
      'line one\nline two\ttab "quoted" back\\slash',
      'caf\u00e9 \u4f60\u597d \u{1f600} \u2028 \u007f',
      '\u0000\u0001\u001f',
    ];
    for (const s of tricky) {
      for (const raw of [
        json(event({ body: s, subject: s, tenant: s, attributes: { note: s } })),
        // Escapes JSON.stringify never writes: \/ and \u for printable characters.
        Buffer.from(JSON.stringify(event({ body: 'x' })).replace('"body":"x"', '"body":"a\\/b \\u00e9 \\ud83d\\ude00 \\u0041"')),
      ]) {
        const f = fast(raw);
        const g = general(raw);
        expect(f).not.toBeNull();
        expect(JSON.parse(f!)).toEqual(JSON.parse((g as { line: string }).line));
      }
    }
  });

  it('declines what it does not fully understand, and the general path decides', () => {
    const declined: Array<[string, Buffer]> = [
      ['unknown field (moved into attributes)', json(event({ extra: 'x' }))],
      ['duplicate key', Buffer.from(JSON.stringify(event()).replace('{', '{"team":"a",'))],
      ['null optional field', json(event({ team: null }))],
      ['nested value', json(event({ team: { a: 1 } }))],
      ['number for a string field', json(event({ team: 5 }))],
      ['escape in an identifier', Buffer.from(JSON.stringify(event()).replace('"event_id":"', '"event_id":"\\u0041'))],
      ['DEL in an identifier', json(event({ ticket_id: 'T-\u007f' }))],
      ['empty identifier', json(event({ event_id: '' }))],
      ['identifier over 128 bytes', json(event({ ticket_id: 'x'.repeat(129) }))],
      ['escaped key', Buffer.from(JSON.stringify(event()).replace('"team"', '"te\\u0061m"'))],
      ['time zone offset', json(event({ occurred_at: '2026-11-26T10:15:00.000+02:00' }))],
      ['seconds only', json(event({ occurred_at: '2026-11-26T10:15:00Z' }))],
      ['30 February', json(event({ occurred_at: '2026-02-30T10:15:00.000Z' }))],
      ['hour 24', json(event({ occurred_at: '2026-11-26T24:00:00.000Z' }))],
      ['before 1970', json(event({ occurred_at: '1969-12-31T23:59:59.999Z' }))],
      ['more than a day ahead', json(event({ occurred_at: new Date(NOW + 25 * 3600_000).toISOString() }))],
      ['csat as a fraction', Buffer.from(JSON.stringify(event({ csat: 3 })).replace('"csat":3', '"csat":3.0'))],
      ['csat with an exponent', Buffer.from(JSON.stringify(event({ csat: 3 })).replace('"csat":3', '"csat":3e0'))],
      ['csat out of range', json(event({ csat: 6 }))],
      ['csat zero', json(event({ csat: 0 }))],
      ['leading zero', Buffer.from(JSON.stringify(event({ csat: 3 })).replace('"csat":3', '"csat":03'))],
      ['negative', json(event({ csat: -1 }))],
      ['csat as a string', json(event({ csat: '3' }))],
      ['future schema version', json(event({ schema_version: 2 }))],
      ['unknown type', json(event({ type: 'teleported' }))],
      ['missing ticket_id', json({ ...event(), ticket_id: undefined })],
      ['attributes value not a string', json(event({ attributes: { a: 1 } }))],
      ['attributes duplicate key', Buffer.from(JSON.stringify(event({ attributes: { a: 'x', b: 'y' } })).replace('"b":', '"a":'))],
      ['attributes __proto__', Buffer.from(JSON.stringify(event({ attributes: { a: 'x', b: 'y' } })).replace('"b":', '"__proto__":'))],
      ['attributes escaped key', Buffer.from(JSON.stringify(event({ attributes: { ab: 'x' } })).replace('"ab":', '"a\\u0062":'))],
      ['body over a third of the byte limit', json(event({ body: 'x'.repeat(21_846) }))],
      ['trailing comma', Buffer.from(JSON.stringify(event()).replace(/}$/, ',}'))],
      ['trailing bytes', Buffer.from(`${JSON.stringify(event())} x`)],
      ['two objects', Buffer.from(`${JSON.stringify(event())}{}`)],
      ['byte order mark', Buffer.from(`\ufeff${JSON.stringify(event())}`)],
      ['an array', Buffer.from(`[${JSON.stringify(event())}]`)],
      ['raw control character in a string', Buffer.from(JSON.stringify(event()).replace('please', 'ple\u0001ase'))],
      ['bad escape', Buffer.from(JSON.stringify(event()).replace('please', 'ple\\ase'))],
      ['short \\u escape', Buffer.from(JSON.stringify(event()).replace('please', 'ple\\u12'))],
      ['unterminated', Buffer.from(JSON.stringify(event()).slice(0, -3))],
      ['empty', Buffer.alloc(0)],
      ['over the event size limit', json(event({ body: 'x'.repeat(300_000) }))],
    ];
    for (const [what, raw] of declined) {
      expect({ what, row: fast(raw) }).toEqual({ what, row: null });
    }
    // Some of them the general path accepts (it is the one that decides); the
    // rejections carry its reasons.
    const verdicts = declined.map(([what, raw]) => [what, 'line' in general(raw) ? 'accepted' : (general(raw) as { reason: string }).reason]);
    expect(Object.fromEntries(verdicts)).toMatchObject({
      'unknown field (moved into attributes)': 'accepted',
      'duplicate key': 'accepted',
      'time zone offset': 'accepted',
      'seconds only': 'accepted',
      'csat as a fraction': 'accepted',
      'null optional field': 'invalid_type',
      '30 February': 'invalid_timestamp',
      'unknown type': 'unknown_event_type',
      'trailing comma': 'invalid_json',
      'over the event size limit': 'too_large',
    });
  });

  it('writes the offset as the general path does, and appends rows one after another', () => {
    const b = new CompactRowsBuilder(TAIL, NOW, 16); // tiny: forces the buffer to grow
    const offsets = [0, 9, 10, 123_456_789, 2 ** 53 - 1];
    const expected: string[] = [];
    offsets.forEach((offset, i) => {
      const raw = json(benchEvent(i, 'off'));
      expect(b.tryEvent(raw, 0, raw.length, offset)).toBe(true);
      expected.push((general(raw, offset) as { line: string }).line);
    });
    b.pushLine('["general path line"]');
    expected.push('["general path line"]');
    expect(b.rows).toBe(offsets.length + 1);
    expect(Buffer.from(b.finish()).toString('utf8')).toBe(`${expected.join('\n')}\n`);
  });
});

describe('compact rows fast path: mutation fuzzing against the general path', () => {
  // Deterministic PRNG (mulberry32), so a failure can be replayed.
  function rng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = ['"', '\\', '\\"', '\\u0041', '\\ud83d', '\\n', '{', '}', '[', ']', ',', ':', ' ', '\n', '\t', '0', '1', '5', '-', '.', 'e', 'null', 'true', '\u007f', '\u00e9', '\u{1f600}', 'Z', 'T', '+02:00', '"x":"y"', '"csat":', '"attributes":{"k":"v"}', '\u0000', '\ufeff'];

  it('never takes an input the general path rejects or stores differently (20,000 mutants)', () => {
    const rand = rng(20261127);
    const bases = [
      JSON.stringify(event({ csat: 3, attributes: { a: 'x', b: 'y' }, schema_version: 1 })),
      JSON.stringify({ event_id: 'e-1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-11-26T10:15:00.000Z' }),
      JSON.stringify(event({ body: 'caf\u00e9 "q" \\ \n' })),
    ];
    let taken = 0;
    let compared = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = bases[n % bases.length];
      const edits = rand() < 0.7 ? 1 : 2;
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * (text.length + 1));
        const op = rand();
        if (op < 0.4) text = text.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + text.slice(at);
        else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 4));
        else text = text.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + text.slice(at + 1);
      }
      const raw = Buffer.from(text);
      if (!isUtf8(raw)) continue;
      compared++;
      const f = fast(raw, n);
      if (f === null) continue;
      taken++;
      const g = general(raw, n);
      expect({ text, general: g }).toEqual({ text, general: { line: expect.any(String) } });
      expect({ text, row: JSON.parse(f) }).toEqual({ text, row: JSON.parse((g as { line: string }).line) });
    }
    // The mutants exercise both sides: many are still taken, many declined.
    expect(compared).toBeGreaterThan(19_000);
    expect(taken).toBeGreaterThan(2_000);
    expect(taken).toBeLessThan(compared - 2_000);
  });
});
