// Business calendars, each case worked out by hand in its comment. London is on GMT
// (= UTC) until 2026-03-29 01:00 UTC and after 2026-10-25 01:00 UTC, on BST (UTC+1)
// in between; New York is on EST (UTC-5) / EDT (UTC-4), changing 2026-03-08 and 2026-11-01.
import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  compileCalendar,
  segments,
  type CalendarConfig,
} from '../../processors/sla/index.ts';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad fixture time ${iso}`);
  return ms;
};
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const WEEKDAYS_9_18 = { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] };
const ALL_DAY = ['00:00-24:00'];
const EVERY_DAY_ALL_DAY = { mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY, sun: ALL_DAY };

const LONDON: CalendarConfig = { timezone: 'Europe/London', hours: WEEKDAYS_9_18 };
const LONDON_HOLIDAYS: CalendarConfig = {
  timezone: 'Europe/London',
  hours: WEEKDAYS_9_18,
  holidays: [
    { date: '2026-05-04', name: 'Early May bank holiday' },
    { date: '12-24', name: 'Christmas Eve', closed: ['13:00-24:00'] },
    { date: '12-25', name: 'Christmas Day' },
  ],
};

describe('business minutes on weekly hours', () => {
  it('counts open time within one day', () => {
    // Mon 2026-03-02 10:00 → 12:30 GMT, all inside 09:00-18:00: 150 min.
    expect(businessMinutesBetween(LONDON, at('2026-03-02T10:00:00Z'), at('2026-03-02T12:30:00Z'))).toBe(150);
  });

  it('skips a weekend', () => {
    // Fri 2026-03-06 16:00 → 18:00 = 120; Sat, Sun closed; Mon 09:00 → 10:00 = 60. Total 180.
    expect(businessMinutesBetween(LONDON, at('2026-03-06T16:00:00Z'), at('2026-03-09T10:00:00Z'))).toBe(180);
  });

  it('starts counting at the next opening when the span starts outside hours', () => {
    // Sat 2026-03-07 12:00 → Mon 09:45: only Mon 09:00-09:45 is open = 45.
    expect(businessMinutesBetween(LONDON, at('2026-03-07T12:00:00Z'), at('2026-03-09T09:45:00Z'))).toBe(45);
    // Sat 12:00 → Sun 20:00: nothing open = 0; an empty or reversed span = 0.
    expect(businessMinutesBetween(LONDON, at('2026-03-07T12:00:00Z'), at('2026-03-08T20:00:00Z'))).toBe(0);
    expect(businessMinutesBetween(LONDON, at('2026-03-09T12:00:00Z'), at('2026-03-09T11:00:00Z'))).toBe(0);
  });

  it('counts a whole week as five nine-hour days', () => {
    // Mon 2026-03-09 00:00 → Mon 2026-03-16 00:00: 5 × 540 = 2700.
    expect(businessMinutesBetween(LONDON, at('2026-03-09T00:00:00Z'), at('2026-03-16T00:00:00Z'))).toBe(2700);
  });

  it('handles several ranges per day (a lunch break)', () => {
    const lunch: CalendarConfig = { timezone: 'UTC', hours: { mon: ['09:00-12:00', '13:00-17:00'] } };
    // Mon 2026-03-02 11:00 → 14:00: 11:00-12:00 = 60, lunch 0, 13:00-14:00 = 60. Total 120.
    expect(businessMinutesBetween(lunch, at('2026-03-02T11:00:00Z'), at('2026-03-02T14:00:00Z'))).toBe(120);
    // From 11:30, 60 minutes: 30 until 12:00, then 30 from 13:00 → 13:30.
    expect(iso(addBusinessMinutes(lunch, at('2026-03-02T11:30:00Z'), 60))).toBe('2026-03-02T13:30:00Z');
  });
});

describe('deadlines (addBusinessMinutes)', () => {
  it('carries a budget over the weekend', () => {
    // Fri 2026-03-06 17:00 + 120: 60 on Friday (to 18:00), 60 on Monday from 09:00 → Mon 10:00.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-06T17:00:00Z'), 120))).toBe('2026-03-09T10:00:00Z');
  });

  it('ends at closing time when the budget runs out exactly then', () => {
    // Fri 17:00 + 60 → Fri 18:00, not Monday 09:00: the earliest instant the budget is used up.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-06T17:00:00Z'), 60))).toBe('2026-03-06T18:00:00Z');
  });

  it('starts from the next opening when asked outside hours', () => {
    // Sat 2026-03-07 12:00 + 30 → Mon 09:30. A zero budget is the start instant itself.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-07T12:00:00Z'), 30))).toBe('2026-03-09T09:30:00Z');
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-07T12:00:00Z'), 0))).toBe('2026-03-07T12:00:00Z');
  });

  it('spans several weeks', () => {
    // Mon 2026-03-02 09:00 + 2700 (five 540-minute days) → Fri 2026-03-06 18:00.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-02T09:00:00Z'), 2700))).toBe('2026-03-06T18:00:00Z');
    // + 2701 → one more minute on the next open day: Mon 2026-03-09 09:01.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-02T09:00:00Z'), 2701))).toBe('2026-03-09T09:01:00Z');
  });

  it('is the inverse of businessMinutesBetween', () => {
    // Deterministic sample of starts (every 7 h 13 min through March-April, DST included)
    // and budgets: counting the open time up to the deadline gives the budget back.
    const cal = compileCalendar(LONDON_HOLIDAYS);
    for (let i = 0; i < 200; i++) {
      const from = at('2026-03-01T00:00:00Z') + i * (7 * 60 + 13) * 60_000;
      const minutes = (i * 37) % 1500;
      const deadline = addBusinessMinutes(cal, from, minutes);
      expect(businessMinutesBetween(cal, from, deadline)).toBe(minutes);
    }
  });
});

describe('holidays', () => {
  it('closes a dated full-day holiday', () => {
    // Fri 2026-05-01 17:00 BST (16:00Z) → Tue 2026-05-05 10:00 BST (09:00Z):
    // Fri 17:00-18:00 = 60, weekend 0, Mon 4 May bank holiday 0, Tue 09:00-10:00 = 60. Total 120.
    expect(businessMinutesBetween(LONDON_HOLIDAYS, at('2026-05-01T16:00:00Z'), at('2026-05-05T09:00:00Z'))).toBe(120);
    // Fri 17:00 BST + 90: 60 on Friday, then Tue from 09:00 BST + 30 → 09:30 BST = 08:30Z.
    expect(iso(addBusinessMinutes(LONDON_HOLIDAYS, at('2026-05-01T16:00:00Z'), 90))).toBe('2026-05-05T08:30:00Z');
  });

  it('repeats an MM-DD holiday every year', () => {
    // Thu 2026-12-24 is a partial holiday (closed from 13:00), Fri 25th a full one.
    // Thu 24 Dec 11:00 → Mon 28 Dec 10:00 (GMT): Thu 11:00-13:00 = 120, Fri 0, weekend 0,
    // Mon 09:00-10:00 = 60. Total 180.
    expect(businessMinutesBetween(LONDON_HOLIDAYS, at('2026-12-24T11:00:00Z'), at('2026-12-28T10:00:00Z'))).toBe(180);
    // Fri 2027-12-24: open 09:00-13:00 only = 240.
    expect(businessMinutesBetween(LONDON_HOLIDAYS, at('2027-12-24T00:00:00Z'), at('2027-12-25T00:00:00Z'))).toBe(240);
  });

  it('closes only the listed part of a partial holiday', () => {
    // Thu 2026-12-24: open 09:00-18:00 minus closed 13:00-24:00 = 09:00-13:00 = 240.
    expect(businessMinutesBetween(LONDON_HOLIDAYS, at('2026-12-24T00:00:00Z'), at('2026-12-25T00:00:00Z'))).toBe(240);
    // Thu 24 Dec 12:00 + 120: 60 until 13:00; Fri 25 holiday; Sat, Sun; Mon 28 09:00 + 60 → 10:00.
    expect(iso(addBusinessMinutes(LONDON_HOLIDAYS, at('2026-12-24T12:00:00Z'), 120))).toBe('2026-12-28T10:00:00Z');
  });

  it('combines a dated and a yearly holiday on the same date', () => {
    const cal: CalendarConfig = {
      timezone: 'UTC',
      hours: WEEKDAYS_9_18,
      holidays: [
        { date: '12-24', name: 'Christmas Eve', closed: ['13:00-24:00'] },
        { date: '2026-12-24', name: 'Office move', closed: ['09:00-10:00'] },
      ],
    };
    // Thu 2026-12-24: 09:00-18:00 minus 09:00-10:00 and 13:00-24:00 = 10:00-13:00 = 180.
    expect(businessMinutesBetween(cal, at('2026-12-24T00:00:00Z'), at('2026-12-25T00:00:00Z'))).toBe(180);
  });

  it('applies holidays to a 24×7 calendar too', () => {
    const always: CalendarConfig = { timezone: 'UTC', always: true, holidays: [{ date: '12-25', name: 'Christmas Day' }] };
    // Thu 2026-12-24 12:00 → Sat 26th 12:00 = 48 h, minus all of 25 Dec (24 h) = 1440.
    expect(businessMinutesBetween(always, at('2026-12-24T12:00:00Z'), at('2026-12-26T12:00:00Z'))).toBe(1440);
    // 24 Dec 23:00 + 120: 60 until midnight, 25th closed, 26th 00:00 + 60 → 01:00.
    expect(iso(addBusinessMinutes(always, at('2026-12-24T23:00:00Z'), 120))).toBe('2026-12-26T01:00:00Z');
  });

  it('explains the closed time as holiday or outside hours', () => {
    // Thu 24 Dec 12:00 → Mon 28 Dec 10:00: open 12:00-13:00 (60), Christmas Eve 13:00-24:00
    // (660), Christmas Day (1440), closed Sat-Mon 09:00 (2 × 1440 + 540 = 3420), open 09:00-10:00 (60).
    const s = segments(LONDON_HOLIDAYS, at('2026-12-24T12:00:00Z'), at('2026-12-28T10:00:00Z'));
    expect(s.map((x) => [x.kind, x.holiday ?? null, x.minutes])).toEqual([
      ['open', null, 60],
      ['holiday', 'Christmas Eve', 660],
      ['holiday', 'Christmas Day', 1440],
      ['closed', null, 3420],
      ['open', null, 60],
    ]);
    expect(s[0].start).toBe(at('2026-12-24T12:00:00Z'));
    expect(s[4].end).toBe(at('2026-12-28T10:00:00Z'));
  });
});

describe('overnight shifts', () => {
  const NIGHTS: CalendarConfig = {
    timezone: 'UTC',
    hours: { mon: ['22:00-06:00'], tue: ['22:00-06:00'], wed: ['22:00-06:00'], thu: ['22:00-06:00'], fri: ['22:00-06:00'] },
  };

  it('runs a shift past midnight into the next day', () => {
    // Mon 2026-03-02 20:00 → Tue 07:00: Monday's shift 22:00 → Tue 06:00 = 480.
    expect(businessMinutesBetween(NIGHTS, at('2026-03-02T20:00:00Z'), at('2026-03-03T07:00:00Z'))).toBe(480);
    // Friday's shift ends Saturday 06:00; Sunday has no shift, so Monday 00:00-06:00 is closed.
    // Fri 2026-03-06 21:00 → Mon 9 Mar 07:00: Fri 22:00 → Sat 06:00 = 480 only.
    expect(businessMinutesBetween(NIGHTS, at('2026-03-06T21:00:00Z'), at('2026-03-09T07:00:00Z'))).toBe(480);
  });

  it('closes the holiday date itself, whichever shift the hours belong to', () => {
    const cal: CalendarConfig = { ...NIGHTS, holidays: [{ date: '2026-03-03', name: 'Tuesday off' }] };
    // Holiday Tue 3 Mar closes 00:00-24:00 on that date. Mon 20:00 → Wed 07:00:
    // Monday's shift keeps Mon 22:00-24:00 (120) but loses Tue 00:00-06:00; Tuesday's shift
    // loses Tue 22:00-24:00 but keeps Wed 00:00-06:00 (360). Total 480.
    expect(businessMinutesBetween(cal, at('2026-03-02T20:00:00Z'), at('2026-03-04T07:00:00Z'))).toBe(480);
  });

  it('finds a deadline in the next shift', () => {
    // Tue 2026-03-03 05:00 (inside Monday's shift) + 120: 60 until 06:00, then Tue 22:00 + 60 → 23:00.
    expect(iso(addBusinessMinutes(NIGHTS, at('2026-03-03T05:00:00Z'), 120))).toBe('2026-03-03T23:00:00Z');
  });
});

describe('24×7', () => {
  const ALWAYS: CalendarConfig = { timezone: 'UTC', always: true };
  it('counts wall time, weekends included', () => {
    // Fri 2026-03-06 16:00 → Mon 10:00 = 66 h = 3960 min; + 90 min is 90 wall minutes.
    expect(businessMinutesBetween(ALWAYS, at('2026-03-06T16:00:00Z'), at('2026-03-09T10:00:00Z'))).toBe(3960);
    expect(iso(addBusinessMinutes(ALWAYS, at('2026-03-07T23:00:00Z'), 90))).toBe('2026-03-08T00:30:00Z');
    expect(segments(ALWAYS, at('2026-03-06T16:00:00Z'), at('2026-03-09T10:00:00Z'))).toEqual([
      { start: at('2026-03-06T16:00:00Z'), end: at('2026-03-09T10:00:00Z'), kind: 'open', minutes: 3960 },
    ]);
  });
});

describe('DST in the calendar zone', () => {
  it('London spring-forward: office hours move one hour earlier in UTC across the weekend', () => {
    // Fri 2026-03-27 17:00 GMT (17:00Z) → Mon 30 Mar 09:30 BST (08:30Z):
    // Fri 17:00-18:00 = 60, Mon 09:00-09:30 BST = 30. Total 90.
    expect(businessMinutesBetween(LONDON, at('2026-03-27T17:00:00Z'), at('2026-03-30T08:30:00Z'))).toBe(90);
    // Fri 17:00 GMT + 120 → 60 on Friday, then Mon 09:00 BST + 60 = 10:00 BST = 09:00Z.
    expect(iso(addBusinessMinutes(LONDON, at('2026-03-27T17:00:00Z'), 120))).toBe('2026-03-30T09:00:00Z');
  });

  it('London spring-forward: the local day of 29 March has 23 hours', () => {
    const cal: CalendarConfig = { timezone: 'Europe/London', hours: EVERY_DAY_ALL_DAY };
    // Local Sun 29 Mar 00:00 GMT (00:00Z) → Mon 30 Mar 00:00 BST (29 Mar 23:00Z) = 23 h = 1380.
    expect(businessMinutesBetween(cal, at('2026-03-29T00:00:00Z'), at('2026-03-29T23:00:00Z'))).toBe(1380);
  });

  it('London spring-forward: an overnight shift is one hour shorter', () => {
    const cal: CalendarConfig = { timezone: 'Europe/London', hours: { sat: ['22:00-06:00'] } };
    // Sat 28 Mar 22:00 GMT (22:00Z) → Sun 29 Mar 06:00 BST (05:00Z) = 7 h = 420.
    expect(businessMinutesBetween(cal, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'))).toBe(420);
    // A shift ending inside the skipped hour (01:30 never shows) ends at the change, 01:00Z:
    // Sat 22:00Z → 01:00Z = 180.
    const gap: CalendarConfig = { timezone: 'Europe/London', hours: { sat: ['22:00-01:30'] } };
    expect(businessMinutesBetween(gap, at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'))).toBe(180);
  });

  it('London fall-back: an overnight shift is one hour longer and the day has 25 hours', () => {
    const night: CalendarConfig = { timezone: 'Europe/London', hours: { sat: ['22:00-06:00'] } };
    // Sat 24 Oct 22:00 BST (21:00Z) → Sun 25 Oct 06:00 GMT (06:00Z) = 9 h = 540.
    expect(businessMinutesBetween(night, at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'))).toBe(540);
    const allDay: CalendarConfig = { timezone: 'Europe/London', hours: EVERY_DAY_ALL_DAY };
    // Local Sun 25 Oct 00:00 BST (24 Oct 23:00Z) → Mon 26 Oct 00:00 GMT (00:00Z) = 25 h = 1500.
    expect(businessMinutesBetween(allDay, at('2026-10-24T23:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(1500);
  });

  it('London fall-back: office hours move one hour later in UTC', () => {
    // Fri 23 Oct 17:00 BST (16:00Z) + 120 → 60 on Friday, Mon 26 Oct 09:00 GMT + 60 = 10:00Z.
    expect(iso(addBusinessMinutes(LONDON, at('2026-10-23T16:00:00Z'), 120))).toBe('2026-10-26T10:00:00Z');
  });

  const NY: CalendarConfig = { timezone: 'America/New_York', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] } };

  it('New York spring-forward (2026-03-08)', () => {
    // Fri 6 Mar 16:00 EST (21:00Z) → Mon 9 Mar 10:00 EDT (14:00Z): 60 + 60 = 120.
    expect(businessMinutesBetween(NY, at('2026-03-06T21:00:00Z'), at('2026-03-09T14:00:00Z'))).toBe(120);
    // Fri 16:30 EST + 60: 30 on Friday, Mon 09:00 EDT + 30 = 09:30 EDT = 13:30Z.
    expect(iso(addBusinessMinutes(NY, at('2026-03-06T21:30:00Z'), 60))).toBe('2026-03-09T13:30:00Z');
    // Hours inside the skipped hour (02:00-03:00 never shows on 8 March):
    // 01:00-01:30 EST = 06:00-06:30Z (30); 02:30-05:00 opens at the change, 03:00 EDT = 07:00Z,
    // until 05:00 EDT = 09:00Z (120). Total 150.
    const gap: CalendarConfig = { timezone: 'America/New_York', hours: { sun: ['01:00-01:30', '02:30-05:00'] } };
    expect(businessMinutesBetween(gap, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(150);
    expect(segments(gap, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z')).filter((s) => s.kind === 'open').map((s) => [iso(s.start), iso(s.end)])).toEqual([
      ['2026-03-08T06:00:00Z', '2026-03-08T06:30:00Z'],
      ['2026-03-08T07:00:00Z', '2026-03-08T09:00:00Z'],
    ]);
  });

  it('New York fall-back (2026-11-01): a range covers both runs of the repeated hour', () => {
    // 01:30-03:00 on 1 Nov: the clock shows 01:30 first at 01:30 EDT (05:30Z); 03:00 EST = 08:00Z.
    // Open 05:30Z → 08:00Z = 150 minutes for a range that looks 90 minutes long.
    const cal: CalendarConfig = { timezone: 'America/New_York', hours: { sun: ['01:30-03:00'] } };
    const open = segments(cal, at('2026-11-01T00:00:00Z'), at('2026-11-02T00:00:00Z')).filter((s) => s.kind === 'open');
    expect(open.map((s) => [iso(s.start), iso(s.end), s.minutes])).toEqual([['2026-11-01T05:30:00Z', '2026-11-01T08:00:00Z', 150]]);
    // Office hours the following week: Fri 30 Oct 16:00 EDT (20:00Z) + 120 → Mon 2 Nov 10:00 EST = 15:00Z.
    expect(iso(addBusinessMinutes(NY, at('2026-10-30T20:00:00Z'), 120))).toBe('2026-11-02T15:00:00Z');
  });
});

describe('compiled calendars', () => {
  it('compiles a config object once and keeps its day cache', () => {
    expect(compileCalendar(LONDON)).toBe(compileCalendar(LONDON));
    const compiled = compileCalendar(LONDON);
    expect(compileCalendar(compiled)).toBe(compiled);
  });

  it('refuses an unknown time zone', () => {
    expect(() => compileCalendar({ timezone: 'Europe/Lndon', always: true })).toThrow(/unknown IANA time zone/);
  });
});
