// ClickHouse refusing the alert rows (docs/alerts.md, "Delivery guarantees"): the
// notification is sent anyway, once, under its idempotency key; the failure is
// counted and logged at warn; the rows are stored once ClickHouse takes them again,
// after which a restart neither repeats nor forgets anything.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { FakeClock, MIN, TEST_DELIVERY, alertsConfig, breach } from '../support/alerts-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

let t: TestClickHouse;
let hook: WebhookReceiver;
let clock: FakeClock;
let registry: Registry;
let logs: LogLine[];
let away = false;

beforeAll(async () => {
  t = await openTestClickHouse('alerts-store-failure');
  hook = await startWebhookReceiver({ dropRepeatedKeys: true });
});
afterAll(async () => {
  await hook?.close();
  await t?.cleanup();
});
beforeEach(async () => {
  await t.truncate('alerts', 'alert_deliveries');
  hook.reset();
  clock = new FakeClock();
  registry = new Registry();
  logs = [];
});
afterEach(async () => {
  if (away) await bringBack();
});

/** A real failure: the table is not there, so every insert into it fails. */
async function takeAlertsTableAway(): Promise<void> {
  await t.ch.client.command({ query: 'RENAME TABLE alerts TO alerts_away' });
  away = true;
}
async function bringBack(): Promise<void> {
  await t.ch.client.command({ query: 'RENAME TABLE alerts_away TO alerts' });
  away = false;
}

function service(): AlertService {
  const config = alertsConfig({
    delivery: TEST_DELIVERY,
    channels: { hook: { type: 'webhook', url: hook.url, secret: 's3cret' } },
    routes: [{ channels: ['hook'] }],
  });
  const log = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  return createAlertService({ ch: t.ch, config, now: clock.now, random: () => 0, metrics: registry, log });
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('the alerts table refuses the row', () => {
  it('the notification is still delivered exactly once, the failure is counted and logged, and the rows land when ClickHouse is back', async () => {
    const svc = service();
    await svc.tick(); // loads state while the table is there
    await takeAlertsTableAway();

    // The writer retries, then gives up: raise() reports the failure to the processor…
    await expect(svc.raise(breach('T-1'))).rejects.toThrow(/insert into alerts failed/);
    // …but the notification is queued for sending all the same.
    expect(svc.status()).toMatchObject({ firing: 1, pendingDeliveries: 1 });
    await svc.tick();
    expect(hook.requests).toHaveLength(1);
    const [sent] = hook.requests;
    const alertId = (JSON.parse(sent.body) as { alert: { id: string } }).alert.id;
    expect(sent.status).toBe(200);
    expect(sent.key).toBe(`${alertId}:hook:1`);

    // Visible: a metric per unstored notification, the rows still waiting, a warning naming them.
    expect(await metric('ticketpulse_alert_notifications_unstored_total', { channel: 'hook' })).toBe(1);
    expect(await metric('ticketpulse_alert_rows_unstored')).toBeGreaterThan(0);
    const warning = logs.find((l) => l.level === 40 && /alert rows could not be stored; sending 1 notification\(s\) anyway/.test(l.msg));
    expect(warning).toMatchObject({ alerts: [alertId], deliveries: [`${alertId}:hook:1`] });
    expect(await t.scalar('SELECT count() FROM alert_deliveries WHERE delivery_id = {id:String}', { id: `${alertId}:hook:1` })).toBeGreaterThan(0);

    // ClickHouse takes the rows again: stopping drains what was queued.
    await bringBack();
    await svc.stop();
    expect(await metric('ticketpulse_alert_rows_unstored')).toBe(0);
    const [alertRow] = await t.rows<{ state: string; notifications: number }>(
      'SELECT state, notifications FROM alerts WHERE alert_id = {id:String} ORDER BY version DESC LIMIT 1',
      { id: alertId },
    );
    expect(alertRow).toMatchObject({ state: 'firing', notifications: 1 });
    const [delivery] = await t.rows<{ state: string; attempts: number }>(
      'SELECT state, attempts FROM alert_deliveries WHERE delivery_id = {id:String} ORDER BY version DESC LIMIT 1',
      { id: `${alertId}:hook:1` },
    );
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });

    // A restart on the stored data sends nothing more, and knows the alert.
    const after = service();
    clock.advance(MIN);
    await after.tick();
    expect((await after.raise(breach('T-1'))).id).toBe(alertId);
    await after.tick();
    expect(hook.requests).toHaveLength(1);
    expect(hook.accepted()).toHaveLength(1);
    await after.stop();
  });
});
