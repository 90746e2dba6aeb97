// The SLA clock: first response, pauses, reopen. Each case is worked out by hand in its
// comment.
// Dates are in March 2026 unless stated (London on GMT = UTC until 29 March); 2 March
// is a Monday. Calendars: `biz` = Europe/London Mon-Fri 09:00-18:00 (+ bank holiday
// 4 May 2026), `always` = 24×7 UTC. Escalations are the defaults: level 1 (team_lead)
// at the breach, level 2 (manager) 24 wall-clock hours later unless an agent replied
// since the breach. The fixtures are in tests/support/sla-fixtures.ts.
import { describe, expect, it } from 'vitest';
import type { SlaConfig } from '../../processors/sla/index.ts';
import { CONFIG, iso, metric, sla, ticket } from '../support/sla-fixtures.ts';

describe('first response', () => {
  it('is met inside business hours', () => {
    const ev = ticket();
    // Mon 10:00 created, 11:30 agent reply: 90 business minutes of a 240 target → met.
    const r = sla([ev('created', '2026-03-02T10:00:00Z', { status: 'new' }), ev('agent_replied', '2026-03-02T11:30:00Z', { status: 'open' })], '2026-03-02T12:00:00Z');
    const fr = metric(r.metrics.first_response);
    expect([fr.policy, fr.calendar, fr.target_minutes, fr.elapsed_minutes, fr.state, fr.clock]).toEqual(['normal', 'biz', 240, 90, 'met', 'stopped']);
    expect([iso(fr.met_at), fr.met_by, fr.deadline, fr.breached_at]).toEqual(['2026-03-02T11:30:00Z', 'agent_replied', null, null]);
    // Resolution (2700 = five 540-minute days) runs on: 120 used by 12:00; 2580 left =
    // Mon 12:00-18:00 (360) + Tue-Fri (4 × 540 = 2160) + 60 on Mon 9 March → 10:00.
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.state, iso(res.deadline)]).toEqual([120, 'active', '2026-03-09T10:00:00Z']);
  });

  it('waits for opening hours when the ticket arrives at the weekend', () => {
    const ev = ticket();
    const created = ev('created', '2026-03-07T15:00:00Z');
    // Sat 15:00, evaluated Sat 20:00: nothing elapsed; the 240 minutes run from Mon 09:00 → 13:00.
    // At-risk levels: half (120) at Mon 11:00, three quarters (180) at Mon 12:00.
    const open = metric(sla([created], '2026-03-07T20:00:00Z').metrics.first_response);
    expect([open.elapsed_minutes, open.state, iso(open.deadline), iso(open.started_at)]).toEqual([0, 'active', '2026-03-09T13:00:00Z', '2026-03-07T15:00:00Z']);
    expect(open.at_risk.map((l) => [l.name, l.threshold_minutes, iso(l.at), l.reached])).toEqual([
      ['half', 120, '2026-03-09T11:00:00Z', false],
      ['three_quarters', 180, '2026-03-09T12:00:00Z', false],
    ]);
    // Agent replies Mon 10:15: 75 business minutes (09:00-10:15) → met.
    const met = metric(sla([created, ev('agent_replied', '2026-03-09T10:15:00Z')], '2026-03-09T11:00:00Z').metrics.first_response);
    expect([met.elapsed_minutes, met.state]).toEqual([75, 'met']);
  });

  it('carries the clock over a weekend', () => {
    const ev = ticket({ priority: 'high' });
    const created = ev('created', '2026-03-06T17:30:00Z');
    // High (60): Fri 17:30-18:00 = 30, then Mon 09:00 + 30 → deadline Mon 09:30.
    const open = metric(sla([created], '2026-03-06T18:30:00Z').metrics.first_response);
    expect([open.elapsed_minutes, iso(open.deadline)]).toEqual([30, '2026-03-09T09:30:00Z']);
    // Reply Mon 09:20: 30 + 20 = 50 ≤ 60 → met.
    const met = metric(sla([created, ev('agent_replied', '2026-03-09T09:20:00Z')], '2026-03-09T10:00:00Z').metrics.first_response);
    expect([met.elapsed_minutes, met.state]).toEqual([50, 'met']);
  });

  it('reports the breach instant from the calendar when evaluated much later', () => {
    const ev = ticket({ priority: 'high' });
    // High, Mon 09:00, no reply, evaluated Wed 12:00.
    // First response (60): breached at Mon 10:00; elapsed Mon 540 + Tue 540 + Wed 09:00-12:00 180 = 1260.
    // Resolution (960): Mon 540 + Tue 420 → breached Tue 16:00.
    const r = sla([ev('created', '2026-03-02T09:00:00Z')], '2026-03-04T12:00:00Z');
    const fr = metric(r.metrics.first_response);
    expect([fr.state, fr.clock, iso(fr.breached_at), fr.elapsed_minutes, iso(fr.deadline)]).toEqual([
      'breached',
      'running',
      '2026-03-02T10:00:00Z',
      1260,
      '2026-03-02T10:00:00Z',
    ]);
    expect(iso(metric(r.metrics.resolution).breached_at)).toBe('2026-03-03T16:00:00Z');
    // Escalations: level 1 at the breach (Mon 10:00), level 2 at +24 h (Tue 10:00), both past.
    expect(fr.escalations.map((e) => [e.level, e.notify, iso(e.due_at), e.state])).toEqual([
      [1, 'team_lead', '2026-03-02T10:00:00Z', 'due'],
      [2, 'manager', '2026-03-03T10:00:00Z', 'due'],
    ]);
  });

  it('stays breached when met after the deadline', () => {
    const ev = ticket({ priority: 'high' });
    // Mon 09:00 → reply 11:00: 120 > 60, breached at 10:00, met at 11:00, still 'breached'.
    const fr = metric(sla([ev('created', '2026-03-02T09:00:00Z'), ev('agent_replied', '2026-03-02T11:00:00Z')], '2026-03-02T12:00:00Z').metrics.first_response);
    expect([fr.state, fr.clock, iso(fr.breached_at), iso(fr.met_at), fr.elapsed_minutes, fr.deadline, fr.breached_cycles]).toEqual([
      'breached',
      'stopped',
      '2026-03-02T10:00:00Z',
      '2026-03-02T11:00:00Z',
      120,
      null,
      1,
    ]);
    // Level 1 (due 10:00) fired before the reply; level 2 (due Tue 10:00) was cancelled by it.
    expect(fr.escalations.map((e) => e.state)).toEqual(['due', 'cancelled']);
  });

  it('is met when the reply lands exactly on the deadline', () => {
    const ev = ticket({ priority: 'high' });
    // 09:00 → 10:00 = 60 = target: met, not breached.
    const fr = metric(sla([ev('created', '2026-03-02T09:00:00Z'), ev('agent_replied', '2026-03-02T10:00:00Z')], '2026-03-02T12:00:00Z').metrics.first_response);
    expect([fr.state, fr.breached_at, fr.elapsed_minutes]).toEqual(['met', null, 60]);
  });

  it('is late when the reply comes after the deadline, even outside business hours', () => {
    const ev = ticket({ priority: 'high' });
    // Mon 17:00 → deadline 18:00. Reply at 19:00: elapsed stays 60 (no open time after 18:00),
    // but the promised instant passed: breached at 18:00.
    const fr = metric(sla([ev('created', '2026-03-02T17:00:00Z'), ev('agent_replied', '2026-03-02T19:00:00Z')], '2026-03-02T20:00:00Z').metrics.first_response);
    expect([fr.state, iso(fr.breached_at), fr.elapsed_minutes]).toEqual(['breached', '2026-03-02T18:00:00Z', 60]);
  });

  it('is met by solving the ticket without a reply', () => {
    const ev = ticket();
    // 09:00 → resolved 10:00: 60 of 240, met by the resolve.
    const fr = metric(sla([ev('created', '2026-03-02T09:00:00Z'), ev('resolved', '2026-03-02T10:00:00Z')], '2026-03-02T12:00:00Z').metrics.first_response);
    expect([fr.state, fr.met_by, fr.elapsed_minutes]).toEqual(['met', 'resolved', 60]);
  });
});

describe('pauses', () => {
  // Mon: 09:00 created, 09:30 agent reply + pending, 11:00 customer reply (open),
  // 12:00 agent reply + on_hold, 14:00 open again, 15:00 resolved.
  const ev = ticket();
  const HISTORY = [
    ev('created', '2026-03-02T09:00:00Z', { status: 'new' }),
    ev('agent_replied', '2026-03-02T09:30:00Z', { status: 'pending' }),
    ev('customer_replied', '2026-03-02T11:00:00Z', { status: 'open' }),
    ev('agent_replied', '2026-03-02T12:00:00Z', { status: 'on_hold' }),
    ev('status_changed', '2026-03-02T14:00:00Z', { status: 'open' }),
    ev('resolved', '2026-03-02T15:00:00Z'),
  ];

  it('pauses resolution while pending or on hold, several times', () => {
    const r = sla(HISTORY, '2026-03-02T16:00:00Z');
    // Resolution runs 09:00-09:30 (30) + 11:00-12:00 (60) + 14:00-15:00 (60) = 150;
    // paused 09:30-11:00 (90) + 12:00-14:00 (120) = 210.
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.paused_minutes, res.state, iso(res.met_at), res.met_by]).toEqual([150, 210, 'met', '2026-03-02T15:00:00Z', 'resolved']);
    // First response is not paused by default: 09:00-09:30 = 30.
    expect(metric(r.metrics.first_response).elapsed_minutes).toBe(30);
    // One next-reply cycle: customer 11:00 → agent 12:00 = 60.
    const nr = metric(r.metrics.next_reply);
    expect([nr.elapsed_minutes, nr.state, nr.cycles, iso(nr.started_at)]).toEqual([60, 'met', 1, '2026-03-02T11:00:00Z']);
  });

  it('explains the paused and running stretches', () => {
    const res = metric(sla(HISTORY, '2026-03-02T16:00:00Z', CONFIG, true).metrics.resolution);
    expect(res.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes, s.reason])).toEqual([
      ['running', 30, 30, 'running: policy normal, calendar biz open'],
      ['paused', 90, 0, 'paused: status "pending"'],
      ['running', 60, 60, 'running: policy normal, calendar biz open'],
      ['paused', 120, 0, 'paused: status "on_hold"'],
      ['running', 60, 60, 'running: policy normal, calendar biz open'],
    ]);
  });

  it('reports a paused clock with no deadline', () => {
    const ev2 = ticket();
    // 09:00 created, 09:15 reply, 10:00 pending; at 12:00 resolution has 60 elapsed, 120 paused.
    const res = metric(
      sla([ev2('created', '2026-03-02T09:00:00Z'), ev2('agent_replied', '2026-03-02T09:15:00Z', { status: 'open' }), ev2('status_changed', '2026-03-02T10:00:00Z', { status: 'pending' })], '2026-03-02T12:00:00Z')
        .metrics.resolution,
    );
    expect([res.state, res.clock, res.elapsed_minutes, res.paused_minutes, res.deadline]).toEqual(['paused', 'paused', 60, 120, null]);
    expect(res.at_risk.map((l) => [l.at, l.reached])).toEqual([
      [null, false],
      [null, false],
    ]);
    expect(res.escalations.map((e) => [e.due_at, e.state])).toEqual([
      [null, 'pending'],
      [null, 'pending'],
    ]);
  });

  it('pauses first response only where the policy says so', () => {
    const config: SlaConfig = {
      calendars: CONFIG.calendars,
      policies: [{ name: 'hold-pauses-fr', targets: { first_response: 240, resolution: 2700 }, calendar: 'biz', pause_statuses: { first_response: ['on_hold'] } }],
    };
    const ev2 = ticket();
    // 09:00 created, 10:00 on_hold, 11:00 open, 11:30 reply: first response 60 + 30 = 90, paused 60.
    // Resolution keeps its default pauses (pending, on_hold): by 12:00, 60 + 60 = 120 elapsed, 60 paused.
    const r = sla(
      [
        ev2('created', '2026-03-02T09:00:00Z'),
        ev2('status_changed', '2026-03-02T10:00:00Z', { status: 'on_hold' }),
        ev2('status_changed', '2026-03-02T11:00:00Z', { status: 'open' }),
        ev2('agent_replied', '2026-03-02T11:30:00Z', { status: 'open' }),
      ],
      '2026-03-02T12:00:00Z',
      config,
    );
    const fr = metric(r.metrics.first_response);
    expect([fr.elapsed_minutes, fr.paused_minutes, fr.state]).toEqual([90, 60, 'met']);
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.paused_minutes]).toEqual([120, 60]);
    expect(r.metrics.next_reply).toBeNull(); // no next_reply target in this policy
  });
});

describe('a pause that starts exactly at the deadline', () => {
  const config: SlaConfig = {
    calendars: CONFIG.calendars,
    policies: [{ name: 'pausing-fr', targets: { first_response: 60 }, calendar: 'biz', pause_statuses: { first_response: ['pending'] } }],
  };
  const ev = ticket();
  // 09:00 created; 10:00 pending, exactly when the 60 minutes run out; 11:00 open again.
  const base = [ev('created', '2026-03-02T09:00:00Z'), ev('status_changed', '2026-03-02T10:00:00Z', { status: 'pending' }), ev('status_changed', '2026-03-02T11:00:00Z', { status: 'open' })];

  it('holds the deadline: a reply at the resumption instant is on time', () => {
    // Resumed at 11:00 with 0 left → deadline 11:00; reply at 11:00 → met, 60 elapsed, 60 paused.
    const fr = metric(sla([...base, ev('agent_replied', '2026-03-02T11:00:00Z')], '2026-03-02T12:00:00Z', config).metrics.first_response);
    expect([fr.state, fr.elapsed_minutes, fr.paused_minutes]).toEqual(['met', 60, 60]);
  });

  it('breaches at the resumption once the clock runs on', () => {
    // Reply at 11:05 → breached at 11:00 (the resumption), elapsed 65.
    const fr = metric(sla([...base, ev('agent_replied', '2026-03-02T11:05:00Z')], '2026-03-02T12:00:00Z', config).metrics.first_response);
    expect([fr.state, iso(fr.breached_at), fr.elapsed_minutes]).toEqual(['breached', '2026-03-02T11:00:00Z', 65]);
  });
});

describe('reopen', () => {
  it('sums resolution time across reopen cycles', () => {
    const ev = ticket();
    // Mon 09:00 created, 09:30 reply, 11:00 resolved (120 elapsed). Tue 10:00 reopened with a
    // customer message, 10:30 reply, 12:00 resolved (+120). Resolution 240, two cycles.
    // The night between is not counted (stopped), nor would it be open time anyway.
    const r = sla(
      [
        ev('created', '2026-03-02T09:00:00Z'),
        ev('agent_replied', '2026-03-02T09:30:00Z', { status: 'open' }),
        ev('resolved', '2026-03-02T11:00:00Z'),
        ev('reopened', '2026-03-03T10:00:00Z', { status: 'open' }),
        ev('customer_replied', '2026-03-03T10:00:00Z', { status: 'open' }),
        ev('agent_replied', '2026-03-03T10:30:00Z', { status: 'open' }),
        ev('resolved', '2026-03-03T12:00:00Z'),
      ],
      '2026-03-03T13:00:00Z',
      CONFIG,
      true,
    );
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.state, iso(res.met_at), res.cycles]).toEqual([240, 'met', '2026-03-03T12:00:00Z', 2]);
    expect(res.timeline?.map((s) => [s.kind, s.minutes])).toEqual([
      ['running', 120],
      ['stopped', 23 * 60],
      ['running', 120],
    ]);
    // The customer message after the reopen opened a next-reply cycle: 10:00 → 10:30 = 30.
    const nr = metric(r.metrics.next_reply);
    expect([nr.elapsed_minutes, nr.state, nr.cycles]).toEqual([30, 'met', 1]);
  });

  it('breaches after a reopen from the accumulated elapsed time', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent (24×7, resolution 240): 00:00 created, 00:10 reply, 03:00 resolved (180 used).
    // Reopened 05:00: 60 left → breached at 06:00; at 06:30 elapsed 180 + 90 = 270.
    const res = metric(
      sla(
        [
          ev('created', '2026-03-02T00:00:00Z'),
          ev('agent_replied', '2026-03-02T00:10:00Z'),
          ev('resolved', '2026-03-02T03:00:00Z'),
          ev('reopened', '2026-03-02T05:00:00Z'),
        ],
        '2026-03-02T06:30:00Z',
      ).metrics.resolution,
    );
    expect([res.state, res.clock, iso(res.breached_at), res.elapsed_minutes, res.cycles]).toEqual(['breached', 'running', '2026-03-02T06:00:00Z', 270, 2]);
  });
});
