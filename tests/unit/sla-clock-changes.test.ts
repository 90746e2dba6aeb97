// The SLA clock: re-targeting, next-reply cycles, event order and repeats. Each case is
// worked out by hand in its comment.
// Dates are in March 2026 unless stated (London on GMT = UTC until 29 March); 2 March
// is a Monday. Calendars: `biz` = Europe/London Mon-Fri 09:00-18:00 (+ bank holiday
// 4 May 2026), `always` = 24×7 UTC. Escalations are the defaults: level 1 (team_lead)
// at the breach, level 2 (manager) 24 wall-clock hours later unless an agent replied
// since the breach. The fixtures are in tests/support/sla-fixtures.ts.
import { describe, expect, it } from 'vitest';
import type { SlaEvent } from '../../processors/sla/index.ts';
import { at, CONFIG, iso, metric, sla, ticket } from '../support/sla-fixtures.ts';

describe('re-targeting on a priority or tier change', () => {
  it('upgrade: keeps elapsed time and breaches at the change when the new target is already used', () => {
    const ev = ticket();
    // Normal, Mon 09:00; at 10:00 priority → urgent (24×7; first response 30, resolution 240).
    // First response: 60 elapsed under normal > 30 → breached at 10:00 (the change, not 09:30).
    // Resolution: 60 elapsed, 180 left on 24×7 → deadline 13:00; at 11:00 elapsed 120.
    // Urgent at-risk: half = 120 reached exactly at 11:00; last_10 = 230 → 10:00 + 170 = 12:50.
    const r = sla([ev('created', '2026-03-02T09:00:00Z'), ev('priority_changed', '2026-03-02T10:00:00Z', { priority: 'urgent' })], '2026-03-02T11:00:00Z');
    expect(r.policy).toBe('urgent');
    const fr = metric(r.metrics.first_response);
    expect([fr.policy, fr.calendar, fr.target_minutes, fr.state, iso(fr.breached_at), fr.elapsed_minutes]).toEqual(['urgent', 'always', 30, 'breached', '2026-03-02T10:00:00Z', 120]);
    const res = metric(r.metrics.resolution);
    expect([res.target_minutes, res.elapsed_minutes, iso(res.deadline)]).toEqual([240, 120, '2026-03-02T13:00:00Z']);
    expect(res.at_risk.map((l) => [l.name, iso(l.at), l.reached])).toEqual([
      ['half', '2026-03-02T11:00:00Z', true],
      ['last_10', '2026-03-02T12:50:00Z', false],
    ]);
  });

  it('downgrade: the remaining target moves to the new calendar', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent from Mon 08:00 (24×7): 20 minutes used by 08:20, when priority → normal.
    // Normal first response 240 on biz: 220 left, from 09:00 → deadline 12:40. At 08:30 still 20.
    const fr = metric(
      sla([ev('created', '2026-03-02T08:00:00Z'), ev('priority_changed', '2026-03-02T08:20:00Z', { priority: 'normal' })], '2026-03-02T08:30:00Z').metrics.first_response,
    );
    expect([fr.policy, fr.calendar, fr.elapsed_minutes, fr.state, iso(fr.deadline)]).toEqual(['normal', 'biz', 20, 'active', '2026-03-02T12:40:00Z']);
  });

  it('a breach survives a downgrade', () => {
    const ev = ticket({ priority: 'urgent' });
    // Urgent Mon 00:00: first response breached 00:30. Downgraded to normal at 01:00: still breached.
    const fr = metric(
      sla([ev('created', '2026-03-02T00:00:00Z'), ev('priority_changed', '2026-03-02T01:00:00Z', { priority: 'normal' })], '2026-03-02T01:00:00Z').metrics.first_response,
    );
    expect([fr.policy, fr.target_minutes, fr.state, iso(fr.breached_at)]).toEqual(['normal', 240, 'breached', '2026-03-02T00:30:00Z']);
  });

  it('a customer tier change re-targets too', () => {
    const ev = ticket();
    // Normal, Mon 09:00; at 09:20 the customer becomes vip (first response 30 on biz):
    // 20 used, 10 left → deadline 09:30.
    const fr = metric(
      sla([ev('created', '2026-03-02T09:00:00Z'), ev('updated', '2026-03-02T09:20:00Z', { customer_tier: 'vip' })], '2026-03-02T09:25:00Z').metrics.first_response,
    );
    expect([fr.policy, fr.elapsed_minutes, iso(fr.deadline)]).toEqual(['vip', 25, '2026-03-02T09:30:00Z']);
  });

  it('a re-target while paused takes effect when the clock resumes', () => {
    const ev = ticket();
    // Normal, Mon 09:00, reply 09:10, pending at 10:00 (resolution 60 used). 11:00 → urgent while
    // pending (urgent also pauses on pending). 12:00 open: 180 left on 24×7 → deadline 15:00.
    const res = metric(
      sla(
        [
          ev('created', '2026-03-02T09:00:00Z'),
          ev('agent_replied', '2026-03-02T09:10:00Z', { status: 'open' }),
          ev('status_changed', '2026-03-02T10:00:00Z', { status: 'pending' }),
          ev('priority_changed', '2026-03-02T11:00:00Z', { priority: 'urgent', status: 'pending' }),
          ev('customer_replied', '2026-03-02T12:00:00Z', { priority: 'urgent', status: 'open' }),
        ],
        '2026-03-02T12:30:00Z',
      ).metrics.resolution,
    );
    expect([res.policy, res.elapsed_minutes, res.paused_minutes, iso(res.deadline)]).toEqual(['urgent', 90, 120, '2026-03-02T15:00:00Z']);
  });
});

describe('next reply', () => {
  it('measures each customer message to the next agent reply and counts breached cycles', () => {
    const ev = ticket({ priority: 'high' });
    // High (next reply 120 on biz). 09:30 first reply. Cycle 1: customer 10:00 → agent 10:20 (20, met).
    // Cycle 2: customer 11:00 (and again 11:30: same cycle) → agent 13:30: 150 > 120, breached 13:00.
    // Cycle 3: customer 14:00, evaluated 14:30: 30 elapsed, deadline 16:00.
    const nr = metric(
      sla(
        [
          ev('created', '2026-03-02T09:00:00Z'),
          ev('agent_replied', '2026-03-02T09:30:00Z'),
          ev('customer_replied', '2026-03-02T10:00:00Z'),
          ev('agent_replied', '2026-03-02T10:20:00Z'),
          ev('customer_replied', '2026-03-02T11:00:00Z'),
          ev('customer_replied', '2026-03-02T11:30:00Z'),
          ev('agent_replied', '2026-03-02T13:30:00Z'),
          ev('customer_replied', '2026-03-02T14:00:00Z'),
        ],
        '2026-03-02T14:30:00Z',
      ).metrics.next_reply,
    );
    expect([nr.cycles, nr.breached_cycles, nr.state, iso(nr.started_at), nr.elapsed_minutes, iso(nr.deadline)]).toEqual([
      3,
      1,
      'active',
      '2026-03-02T14:00:00Z',
      30,
      '2026-03-02T16:00:00Z',
    ]);
  });

  it('does not start before the first agent reply', () => {
    const ev = ticket();
    // A customer follow-up at 09:10 while the first response is still open: no next-reply cycle.
    const r = sla([ev('created', '2026-03-02T09:00:00Z'), ev('customer_replied', '2026-03-02T09:10:00Z')], '2026-03-02T09:30:00Z');
    expect(r.metrics.next_reply).toBeNull();
    expect(metric(r.metrics.first_response).elapsed_minutes).toBe(30);
  });

  it('does not start on a solved ticket unless it is reopened', () => {
    const ev = ticket();
    // 09:00 created, 09:10 reply, 09:20 solved, 09:40 "thanks!" from the customer: no cycle.
    const r = sla(
      [
        ev('created', '2026-03-02T09:00:00Z'),
        ev('agent_replied', '2026-03-02T09:10:00Z'),
        ev('resolved', '2026-03-02T09:20:00Z'),
        ev('customer_replied', '2026-03-02T09:40:00Z', { status: 'solved' }),
      ],
      '2026-03-02T10:00:00Z',
    );
    expect(r.metrics.next_reply).toBeNull();
    expect([metric(r.metrics.resolution).state, metric(r.metrics.resolution).elapsed_minutes]).toEqual(['met', 20]);
  });
});

describe('event order and duplicates', () => {
  const ev = ticket();
  const HISTORY = [
    ev('created', '2026-03-02T09:00:00Z', { status: 'new' }),
    ev('agent_replied', '2026-03-02T09:30:00Z', { status: 'pending' }),
    ev('customer_replied', '2026-03-02T11:00:00Z', { status: 'open' }),
    ev('agent_replied', '2026-03-02T12:00:00Z', { status: 'on_hold' }),
    ev('status_changed', '2026-03-02T14:00:00Z', { status: 'open' }),
    ev('resolved', '2026-03-02T15:00:00Z'),
    ev('reopened', '2026-03-03T10:00:00Z', { status: 'open' }),
    ev('customer_replied', '2026-03-03T10:00:00Z', { status: 'open' }),
  ];
  const NOW = '2026-03-03T11:00:00Z';
  const expected = sla(HISTORY, NOW, CONFIG, true);

  it('sorts events that arrive out of order', () => {
    // Reversed and rotated inputs give the identical result. Resolution: 150 before the
    // resolve (see the pause case) + Tue 10:00-11:00 = 210.
    expect(metric(expected.metrics.resolution).elapsed_minutes).toBe(210);
    expect(sla([...HISTORY].reverse(), NOW, CONFIG, true)).toEqual(expected);
    expect(sla([...HISTORY.slice(3), ...HISTORY.slice(0, 3)], NOW, CONFIG, true)).toEqual(expected);
  });

  it('ignores repeated events (same event_id)', () => {
    // Every event delivered twice, one three times, shuffled: same answer, one reopen cycle,
    // one next-reply cycle open since Tue 10:00 (60 elapsed at 11:00).
    const doubled = [...HISTORY, ...[...HISTORY].reverse(), HISTORY[6]];
    const r = sla(doubled, NOW, CONFIG, true);
    expect(r).toEqual(expected);
    expect([metric(r.metrics.resolution).cycles, metric(r.metrics.next_reply).cycles, metric(r.metrics.next_reply).elapsed_minutes]).toEqual([2, 2, 60]);
  });

  it('orders events of the same instant by type: reply before resolve, reopen before the message', () => {
    const ev2 = ticket();
    // Reply and resolve both at 09:40, given resolve first: the reply still counts as the first response.
    const r = sla([ev2('resolved', '2026-03-02T09:40:00Z'), ev2('agent_replied', '2026-03-02T09:40:00Z'), ev2('created', '2026-03-02T09:00:00Z')], '2026-03-02T10:00:00Z');
    expect([metric(r.metrics.first_response).met_by, metric(r.metrics.first_response).elapsed_minutes]).toEqual(['agent_replied', 40]);
  });

  it('sorts long histories too', () => {
    const ev2 = ticket();
    // 09:00 created, 09:05 first reply, then 15 exchanges: customer at 09:10 + 20k min, agent 5 min
    // later (k = 0..14): 32 events, 15 next-reply cycles of 5 minutes, none breached; the last
    // cycle runs 13:50 → 13:55.
    const history = [ev2('created', '2026-03-02T09:00:00Z'), ev2('agent_replied', '2026-03-02T09:05:00Z')];
    for (let k = 0; k < 15; k++) {
      const customer = at('2026-03-02T09:10:00Z') + k * 20 * 60_000;
      history.push(ev2('customer_replied', new Date(customer).toISOString()), ev2('agent_replied', new Date(customer + 5 * 60_000).toISOString()));
    }
    const ordered = sla(history, '2026-03-02T14:00:00Z');
    const nr = metric(ordered.metrics.next_reply);
    expect([nr.cycles, nr.breached_cycles, nr.elapsed_minutes, iso(nr.started_at), iso(nr.met_at)]).toEqual([15, 0, 5, '2026-03-02T13:50:00Z', '2026-03-02T13:55:00Z']);
    expect(sla([...history, ...history].reverse(), '2026-03-02T14:00:00Z')).toEqual(ordered);
  });

  it('reads ticket_events rows: empty strings are absent, times without an offset are UTC', () => {
    const row = (id: string, type: string, when: string, priority: string, status: string): SlaEvent => ({
      event_id: id,
      ticket_id: 'T-9',
      type,
      occurred_at: when,
      priority,
      customer_tier: '',
      channel: '',
      category: '',
      team: '',
      tenant: '',
      status,
    });
    // High from 09:00 UTC; the reply row carries no priority (''), which keeps 'high':
    // 09:00 → 09:50 = 50 of 60, met.
    const r = sla([row('r1', 'created', '2026-03-02 09:00:00.000', 'high', 'new'), row('r2', 'agent_replied', '2026-03-02 09:50:00.000', '', '')], '2026-03-02T10:00:00Z');
    const fr = metric(r.metrics.first_response);
    expect([r.policy, r.status, fr.elapsed_minutes, fr.state]).toEqual(['high', 'new', 50, 'met']);
  });

  it('starts at the first event when the history has no created event', () => {
    const ev2 = ticket();
    // A ticket imported mid-life: first event 09:00 'assigned', reply 09:45 → 45.
    const fr = metric(sla([ev2('assigned', '2026-03-02T09:00:00Z'), ev2('agent_replied', '2026-03-02T09:45:00Z')], '2026-03-02T10:00:00Z').metrics.first_response);
    expect([iso(fr.started_at), fr.elapsed_minutes]).toEqual(['2026-03-02T09:00:00Z', 45]);
  });

  it('evaluates up to the last event when an event is stamped after now', () => {
    const ev2 = ticket();
    // Producer clock skew: the reply is stamped 10:30, evaluation "now" is 10:00 → evaluated at 10:30.
    const r = sla([ev2('created', '2026-03-02T09:00:00Z'), ev2('agent_replied', '2026-03-02T10:30:00Z')], '2026-03-02T10:00:00Z');
    expect([iso(r.evaluated_at), metric(r.metrics.first_response).elapsed_minutes]).toEqual(['2026-03-02T10:30:00Z', 90]);
  });
});
