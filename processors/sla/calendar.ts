// Business calendars: how much open time lies between two instants, and when a budget
// of open time runs out. Luxon turns local wall times into instants, once per local
// day; the result (that day's open intervals in epoch ms) is cached, so the hot paths
// are plain arithmetic over arrays. Time-zone rules (DST) therefore enter only
// through the conversion of each day's boundaries (see localToMs for DST changes).
import { DateTime, IANAZone } from 'luxon';
import { TicketPulseError } from '../../core/errors.ts';
import type { CalendarConfig } from '../../core/config/sla.ts';
import {
  MINUTES_PER_DAY,
  WEEKDAYS,
  civilFromDays,
  mergeRanges,
  subtractRanges,
  parseHolidayDate,
  parseHolidayRange,
  parseWeeklyRange,
  weekdayOfDay,
  type MinuteRange,
} from './time-ranges.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
// Walking this many consecutive local days without open time means the calendar is
// closed for good (e.g. every open weekday is a recurring holiday): fail loudly
// instead of looping.
const MAX_CLOSED_DAYS = 3 * 366;

export type CalendarPartKind = 'open' | 'closed' | 'holiday';

/** A stretch of time that is uniformly open, closed (outside hours) or a holiday. */
export interface CalendarPart {
  start: number;
  end: number;
  kind: CalendarPartKind;
  /** The holiday's name (or date) when kind is 'holiday'. */
  holiday?: string;
}

export interface CalendarSegment extends CalendarPart {
  /** Wall-clock minutes in the segment (open minutes when kind is 'open'). */
  minutes: number;
}

interface HolidayRule {
  name: string;
  ranges: MinuteRange[];
}

/** One local calendar day, resolved to instants. */
interface DayInfo {
  /** Local date as days since 1970-01-01. */
  key: number;
  /** Epoch ms of this day's local midnight (or its first instant when midnight is skipped). */
  start: number;
  /** Epoch ms of the next day's start. */
  end: number;
  /** Open intervals, flattened [start0, end0, start1, end1, …], sorted, disjoint, in [start, end). */
  opens: number[];
  openMs: number;
  holidayName: string | null;
  /** Holiday closures, flattened like `opens`, clipped to the day. */
  holidayRanges: number[];
  next: DayInfo | null;
  parts: CalendarPart[] | null;
}

export class CompiledCalendar {
  readonly name: string;
  readonly timezone: string;
  /** Open every minute of every day: elapsed business time is wall time. */
  readonly alwaysOpen: boolean;
  private readonly zone: IANAZone;
  private readonly always: boolean;
  private readonly weekly: MinuteRange[][];
  private readonly datedHolidays = new Map<string, HolidayRule>();
  private readonly yearlyHolidays = new Map<string, HolidayRule>();
  private readonly days = new Map<number, DayInfo>();
  private readonly midnights = new Map<number, number>();
  private last: DayInfo | null = null;
  // Local-minus-UTC offset of the last day looked up: a good guess for the next lookup.
  private offsetGuess = 0;

  constructor(config: CalendarConfig, name = 'calendar') {
    this.name = name;
    this.timezone = config.timezone;
    if (!IANAZone.isValidZone(config.timezone)) {
      throw new TicketPulseError('config_invalid', `calendar ${name}: unknown IANA time zone ${JSON.stringify(config.timezone)}`, {
        field: `sla.calendars.${name}.timezone`,
      });
    }
    this.zone = IANAZone.create(config.timezone);
    this.always = config.always === true;
    this.weekly = WEEKDAYS.map((day) =>
      this.always
        ? []
        : (config.hours?.[day] ?? []).map((text) => {
            const r = parseWeeklyRange(text);
            if (!r.ok) throw new TicketPulseError('config_invalid', `calendar ${name}, ${day}: ${r.message}`);
            return r.range;
          }),
    );
    for (const h of config.holidays ?? []) {
      const d = parseHolidayDate(h.date);
      if (!d.ok) throw new TicketPulseError('config_invalid', `calendar ${name}: ${d.message}`);
      const ranges = (h.closed ?? ['00:00-24:00']).map((text) => {
        const r = parseHolidayRange(text);
        if (!r.ok) throw new TicketPulseError('config_invalid', `calendar ${name}, holiday ${h.date}: ${r.message}`);
        return r.range;
      });
      const mmdd = `${pad2(d.month)}-${pad2(d.day)}`;
      const map = d.year === null ? this.yearlyHolidays : this.datedHolidays;
      const key = d.year === null ? mmdd : `${d.year}-${mmdd}`;
      const existing = map.get(key);
      if (existing) existing.ranges.push(...ranges);
      else map.set(key, { name: h.name ?? h.date, ranges });
    }
    this.alwaysOpen = this.always && this.datedHolidays.size === 0 && this.yearlyHolidays.size === 0;
    if (!this.always && this.weekly.every((r) => r.length === 0)) {
      throw new TicketPulseError('config_invalid', `calendar ${name} has no opening hours`, { field: `sla.calendars.${name}.hours` });
    }
  }

  /** Open milliseconds in [fromMs, toMs). */
  businessMs(fromMs: number, toMs: number): number {
    if (!(toMs > fromMs)) return 0;
    if (this.alwaysOpen) return toMs - fromMs;
    let d = this.dayAt(fromMs);
    let total = 0;
    for (;;) {
      if (fromMs <= d.start && toMs >= d.end) {
        total += d.openMs;
      } else {
        const o = d.opens;
        for (let i = 0; i < o.length; i += 2) {
          const s = o[i] > fromMs ? o[i] : fromMs;
          const e = o[i + 1] < toMs ? o[i + 1] : toMs;
          if (e > s) total += e - s;
        }
      }
      if (toMs <= d.end) return total;
      d = this.nextDay(d);
    }
  }

  /**
   * The earliest instant t ≥ fromMs with `amountMs` of open time in [fromMs, t).
   * A budget that runs out exactly at closing time gives the closing instant, not the
   * next opening; a zero budget gives fromMs itself, open or not.
   */
  addBusinessMs(fromMs: number, amountMs: number): number {
    if (!Number.isFinite(fromMs)) return NaN;
    if (!(amountMs > 0)) return fromMs;
    if (this.alwaysOpen) return fromMs + amountMs;
    let d = this.dayAt(fromMs);
    let remaining = amountMs;
    let closedDays = 0;
    for (;;) {
      if (fromMs <= d.start && d.openMs < remaining) {
        remaining -= d.openMs;
      } else {
        const o = d.opens;
        for (let i = 0; i < o.length; i += 2) {
          const s = o[i] > fromMs ? o[i] : fromMs;
          const len = o[i + 1] - s;
          if (len <= 0) continue;
          if (len >= remaining) return s + remaining;
          remaining -= len;
        }
      }
      closedDays = d.openMs > 0 ? 0 : closedDays + 1;
      if (closedDays > MAX_CLOSED_DAYS) {
        throw new TicketPulseError('internal', `calendar ${this.name} has no open time for ${MAX_CLOSED_DAYS} days after ${new Date(d.start).toISOString()}`);
      }
      d = this.nextDay(d);
    }
  }

  /** Open / closed / holiday stretches covering [fromMs, toMs), adjacent equal kinds merged. */
  parts(fromMs: number, toMs: number): CalendarPart[] {
    const out: CalendarPart[] = [];
    if (!(toMs > fromMs)) return out;
    if (this.alwaysOpen) return [{ start: fromMs, end: toMs, kind: 'open' }];
    let d = this.dayAt(fromMs);
    for (;;) {
      for (const p of this.dayParts(d)) {
        const s = p.start > fromMs ? p.start : fromMs;
        const e = p.end < toMs ? p.end : toMs;
        if (e <= s) continue;
        const prev = out[out.length - 1];
        if (prev !== undefined && prev.end === s && prev.kind === p.kind && prev.holiday === p.holiday) prev.end = e;
        else out.push(p.holiday === undefined ? { start: s, end: e, kind: p.kind } : { start: s, end: e, kind: p.kind, holiday: p.holiday });
      }
      if (toMs <= d.end) return out;
      d = this.nextDay(d);
    }
  }

  /** The local day containing `ms`. */
  private dayAt(ms: number): DayInfo {
    const last = this.last;
    if (last !== null && ms >= last.start && ms < last.end) return last;
    let d = this.day(Math.floor((ms + this.offsetGuess) / DAY_MS));
    while (ms < d.start) d = this.day(d.key - 1);
    while (ms >= d.end) d = this.nextDay(d);
    this.offsetGuess = d.key * DAY_MS - d.start;
    this.last = d;
    return d;
  }

  private nextDay(d: DayInfo): DayInfo {
    return (d.next ??= this.day(d.key + 1));
  }

  private day(key: number): DayInfo {
    const cached = this.days.get(key);
    if (cached !== undefined) return cached;
    const built = this.buildDay(key);
    this.days.set(key, built);
    return built;
  }

  private buildDay(key: number): DayInfo {
    const start = this.midnight(key);
    const end = this.midnight(key + 1);
    let opens: number[] = [];
    if (this.always) {
      opens.push(start, end);
    } else {
      // The tail of yesterday's overnight shifts, then today's own ranges (cut at midnight).
      for (const r of this.weekly[weekdayOfDay(key - 1)]) {
        if (r.end > MINUTES_PER_DAY) opens.push(start, this.localToMs(key, r.end - MINUTES_PER_DAY, 'last'));
      }
      for (const r of this.weekly[weekdayOfDay(key)]) {
        opens.push(this.localToMs(key, r.start, 'first'), r.end >= MINUTES_PER_DAY ? end : this.localToMs(key, r.end, 'last'));
      }
      opens = mergeRanges(opens);
    }
    let holidayName: string | null = null;
    let holidayRanges: number[] = [];
    const rule = this.holidayOn(key);
    if (rule !== null) {
      holidayName = rule.name;
      for (const r of rule.ranges) {
        holidayRanges.push(this.localToMs(key, r.start, 'first'), r.end >= MINUTES_PER_DAY ? end : this.localToMs(key, r.end, 'last'));
      }
      holidayRanges = mergeRanges(holidayRanges);
      opens = subtractRanges(opens, holidayRanges);
    }
    let openMs = 0;
    for (let i = 0; i < opens.length; i += 2) openMs += opens[i + 1] - opens[i];
    return { key, start, end, opens, openMs, holidayName, holidayRanges, next: null, parts: null };
  }

  private holidayOn(key: number): HolidayRule | null {
    if (this.datedHolidays.size === 0 && this.yearlyHolidays.size === 0) return null;
    const { year, month, day } = civilFromDays(key);
    const mmdd = `${pad2(month)}-${pad2(day)}`;
    const dated = this.datedHolidays.get(`${year}-${mmdd}`);
    const yearly = this.yearlyHolidays.get(mmdd);
    if (dated !== undefined && yearly !== undefined) return { name: dated.name, ranges: [...dated.ranges, ...yearly.ranges] };
    return dated ?? yearly ?? null;
  }

  private dayParts(d: DayInfo): CalendarPart[] {
    if (d.parts !== null) return d.parts;
    const marks: CalendarPart[] = [];
    for (let i = 0; i < d.opens.length; i += 2) marks.push({ start: d.opens[i], end: d.opens[i + 1], kind: 'open' });
    for (let i = 0; i < d.holidayRanges.length; i += 2) {
      marks.push({ start: d.holidayRanges[i], end: d.holidayRanges[i + 1], kind: 'holiday', holiday: d.holidayName ?? undefined });
    }
    marks.sort((a, b) => a.start - b.start);
    const parts: CalendarPart[] = [];
    let at = d.start;
    for (const m of marks) {
      if (m.start > at) parts.push({ start: at, end: m.start, kind: 'closed' });
      parts.push(m);
      at = m.end;
    }
    if (at < d.end) parts.push({ start: at, end: d.end, kind: 'closed' });
    d.parts = parts;
    return parts;
  }

  private midnight(key: number): number {
    let ms = this.midnights.get(key);
    if (ms === undefined) {
      const { year, month, day } = civilFromDays(key);
      // A midnight that a DST change skips becomes the day's first real instant.
      ms = DateTime.fromObject({ year, month, day }, { zone: this.timezone }).toMillis();
      this.midnights.set(key, ms);
    }
    return ms;
  }

  /**
   * A local wall time on local day `key` as an instant. `which` picks between the two
   * instants of a wall time that occurs twice (fall-back): 'first' for where a range
   * starts, 'last' for where it ends.
   */
  private localToMs(key: number, minute: number, which: 'first' | 'last'): number {
    if (minute === 0) return this.midnight(key);
    const { year, month, day } = civilFromDays(key);
    const ms = DateTime.fromObject(
      { year, month, day, hour: Math.floor(minute / 60), minute: minute % 60 },
      { zone: this.timezone },
    ).toMillis();
    // Only a day that is not 24 hours long holds a DST change; elsewhere luxon's answer is exact.
    if (this.midnight(key + 1) - this.midnight(key) === DAY_MS) return ms;
    return this.resolveAroundChange(key * DAY_MS + minute * MINUTE_MS, ms, which);
  }

  /**
   * A wall time on a day with a DST change. Both offsets around the change give a
   * candidate instant; a candidate is real when the zone has that offset there.
   * Two real candidates (fall-back): a range opens at the first and closes at the
   * last, so it covers every instant the clock shows a time inside it. None (the
   * spring-forward gap): the wall time is skipped, so the boundary is the change itself.
   */
  private resolveAroundChange(wallAsUtc: number, near: number, which: 'first' | 'last'): number {
    const zone = this.zone;
    const before = zone.offset(near - 6 * 3_600_000);
    const after = zone.offset(near + 6 * 3_600_000);
    if (before === after) return near;
    const c1 = wallAsUtc - before * MINUTE_MS;
    const c2 = wallAsUtc - after * MINUTE_MS;
    const ok1 = zone.offset(c1) === before;
    const ok2 = zone.offset(c2) === after;
    if (ok1 && ok2) return which === 'first' ? Math.min(c1, c2) : Math.max(c1, c2);
    if (ok1) return c1;
    if (ok2) return c2;
    // In the gap: find the change instant (offsets change on whole minutes).
    let lo = Math.min(c1, c2);
    let hi = Math.max(c1, c2);
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
      if (zone.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    return zone.offset(lo) === before ? hi : lo;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---------------------------------------------------------------- public functions

/** A calendar as written in config, or already compiled. */
export type CalendarLike = CalendarConfig | CompiledCalendar;

// Compiled calendars carry the per-day caches, so a config object must map to one
// compiled instance for as long as it lives; configs are treated as immutable.
const compiledByConfig = new WeakMap<CalendarConfig, CompiledCalendar>();

export function compileCalendar(cal: CalendarLike, name?: string): CompiledCalendar {
  if (cal instanceof CompiledCalendar) return cal;
  let compiled = compiledByConfig.get(cal);
  if (compiled === undefined) {
    compiled = new CompiledCalendar(cal, name);
    compiledByConfig.set(cal, compiled);
  }
  return compiled;
}

/** Business (open) minutes in [fromMs, toMs); 0 when toMs ≤ fromMs. May be fractional. */
export function businessMinutesBetween(cal: CalendarLike, fromMs: number, toMs: number): number {
  return compileCalendar(cal).businessMs(fromMs, toMs) / MINUTE_MS;
}

/** The instant (epoch ms) at which `minutes` business minutes after `fromMs` are used up. */
export function addBusinessMinutes(cal: CalendarLike, fromMs: number, minutes: number): number {
  return compileCalendar(cal).addBusinessMs(fromMs, Math.round(minutes * MINUTE_MS));
}

/** The open / closed / holiday stretches of [fromMs, toMs), for explaining a clock. */
export function segments(cal: CalendarLike, fromMs: number, toMs: number): CalendarSegment[] {
  return compileCalendar(cal)
    .parts(fromMs, toMs)
    .map((p) => ({ ...p, minutes: (p.end - p.start) / MINUTE_MS }));
}
