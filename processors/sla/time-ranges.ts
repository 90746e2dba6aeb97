// Local wall-clock ranges ('09:00-18:00') as written in calendar config, parsed once
// into minutes of the local day so the calendar never re-reads strings; civil-date
// arithmetic without Date objects; and set operations on flattened instant ranges.

import { HOLIDAY_DATE_PATTERN, TIME_RANGE_PATTERN } from '../../core/config/sla.ts';

export { HOLIDAY_DATE_PATTERN, TIME_RANGE_PATTERN };
const RANGE_RE = new RegExp(TIME_RANGE_PATTERN);

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const MINUTES_PER_DAY = 1440;

/** Minutes after local midnight; `end` may exceed 1440 for a shift that runs past midnight. */
export interface MinuteRange {
  start: number;
  end: number;
}

export type ParsedRange = { ok: true; range: MinuteRange } | { ok: false; message: string };

/**
 * Weekly opening hours. An end earlier than the start is an overnight shift that ends
 * on the next local day (22:00-06:00 → 1320..1800); '22:00-00:00' is the same as
 * '22:00-24:00'. Equal start and end is refused: it could mean nothing or all day.
 */
export function parseWeeklyRange(text: string): ParsedRange {
  const m = RANGE_RE.exec(text);
  if (!m) return { ok: false, message: `expected 'HH:MM-HH:MM' (24-hour clock), got ${JSON.stringify(text)}` };
  const start = toMinutes(text.slice(0, 5));
  let end = toMinutes(text.slice(6, 11));
  if (end === start) return { ok: false, message: `empty range ${JSON.stringify(text)}: for a whole day write '00:00-24:00'` };
  if (end < start) end += MINUTES_PER_DAY;
  return { ok: true, range: { start, end } };
}

/**
 * Closed ranges of a partial holiday: they stay inside the holiday's own date, so an
 * end of 00:00 can only mean midnight at the end of the day.
 */
export function parseHolidayRange(text: string): ParsedRange {
  const m = RANGE_RE.exec(text);
  if (!m) return { ok: false, message: `expected 'HH:MM-HH:MM' (24-hour clock), got ${JSON.stringify(text)}` };
  const start = toMinutes(text.slice(0, 5));
  let end = toMinutes(text.slice(6, 11));
  if (end === 0) end = MINUTES_PER_DAY;
  if (end <= start) {
    return { ok: false, message: `a holiday range must end after it starts on the same date, got ${JSON.stringify(text)}` };
  }
  return { ok: true, range: { start, end } };
}

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export type ParsedHolidayDate =
  | { ok: true; year: number | null; month: number; day: number }
  | { ok: false; message: string };

export function parseHolidayDate(text: string): ParsedHolidayDate {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(text);
  if (!m) return { ok: false, message: `expected 'YYYY-MM-DD' or 'MM-DD' (every year), got ${JSON.stringify(text)}` };
  const year = m[1] === undefined ? null : Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  // A recurring date is checked against a leap year so that '02-29' is allowed.
  const maxDay = month >= 1 && month <= 12 ? daysInMonth(year ?? 2024, month) : 0;
  if (month < 1 || month > 12 || day < 1 || day > maxDay) {
    return { ok: false, message: `not a calendar date: ${JSON.stringify(text)}` };
  }
  return { ok: true, year, month, day };
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Monday … 6 = Sunday, matching WEEKDAYS (1970-01-01 was a Thursday). */
export function weekdayOfDay(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** Sorts flattened [s, e, …] ranges and merges overlapping or touching ones; drops empty ones. */
export function mergeRanges(flat: number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) if (flat[i + 1] > flat[i]) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const n = out.length;
    if (n > 0 && s <= out[n - 1]) {
      if (e > out[n - 1]) out[n - 1] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

/** `a` minus `b`, both sorted and disjoint. */
export function subtractRanges(a: number[], b: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i];
    const e = a[i + 1];
    for (let j = 0; j < b.length && s < e; j += 2) {
      const bs = b[j];
      const be = b[j + 1];
      if (be <= s || bs >= e) continue;
      if (bs > s) out.push(s, bs);
      s = be;
    }
    if (s < e) out.push(s, e);
  }
  return out;
}
