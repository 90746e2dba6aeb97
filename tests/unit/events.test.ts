import { describe, expect, it } from 'vitest';
import { decodeEvent, EVENT_TYPES, toRow, validateEvent, type RejectReason } from '../../core/events/index.ts';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const base = {
  event_id: 'evt-1',
  ticket_id: 'T-1',
  type: 'created',
  occurred_at: '2026-11-26T10:15:00Z',
};
const enc = (v: unknown) => JSON.stringify(v);

describe('event contract v1', () => {
  it.each(EVENT_TYPES)('accepts type %s', (type) => {
    const r = decodeEvent(enc({ ...base, type }), NOW);
    expect(r.ok).toBe(true);
  });

  it('accepts every optional field and keeps them in the row', () => {
    const full = {
      ...base,
      type: 'satisfaction_rated',
      occurred_at: '2026-11-26T11:15:00.123+01:00',
      tenant: 'acme', channel: 'chat', priority: 'urgent', customer_id: 'C-9', customer_tier: 'vip', team: 'billing',
      agent_id: 'A-7', category: 'refund', product: 'Lipstick', region: 'eu-west', status: 'solved',
      subject: '退款', body: 'Thanks — 谢谢', csat: 5, attributes: { order: '#A1' }, schema_version: 1,
    };
    const r = decodeEvent(enc(full), NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const row = toRow(r.event, r.occurredMs, { source: 'kafka', topic: 't', partition: 2, offset: '17' }, '2026-11-26 12:00:00.000');
    expect(row).toMatchObject({
      occurred_at: '2026-11-26 10:15:00.123', // converted from +01:00 to UTC
      csat: 5, subject: '退款', attributes: { order: '#A1' }, kafka_topic: 't', kafka_partition: 2, kafka_offset: 17, source: 'kafka',
    });
  });

  it('fills absent optional fields with empty values and csat with null', () => {
    const r = decodeEvent(enc(base), NOW);
    if (!r.ok) throw new Error('rejected');
    const row = toRow(r.event, r.occurredMs, { source: 'http' }, 'x');
    expect(row).toMatchObject({ tenant: '', team: '', csat: null, attributes: {}, schema_version: 1, kafka_partition: -1, kafka_offset: -1 });
  });

  it('keeps unknown top-level fields in attributes instead of dropping them', () => {
    const r = decodeEvent(enc({ ...base, order_id: 'A-1', sla_tier: 3, nested: { a: [1, 2] }, attributes: { order_id: 'kept' } }), NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.attributes).toEqual({ order_id: 'kept', 'field:order_id': 'A-1', sla_tier: '3', nested: '{"a":[1,2]}' });
    expect('order_id' in r.event).toBe(false);
  });

  it('accepts ISO-8601 offsets without a colon and without seconds', () => {
    for (const ts of ['2026-11-26T10:15:00+0100', '2026-11-26T10:15Z', '2026-11-26T10:15:00.123456789-05:30']) {
      expect(decodeEvent(enc({ ...base, occurred_at: ts }), NOW).ok, ts).toBe(true);
    }
  });

  const deep = (n: number) => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = { v };
    return v;
  };

  const BAD: Array<[string, Buffer | string, RejectReason, string]> = [
    ['empty message', '', 'empty', ''],
    ['not JSON', 'hello world', 'invalid_json', ''],
    ['truncated JSON', '{"event_id": "e1", "ticket_id"', 'invalid_json', ''],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'invalid_utf8', ''],
    ['a JSON array', enc([base]), 'not_an_object', ''],
    ['a JSON string', enc('event'), 'not_an_object', ''],
    ['JSON null', 'null', 'not_an_object', ''],
    ['a number', '42', 'not_an_object', ''],
    ['missing event_id', enc({ ...base, event_id: undefined }), 'missing_field', '/event_id'],
    ['missing ticket_id', enc({ ...base, ticket_id: undefined }), 'missing_field', '/ticket_id'],
    ['missing type', enc({ ...base, type: undefined }), 'missing_field', '/type'],
    ['missing occurred_at', enc({ ...base, occurred_at: undefined }), 'missing_field', '/occurred_at'],
    ['event_id a number', enc({ ...base, event_id: 12 }), 'invalid_type', '/event_id'],
    ['empty event_id', enc({ ...base, event_id: '' }), 'invalid_value', '/event_id'],
    ['event_id over 128 chars', enc({ ...base, event_id: 'e'.repeat(129) }), 'invalid_value', '/event_id'],
    ['event_id with a control character', enc({ ...base, event_id: 'e\u0001' }), 'invalid_value', '/event_id'],
    ['unknown event type', enc({ ...base, type: 'exploded' }), 'unknown_event_type', '/type'],
    ['type not a string', enc({ ...base, type: 3 }), 'invalid_value', '/type'],
    ['timestamp without offset', enc({ ...base, occurred_at: '2026-11-26T10:15:00' }), 'invalid_timestamp', '/occurred_at'],
    ['timestamp not a date', enc({ ...base, occurred_at: 'yesterday' }), 'invalid_timestamp', '/occurred_at'],
    ['impossible date', enc({ ...base, occurred_at: '2026-02-30T10:00:00Z' }), 'invalid_timestamp', '/occurred_at'],
    ['timestamp as epoch number', enc({ ...base, occurred_at: 1764151200 }), 'invalid_type', '/occurred_at'],
    ['more than a day in the future', enc({ ...base, occurred_at: '2026-11-28T12:00:00Z' }), 'timestamp_out_of_range', '/occurred_at'],
    ['before 1970', enc({ ...base, occurred_at: '1969-12-31T23:59:59Z' }), 'timestamp_out_of_range', '/occurred_at'],
    ['csat out of range', enc({ ...base, csat: 6 }), 'invalid_value', '/csat'],
    ['csat not an integer', enc({ ...base, csat: 4.5 }), 'invalid_type', '/csat'],
    ['csat a string', enc({ ...base, csat: '5' }), 'invalid_type', '/csat'],
    ['attributes not a map', enc({ ...base, attributes: ['a'] }), 'invalid_type', '/attributes'],
    ['attribute value not a string', enc({ ...base, attributes: { a: 1 } }), 'invalid_type', '/attributes/a'],
    ['team not a string', enc({ ...base, team: { name: 'x' } }), 'invalid_type', '/team'],
    ['schema_version from the future', enc({ ...base, schema_version: 2 }), 'invalid_value', '/schema_version'],
    ['body over 64 KiB (multi-byte)', enc({ ...base, body: '谢'.repeat(22_000) }), 'body_too_large', '/body'],
    ['event over 256 KiB', enc({ ...base, subject: 'x', attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'.repeat(7_000)])) }), 'too_large', ''],
    ['deeply nested unknown field', enc({ ...base, extra: deep(40) }), 'too_deep', '/extra'],
  ];

  it(`has at least 20 kinds of bad input (${BAD.length})`, () => {
    expect(BAD.length).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD)('rejects %s', (_name, raw, reason, path) => {
    const r = decodeEvent(raw, NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.path).toBe(path);
    expect(r.message.length).toBeGreaterThan(5);
  });

  it('reports the event and ticket ids of a rejected event when they can be read', () => {
    const r = decodeEvent(enc({ ...base, csat: 9 }), NOW);
    expect(r).toMatchObject({ ok: false, eventId: 'evt-1', ticketId: 'T-1' });
  });

  it('survives a hostile nesting depth without overflowing the stack', () => {
    const text = '{"event_id":"e","ticket_id":"t","type":"created","occurred_at":"2026-11-26T10:00:00Z","x":' + '['.repeat(5000) + ']'.repeat(5000) + '}';
    const r = decodeEvent(text, NOW);
    expect(r).toMatchObject({ ok: false, reason: 'too_deep', path: '/x' });
  });

  it('validates already-parsed values the same way', () => {
    expect(validateEvent({ ...base }, NOW).ok).toBe(true);
    expect(validateEvent(null, NOW)).toMatchObject({ ok: false, reason: 'not_an_object' });
  });
});
