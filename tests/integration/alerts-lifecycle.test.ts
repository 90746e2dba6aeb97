// The alert lifecycle on real embedded ClickHouse, with a clock the test moves:
// dedup, reminders, cooldown against flapping, auto-resolve, escalation only while
// unacknowledged, and the versioned history SQL can report on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlertService, createAlertsStorePort, type AlertService } from '../../processors/alerts/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { FakeClock, HOUR, MIN, TEST_DELIVERY, alertsConfig, breach } from '../support/alerts-fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let t: TestClickHouse;
let team: WebhookReceiver;
let supervisors: WebhookReceiver;
let clock: FakeClock;
let svc: AlertService;

beforeAll(async () => {
  t = await openTestClickHouse('alerts-lifecycle');
  team = await startWebhookReceiver({ dropRepeatedKeys: true });
  supervisors = await startWebhookReceiver({ dropRepeatedKeys: true });
});
afterAll(async () => {
  await team?.close();
  await supervisors?.close();
  await t?.cleanup();
});
beforeEach(async () => {
  await t.truncate('alerts', 'alert_deliveries');
  team.reset();
  supervisors.reset();
  clock = new FakeClock();
  svc = createAlertService({ ch: t.ch, config: config(), now: clock.now, random: () => 0.5, metrics: null });
});

function config(extra: Record<string, unknown> = {}) {
  return alertsConfig({
    renotifyMinutes: 60,
    cooldownMinutes: 15,
    delivery: TEST_DELIVERY,
    channels: {
      team: { type: 'webhook', url: team.url, secret: 'team-secret' },
      supervisors: { type: 'webhook', url: supervisors.url },
    },
    routes: [{ match: { kind: ['sla_breached'] }, channels: ['team'], escalate: [{ afterMinutes: 24 * 60, channels: ['supervisors'] }] }],
    ...extra,
  });
}

const notifications = (r: WebhookReceiver) => r.accepted().map((q) => (q.json as { notification: string }).notification);

describe('dedup and reminders', () => {
  it('notifies once for a key while it fires, counts the repeats, and reminds after the interval until acknowledged', async () => {
    const first = await svc.raise(breach('T-1'));
    await svc.tick();
    expect(notifications(team)).toEqual(['fired']);

    clock.advance(5 * MIN);
    const again = await svc.raise(breach('T-1', { details: { target_minutes: 30, elapsed_minutes: 52, overdue_minutes: 22 } }));
    await svc.tick();
    expect(again.id).toBe(first.id);
    expect(again.occurrences).toBe(2);
    expect(again.details.overdue_minutes).toBe(22);
    expect(team.requests).toHaveLength(1);

    clock.advance(54 * MIN); // 59 min after firing: no reminder yet
    await svc.tick();
    expect(team.requests).toHaveLength(1);
    clock.advance(1 * MIN);
    const report = await svc.tick();
    expect(report.reminders).toBe(1);
    expect(notifications(team)).toEqual(['fired', 'reminder']);

    await svc.ack(first.id, 'alice');
    clock.advance(3 * HOUR);
    await svc.tick();
    expect(notifications(team)).toEqual(['fired', 'reminder']);
    // The reminder said what it is: still firing, for how long.
    expect((team.requests[1].json as { text: string }).text).toMatch(/Still firing after 1 h and not acknowledged/);
  });

  it('a more severe repeat is announced; a milder one only updates the alert', async () => {
    const a = await svc.raise(breach('T-2', { severity: 'warning' }));
    await svc.tick();
    await svc.raise(breach('T-2', { severity: 'critical' }));
    await svc.tick();
    await svc.raise(breach('T-2', { severity: 'warning' }));
    await svc.tick();
    expect(notifications(team)).toEqual(['fired', 'severity_raised']);
    const detail = await svc.port.get(a.id);
    expect(detail.alert.severity).toBe('warning');
    expect(detail.history.map((h) => h.event)).toEqual(['fired', 'severity_changed', 'severity_changed']);
  });
});

describe('resolve, auto-resolve and cooldown', () => {
  it('auto-resolves when the condition clears and tells the channel', async () => {
    const a = await svc.raise(breach('T-3'));
    await svc.tick();
    clock.advance(47 * MIN);
    const cleared = await svc.clear(a.dedup_key);
    expect(cleared).toMatchObject({ id: a.id, state: 'resolved', resolution: 'auto' });
    await svc.tick();
    expect(notifications(team)).toEqual(['fired', 'resolved']);
    expect((team.requests[1].json as { text: string }).text).toMatch(/Resolved automatically: the condition cleared after 47 min/);
    expect(await svc.clear(a.dedup_key)).toBeNull();
  });

  it('within the cooldown a recurrence reopens the same alert quietly; flapping stays quiet; a real recurrence is told when the cooldown ends', async () => {
    const a = await svc.raise(breach('T-4'));
    await svc.tick();
    clock.advance(10 * MIN);
    await svc.clear(a.dedup_key);
    await svc.tick();
    expect(notifications(team)).toEqual(['fired', 'resolved']);

    // Flapping: fires and clears again and again inside the cooldown.
    for (let i = 0; i < 3; i++) {
      clock.advance(2 * MIN);
      const re = await svc.raise(breach('T-4'));
      expect(re).toMatchObject({ id: a.id, state: 'firing' });
      await svc.tick();
      clock.advance(1 * MIN);
      await svc.clear(a.dedup_key);
      await svc.tick();
    }
    expect(notifications(team)).toEqual(['fired', 'resolved']);

    // Recurs and stays: one reminder when the cooldown (from the last resolve) is over.
    clock.advance(1 * MIN);
    await svc.raise(breach('T-4'));
    await svc.tick();
    expect(team.requests).toHaveLength(2);
    clock.advance(14 * MIN);
    await svc.tick();
    expect(notifications(team)).toEqual(['fired', 'resolved', 'reminder']);

    const history = (await svc.port.get(a.id)).history.map((h) => h.event);
    expect(history.filter((e) => e === 'reopened')).toHaveLength(4);
  });

  it('after the cooldown the same key is a new alert with its own message', async () => {
    const a = await svc.raise(breach('T-5'));
    await svc.tick();
    await svc.clear(a.dedup_key);
    clock.advance(16 * MIN);
    const b = await svc.raise(breach('T-5'));
    await svc.tick();
    expect(b.id).not.toBe(a.id);
    expect(notifications(team)).toEqual(['fired', 'resolved', 'fired']);
  });

  it('manual resolve from firing or acknowledged; resolving again or acknowledging a resolved alert is a conflict', async () => {
    const a = await svc.raise(breach('T-6'));
    const b = await svc.raise(breach('T-7'));
    await svc.ack(b.id, 'bob');
    expect((await svc.resolve(a.id, 'alice', 'customer called back')).state).toBe('resolved');
    expect((await svc.resolve(b.id, 'bob')).state).toBe('resolved');
    await expect(svc.resolve(a.id, 'alice')).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.ack(a.id, 'alice')).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.ack('no-such-alert', 'alice')).rejects.toMatchObject({ code: 'not_found' });
    const h = (await svc.port.get(a.id)).history.at(-1);
    expect(h).toMatchObject({ event: 'resolved', actor: 'alice', note: 'customer called back' });
  });
});

describe('escalation', () => {
  it('notifies level 2 after the delay only for alerts still firing and unacknowledged', async () => {
    const open = await svc.raise(breach('T-10'));
    const acked = await svc.raise(breach('T-11'));
    const resolved = await svc.raise(breach('T-12'));
    await svc.tick();
    await svc.ack(acked.id, 'carol');
    await svc.resolve(resolved.id, 'carol');

    clock.advance(24 * HOUR - MIN);
    await svc.tick();
    expect(supervisors.requests).toHaveLength(0);

    clock.advance(MIN);
    const report = await svc.tick();
    expect(report.escalations).toBe(1);
    expect(supervisors.accepted()).toHaveLength(1);
    const body = supervisors.requests[0].json as { notification: string; escalation_level: number; alert: { id: string; escalation_level: number } };
    expect(body).toMatchObject({ notification: 'escalated', escalation_level: 2, alert: { id: open.id, escalation_level: 2 } });

    // Once escalated, later reminders reach both levels; the escalation is not repeated.
    clock.advance(HOUR);
    await svc.tick();
    expect(notifications(supervisors)).toEqual(['escalated', 'reminder']);
    expect(notifications(team).filter((n) => n === 'escalated')).toEqual([]);
  });

  it('an acknowledgement made through an API-only process (store port) stops the escalation after the next sync', async () => {
    const fast = createAlertService({
      ch: t.ch,
      config: config({ delivery: { ...TEST_DELIVERY, syncIntervalMs: 60_000 } }),
      now: clock.now,
      metrics: null,
    });
    const a = await fast.raise(breach('T-13'));
    await fast.tick();
    const apiNode = createAlertsStorePort(t.ch, { now: clock.now });
    clock.advance(MIN);
    await apiNode.ack(a.id, 'dave');
    clock.advance(24 * HOUR);
    await fast.tick();
    expect(supervisors.requests).toHaveLength(0);
    expect(fast.status()).toMatchObject({ firing: 0, acknowledged: 1 });
  });
});

describe('the alerts table', () => {
  it('keeps every version, latest wins, so SQL can report on transitions', async () => {
    const a = await svc.raise(breach('T-20'));
    await svc.tick();
    clock.advance(2 * MIN);
    await svc.ack(a.id, 'erin');
    clock.advance(3 * MIN);
    await svc.resolve(a.id, 'erin');
    const rows = await t.rows<{ event: string; state: string }>('SELECT event, state FROM alerts WHERE alert_id = {id:String} ORDER BY version', { id: a.id });
    expect(rows).toEqual([
      { event: 'fired', state: 'firing' },
      { event: 'acknowledged', state: 'acknowledged' },
      { event: 'resolved', state: 'resolved' },
    ]);
    const [ttr] = await t.rows<{ ack_min: number; resolve_min: number }>(
      `SELECT dateDiff('minute', argMax(fired_at, version), argMax(acknowledged_at, version)) AS ack_min,
              dateDiff('minute', argMax(fired_at, version), argMax(resolved_at, version)) AS resolve_min
       FROM alerts WHERE alert_id = {id:String}`,
      { id: a.id },
    );
    expect(ttr).toEqual({ ack_min: 2, resolve_min: 5 });
    expect(await t.scalar("SELECT count() FROM alert_deliveries WHERE state = 'delivered'")).toBe(1);
  });

  it('records alerts but sends nothing when alerts are disabled', async () => {
    const off = createAlertService({ ch: t.ch, config: config({ enabled: false }), now: clock.now, metrics: null });
    await off.raise(breach('T-30'));
    clock.advance(48 * HOUR);
    await off.tick();
    expect(team.requests).toHaveLength(0);
    expect(await t.scalar("SELECT count() FROM alerts WHERE dedup_key = 'sla_breached:T-30:first_response'")).toBe(1);
  });
});
