import { describe, expect, it } from 'vitest';
import { calendarDateExists, parseInstant } from '../../api/query-params.ts';
import { parseSinceArg } from '../../cli/commands/sla.ts';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('instants in query parameters and CLI options', () => {
  it('accepts real dates and instants with offsets, and relative times', () => {
    expect(parseInstant('2026-02-28', 'from', NOW)).toBe(Date.UTC(2026, 1, 28));
    expect(parseInstant('2028-02-29T10:00:00+02:00', 'from', NOW)).toBe(Date.UTC(2028, 1, 29, 8));
    expect(parseInstant('24h', 'from', NOW)).toBe(NOW - 24 * 3_600_000);
    expect(parseSinceArg('2026-03-01T08:00:00Z')).toBe(Date.UTC(2026, 2, 1, 8));
  });

  // Date.parse rolls these over into the next month instead of refusing them.
  it.each(['2026-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-02-30T10:00:00Z', '2027-02-29T00:00:00+01:00'])(
    'refuses %s, a date that does not exist, naming the parameter',
    (text) => {
      expect(() => parseInstant(text, 'from', NOW)).toThrow(/from/);
      expect(() => parseSinceArg(text)).toThrow(/--since/);
    },
  );

  it('knows leap years', () => {
    expect(calendarDateExists('2028-02-29')).toBe(true);
    expect(calendarDateExists('2100-02-29')).toBe(false);
    expect(calendarDateExists('2000-02-29')).toBe(true);
  });
});
