// GET /v1/sla/tickets/:id, /v1/sla/at-risk, /v1/sla/compliance and POST
// /v1/sla/recompute on the real engine: the explanation of the worked example in
// docs/sla.md, the at-risk list, compliance grouping, a 400 naming each bad
// parameter, and 404 for an unknown ticket.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { slaRoutes } from '../../api/routes/sla.ts';
import { ErrorResponse } from '../../api/schemas.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { SlaProcessor, createSlaPort, parseSlaConfig } from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const config = parseSlaConfig(undefined);
let t: TestClickHouse;
let app: FastifyInstance;
const NOW = Date.now();

type Ev = [type: string, at: string | number, status: string, extra?: Record<string, unknown>];

function events(ticket: string, dims: Record<string, unknown>, steps: Ev[]): Array<Record<string, unknown>> {
  return steps.map(([type, at, status, extra], i) => ({
    event_id: `${ticket}-${i}`,
    ticket_id: ticket,
    type,
    occurred_at: typeof at === 'number' ? new Date(at).toISOString() : at,
    status,
    ...dims,
    ...(type === 'agent_replied' ? { agent_id: 'agent-1' } : {}),
    ...(extra ?? {}),
  }));
}

async function store(evs: Array<Record<string, unknown>>): Promise<void> {
  const lines = evs.map((e, i) => {
    const r = processMessage(JSON.stringify(e), { source: 'http', requestId: 'seed', index: i }, { nowMs: NOW, receivedAt: toClickHouseTime(NOW) });
    if (r.kind !== 'ok') throw new Error(`refused: ${JSON.stringify(r)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

beforeAll(async () => {
  t = await openTestClickHouse('sla-api');
  const high = { priority: 'high', team: 'billing', channel: 'email', category: 'invoices', customer_tier: 'standard', tenant: 'acme' };
  // The worked example of docs/sla.md.
  await store(
    events('T-1001', high, [
      ['created', '2026-03-06T16:30:00Z', 'new'],
      ['agent_replied', '2026-03-06T17:10:00Z', 'pending'],
      ['customer_replied', '2026-03-09T10:00:00Z', 'open'],
      ['agent_replied', '2026-03-09T12:30:00Z', 'open'],
      ['status_changed', '2026-03-09T14:00:00Z', 'on_hold'],
      ['status_changed', '2026-03-10T10:00:00Z', 'open'],
      ['resolved', '2026-03-10T15:00:00Z', 'solved'],
    ]),
  );
  // Waiting over Christmas 2025 (Thursday 25 and Boxing Day) and a weekend.
  await store(
    events('T-xmas', high, [
      ['created', '2025-12-24T17:00:00Z', 'new'],
      ['agent_replied', '2025-12-29T10:00:00Z', 'open'],
      ['resolved', '2025-12-29T11:00:00Z', 'solved'],
    ]),
  );
  const urgent = (team: string) => ({ priority: 'urgent', team, channel: 'chat', category: 'outage', customer_tier: 'vip', tenant: 'acme' });
  // Urgent, unanswered for 18 of its 30 minutes: past the 0.5 level, 12 minutes left.
  await store(events('T-risk-1', urgent('billing'), [['created', NOW - 18 * MIN, 'new']]));
  // The same in another team, 16 minutes in.
  await store(events('T-risk-2', urgent('tech'), [['created', NOW - 16 * MIN, 'new']]));
  // Fresh: not at risk yet.
  await store(events('T-fresh', urgent('billing'), [['created', NOW - 2 * MIN, 'new']]));
  // Unanswered for an hour: breached.
  await store(events('T-breached', urgent('tech'), [['created', NOW - 60 * MIN, 'new']]));
  // Answered and solved within the day, for compliance.
  for (let i = 0; i < 6; i++) {
    const team = i % 2 === 0 ? 'billing' : 'tech';
    const c = NOW - (5 - i) * 60 * MIN - 90 * MIN;
    await store(
      events(`T-done-${i}`, urgent(team), [
        ['created', c, 'new'],
        ['agent_replied', c + (i < 4 ? 10 : 45) * MIN, 'open'],
        ['resolved', c + 80 * MIN, 'solved'],
      ]),
    );
  }
  const processor = new SlaProcessor({ ch: t.ch, config });
  await processor.recompute();
  app = Fastify({ logger: false });
  app.addSchema(ErrorResponse);
  installErrorHandler(app);
  await app.register(slaRoutes, { sla: createSlaPort({ ch: t.ch, config, processor }) });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('GET /v1/sla/tickets/:id', () => {
  it('explains the worked example: policy, calendar, timeline segments with durations, and why', async () => {
    const res = await get('/v1/sla/tickets/T-1001');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ticket_id: 'T-1001', status: 'solved', policy: 'high', events: 7, created_at: '2026-03-06T16:30:00.000Z' });
    expect(body.policy_reason).toContain('priority = high');
    expect(body.stored).toMatchObject({ source: 'backfill' });
    const fr = body.metrics.first_response;
    expect(fr).toMatchObject({ policy: 'high', calendar: 'business', calendar_timezone: 'Europe/London', target_minutes: 60, elapsed_minutes: 40, state: 'met', met_by: 'agent_replied' });
    expect(body.metrics.next_reply).toMatchObject({ elapsed_minutes: 150, state: 'met', target_minutes: 240 });
    const res1080 = body.metrics.resolution;
    expect(res1080).toMatchObject({ target_minutes: 1080, elapsed_minutes: 580, paused_minutes: 5090, state: 'met', clock: 'stopped' });
    // Running, paused by status, outside business hours: each segment with its minutes.
    const segments = res1080.timeline.map((s: { kind: string; start: string; minutes: number; business_minutes: number }) => [s.kind, s.start, s.minutes, s.business_minutes]);
    expect(segments).toEqual([
      ['running', '2026-03-06T16:30:00.000Z', 40, 40],
      ['paused', '2026-03-06T17:10:00.000Z', 3890, 0],
      ['running', '2026-03-09T10:00:00.000Z', 240, 240],
      ['paused', '2026-03-09T14:00:00.000Z', 1200, 0],
      ['running', '2026-03-10T10:00:00.000Z', 300, 300],
    ]);
    expect(res1080.timeline[1].reason).toBe('paused: status "pending"');
    expect(res1080.totals).toMatchObject({ running: 580, paused: 5090 });
    expect(res1080.why.join('\n')).toMatch(/pauses while the status is pending or on_hold/);
    expect(res1080.why.at(-1)).toMatch(/^met at 2026-03-10T15:00:00.000Z \(resolved\) after 580 of 1080 business minutes/);
    // First response ran from Friday 16:30 to 17:10: inside office hours.
    expect(fr.timeline.map((s: { kind: string }) => s.kind)).toEqual(['running']);
  });

  it('labels closed time as outside business hours or holiday, with its reason', async () => {
    const fr = (await get('/v1/sla/tickets/T-xmas')).json().metrics.first_response;
    const segments = fr.timeline.map((s: { kind: string; minutes: number; business_minutes: number }) => [s.kind, s.minutes, s.business_minutes]);
    expect(segments).toEqual([
      ['running', 60, 60],
      ['outside_hours', 360, 0],
      ['holiday', 1440, 0],
      ['holiday', 1440, 0],
      ['outside_hours', 3420, 0],
      ['running', 60, 60],
    ]);
    expect(fr.timeline[2].reason).toBe('holiday: Christmas Day (calendar business)');
    expect(fr.timeline[3].reason).toBe('holiday: Boxing Day (calendar business)');
    expect(fr).toMatchObject({ state: 'breached', breached_at: '2025-12-24T18:00:00.000Z', elapsed_minutes: 120 });
    expect(fr.totals).toMatchObject({ running: 120, holiday: 2880, outside_hours: 3780 });
    expect(fr.why.join('\n')).toMatch(/6660 minutes fell outside business hours or on holidays/);
  });

  it('answers 404 for an unknown ticket', async () => {
    const res = await get('/v1/sla/tickets/T-nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', field: 'id' });
  });
});

describe('GET /v1/sla/at-risk', () => {
  it('lists open metrics past an at-risk level, soonest deadline first, filtered by team and limited', async () => {
    const all = (await get('/v1/sla/at-risk')).json();
    expect(all.items.map((i: { ticket_id: string; metric: string }) => `${i.ticket_id}:${i.metric}`)).toEqual([
      'T-risk-1:first_response',
      'T-risk-2:first_response',
    ]);
    expect(all.items[0]).toMatchObject({ team: 'billing', priority: 'urgent', policy: 'urgent', levels_reached: ['warning'], breached: false });
    expect(all.items[0].minutes_left).toBeGreaterThan(8);
    expect(all.items[0].minutes_left).toBeLessThanOrEqual(12);
    const tech = (await get('/v1/sla/at-risk?team=tech')).json();
    expect(tech.items.map((i: { ticket_id: string }) => i.ticket_id)).toEqual(['T-risk-2']);
    expect((await get('/v1/sla/at-risk?limit=1')).json().items).toHaveLength(1);
    const withBreached = (await get('/v1/sla/at-risk?include_breached=true&metric=first_response')).json();
    expect(withBreached.items[0]).toMatchObject({ ticket_id: 'T-breached', breached: true });
  });

  it('treats a stored active metric whose deadline has passed since the last run as breached, not at risk', async () => {
    // 20 minutes later, without a processor run: T-risk-1's deadline (NOW + 12 min) and
    // T-risk-2's (NOW + 14 min) are behind us, while their stored rows still say active.
    const port = createSlaPort({ ch: t.ch, config, processor: new SlaProcessor({ ch: t.ch, config }) });
    const later = NOW + 20 * MIN;
    const risk = await port.atRisk({ now: later, limit: 50 });
    expect(risk.items.map((i) => i.ticket_id)).not.toContain('T-risk-1');
    const all = await port.atRisk({ now: later, limit: 50, includeBreached: true, metrics: ['first_response'] });
    const r1 = all.items.find((i) => i.ticket_id === 'T-risk-1');
    expect(r1).toMatchObject({ breached: true });
    expect(r1!.minutes_left).toBeLessThan(-7);
    expect(r1!.minutes_left).toBeGreaterThanOrEqual(-8);
  });
});

describe('GET /v1/sla/compliance', () => {
  it('groups by team and priority (and by tier via its alias)', async () => {
    const res = await get('/v1/sla/compliance?from=24h&group_by=team,priority&metric=first_response');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.group_by).toEqual(['team', 'priority']);
    const rows = Object.fromEntries(body.rows.map((r: { team: string; priority: string }) => [`${r.team}/${r.priority}`, r]));
    // billing: T-done-0, -2 met (10 min), T-done-4 breached (45 min); tech: -1, -3 met, -5 breached; plus T-breached (tech).
    expect(rows['billing/urgent']).toMatchObject({ met: 2, breached: 1, decided: 3, median_minutes: 10, p90_minutes: 45 });
    expect(rows['tech/urgent']).toMatchObject({ met: 2, breached: 2, decided: 4 });
    expect(rows['tech/urgent'].compliance).toBeCloseTo(0.5, 12);
    const tiers = (await get('/v1/sla/compliance?from=24h&group_by=tier')).json();
    expect(tiers.group_by).toEqual(['metric', 'customer_tier']);
    expect(tiers.rows.every((r: { customer_tier: string }) => r.customer_tier === 'vip')).toBe(true);
    const hourly = (await get('/v1/sla/compliance?from=24h&metric=resolution&bucket=1h&team=billing')).json();
    expect(hourly.rows.reduce((a: number, r: { decided: number }) => a + r.decided, 0)).toBe(3);
    expect(hourly.rows[0].bucket).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00.000Z$/);
  });

  it.each([
    ['/v1/sla/compliance?group_by=team,colour', 'group_by'],
    ['/v1/sla/compliance?metric=first_reply', 'metric'],
    ['/v1/sla/compliance?from=yesterday', 'from'],
    ['/v1/sla/compliance?to=2026-02-30', 'to'],
    ['/v1/sla/compliance?from=2026-03-02&to=2026-03-01', 'from'],
    ['/v1/sla/compliance?bucket=2h', 'bucket'],
    ['/v1/sla/compliance?team=', 'team'],
    ['/v1/sla/compliance?group=team', 'group'],
    ['/v1/sla/at-risk?limit=0', 'limit'],
    ['/v1/sla/at-risk?limit=abc', 'limit'],
    ['/v1/sla/at-risk?include_breached=yes', 'include_breached'],
    ['/v1/sla/at-risk?metric=all', 'metric'],
  ])('answers 400 naming the parameter: %s', async (url, field) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'bad_request', field });
    expect(res.json().error.message).toMatch(new RegExp(`^${field}: `));
  });

  it("binds values: a team named like SQL is just a team that doesn't exist", async () => {
    const res = await get(`/v1/sla/compliance?from=24h&team=${encodeURIComponent("x') OR 1=1 --")}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().rows.every((r: { decided: number }) => r.decided === 0)).toBe(true);
  });
});

describe('POST /v1/sla/recompute', () => {
  it('replays the raw events and reports what it wrote', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/sla/recompute', payload: { open_only: true } });
    expect(res.statusCode).toBe(200);
    // T-risk-1, T-risk-2, T-fresh, T-breached are open.
    expect(res.json()).toMatchObject({ tickets: 4, rows: 12 });
    const bad = await app.inject({ method: 'POST', url: '/v1/sla/recompute', payload: { since: 'last week' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('since');
  });
});
