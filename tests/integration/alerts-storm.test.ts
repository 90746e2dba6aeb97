// A storm: 10,000 breaches within one minute, all routed to one channel limited to
// 10 messages a minute. The channel must get digests within the limit, and every
// alert must be accounted for — delivered alone or counted in a delivered digest.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAlertService, type AlertInput } from '../../processors/alerts/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { FakeClock, TEST_DELIVERY, alertsConfig, breach } from '../support/alerts-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const ALERTS = 10_000;
const LIMIT = 10;
const WINDOW_MS = 60_000;
const TEAMS = ['billing', 'shipping', 'accounts', 'returns', 'tech'];

let t: TestClickHouse;
let hook: WebhookReceiver;

beforeAll(async () => {
  t = await openTestClickHouse('alerts-storm');
  hook = await startWebhookReceiver({ dropRepeatedKeys: true });
});
afterAll(async () => {
  await hook?.close();
  await t?.cleanup();
});

interface Body {
  type: 'alert' | 'digest';
  digest: { total: number; by_severity: Record<string, number>; items: unknown[] } | null;
}

it(`turns ${ALERTS} alerts in one minute into digests within the rate limit, and every alert adds up`, { timeout: 120_000 }, async () => {
  const clock = new FakeClock();
  const svc = createAlertService({
    ch: t.ch,
    config: alertsConfig({
      delivery: TEST_DELIVERY,
      rateLimit: { maxMessages: LIMIT, windowSeconds: WINDOW_MS / 1000 },
      channels: { ops: { type: 'webhook', url: hook.url, secret: 'k' } },
      routes: [{ channels: ['ops'] }],
    }),
    now: clock.now,
    metrics: null,
  });
  const sentAt: number[] = [];
  const tick = async () => {
    const before = hook.requests.length;
    await svc.tick();
    for (let i = before; i < hook.requests.length; i++) sentAt.push(clock.ms);
  };

  const start = clock.ms;
  const perSecond = Math.ceil(ALERTS / 60);
  let raised = 0;
  for (let s = 0; s < 60 && raised < ALERTS; s++) {
    const batch: AlertInput[] = [];
    for (let k = 0; k < perSecond && raised < ALERTS; k++, raised++) {
      batch.push(breach(`T-${raised}`, { severity: raised % 7 === 0 ? 'warning' : 'critical', labels: { team: TEAMS[raised % TEAMS.length], metric: 'first_response' } }));
    }
    await svc.raiseMany(batch);
    await tick();
    clock.advance(1_000);
  }
  expect(clock.ms - start).toBeLessThanOrEqual(60_000);
  // Drain: keep time moving until the outbox is empty.
  for (let s = 0; s < 600 && svc.status().pendingDeliveries > 0; s++) {
    clock.advance(1_000);
    await tick();
  }
  expect(svc.status().pendingDeliveries).toBe(0);

  // Within the limit: no window of 60 s holds more than LIMIT messages.
  for (let i = 0; i < sentAt.length; i++) {
    const inWindow = sentAt.filter((x) => x > sentAt[i] - WINDOW_MS && x <= sentAt[i]).length;
    expect(inWindow, `messages in the 60 s ending at +${(sentAt[i] - start) / 1000} s`).toBeLessThanOrEqual(LIMIT);
  }
  const bodies = hook.accepted().map((r) => r.json as Body);
  const digests = bodies.filter((b) => b.type === 'digest');
  const singles = bodies.filter((b) => b.type === 'alert');
  expect(digests.length).toBeGreaterThan(0);
  expect(hook.requests.length).toBeLessThanOrEqual(LIMIT * Math.ceil((Math.max(...sentAt) - start + 1) / WINDOW_MS));

  // Nothing silently dropped: what the receiver saw adds up to every alert raised.
  const carried = digests.reduce((n, d) => n + (d.digest?.total ?? 0), 0);
  expect(singles.length + carried).toBe(ALERTS);
  for (const d of digests) expect(Object.values(d.digest!.by_severity).reduce((a, b) => a + b, 0)).toBe(d.digest!.total);

  // …and so do the tables and the API.
  expect(await t.scalar('SELECT uniqExact(alert_id) FROM alerts')).toBe(ALERTS);
  const states = await t.rows<{ notification: string; state: string; n: string }>(
    `SELECT notification, state, count() AS n FROM (SELECT notification, state FROM alert_deliveries ORDER BY delivery_id, version DESC LIMIT 1 BY delivery_id)
     GROUP BY notification, state ORDER BY notification, state`,
  );
  const count = (notification: string, state: string) => Number(states.find((r) => r.notification === notification && r.state === state)?.n ?? 0);
  expect(count('fired', 'delivered') + count('fired', 'digested')).toBe(ALERTS);
  expect(count('fired', 'delivered')).toBe(singles.length);
  expect(count('digest', 'delivered')).toBe(digests.length);
  expect(states.filter((r) => r.state === 'pending' || r.state === 'dead')).toEqual([]);
  const stats = (await svc.port.deliveryStats()).channels[0];
  expect(stats).toMatchObject({ channel: 'ops', pending: 0, dead: 0, digests: { delivered: digests.length, pending: 0, dead: 0 } });
  expect(stats.delivered + stats.digested).toBe(ALERTS);
  console.log(`storm: ${ALERTS} alerts → ${hook.requests.length} messages (${singles.length} single, ${digests.length} digests) over ${(Math.max(...sentAt) - start) / 1000} s`);
});
