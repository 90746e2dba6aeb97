// The clock's own occurred_at reader must agree with Date.parse on every form the event
// contract allows, read offset-less row times as UTC, and refuse impossible dates.
import { describe, expect, it } from 'vitest';
import { parseIsoMs } from '../../processors/sla/iso-time.ts';

describe('parseIsoMs', () => {
  it('agrees with Date.parse on ISO-8601 with an offset', () => {
    const forms = [
      '2026-03-02T09:00:00Z',
      '2026-03-02T09:00:00.123Z',
      '2026-03-02T09:00:00.1Z',
      '2026-03-02T09:00:00.12Z',
      '2026-03-02T09:00:00.123456789Z',
      '2026-03-02t09:00:00z',
      '2026-03-02T09:00:00+05:30',
      '2026-03-02T09:00:00.250-04:00',
      '2026-03-02T23:59:59.999+14:00',
      '2024-02-29T12:00:00Z',
      '1969-12-31T23:59:59Z',
      '2099-12-31T23:59:59.999Z',
    ];
    for (const f of forms) expect([f, parseIsoMs(f)]).toEqual([f, Date.parse(f)]);
  });

  it('reads the compact offset and the space separator', () => {
    // 09:00 at +01:00 is 08:00 UTC.
    expect(parseIsoMs('2026-03-02 09:00:00+0100')).toBe(Date.UTC(2026, 2, 2, 8));
    expect(parseIsoMs('2026-03-02T09:00:00,5Z')).toBe(Date.UTC(2026, 2, 2, 9, 0, 0, 500));
  });

  it('reads a time without an offset as UTC (the ticket_events row form)', () => {
    expect(parseIsoMs('2026-03-02 09:00:00.000')).toBe(Date.UTC(2026, 2, 2, 9));
    expect(parseIsoMs('2026-03-02 09:00:00')).toBe(Date.UTC(2026, 2, 2, 9));
  });

  it('refuses impossible dates and falls back to Date.parse for other forms', () => {
    expect(parseIsoMs('2026-02-30T10:00:00Z')).toBeNaN();
    expect(parseIsoMs('2026-13-02T09:00:00Z')).toBeNaN();
    expect(parseIsoMs('not a time')).toBeNaN();
    expect(parseIsoMs('2026-03-02T09:00Z')).toBe(Date.UTC(2026, 2, 2, 9));
    expect(parseIsoMs('2026-03-02')).toBe(Date.UTC(2026, 2, 2));
  });
});
