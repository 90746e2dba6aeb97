// Delivery through the outbox on real embedded ClickHouse: retries with the same
// idempotency key, Retry-After, dead notifications (visible in the API and metrics),
// and a restarted service picking up what was stored but not sent.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { FakeClock, MIN, TEST_DELIVERY, alertsConfig, breach } from '../support/alerts-fixtures.ts';
import { ROBOT_OK, startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let t: TestClickHouse;
let hook: WebhookReceiver;
let robot: WebhookReceiver;
let clock: FakeClock;
let registry: Registry;

beforeAll(async () => {
  t = await openTestClickHouse('alerts-delivery');
  hook = await startWebhookReceiver({ dropRepeatedKeys: true });
  robot = await startWebhookReceiver({ dropRepeatedKeys: true, successBody: ROBOT_OK });
});
afterAll(async () => {
  await hook?.close();
  await robot?.close();
  await t?.cleanup();
});
beforeEach(async () => {
  await t.truncate('alerts', 'alert_deliveries');
  hook.reset();
  robot.reset();
  clock = new FakeClock();
  registry = new Registry();
});

function service(extra: Record<string, unknown> = {}): AlertService {
  const config = alertsConfig({
    delivery: TEST_DELIVERY,
    channels: {
      hook: { type: 'webhook', url: hook.url, secret: 's3cret' },
      robot: { type: 'dingtalk', url: `${robot.url}?access_token=abc`, secret: 'SECxyz', language: 'zh' },
    },
    routes: [{ channels: ['hook'] }],
    ...extra,
  });
  // random() = 0 → each backoff is exactly half its exponential step: 500 ms, 1 s, 2 s, …
  return createAlertService({ ch: t.ch, config, now: clock.now, random: () => 0, metrics: registry });
}

async function deliveryRow(id: string) {
  const [row] = await t.rows<{ state: string; attempts: number; last_status: number; last_error: string }>(
    'SELECT state, attempts, last_status, last_error FROM alert_deliveries WHERE delivery_id = {id:String} ORDER BY version DESC LIMIT 1',
    { id },
  );
  return row;
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('retries', () => {
  it('500 three times then 200: delivered once, the same idempotency key on every try, backing off between them', async () => {
    const svc = service();
    hook.respond({ status: 500 }, { status: 500 }, { status: 500 });
    const a = await svc.raise(breach('T-1'));
    await svc.tick(); // attempt 1 → 500, next in 500 ms
    clock.advance(499);
    await svc.tick();
    expect(hook.requests).toHaveLength(1);
    clock.advance(1);
    await svc.tick(); // attempt 2 → 500, next in 1 s
    clock.advance(1_000);
    await svc.tick(); // attempt 3 → 500, next in 2 s
    clock.advance(1_999);
    await svc.tick();
    expect(hook.requests).toHaveLength(3);
    clock.advance(1);
    await svc.tick(); // attempt 4 → 200
    clock.advance(60 * MIN);
    await svc.tick();

    expect(hook.requests.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    const keys = new Set(hook.requests.map((r) => r.key));
    expect(keys).toEqual(new Set([`${a.id}:hook:1`]));
    expect(hook.accepted()).toHaveLength(1);
    // Identical bytes on every try: only the timestamp header (and so the signature) moves.
    expect(new Set(hook.requests.map((r) => r.body)).size).toBe(1);
    expect(await deliveryRow(`${a.id}:hook:1`)).toMatchObject({ state: 'delivered', attempts: 4, last_status: 200, last_error: '' });
    expect(await metric('ticketpulse_alert_delivery_attempts_total', { channel: 'hook', result: 'retry' })).toBe(3);
    expect(await metric('ticketpulse_alert_notifications_total', { channel: 'hook', outcome: 'delivered' })).toBe(1);
  });

  it('429 with Retry-After: waits exactly that long, and holds the whole channel meanwhile', async () => {
    const svc = service();
    hook.respond({ status: 429, headers: { 'retry-after': '120' }, body: 'slow down' });
    await svc.raise(breach('T-2'));
    await svc.tick();
    expect(hook.requests).toHaveLength(1);
    clock.advance(10_000);
    await svc.raise(breach('T-3')); // a second alert on the same channel waits too
    await svc.tick();
    clock.advance(109_999); // 119.999 s after the 429
    await svc.tick();
    expect(hook.requests).toHaveLength(1);
    clock.advance(1);
    await svc.tick();
    expect(hook.requests.map((r) => r.status)).toEqual([429, 200, 200]);
    expect(hook.accepted()).toHaveLength(2);
    expect(await metric('ticketpulse_alert_delivery_attempts_total', { channel: 'hook', result: 'rate_limited' })).toBe(1);
  });

  it('a DingTalk robot saying "too fast" (HTTP 200, errcode 130101) is retried a minute later', async () => {
    const svc = service({ routes: [{ channels: ['robot'] }] });
    robot.respond({ status: 200, body: '{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}' });
    await svc.raise(breach('T-4'));
    await svc.tick();
    clock.advance(59_999);
    await svc.tick();
    expect(robot.requests).toHaveLength(1);
    clock.advance(1);
    await svc.tick();
    expect(robot.requests).toHaveLength(2);
    expect(await svc.port.listDeliveries({ state: ['delivered'], limit: 5 })).toMatchObject({ deliveries: [{ channel: 'robot', attempts: 2 }] });
    // Signed afresh on each try (DingTalk refuses timestamps more than an hour old).
    expect(robot.requests.map((r) => r.query.get('timestamp'))).toEqual([String(clock.ms - 60_000), String(clock.ms)]);
  });
});

describe('dead notifications', () => {
  it('a permanent refusal (HTTP 400) is dead after one attempt, and visible in the API and metrics', async () => {
    const svc = service();
    hook.respond({ status: 400, body: 'invalid_payload' });
    const a = await svc.raise(breach('T-5'));
    await svc.tick();
    clock.advance(60 * MIN);
    await svc.tick();
    expect(hook.requests).toHaveLength(1);
    const detail = await svc.port.get(a.id);
    expect(detail.deliveries).toEqual([expect.objectContaining({ state: 'dead', attempts: 1, last_status: 400, last_error: 'HTTP 400: invalid_payload' })]);
    const stats = await svc.port.deliveryStats();
    expect(stats.channels).toEqual([expect.objectContaining({ channel: 'hook', dead: 1, delivered: 0, pending: 0 })]);
    const dead = await svc.port.listDeliveries({ state: ['dead'], limit: 10 });
    expect(dead.deliveries.map((d) => d.id)).toEqual([`${a.id}:hook:1`]);
    expect(await metric('ticketpulse_alert_notifications_total', { channel: 'hook', outcome: 'dead' })).toBe(1);
  });

  it('gives up after maxAttempts of retriable failures and says so', async () => {
    const svc = service();
    hook.respondWith(() => ({ status: 503 }));
    const a = await svc.raise(breach('T-6'));
    for (let i = 0; i < 10; i++) {
      await svc.tick();
      clock.advance(60_000);
    }
    expect(hook.requests).toHaveLength(TEST_DELIVERY.maxAttempts);
    expect(await deliveryRow(`${a.id}:hook:1`)).toMatchObject({ state: 'dead', attempts: 5, last_error: 'gave up after 5 attempts: HTTP 503' });
  });

  it('network errors are retried like 5xx', async () => {
    const svc = service({ channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/nothing-listens-here' } } });
    const a = await svc.raise(breach('T-7'));
    await svc.tick();
    expect(await deliveryRow(`${a.id}:hook:1`)).toMatchObject({ state: 'pending', attempts: 1 });
    expect((await deliveryRow(`${a.id}:hook:1`)).last_error).toMatch(/network error/);
  });
});

describe('restart', () => {
  it('a new service on the same data delivers what the previous one stored but never sent', async () => {
    const before = service();
    const a = await before.raise(breach('T-8'));
    const b = await before.raise(breach('T-9'));
    // No tick, no stop: the process "dies" here.
    const after = service();
    await after.tick();
    expect(hook.accepted().map((r) => r.key).sort()).toEqual([`${a.id}:hook:1`, `${b.id}:hook:1`].sort());
    // It also knows the open alerts: a repeat is deduplicated, not a new alert.
    const again = await after.raise(breach('T-8'));
    expect(again.id).toBe(a.id);
  });

  it('restores an alert version whose notification was stored but whose own row was lost in a crash', async () => {
    const before = service();
    const a = await before.raise(breach('T-10'));
    // The crash window between the two inserts (deliveries first, then alerts).
    await t.ch.client.command({ query: 'DELETE FROM alerts WHERE alert_id = {id:String}', query_params: { id: a.id } });
    expect(await t.scalar('SELECT count() FROM alerts WHERE alert_id = {id:String}', { id: a.id })).toBe(0);

    const after = service();
    await after.tick();
    expect(hook.accepted()).toHaveLength(1);
    const detail = await after.port.get(a.id);
    expect(detail.alert).toMatchObject({ id: a.id, state: 'firing', notifications: 1 });
    expect((await after.raise(breach('T-10'))).id).toBe(a.id);
  });
});
