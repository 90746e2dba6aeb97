// The alerts API on a bare Fastify with the project's error handler, backed by the
// alert service's port on real embedded ClickHouse.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { alertsRoutes } from '../../api/routes/alerts.ts';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { FakeClock, MIN, TEST_DELIVERY, alertsConfig, breach } from '../support/alerts-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let t: TestClickHouse;
let hook: WebhookReceiver;
let app: FastifyInstance;
let svc: AlertService;
let clock: FakeClock;

beforeAll(async () => {
  t = await openTestClickHouse('alerts-api');
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook?.close();
  await t?.cleanup();
});
beforeEach(async () => {
  await t.truncate('alerts', 'alert_deliveries');
  hook.reset();
  clock = new FakeClock();
  svc = createAlertService({
    ch: t.ch,
    config: alertsConfig({ delivery: TEST_DELIVERY, channels: { hook: { type: 'webhook', url: hook.url } }, routes: [{ channels: ['hook'] }] }),
    now: clock.now,
    metrics: null,
  });
  app = Fastify({ logger: false });
  installErrorHandler(app);
  await app.register(alertsRoutes, { alerts: svc.port });
  await app.ready();
});
afterEach(async () => {
  await app?.close();
});

const get = (url: string) => app.inject({ method: 'GET', url });
const post = (url: string, body?: unknown) =>
  app.inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: body as Record<string, unknown>, headers: { 'content-type': 'application/json' } }) });

describe('transitions', () => {
  it('ack then resolve; a second ack or resolve, and ack after resolve, are 409', async () => {
    const a = await svc.raise(breach('T-1'));
    const ack = await post(`/v1/alerts/${a.id}/ack`, { by: 'alice', note: 'on it' });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().alert).toMatchObject({ id: a.id, state: 'acknowledged', acknowledged_by: 'alice' });

    const again = await post(`/v1/alerts/${a.id}/ack`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'conflict', message: `cannot acknowledge alert ${a.id}: it is acknowledged` } });

    const resolved = await post(`/v1/alerts/${a.id}/resolve`);
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().alert).toMatchObject({ state: 'resolved', resolved_by: 'api', resolution: 'manual' });
    expect((await post(`/v1/alerts/${a.id}/resolve`)).statusCode).toBe(409);
    expect((await post(`/v1/alerts/${a.id}/ack`)).statusCode).toBe(409);
  });

  it('resolves a firing alert directly', async () => {
    const a = await svc.raise(breach('T-2'));
    const res = await post(`/v1/alerts/${a.id}/resolve`, { by: 'bob' });
    expect(res.statusCode).toBe(200);
    expect(res.json().alert.state).toBe('resolved');
  });

  it('unknown ids are 404 for get, ack and resolve', async () => {
    for (const res of [await get('/v1/alerts/nope'), await post('/v1/alerts/nope/ack'), await post('/v1/alerts/nope/resolve')]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'not_found', message: 'no alert nope' });
    }
  });

  it('a bad action body is 400 naming the field', async () => {
    const a = await svc.raise(breach('T-3'));
    const res = await post(`/v1/alerts/${a.id}/ack`, { by: '', extra: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('extra');
    expect((await post(`/v1/alerts/${a.id}/ack`, { by: '' })).json().error.field).toBe('by');
  });
});

describe('GET /v1/alerts/:id', () => {
  it('shows the alert with its history and its deliveries', async () => {
    const a = await svc.raise(breach('T-4'));
    await svc.tick();
    clock.advance(MIN);
    await post(`/v1/alerts/${a.id}/ack`, { by: 'carol' });
    const res = await get(`/v1/alerts/${a.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.alert).toMatchObject({
      id: a.id,
      kind: 'sla_breached',
      severity: 'critical',
      state: 'acknowledged',
      subject: { type: 'ticket', id: 'T-4' },
      details: { target_minutes: 30, elapsed_minutes: 47, overdue_minutes: 17 },
      labels: { team: 'billing', priority: 'urgent' },
    });
    expect(body.history.map((h: { event: string; actor: string | null }) => [h.event, h.actor])).toEqual([
      ['fired', null],
      ['acknowledged', 'carol'],
    ]);
    expect(body.deliveries).toEqual([
      expect.objectContaining({ id: `${a.id}:hook:1`, channel: 'hook', channel_type: 'webhook', notification: 'fired', state: 'delivered', attempts: 1 }),
    ]);
  });
});

describe('GET /v1/alerts', () => {
  it('filters by state, kind, team and since, newest first, and pages with a cursor', async () => {
    const start = clock.ms;
    for (let i = 0; i < 5; i++) {
      await svc.raise(breach(`B-${i}`));
      clock.advance(MIN);
    }
    await svc.raise(breach('S-1', { kind: 'volume_surge', dedup_key: 'surge:shipping', subject: { type: 'team', id: 'shipping' }, labels: { team: 'shipping' } }));
    const first = (await get('/v1/alerts?kind=sla_breached')).json();
    await post(`/v1/alerts/${first.alerts[0].id}/ack`);

    const page1 = await get('/v1/alerts?state=firing&team=billing&limit=2');
    expect(page1.statusCode).toBe(200);
    const p1 = page1.json();
    expect(p1.alerts.map((a: { subject: { id: string } }) => a.subject.id)).toEqual(['B-3', 'B-2']);
    const p2 = (await get(`/v1/alerts?state=firing&team=billing&limit=2&cursor=${p1.next_cursor}`)).json();
    expect(p2.alerts.map((a: { subject: { id: string } }) => a.subject.id)).toEqual(['B-1', 'B-0']);
    expect(p2.next_cursor).toBeNull();
    expect((await get('/v1/alerts?state=firing&team=billing&limit=4')).json().next_cursor).toBeNull();
    expect((await get('/v1/alerts?state=firing&team=billing&limit=3')).json().next_cursor).toEqual(expect.any(String));

    expect((await get('/v1/alerts?kind=volume_surge')).json().alerts).toHaveLength(1);
    expect((await get('/v1/alerts?state=acknowledged,resolved')).json().alerts.map((a: { subject: { id: string } }) => a.subject.id)).toEqual(['B-4']);
    const since = new Date(start + 3 * MIN).toISOString();
    expect((await get(`/v1/alerts?since=${since}`)).json().alerts).toHaveLength(3);
  });

  it.each([
    ['state=burning', 'state'],
    ['kind=SLA-Breached', 'kind'],
    ['since=yesterday', 'since'],
    ['since=2026-03-01T08:00:00', 'since'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['teem=billing', 'teem'],
    ['state=', 'state'],
  ])('?%s is 400 naming %s', async (query, field) => {
    const res = await get(`/v1/alerts?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'bad_request', field });
  });
});

describe('deliveries', () => {
  it('lists deliveries by state and counts them per channel', async () => {
    hook.respond({ status: 400, body: 'nope' });
    await svc.raise(breach('D-1'));
    await svc.raise(breach('D-2'));
    await svc.tick();
    const dead = (await get('/v1/alerts/deliveries?state=dead')).json();
    expect(dead.deliveries).toHaveLength(1);
    expect(dead.deliveries[0]).toMatchObject({ state: 'dead', last_status: 400, last_error: 'HTTP 400: nope' });
    const stats = (await get('/v1/alerts/deliveries/stats')).json();
    expect(stats.channels).toEqual([{ channel: 'hook', pending: 0, delivered: 1, digested: 0, dead: 1, digests: { pending: 0, delivered: 0, dead: 0 } }]);
    expect((await get('/v1/alerts/deliveries?state=lost')).json().error.field).toBe('state');
  });
});
