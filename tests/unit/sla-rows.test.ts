// The ticket_sla row model and the SQL builders: lines in column order with instants
// as unix seconds, untracked metrics, monotonic versions, values always bound, and
// identifiers only from the allowlists.
import { describe, expect, it } from 'vitest';
import {
  SLA_ROW_COLUMNS,
  VersionClock,
  buildAtRiskQuery,
  buildComplianceQuery,
  buildContributorsQuery,
  computeSla,
  parseHistories,
  rowLine,
  slaRows,
  DEFAULT_SLA_CONFIG,
  RowEncoder,
  type SlaEvent,
  type SlaRow,
} from '../../processors/sla/index.ts';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const history: SlaEvent[] = [
  { event_id: 'e1', ticket_id: 'T-1', type: 'created', occurred_at: '2026-03-02 09:00:00.000', status: 'new', priority: 'urgent', team: 'billing', tenant: 'acme', channel: '', customer_tier: '', category: '' },
  { event_id: 'e2', ticket_id: 'T-1', type: 'agent_replied', occurred_at: '2026-03-02 09:10:00.000', status: 'open', priority: '', team: '', tenant: '', channel: '', customer_tier: '', category: '' },
];

describe('ticket_sla rows', () => {
  it('writes one line per metric, in column order, instants as epoch ms, untracked metrics included', () => {
    const result = computeSla(history, DEFAULT_SLA_CONFIG, T0 + 20 * 60_000);
    const rows = slaRows(result, { version: 42, computedAt: T0 + 20 * 60_000, source: 'processor' });
    expect(rows.map((r) => [r.metric, r.state])).toEqual([
      ['first_response', 'met'],
      ['next_reply', 'untracked'],
      ['resolution', 'active'],
    ]);
    const lines = rows.map((r) => JSON.parse(rowLine(r)) as unknown[]);
    for (const l of lines) expect(l).toHaveLength(SLA_ROW_COLUMNS.length);
    const fr = Object.fromEntries(SLA_ROW_COLUMNS.map((c, i) => [c, lines[0][i]]));
    expect(fr).toMatchObject({
      ticket_id: 'T-1',
      metric: 'first_response',
      version: 42,
      created_at: T0,
      team: 'billing',
      priority: 'urgent',
      channel: '',
      policy: 'urgent',
      state: 'met',
      elapsed_minutes: 10,
      met_at: T0 + 600_000,
      decided_at: T0 + 600_000,
      deadline: null,
      at_risk_level: ['warning', 'critical', 'last_10_minutes'],
      at_risk_threshold_minutes: [15, 22.5, 20],
    });
    const res = Object.fromEntries(SLA_ROW_COLUMNS.map((c, i) => [c, lines[2][i]]));
    expect(res).toMatchObject({ state: 'active', clock: 'running', deadline: T0 + 4 * 3_600_000, decided_at: null });
  });

  it('encodes exactly what JSON.stringify would, odd strings and numbers included', () => {
    const result = computeSla(history, DEFAULT_SLA_CONFIG, T0 + 20 * 60_000);
    const base = slaRows(result, { version: 1_795_729_619_774_123, computedAt: T0 + 20 * 60_000, source: 'processor' });
    const odd = { ...base[2], ticket_id: 'T-"quoted"\\back\u00e9\u4e2d\n', team: 'caf\u00e9 "x"', elapsed_minutes: 538.2216666666667, paused_minutes: 1e-7, cycles: 0 };
    const long = { ...base[0], category: 'x'.repeat(3000), tenant: '\u{1F600}'.repeat(500) };
    const encoder = new RowEncoder(256);
    for (const r of [...base, odd, long]) encoder.row(r);
    const lines = encoder.finish().toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    const reference = (r: SlaRow) => [
      r.ticket_id, r.metric, r.version, r.computed_at, r.evaluated_at, r.source, r.created_at, r.tenant, r.team, r.priority, r.category,
      r.channel, r.customer_tier, r.status, r.policy, r.calendar, r.state, r.clock, r.target_minutes, r.elapsed_minutes, r.paused_minutes,
      r.started_at, r.deadline, r.breached_at, r.met_at, r.met_by, r.decided_at,
      r.at_risk.map((l) => l.name), r.at_risk.map((l) => l.at), r.at_risk.map((l) => (l.reached ? 1 : 0)), r.at_risk.map((l) => l.threshold_minutes),
      r.escalations.map((e) => e.level), r.escalations.map((e) => e.notify), r.escalations.map((e) => e.due_at), r.escalations.map((e) => e.state),
      r.cycles, r.breached_cycles,
    ];
    expect(lines.map((l) => JSON.parse(l))).toEqual([...base, odd, long].map(reference));
    expect(lines[0]).toBe(JSON.stringify(reference(base[0])));
  });

  it('keeps versions increasing within a process, even within one millisecond', () => {
    const clock = new VersionClock();
    const a = clock.next(1000);
    const b = clock.next(1000);
    const c = clock.next(999);
    expect(a).toBe(1_000_000);
    expect(b).toBe(1_000_001);
    expect(c).toBe(1_000_002);
  });

  it('reads histories from the engine’s compact lines: type ranks, epoch ms, unchanged fields blank', () => {
    const text =
      '["T-9",[["e1",0,1772442000000,"new",["high","","email","","billing","acme"]],["e2",9,1772442600000,"open",[]],' +
      '["e3",13,1772442700000,"",["","","","","","","note_added"]],["e4",7,1772442800000,"pending",["","","","","ops",""]]]]\n["T-8",[]]\n';
    const [h1, h2] = parseHistories(text);
    expect(h1.events[0]).toEqual({
      event_id: 'e1', ticket_id: 'T-9', type: 'created', occurred_at: '', occurred_ms: 1772442000000, status: 'new',
      priority: 'high', customer_tier: '', channel: 'email', category: '', team: 'billing', tenant: 'acme',
    });
    expect(h1.events.map((e) => [e.type, e.status, e.team])).toEqual([
      ['created', 'new', 'billing'],
      ['agent_replied', 'open', ''],
      ['note_added', '', ''],
      ['status_changed', 'pending', 'ops'],
    ]);
    // Blank fields mean "unchanged": the clock gives the same answer as with every field spelled out.
    const full = h1.events.map((e, i) => ({ ...e, priority: 'high', channel: 'email', tenant: 'acme', team: i < 3 ? 'billing' : 'ops', status: e.status || 'open' }));
    expect(computeSla(h1.events, DEFAULT_SLA_CONFIG, 1772450000000)).toEqual(computeSla(full, DEFAULT_SLA_CONFIG, 1772450000000));
    expect(h2).toEqual({ ticket_id: 'T-8', events: [] });
  });
});

describe('SQL builders', () => {
  it('binds every value as a parameter', () => {
    const evil = "x') OR 1=1 --";
    const q = buildComplianceQuery({ from: T0, to: T0 + 3_600_000, metrics: ['resolution'], groupBy: ['team', 'customer_tier'], bucket: '1h', where: { team: [evil] } });
    expect(q.query).not.toContain(evil);
    expect(q.params).toMatchObject({ f_team: [evil], metrics: ['resolution'], from: '2026-03-02 09:00:00.000', to: '2026-03-02 10:00:00.000' });
    expect(q.query).toMatch(/GROUP BY bucket, team, customer_tier/);
    expect(q.query).toContain('FROM ticket_sla FINAL');
    const c = buildContributorsQuery({ from: T0, to: T0 + 1, dimensions: ['team', 'category'], where: { priority: [evil] } });
    expect(c.query).not.toContain(evil);
    const a = buildAtRiskQuery({ now: T0, where: { team: [evil] }, limit: 5 });
    expect(a.query).not.toContain(evil);
    expect(a.params).toMatchObject({ limit: 5, f_team: [evil] });
  });

  it('refuses identifiers outside the allowlists', () => {
    expect(() => buildComplianceQuery({ from: 0, to: 1, groupBy: ['team; DROP TABLE x' as never] })).toThrow(RangeError);
    expect(() => buildComplianceQuery({ from: 0, to: 1, where: { 'team = team OR 1': ['x'] } as never })).toThrow(RangeError);
    expect(() => buildComplianceQuery({ from: 0, to: 1, bucket: '2h' as never })).toThrow(RangeError);
    expect(() => buildContributorsQuery({ from: 0, to: 1, dimensions: ['metric' as never] })).toThrow(RangeError);
    expect(() => buildAtRiskQuery({ now: 0, metrics: ['first_reply' as never] })).toThrow(RangeError);
  });
});
