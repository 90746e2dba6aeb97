// occurred_at → epoch ms. Date.parse costs ~180 ns per call, a third of the clock's
// per-ticket budget; the contract's own form (ISO-8601 with an offset) is read here
// digit by digit, and anything else falls back to Date.parse.
import { daysFromCivil, daysInMonth } from './time-ranges.ts';

const ZERO = 48;
let lastYmd = -1;
let lastDays = 0;

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - ZERO;
  return c >= 0 && c <= 9 ? c : -1000;
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

/** Epoch ms of an ISO-8601 date-time (UTC when it has no offset), NaN when it cannot be read. */
export function parseIsoMs(s: string): number {
  const n = s.length;
  if (
    n < 19 ||
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58
  ) {
    return Date.parse(s);
  }
  const sep = s.charCodeAt(10);
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32 /* space */) return Date.parse(s);
  const year = two(s, 0) * 100 + two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return Date.parse(s);
  }
  let i = 19;
  let ms = 0;
  const dot = s.charCodeAt(i);
  if (dot === 46 /* . */ || dot === 44 /* , */) {
    const a = digit(s, 20);
    const b = digit(s, 21);
    const c = digit(s, 22);
    if (a >= 0 && b >= 0 && c >= 0) {
      // The common case, milliseconds; further digits are truncated, as Date.parse does.
      ms = a * 100 + b * 10 + c;
      i = 23;
      while (i < n && digit(s, i) >= 0) i++;
    } else if (a >= 0) {
      ms = a * 100;
      i = 21;
      if (b >= 0) {
        ms += b * 10;
        i = 22;
      }
    } else {
      return Date.parse(s);
    }
  }
  const z = s.charCodeAt(i);
  let offsetMin = 0;
  if (i === n) {
    // No offset: the ticket_events row form, which is UTC (Date.parse would read local time).
  } else if (z === 90 /* Z */ || z === 122 /* z */) {
    if (i + 1 !== n) return Date.parse(s);
  } else if (z === 43 /* + */ || z === 45 /* - */) {
    const oh = two(s, i + 1);
    let om: number;
    if (i + 6 === n && s.charCodeAt(i + 3) === 58) om = two(s, i + 4);
    else if (i + 5 === n) om = two(s, i + 3);
    else return Date.parse(s);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Date.parse(s);
    offsetMin = (z === 43 ? 1 : -1) * (oh * 60 + om);
  } else {
    return Date.parse(s);
  }
  // 2026-02-30 is refused, where V8's Date.parse would roll it over to 2 March.
  if (day > 28 && day > daysInMonth(year, month)) return NaN;
  // A ticket's events mostly fall on a few dates: reuse the last date's day number.
  const ymd = year * 10_000 + month * 100 + day;
  if (ymd !== lastYmd) {
    lastYmd = ymd;
    lastDays = daysFromCivil(year, month, day);
  }
  return lastDays * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + ms - offsetMin * 60_000;
}
