// The SLA clock (computeSla) on calendars the other clock tests do not reach: DST
// fall-back in the calendar's zone, overnight shifts, partial-day holidays. Each case
// is worked out by hand in its comment.
//
// Time zones: London is on BST (UTC+1) until Sun 25 Oct 2026 02:00 BST = 01:00Z, then
// GMT (= UTC): the local hour 01:00-02:00 happens twice (00:00Z-01:00Z as BST, then
// 01:00Z-02:00Z as GMT). New York is on EDT (UTC-4) until Sun 1 Nov 2026 02:00 EDT =
// 06:00Z, then EST (UTC-5): 01:00-02:00 local happens twice (05:00Z-06:00Z as EDT,
// 06:00Z-07:00Z as EST). In early March 2026 London is on GMT (= UTC); 2 March 2026
// is a Monday; 24 December 2026 is a Thursday.
//
// Business time is real elapsed time (docs/sla.md rule 7): a minute of the repeated
// hour counts once each time it really passes, so across a fall-back the business
// minutes are the real minutes, one hour more than the local clock faces suggest.
//
// Policies are chosen by tenant (each case names the one it uses); at-risk levels and
// escalations are left at their defaults (one at-risk level at 0.75) unless stated.
import { describe, expect, it } from 'vitest';
import type { PolicyConfig, SlaConfig } from '../../processors/sla/index.ts';
import { iso, metric, sla, ticket } from '../support/sla-fixtures.ts';

const NIGHT_SHIFTS = { mon: ['22:00-06:00'], tue: ['22:00-06:00'], wed: ['22:00-06:00'], thu: ['22:00-06:00'], fri: ['22:00-06:00'] };
const OFFICE_HOURS = { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] };

const POLICIES: PolicyConfig[] = [
  // London weekend night cover: Saturday 22:00 → Sunday 06:00 (local).
  { name: 'lon-night', match: { tenant: ['lon'] }, targets: { first_response: 150, resolution: 600 }, calendar: 'lon-weekend-night', at_risk: [] },
  // New York 24×7.
  { name: 'ny-always', match: { tenant: ['nyc'] }, targets: { first_response: 30, resolution: 60 }, calendar: 'ny-always', at_risk: [] },
  // New York, open on Sunday 1 Nov only 01:30-03:00 (local), across the repeated hour.
  { name: 'ny-sunday', match: { tenant: ['nys'] }, targets: { first_response: 120 }, calendar: 'ny-sunday', at_risk: [] },
  // Night shifts Mon-Fri 22:00-06:00 (London, GMT in March).
  {
    name: 'night',
    match: { tenant: ['night'] },
    targets: { first_response: 90, next_reply: 60, resolution: 660 },
    calendar: 'nights',
    at_risk: [{ name: 'half', fraction: 0.5 }],
  },
  // Office hours with partial-day holidays.
  { name: 'office', targets: { first_response: 240, resolution: 1080 }, calendar: 'office', at_risk: [] },
];

const CONFIG: SlaConfig = {
  calendars: {
    'lon-weekend-night': { timezone: 'Europe/London', hours: { sat: ['22:00-06:00'] } },
    'ny-always': { timezone: 'America/New_York', always: true },
    'ny-sunday': { timezone: 'America/New_York', hours: { sun: ['01:30-03:00'] } },
    nights: {
      timezone: 'Europe/London',
      hours: NIGHT_SHIFTS,
      // Part of a date inside a night shift: Monday 9 March's shift loses Tue 00:00-03:00.
      holidays: [{ date: '2026-03-10', name: 'Maintenance window', closed: ['00:00-03:00'] }],
    },
    office: {
      timezone: 'Europe/London',
      hours: OFFICE_HOURS,
      holidays: [
        { date: '12-24', name: 'Christmas Eve', closed: ['13:00-24:00'] },
        { date: '12-25', name: 'Christmas Day' },
        { date: '12-26', name: 'Boxing Day' },
        { date: '2026-03-04', name: 'Staff training', closed: ['12:00-14:00'] },
      ],
    },
  },
  policies: POLICIES,
};

const run = (events: Parameters<typeof sla>[0], now: string, explain = false) => sla(events, now, CONFIG, explain);

describe('DST fall-back in the calendar zone', () => {
  it('London night cover across the repeated hour: every real minute counts once, so the reply is late', () => {
    const ev = ticket({ tenant: 'lon' });
    // Open Sat 24 Oct 22:00 BST (21:00Z) → Sun 25 Oct 06:00 GMT (06:00Z) = 9 real hours.
    // Created Sat 23:30 BST (22:30Z). First response 150: 22:30Z + 150 = 01:00Z, which the
    // local clock shows as 01:00 GMT — the *second* 01:00 of the night.
    const created = ev('created', '2026-10-24T22:30:00Z');
    const open = metric(run([created], '2026-10-24T23:00:00Z').metrics.first_response);
    expect([open.elapsed_minutes, iso(open.deadline)]).toEqual([30, '2026-10-25T01:00:00Z']);
    // Reply at 01:30 GMT (01:30Z): the local clock went 23:30 → 01:30 (it looks like 120
    // minutes), but 22:30Z → 01:30Z is 180 real minutes, all inside the shift: 180 > 150,
    // breached at 01:00Z. Counting the repeated hour once would wrongly say "met".
    const fr = metric(run([created, ev('agent_replied', '2026-10-25T01:30:00Z')], '2026-10-25T02:00:00Z').metrics.first_response);
    expect([fr.elapsed_minutes, fr.state, iso(fr.breached_at), iso(fr.met_at)]).toEqual([180, 'breached', '2026-10-25T01:00:00Z', '2026-10-25T01:30:00Z']);
    // A reply at 01:45 *BST* (00:45Z, the first run of the hour): 22:30Z → 00:45Z = 135 ≤ 150, met.
    const early = metric(run([created, ev('agent_replied', '2026-10-25T00:45:00Z')], '2026-10-25T02:00:00Z').metrics.first_response);
    expect([early.elapsed_minutes, early.state]).toEqual([135, 'met']);
  });

  it('London night cover: resolution across the whole 9-hour shift, then the next Saturday', () => {
    const ev = ticket({ tenant: 'lon' });
    // Created Sat 22:30Z (23:30 BST). Resolution 600: the shift has 21:00Z → 06:00Z; from 22:30Z
    // that is 450 real minutes (it would be 390 if the repeated hour counted once). 150 left; the
    // next shift opens Sat 31 Oct 22:00 GMT (22:00Z): + 150 → Sun 1 Nov 00:30Z.
    // Evaluated Sun 25 Oct 12:00Z: elapsed 450, deadline Sun 1 Nov 00:30Z.
    const res = metric(run([ev('created', '2026-10-24T22:30:00Z')], '2026-10-25T12:00:00Z').metrics.resolution);
    expect([res.elapsed_minutes, res.state, iso(res.deadline)]).toEqual([450, 'active', '2026-11-01T00:30:00Z']);
  });

  it('New York 24×7: the breach instant shows the same local time as the creation', () => {
    const ev = ticket({ tenant: 'nyc' });
    // Created 1 Nov 01:15 EDT (05:15Z). First reply 01:40 EDT (05:40Z): 25 ≤ 30, met.
    // Resolved 01:45 EST (06:45Z): the local clock moved 30 minutes, real time 90 > 60.
    // Resolution deadline 05:15Z + 60 = 06:15Z = 01:15 EST (the clock shows 01:15 again).
    const r = run(
      [ev('created', '2026-11-01T05:15:00Z'), ev('agent_replied', '2026-11-01T05:40:00Z'), ev('resolved', '2026-11-01T06:45:00Z')],
      '2026-11-01T07:00:00Z',
    );
    expect([metric(r.metrics.first_response).elapsed_minutes, metric(r.metrics.first_response).state]).toEqual([25, 'met']);
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.state, iso(res.breached_at), iso(res.met_at)]).toEqual([90, 'breached', '2026-11-01T06:15:00Z', '2026-11-01T06:45:00Z']);
  });

  it('New York 24×7: a pause from 01:30 EDT to 01:30 EST lasted an hour', () => {
    const ev = ticket({ tenant: 'nyc' });
    // Created 05:15Z (01:15 EDT), reply 05:20Z (5 of 30, met), pending 05:30Z (01:30 EDT),
    // open again 06:30Z (01:30 EST: the same local time), resolved 06:45Z.
    // Resolution: running 15 + paused 60 (wall, real) + running 15 = 30 ≤ 60, met; paused 60.
    const r = run(
      [
        ev('created', '2026-11-01T05:15:00Z', { status: 'new' }),
        ev('agent_replied', '2026-11-01T05:20:00Z', { status: 'open' }),
        ev('status_changed', '2026-11-01T05:30:00Z', { status: 'pending' }),
        ev('status_changed', '2026-11-01T06:30:00Z', { status: 'open' }),
        ev('resolved', '2026-11-01T06:45:00Z'),
      ],
      '2026-11-01T07:00:00Z',
      true,
    );
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.paused_minutes, res.state]).toEqual([30, 60, 'met']);
    expect(res.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['running', 15, 15],
      ['paused', 60, 0],
      ['running', 15, 15],
    ]);
  });

  it('New York office open 01:30-03:00 on the fall-back Sunday: 150 real minutes, deadline in EST', () => {
    const ev = ticket({ tenant: 'nys' });
    // The range opens at the first 01:30 (EDT, 05:30Z) and closes at 03:00 EST (08:00Z).
    // Created 01:00 EDT (05:00Z), outside hours until 05:30Z. First response 120 → 07:30Z
    // (02:30 EST). Reply 02:45 EST (07:45Z): 05:30Z → 07:45Z = 135 > 120, breached at 07:30Z.
    // The local faces say 01:30 → 02:45 = 75 minutes: counting them would wrongly say "met".
    const created = ev('created', '2026-11-01T05:00:00Z');
    expect(iso(metric(run([created], '2026-11-01T05:10:00Z').metrics.first_response).deadline)).toBe('2026-11-01T07:30:00Z');
    const fr = metric(run([created, ev('agent_replied', '2026-11-01T07:45:00Z')], '2026-11-01T08:00:00Z', true).metrics.first_response);
    expect([fr.elapsed_minutes, fr.state, iso(fr.breached_at)]).toEqual([135, 'breached', '2026-11-01T07:30:00Z']);
    // Timeline: outside hours 05:00Z-05:30Z (30), then running to the reply (135).
    expect(fr.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['outside_hours', 30, 0],
      ['running', 135, 135],
    ]);
  });
});

describe('overnight shift calendar (Mon-Fri 22:00-06:00, London on GMT)', () => {
  it('created inside the shift before midnight, answered after midnight', () => {
    const ev = ticket({ tenant: 'night' });
    // Created Mon 2 Mar 23:00Z, inside Monday's shift. First response 90 → Tue 00:30Z.
    // Half (45) at 23:45Z. Reply Tue 00:20Z: 60 before midnight + 20 after = 80 ≤ 90, met.
    const created = ev('created', '2026-03-02T23:00:00Z');
    const open = metric(run([created], '2026-03-02T23:10:00Z').metrics.first_response);
    expect([open.elapsed_minutes, iso(open.deadline)]).toEqual([10, '2026-03-03T00:30:00Z']);
    expect(open.at_risk.map((l) => [l.name, iso(l.at), l.reached])).toEqual([['half', '2026-03-02T23:45:00Z', false]]);
    const fr = metric(run([created, ev('agent_replied', '2026-03-03T00:20:00Z')], '2026-03-03T01:00:00Z').metrics.first_response);
    expect([fr.elapsed_minutes, fr.state, iso(fr.met_at)]).toEqual([80, 'met', '2026-03-03T00:20:00Z']);
  });

  it('created before the shift opens, breached before midnight, answered after', () => {
    const ev = ticket({ tenant: 'night' });
    // Created Mon 21:30Z (closed until 22:00). 90 → Mon 23:30Z. Reply Tue 00:15Z:
    // 22:00 → 00:15 = 135 > 90, breached at Mon 23:30Z.
    const fr = metric(
      run([ev('created', '2026-03-02T21:30:00Z'), ev('agent_replied', '2026-03-03T00:15:00Z')], '2026-03-03T01:00:00Z').metrics.first_response,
    );
    expect([fr.elapsed_minutes, fr.state, iso(fr.breached_at), iso(fr.started_at)]).toEqual([135, 'breached', '2026-03-02T23:30:00Z', '2026-03-02T21:30:00Z']);
  });

  it('created inside the daytime gap: nothing counts until 22:00', () => {
    const ev = ticket({ tenant: 'night' });
    // Created Tue 3 Mar 10:00Z, between Monday's shift (ended 06:00) and Tuesday's (22:00).
    // At 12:00Z: 0 elapsed, deadline 22:00 + 90 = Tue 23:30Z, half at 22:45Z.
    const created = ev('created', '2026-03-03T10:00:00Z');
    const open = metric(run([created], '2026-03-03T12:00:00Z').metrics.first_response);
    expect([open.elapsed_minutes, open.state, iso(open.deadline)]).toEqual([0, 'active', '2026-03-03T23:30:00Z']);
    expect(open.at_risk.map((l) => iso(l.at))).toEqual(['2026-03-03T22:45:00Z']);
    // Reply 22:40Z: 40 ≤ 90, met; the 12 hours before count nothing.
    const fr = metric(run([created, ev('agent_replied', '2026-03-03T22:40:00Z')], '2026-03-03T23:00:00Z', true).metrics.first_response);
    expect([fr.elapsed_minutes, fr.state]).toEqual([40, 'met']);
    expect(fr.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['outside_hours', 720, 0],
      ['running', 40, 40],
    ]);
  });

  it('created in Friday’s gap: Friday night, no weekend shifts, then Monday night', () => {
    const ev = ticket({ tenant: 'night' });
    // Created Fri 6 Mar 10:00Z. Resolution 660: Fri 22:00 → Sat 06:00 = 480; no Saturday or
    // Sunday shift (so Mon 00:00-06:00 is closed too); Mon 9 Mar 22:00 + 180 → Tue 10 Mar
    // 01:00Z — but Tue 10 Mar 00:00-03:00 is the maintenance window: 22:00-24:00 gives 120,
    // the last 60 run from 03:00 → deadline Tue 04:00Z. Evaluated Sat 12:00Z: elapsed 480.
    const res = metric(run([ev('created', '2026-03-06T10:00:00Z')], '2026-03-07T12:00:00Z').metrics.resolution);
    expect([res.elapsed_minutes, res.state, iso(res.deadline)]).toEqual([480, 'active', '2026-03-10T04:00:00Z']);
  });

  it('a partial holiday inside a night shift closes only its own hours', () => {
    const ev = ticket({ tenant: 'night' });
    // Created Mon 9 Mar 23:00Z. Tue 10 Mar 00:00-03:00 is closed (maintenance window).
    // First response 90: 60 until midnight, 30 from 03:00 → breached at 03:30Z.
    // Reply 04:00Z: 60 + 60 = 120 > 90. Timeline: running 60, holiday 180, running 60.
    const fr = metric(
      run([ev('created', '2026-03-09T23:00:00Z'), ev('agent_replied', '2026-03-10T04:00:00Z')], '2026-03-10T05:00:00Z', true).metrics.first_response,
    );
    expect([fr.elapsed_minutes, fr.state, iso(fr.breached_at)]).toEqual([120, 'breached', '2026-03-10T03:30:00Z']);
    expect(fr.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['running', 60, 60],
      ['holiday', 180, 0],
      ['running', 60, 60],
    ]);
    expect(fr.timeline?.[1].reason).toContain('Maintenance window');
  });
});

describe('partial-day holidays through the clock (office hours Mon-Fri 09:00-18:00, London)', () => {
  it('a closed lunchtime slot moves the deadline by its length', () => {
    const ev = ticket();
    // Wed 4 Mar 2026 "Staff training" closes 12:00-14:00. Created 11:00Z.
    // First response 240: 60 until 12:00, 180 from 14:00 → 17:00Z (without the slot: 15:00Z).
    // Resolution 1080: Wed 60 + 240 (14:00-18:00) = 300, Thu 540 → 840, Fri 240 → Fri 13:00Z.
    // Evaluated 14:30Z: both at 60 + 30 = 90.
    const created = ev('created', '2026-03-04T11:00:00Z');
    const r = run([created], '2026-03-04T14:30:00Z');
    const fr = metric(r.metrics.first_response);
    const res = metric(r.metrics.resolution);
    expect([fr.elapsed_minutes, iso(fr.deadline), res.elapsed_minutes, iso(res.deadline)]).toEqual([90, '2026-03-04T17:00:00Z', 90, '2026-03-06T13:00:00Z']);
    // Reply at 17:30Z: 60 + 210 = 270 > 240: breached at 17:00Z.
    const late = metric(run([created, ev('agent_replied', '2026-03-04T17:30:00Z')], '2026-03-04T18:00:00Z').metrics.first_response);
    expect([late.elapsed_minutes, late.state, iso(late.breached_at)]).toEqual([270, 'breached', '2026-03-04T17:00:00Z']);
  });

  it('a ticket created inside the closed slot starts counting when it ends', () => {
    const ev = ticket();
    // Created Wed 4 Mar 12:30Z (training until 14:00). Reply 14:45Z: 45 business minutes.
    const fr = metric(run([ev('created', '2026-03-04T12:30:00Z'), ev('agent_replied', '2026-03-04T14:45:00Z')], '2026-03-04T15:00:00Z', true).metrics.first_response);
    expect([fr.elapsed_minutes, fr.state]).toEqual([45, 'met']);
    expect(fr.timeline?.map((s) => [s.kind, s.minutes])).toEqual([
      ['holiday', 90],
      ['running', 45],
    ]);
  });

  it('Christmas Eve afternoon, Christmas Day and Boxing Day are skipped, each named', () => {
    const ev = ticket();
    // Thu 24 Dec 2026 11:00Z (GMT). First response 240: 120 until 13:00 (Christmas Eve closes
    // from 13:00); Fri 25 and Sat 26 are holidays; Sun closed; Mon 28 09:00 + 120 → 11:00Z.
    const created = ev('created', '2026-12-24T11:00:00Z');
    expect(iso(metric(run([created], '2026-12-24T12:00:00Z').metrics.first_response).deadline)).toBe('2026-12-28T11:00:00Z');
    // Reply Mon 28 10:30Z: 120 + 90 = 210 ≤ 240, met.
    // Timeline (wall minutes): running 11:00-13:00 (120); holiday Christmas Eve 13:00-24:00 (660);
    // Christmas Day (1440); Boxing Day, a Saturday (1440); outside hours Sun + Mon to 09:00
    // (1440 + 540 = 1980); running 09:00-10:30 (90). Total 5730 = Thu 11:00 → Mon 10:30.
    const fr = metric(run([created, ev('agent_replied', '2026-12-28T10:30:00Z')], '2026-12-28T12:00:00Z', true).metrics.first_response);
    expect([fr.elapsed_minutes, fr.state]).toEqual([210, 'met']);
    expect(fr.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['running', 120, 120],
      ['holiday', 660, 0],
      ['holiday', 1440, 0],
      ['holiday', 1440, 0],
      ['outside_hours', 1980, 0],
      ['running', 90, 90],
    ]);
    expect(fr.timeline?.slice(1, 4).map((s) => s.reason)).toEqual([
      expect.stringContaining('Christmas Eve'),
      expect.stringContaining('Christmas Day'),
      expect.stringContaining('Boxing Day'),
    ]);
  });
});
