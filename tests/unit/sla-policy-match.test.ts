// Policy selection on channel, category, team and tenant (docs/sla.md, "Policies"): every
// listed dimension must hold, a list means any of its values, values compare exactly, a
// dimension the ticket does not have fails its condition, the first match wins and the
// default comes last. Checked three ways that must agree: the public `selectPolicy`, the
// compiled matcher the clock runs (`matchCompiledPolicy`), and the policy `computeSla`
// reports. Then re-targeting on a team or category change (rule 5: every dimension a
// policy can match on re-targets), each case worked out by hand in its comment.
//
// Calendars (tests/support/sla-fixtures.ts): `biz` = Europe/London Mon-Fri 09:00-18:00
// (GMT = UTC in early March 2026; 2 March is a Monday), `always` = 24×7 UTC.
import { describe, expect, it } from 'vitest';
import { compileSlaConfig, computeSla, selectPolicy, type PolicyConfig, type SlaConfig, type TicketDimensions } from '../../processors/sla/index.ts';
import { matchCompiledPolicy } from '../../processors/sla/policy.ts';
import { MATCH_DIMENSIONS } from '../../core/config/sla.ts';
import { at, CONFIG as FIXTURE_CONFIG, iso, metric, sla, ticket } from '../support/sla-fixtures.ts';

const POLICIES: PolicyConfig[] = [
  { name: 'phone-billing', match: { channel: ['phone'], category: ['billing'] }, targets: { first_response: 15, resolution: 120 }, calendar: 'always' },
  { name: 'acme-escalations', match: { tenant: ['acme'], team: ['escalations'] }, targets: { first_response: 20, resolution: 180 }, calendar: 'always' },
  { name: 'chat', match: { channel: ['chat', 'messenger'] }, targets: { first_response: 10, next_reply: 20, resolution: 240 }, calendar: 'always' },
  { name: 'security', match: { category: ['security'] }, targets: { first_response: 30, resolution: 300 }, calendar: 'always' },
  { name: 'escalations', match: { team: ['escalations'] }, targets: { first_response: 45, resolution: 360 }, calendar: 'always' },
  { name: 'globex', match: { tenant: ['globex'] }, targets: { first_response: 60, resolution: 480 }, calendar: 'biz' },
  { name: 'default', targets: { first_response: 240, next_reply: 480, resolution: 2700 }, calendar: 'biz' },
];
const CONFIG: SlaConfig = { calendars: FIXTURE_CONFIG.calendars, policies: POLICIES };

/** The policy chosen by the three paths; they must agree. */
function chosen(dims: TicketDimensions): string | null {
  const viaSelect = selectPolicy(POLICIES, dims)?.name ?? null;
  const compiled = compileSlaConfig(CONFIG);
  const viaCompiled = matchCompiledPolicy(compiled.policies, MATCH_DIMENSIONS.map((d) => dims[d]))?.name ?? null;
  const viaClock = computeSla([{ event_id: 'e1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-03-02T09:00:00Z', ...dims }], CONFIG, at('2026-03-02T09:05:00Z')).policy;
  expect({ viaCompiled, viaClock }).toEqual({ viaCompiled: viaSelect, viaClock: viaSelect });
  return viaSelect;
}

describe('policy selection', () => {
  it('matches on channel alone, any of the listed values, case-sensitive', () => {
    expect(chosen({ channel: 'chat' })).toBe('chat');
    expect(chosen({ channel: 'messenger' })).toBe('chat');
    expect(chosen({ channel: 'Chat' })).toBe('default');
    expect(chosen({ channel: 'email' })).toBe('default');
  });

  it('matches on category alone', () => {
    expect(chosen({ category: 'security' })).toBe('security');
    expect(chosen({ category: 'security ', team: 'support' })).toBe('default');
  });

  it('matches on team alone', () => {
    expect(chosen({ team: 'escalations' })).toBe('escalations');
    expect(chosen({ team: 'escalations', channel: 'email', priority: 'low' })).toBe('escalations');
  });

  it('matches on tenant alone', () => {
    expect(chosen({ tenant: 'globex' })).toBe('globex');
    expect(chosen({ tenant: 'globex-eu' })).toBe('default');
  });

  it('a combined condition needs every listed dimension', () => {
    // phone-billing: channel phone AND category billing.
    expect(chosen({ channel: 'phone', category: 'billing' })).toBe('phone-billing');
    expect(chosen({ channel: 'phone' })).toBe('default');
    expect(chosen({ category: 'billing' })).toBe('default');
    expect(chosen({ channel: 'email', category: 'billing' })).toBe('default');
    // acme-escalations: tenant acme AND team escalations; another tenant falls to 'escalations'.
    expect(chosen({ tenant: 'acme', team: 'escalations' })).toBe('acme-escalations');
    expect(chosen({ tenant: 'initech', team: 'escalations' })).toBe('escalations');
    expect(chosen({ tenant: 'acme', team: 'support' })).toBe('default');
  });

  it('the first matching policy wins', () => {
    // Matches chat, security, escalations and globex: chat is listed first.
    expect(chosen({ channel: 'chat', category: 'security', team: 'escalations', tenant: 'globex' })).toBe('chat');
    // security (4th) before escalations (5th) before globex (6th).
    expect(chosen({ category: 'security', team: 'escalations', tenant: 'globex' })).toBe('security');
    expect(chosen({ team: 'escalations', tenant: 'globex' })).toBe('escalations');
    // Everything matching phone-billing also matches several later ones: the first wins.
    expect(chosen({ channel: 'phone', category: 'billing', team: 'escalations', tenant: 'acme' })).toBe('phone-billing');
  });

  it('the default (no conditions) is last and takes every other ticket; absent dimensions match no condition', () => {
    expect(chosen({})).toBe('default');
    expect(chosen({ priority: 'urgent', customer_tier: 'vip' })).toBe('default');
    // Without a catch-all, an unmatched ticket has no policy and tracks nothing.
    const noDefault = POLICIES.slice(0, -1);
    expect(selectPolicy(noDefault, { channel: 'email' })).toBeNull();
    const r = computeSla([{ event_id: 'e1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-03-02T09:00:00Z', channel: 'email' }], { calendars: CONFIG.calendars, policies: noDefault }, at('2026-03-02T10:00:00Z'));
    expect([r.policy, r.metrics.first_response, r.metrics.resolution]).toEqual([null, null, null]);
  });

  it('the clock reads empty strings as absent (ticket_events rows store "" for "not set")', () => {
    // A created event with team 'escalations', then an update whose team is '': still escalations.
    const r = computeSla(
      [
        { event_id: 'e1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-03-02T09:00:00Z', team: 'escalations' },
        { event_id: 'e2', ticket_id: 'T-1', type: 'updated', occurred_at: '2026-03-02T09:05:00Z', team: '' },
      ],
      CONFIG,
      at('2026-03-02T09:10:00Z'),
    );
    expect([r.policy, r.dimensions.team]).toEqual(['escalations', 'escalations']);
  });
});

describe('re-targeting on a team or category change', () => {
  const base = { channel: 'email', team: 'support', category: 'general', tenant: 'initech' };

  it('a transfer to a team with a tighter policy: time used is kept, the deadline moves to the new calendar', () => {
    const ev = ticket(base);
    // default (first response 240 on biz) from Mon 09:00; transferred to escalations at 09:40
    // (45 / 360 on 24×7). First response: 40 used, 5 left → 09:45. Resolution: 40 used,
    // 320 left → 09:40 + 320 = 15:00. At 09:42 first response has used 42.
    const r = sla(
      [ev('created', '2026-03-02T09:00:00Z'), ev('transferred', '2026-03-02T09:40:00Z', { team: 'escalations' })],
      '2026-03-02T09:42:00Z',
      CONFIG,
    );
    expect(r.policy).toBe('escalations');
    const fr = metric(r.metrics.first_response);
    expect([fr.policy, fr.calendar, fr.target_minutes, fr.elapsed_minutes, fr.state, iso(fr.deadline)]).toEqual(['escalations', 'always', 45, 42, 'active', '2026-03-02T09:45:00Z']);
    const res = metric(r.metrics.resolution);
    expect([res.policy, res.target_minutes, res.elapsed_minutes, iso(res.deadline)]).toEqual(['escalations', 360, 42, '2026-03-02T15:00:00Z']);
  });

  it('a transfer after more than the new target was used breaches at the transfer, not in the past', () => {
    const ev = ticket(base);
    // Transferred at 10:00: 60 used > 45 → first response breached at 10:00 (not 09:45).
    // Resolution: 60 used, 300 left → 15:00.
    const r = sla(
      [ev('created', '2026-03-02T09:00:00Z'), ev('transferred', '2026-03-02T10:00:00Z', { team: 'escalations' })],
      '2026-03-02T10:30:00Z',
      CONFIG,
    );
    const fr = metric(r.metrics.first_response);
    expect([fr.state, iso(fr.breached_at), fr.elapsed_minutes]).toEqual(['breached', '2026-03-02T10:00:00Z', 90]);
    expect(iso(metric(r.metrics.resolution).deadline)).toBe('2026-03-02T15:00:00Z');
  });

  it('a category change re-targets; the reply after the new deadline is late', () => {
    const ev = ticket(base);
    // default from Mon 09:00; at 09:20 category → security (30 on 24×7): 20 used, 10 left → 09:30.
    // Reply 09:35: 35 > 30, breached at 09:30. (Every event carries the ticket's current
    // dimensions, so the reply says category security too.)
    const fr = metric(
      sla(
        [ev('created', '2026-03-02T09:00:00Z'), ev('updated', '2026-03-02T09:20:00Z', { category: 'security' }), ev('agent_replied', '2026-03-02T09:35:00Z', { category: 'security' })],
        '2026-03-02T10:00:00Z',
        CONFIG,
      ).metrics.first_response,
    );
    expect([fr.policy, fr.elapsed_minutes, fr.state, iso(fr.breached_at), iso(fr.met_at)]).toEqual(['security', 35, 'breached', '2026-03-02T09:30:00Z', '2026-03-02T09:35:00Z']);
  });

  it('a category change completing a combined condition re-targets at that moment', () => {
    const ev = ticket({ ...base, channel: 'phone' });
    // phone + general → default. At 09:30 category → billing: phone-billing (15 / 120 on 24×7).
    // First response: 30 used > 15 → breached at 09:30. Resolution: 30 used, 90 left → 11:00.
    const r = sla([ev('created', '2026-03-02T09:00:00Z'), ev('updated', '2026-03-02T09:30:00Z', { category: 'billing' })], '2026-03-02T09:45:00Z', CONFIG);
    expect(r.policy).toBe('phone-billing');
    expect([metric(r.metrics.first_response).state, iso(metric(r.metrics.first_response).breached_at)]).toEqual(['breached', '2026-03-02T09:30:00Z']);
    expect([metric(r.metrics.resolution).elapsed_minutes, iso(metric(r.metrics.resolution).deadline)]).toEqual([45, '2026-03-02T11:00:00Z']);
  });

  it('a met first response keeps the policy it was met under; open resolution moves', () => {
    const ev = ticket(base);
    // Reply 09:10 (first response met under default, 10 of 240). At 10:00 category → security:
    // resolution has used 60 of 300 on 24×7 → deadline 14:00.
    const r = sla(
      [ev('created', '2026-03-02T09:00:00Z'), ev('agent_replied', '2026-03-02T09:10:00Z'), ev('updated', '2026-03-02T10:00:00Z', { category: 'security' })],
      '2026-03-02T10:30:00Z',
      CONFIG,
    );
    const fr = metric(r.metrics.first_response);
    expect([fr.policy, fr.target_minutes, fr.elapsed_minutes, fr.state]).toEqual(['default', 240, 10, 'met']);
    const res = metric(r.metrics.resolution);
    expect([res.policy, res.target_minutes, res.elapsed_minutes, iso(res.deadline)]).toEqual(['security', 300, 90, '2026-03-02T14:00:00Z']);
  });

  it('a transfer away from a tight policy does not undo its breach', () => {
    const ev = ticket({ ...base, team: 'escalations' });
    // escalations (45 on 24×7) from Mon 00:00: breached 00:45. Transferred to support at 01:00
    // (default, 240 on biz): still breached at 00:45, now under default's target.
    const fr = metric(
      sla([ev('created', '2026-03-02T00:00:00Z'), ev('transferred', '2026-03-02T01:00:00Z', { team: 'support' })], '2026-03-02T02:00:00Z', CONFIG).metrics.first_response,
    );
    expect([fr.policy, fr.target_minutes, fr.state, iso(fr.breached_at)]).toEqual(['default', 240, 'breached', '2026-03-02T00:45:00Z']);
  });

  it('a team change while solved takes effect when the ticket is reopened', () => {
    const ev = ticket(base);
    // default from Mon 09:00; resolved 09:30 (30 of 2700 on biz). Transferred to escalations
    // at 10:00 while solved; reopened 11:00: resolution continues under escalations (360 on
    // 24×7) from 30 used → deadline 11:00 + 330 = 16:30. At 11:30: 60 used, two cycles.
    const res = metric(
      sla(
        [
          ev('created', '2026-03-02T09:00:00Z'),
          ev('resolved', '2026-03-02T09:30:00Z'),
          ev('transferred', '2026-03-02T10:00:00Z', { team: 'escalations', status: 'solved' }),
          ev('reopened', '2026-03-02T11:00:00Z', { team: 'escalations', status: 'open' }),
        ],
        '2026-03-02T11:30:00Z',
        CONFIG,
      ).metrics.resolution,
    );
    expect([res.policy, res.calendar, res.elapsed_minutes, res.state, res.cycles, iso(res.deadline)]).toEqual(['escalations', 'always', 60, 'active', 2, '2026-03-02T16:30:00Z']);
  });

  it('a change that keeps the same policy changes nothing', () => {
    const ev = ticket(base);
    // support → billing: both default. Same figures as without the transfer: at 10:00, 60 used,
    // first response deadline 09:00 + 240 = 13:00.
    const created = ev('created', '2026-03-02T09:00:00Z');
    const moved = sla([created, ev('transferred', '2026-03-02T09:30:00Z', { team: 'billing' })], '2026-03-02T10:00:00Z', CONFIG);
    const still = sla([created], '2026-03-02T10:00:00Z', CONFIG);
    expect(moved.metrics).toEqual(still.metrics);
    expect([metric(moved.metrics.first_response).elapsed_minutes, iso(metric(moved.metrics.first_response).deadline)]).toEqual([60, '2026-03-02T13:00:00Z']);
  });
});
