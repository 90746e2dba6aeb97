// The SLA clock: calendars, at-risk levels, escalations, stopping, the built-in config,
// invariants and the documented example. Each case is worked out by hand in its comment.
// Dates are in March 2026 unless stated (London on GMT = UTC until 29 March); 2 March
// is a Monday. Calendars: `biz` = Europe/London Mon-Fri 09:00-18:00 (+ bank holiday
// 4 May 2026), `always` = 24×7 UTC. Escalations are the defaults: level 1 (team_lead)
// at the breach, level 2 (manager) 24 wall-clock hours later unless an agent replied
// since the breach. The fixtures are in tests/support/sla-fixtures.ts.
import { describe, expect, it } from 'vitest';
import {
  businessMinutesBetween,
  compileSlaConfig,
  computeSla,
  DEFAULT_SLA_CONFIG,
} from '../../processors/sla/index.ts';

import { at, CONFIG, iso, metric, sla, ticket } from '../support/sla-fixtures.ts';

describe('calendars in the clock', () => {
  it('24×7: breaches overnight at the weekend', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent: Sat 7 Mar 22:00, reply 22:25 (25 of 30, met); resolved Sun 02:30: 270 > 240 → breached Sun 02:00.
    const r = sla([ev('created', '2026-03-07T22:00:00Z'), ev('agent_replied', '2026-03-07T22:25:00Z'), ev('resolved', '2026-03-08T02:30:00Z')], '2026-03-08T03:00:00Z');
    expect([metric(r.metrics.first_response).state, metric(r.metrics.first_response).elapsed_minutes]).toEqual(['met', 25]);
    const res = metric(r.metrics.resolution);
    expect([res.state, iso(res.breached_at), iso(res.met_at), res.elapsed_minutes]).toEqual(['breached', '2026-03-08T02:00:00Z', '2026-03-08T02:30:00Z', 270]);
  });

  it('skips a bank holiday', () => {
    const ev = ticket();
    // Fri 1 May 16:00 BST (15:00Z): 120 until 18:00 BST; Mon 4 May bank holiday; Tue 5 May
    // 09:00 BST + 120 → 11:00 BST = 10:00Z. Evaluated Fri 18:00 BST (17:00Z): 120 elapsed.
    const fr = metric(sla([ev('created', '2026-05-01T15:00:00Z')], '2026-05-01T17:00:00Z').metrics.first_response);
    expect([fr.elapsed_minutes, iso(fr.deadline)]).toEqual([120, '2026-05-05T10:00:00Z']);
  });

  it('follows the London spring-forward change', () => {
    const ev = ticket({ priority: 'high' });
    // High, Fri 27 Mar 17:30 GMT: 30 on Friday; Mon 30 Mar 09:00 BST + 30 → 09:30 BST = 08:30Z.
    // Reply Mon 09:45 BST (08:45Z): 30 + 45 = 75 → breached at 08:30Z.
    const created = ev('created', '2026-03-27T17:30:00Z');
    expect(iso(metric(sla([created], '2026-03-27T18:00:00Z').metrics.first_response).deadline)).toBe('2026-03-30T08:30:00Z');
    const fr = metric(sla([created, ev('agent_replied', '2026-03-30T08:45:00Z')], '2026-03-30T09:00:00Z').metrics.first_response);
    expect([fr.state, iso(fr.breached_at), fr.elapsed_minutes]).toEqual(['breached', '2026-03-30T08:30:00Z', 75]);
  });

  it('explains time outside business hours', () => {
    const ev = ticket({ priority: 'high' });
    // Fri 6 Mar 17:30 → reply Mon 09:20: running 30, outside hours Fri 18:00 → Mon 09:00 (63 h = 3780), running 20.
    const fr = metric(
      sla([ev('created', '2026-03-06T17:30:00Z'), ev('agent_replied', '2026-03-09T09:20:00Z')], '2026-03-09T10:00:00Z', CONFIG, true).metrics.first_response,
    );
    expect(fr.timeline?.map((s) => [s.kind, s.minutes, s.business_minutes])).toEqual([
      ['running', 30, 30],
      ['outside_hours', 3780, 0],
      ['running', 20, 20],
    ]);
    expect(fr.timeline?.[1].reason).toBe('outside business hours of calendar biz');
  });
});

describe('at-risk levels and escalations', () => {
  it('projects at-risk instants and records them once reached', () => {
    const ev = ticket({ priority: 'high' });
    const created = ev('created', '2026-03-02T09:00:00Z');
    // High first response 60: half at 30 → 09:30, three quarters at 45 → 09:45.
    const early = metric(sla([created], '2026-03-02T09:10:00Z').metrics.first_response);
    expect(early.at_risk.map((l) => [l.name, iso(l.at), l.reached])).toEqual([
      ['half', '2026-03-02T09:30:00Z', false],
      ['three_quarters', '2026-03-02T09:45:00Z', false],
    ]);
    // At 09:40 the half level was reached at 09:30; three quarters still ahead at 09:45.
    const later = metric(sla([created], '2026-03-02T09:40:00Z').metrics.first_response);
    expect(later.at_risk.map((l) => [iso(l.at), l.reached])).toEqual([
      ['2026-03-02T09:30:00Z', true],
      ['2026-03-02T09:45:00Z', false],
    ]);
  });

  it('supports minutes-left levels', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent first response 30 (24×7): half at 15 → 00:15; "10 minutes left" at 20 → 00:20.
    const fr = metric(sla([ev('created', '2026-03-02T00:00:00Z')], '2026-03-02T00:05:00Z').metrics.first_response);
    expect(fr.at_risk.map((l) => [l.name, l.threshold_minutes, iso(l.at)])).toEqual([
      ['half', 15, '2026-03-02T00:15:00Z'],
      ['last_10', 20, '2026-03-02T00:20:00Z'],
    ]);
  });

  it('places at-risk instants in business time across closing', () => {
    const ev = ticket({ priority: 'high' });
    // Mon 17:40: 20 minutes today. Half (30) → Tue 09:10; three quarters (45) → Tue 09:25; deadline Tue 09:40.
    const fr = metric(sla([ev('created', '2026-03-02T17:40:00Z')], '2026-03-02T17:50:00Z').metrics.first_response);
    expect([...fr.at_risk.map((l) => iso(l.at)), iso(fr.deadline)]).toEqual(['2026-03-03T09:10:00Z', '2026-03-03T09:25:00Z', '2026-03-03T09:40:00Z']);
  });

  it('escalates to level 2 only without an agent reply after the breach', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent resolution 240 (24×7): Mon 00:00 → breached 04:00. Level 1 due 04:00, level 2 due Tue 04:00.
    const base = [ev('created', '2026-03-02T00:00:00Z'), ev('agent_replied', '2026-03-02T00:10:00Z')];
    // Only reply at 00:10 (before the breach): at Tue 06:00 both levels are due.
    const silent = metric(sla(base, '2026-03-03T06:00:00Z').metrics.resolution);
    expect(silent.escalations.map((e) => [e.level, iso(e.due_at), e.state])).toEqual([
      [1, '2026-03-02T04:00:00Z', 'due'],
      [2, '2026-03-03T04:00:00Z', 'due'],
    ]);
    // An agent reply at Mon 10:00 (after the breach, before Tue 04:00) cancels level 2.
    const answered = metric(sla([...base, ev('agent_replied', '2026-03-02T10:00:00Z')], '2026-03-03T06:00:00Z').metrics.resolution);
    expect(answered.escalations.map((e) => e.state)).toEqual(['due', 'cancelled']);
  });

  it('schedules escalations from the projected deadline before a breach', () => {
    const ev = ticket({ priority: 'high' });
    // High resolution 960 from Mon 09:00 → deadline Tue 16:00; level 2 at +24 h → Wed 16:00.
    const res = metric(sla([ev('created', '2026-03-02T09:00:00Z')], '2026-03-02T09:30:00Z').metrics.resolution);
    expect(res.escalations.map((e) => [iso(e.due_at), e.state])).toEqual([
      ['2026-03-03T16:00:00Z', 'pending'],
      ['2026-03-04T16:00:00Z', 'pending'],
    ]);
  });
});

describe('stopping the resolution clock', () => {
  it('stops on closed without resolved, and on a status change to solved', () => {
    const ev = ticket();
    // 09:00 → closed 10:30: 90. Met by 'closed'.
    const closed = metric(sla([ev('created', '2026-03-02T09:00:00Z'), ev('closed', '2026-03-02T10:30:00Z')], '2026-03-02T11:00:00Z').metrics.resolution);
    expect([closed.elapsed_minutes, closed.met_by]).toEqual([90, 'closed']);
    const ev2 = ticket();
    // 09:00 → status solved at 09:45: 45. Met by 'status_changed'.
    const solved = metric(
      sla([ev2('created', '2026-03-02T09:00:00Z'), ev2('status_changed', '2026-03-02T09:45:00Z', { status: 'solved' })], '2026-03-02T11:00:00Z').metrics.resolution,
    );
    expect([solved.elapsed_minutes, solved.met_by, solved.state]).toEqual([45, 'status_changed', 'met']);
  });
});

describe('the built-in configuration', () => {
  it('runs with no config at all', () => {
    const ev = ticket({ priority: 'high' });
    // Built-in 'high': first response 60 on 'business' (Europe/London 09:00-18:00).
    // Mon 09:00 GMT, evaluated 09:20 → 20 elapsed, deadline 10:00.
    const r = computeSla([ev('created', '2026-03-02T09:00:00Z')], DEFAULT_SLA_CONFIG, at('2026-03-02T09:20:00Z'));
    const fr = metric(r.metrics.first_response);
    expect([r.policy, fr.calendar, fr.elapsed_minutes, iso(fr.deadline)]).toEqual(['high', 'business', 20, '2026-03-02T10:00:00Z']);
    // No priority at all → the catch-all 'default' policy.
    const none = computeSla([{ event_id: 'x', ticket_id: 'T-2', type: 'created', occurred_at: '2026-03-02T09:00:00Z' }], DEFAULT_SLA_CONFIG, at('2026-03-02T09:20:00Z'));
    expect(none.policy).toBe('default');
  });

  it('refuses a "now" that is not a number of milliseconds', () => {
    expect(() => computeSla([], CONFIG, Number.NaN)).toThrow(/nowMs/);
  });

  it('returns an empty result for no events', () => {
    const r = computeSla([], CONFIG, at('2026-03-02T09:00:00Z'));
    expect([r.policy, r.metrics.first_response, r.metrics.next_reply, r.metrics.resolution]).toEqual([null, null, null, null]);
  });
});

describe('invariants over generated tickets', () => {
  it('holds for 2,000 deterministic random histories', () => {
    // Not a worked case: a net under the worked ones. For every ticket, any input order gives
    // the same result; a running, unbreached metric's deadline is exactly its remaining
    // business time away; a breach lies between the start and the evaluation.
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const types = ['assigned', 'agent_replied', 'customer_replied', 'status_changed', 'priority_changed', 'resolved', 'reopened', 'updated'];
    const statuses = ['open', 'pending', 'on_hold', 'open', 'open'];
    const priorities = ['urgent', 'high', 'normal', 'low'];
    const compiled = compileSlaConfig(CONFIG);
    for (let n = 0; n < 2000; n++) {
      const ev = ticket({ ticket_id: `T-${n}`, priority: priorities[n % 4] });
      let t = at('2026-03-20T00:00:00Z') + Math.floor(rand() * 20 * 86_400_000);
      const history = [ev('created', new Date(t).toISOString(), { status: 'new' })];
      const length = 1 + Math.floor(rand() * 10);
      for (let i = 0; i < length; i++) {
        t += Math.floor(rand() * 600) * 60_000;
        const type = types[Math.floor(rand() * types.length)];
        history.push(
          ev(type, new Date(t).toISOString(), {
            status: type === 'resolved' ? 'solved' : statuses[Math.floor(rand() * statuses.length)],
            priority: type === 'priority_changed' ? priorities[Math.floor(rand() * 4)] : undefined,
          }),
        );
      }
      // Carry the current priority on every event, as the contract says events do.
      let priority = priorities[n % 4];
      for (const e of history) {
        if (e.priority === undefined) e.priority = priority;
        priority = e.priority;
      }
      const now = t + Math.floor(rand() * 3 * 86_400_000);
      const r = computeSla(history, CONFIG, now);
      expect(computeSla([...history].reverse(), CONFIG, now)).toEqual(r);
      for (const m of [r.metrics.first_response, r.metrics.next_reply, r.metrics.resolution]) {
        if (m === null) continue;
        expect(m.elapsed_minutes).toBeGreaterThanOrEqual(0);
        expect(m.paused_minutes).toBeGreaterThanOrEqual(0);
        if (m.breached_at !== null) {
          expect(m.state).toBe('breached');
          expect(m.breached_at).toBeGreaterThanOrEqual(m.started_at);
          expect(m.breached_at).toBeLessThanOrEqual(r.evaluated_at);
        } else if (m.clock === 'running') {
          const cal = compiled.calendars.get(m.calendar);
          expect(cal).toBeDefined();
          expect(m.deadline).not.toBeNull();
          expect(businessMinutesBetween(cal!, r.evaluated_at, m.deadline!)).toBeCloseTo(m.target_minutes - m.elapsed_minutes, 9);
        }
        if (m.clock === 'paused') expect(m.deadline).toBeNull();
      }
    }
  });
});

describe('the worked example in docs/sla.md', () => {
  // Built-in config, priority high: first response 60, next reply 240, resolution 1080 business
  // minutes on 'business' (Europe/London, Mon-Fri 09:00-18:00; GMT = UTC in early March).
  const ev = ticket({ priority: 'high', ticket_id: 'T-1001' });
  const HISTORY = [
    ev('created', '2026-03-06T16:30:00Z', { status: 'new' }),
    ev('agent_replied', '2026-03-06T17:10:00Z', { status: 'pending' }),
    ev('customer_replied', '2026-03-09T10:00:00Z', { status: 'open' }),
    ev('agent_replied', '2026-03-09T12:30:00Z', { status: 'open' }),
    ev('status_changed', '2026-03-09T14:00:00Z', { status: 'on_hold' }),
    ev('status_changed', '2026-03-10T10:00:00Z', { status: 'open' }),
    ev('resolved', '2026-03-10T15:00:00Z'),
  ];

  it('matches the figures in the document', () => {
    const r = computeSla(HISTORY, DEFAULT_SLA_CONFIG, at('2026-03-10T16:00:00Z'));
    // First response: Fri 16:30 → 17:10 = 40 ≤ 60, met.
    const fr = metric(r.metrics.first_response);
    expect([fr.elapsed_minutes, fr.state]).toEqual([40, 'met']);
    // Next reply: Mon 10:00 → 12:30 = 150 ≤ 240, met.
    const nr = metric(r.metrics.next_reply);
    expect([nr.elapsed_minutes, nr.state]).toEqual([150, 'met']);
    // Resolution: 40 (Fri) + 240 (Mon 10:00-14:00) + 300 (Tue 10:00-15:00) = 580 ≤ 1080, met.
    // Paused: Fri 17:10 → Mon 10:00 = 3890 and Mon 14:00 → Tue 10:00 = 1200, 5090 in all.
    const res = metric(r.metrics.resolution);
    expect([res.elapsed_minutes, res.paused_minutes, res.state]).toEqual([580, 5090, 'met']);
  });

  it('gives the deadline the document shows for Tue 11:00', () => {
    // Elapsed 40 + 240 + 60 = 340; 740 left: Tue 11:00-18:00 = 420, then Wed 09:00 + 320 → 14:20.
    const res = metric(computeSla(HISTORY.slice(0, 6), DEFAULT_SLA_CONFIG, at('2026-03-10T11:00:00Z')).metrics.resolution);
    expect([res.elapsed_minutes, iso(res.deadline)]).toEqual([340, '2026-03-11T14:20:00Z']);
    // At-risk: 0.5 → 540, 200 to go → Tue 14:20; 0.75 → 810, 470 to go = 420 Tue + 50 → Wed 09:50.
    expect(res.at_risk.map((l) => [l.threshold_minutes, iso(l.at), l.reached])).toEqual([
      [540, '2026-03-10T14:20:00Z', false],
      [810, '2026-03-11T09:50:00Z', false],
    ]);
  });

  it('shows the breach instant of the late variant', () => {
    // No reply until Mon 09:30: Fri 16:30-18:00 = 90 > 60, breached Fri 17:30.
    const fr = metric(computeSla([HISTORY[0], ev('agent_replied', '2026-03-09T09:30:00Z')], DEFAULT_SLA_CONFIG, at('2026-03-09T10:00:00Z')).metrics.first_response);
    expect([fr.elapsed_minutes, fr.state, iso(fr.breached_at)]).toEqual([120, 'breached', '2026-03-06T17:30:00Z']);
    // Level 1 due at the breach, level 2 a day later (Sat 17:30); the Monday reply came after both.
    expect(fr.escalations.map((e) => [e.notify, iso(e.due_at), e.state])).toEqual([
      ['team_lead', '2026-03-06T17:30:00Z', 'due'],
      ['manager', '2026-03-07T17:30:00Z', 'due'],
    ]);
  });
});
