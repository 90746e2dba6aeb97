// agent_quality alerts auto-resolve: the agents processor, wired to a real alert service
// on embedded ClickHouse, raises an insight for an agent whose CSAT is credibly below
// the skill's group, holds it while the agent is still below, and clears it — same
// dedup key, resolution "auto", a "resolved" message to the channel that heard it —
// once the agent's ratings are back up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { AgentsService, coachingDedupKey, parseAgentsConfig } from '../../processors/agents/index.ts';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { FakeClock, TEST_DELIVERY, alertsConfig } from '../support/alerts-fixtures.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const NOW = Date.UTC(2026, 10, 20);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const KEY = coachingDedupKey('weak', 'refund', 'csat');

let t: TestClickHouse;
let hook: WebhookReceiver;
let alerts: AlertService;
let agents: AgentsService;
const clock = new FakeClock(NOW);
let seq = 0;

/** One ticket handled start to end by `agent`, rated `csat`. */
function ticket(agent: string, at: number, csat: number): Array<Record<string, unknown>> {
  const id = `T-${agent}-${seq++}`;
  const base = { ticket_id: id, channel: 'email', priority: 'normal', customer_tier: 'standard', category: 'refund' };
  const ev = (type: string, offset: number, extra: Record<string, unknown> = {}) => ({
    ...base,
    event_id: `ev-${id}-${type}`,
    type,
    occurred_at: new Date(at + offset).toISOString(),
    ...(type === 'created' ? {} : { agent_id: agent, team: 'billing' }),
    ...extra,
  });
  return [ev('created', 0), ev('assigned', MIN), ev('agent_replied', 10 * MIN), ev('resolved', HOUR), ev('satisfaction_rated', 2 * HOUR, { csat })];
}

/** `n` tickets of `agent` spread over the `days` before `end`, the first `good` of them rated 5, the rest 2. */
function tickets(agent: string, n: number, good: number, end: number, days: number) {
  return Array.from({ length: n }, (_, i) => ticket(agent, end - days * DAY + (i * days * DAY) / n, i < good ? 5 : 2)).flat();
}

async function insert(events: Array<Record<string, unknown>>, nowMs: number): Promise<void> {
  const ctx = { nowMs, receivedAt: toClickHouseTime(nowMs) };
  const lines = events.map((e, i) => {
    const r = processMessage(JSON.stringify(e), { source: 'file', index: i }, ctx);
    if (r.kind !== 'ok') throw new Error(`invalid test event ${JSON.stringify(e)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

async function latest(dedupKey: string) {
  const [row] = await t.rows<{ alert_id: string; state: string; resolution: string; resolved_by: string }>(
    'SELECT alert_id, state, resolution, resolved_by FROM alerts WHERE dedup_key = {k:String} ORDER BY version DESC LIMIT 1',
    { k: dedupKey },
  );
  return row;
}

beforeAll(async () => {
  t = await openTestClickHouse('agents-quality-resolve');
  hook = await startWebhookReceiver({ dropRepeatedKeys: true });
  alerts = createAlertService({
    ch: t.ch,
    config: alertsConfig({ delivery: TEST_DELIVERY, channels: { hook: { type: 'webhook', url: hook.url } }, routes: [{ channels: ['hook'] }] }),
    now: clock.now,
    metrics: null,
  });
  const config = parseAgentsConfig({ windowsDays: [30], routingWindowDays: 30, caseMix: [], coaching: { minSamples: 20, margin: 0.05, cooldownHours: 24 } });
  agents = new AgentsService({ ch: t.ch, config, onAlert: (a) => alerts.raise(a), onClear: (key) => alerts.clear(key) });
  // Four agents with about 80 % good ratings; 'weak' with 6 of 30.
  const events = [...['good-1', 'good-2', 'good-3', 'good-4'].flatMap((a, i) => tickets(a, 40, 31 + i, NOW - DAY, 20)), ...tickets('weak', 30, 6, NOW - DAY, 20)];
  await insert(events, NOW);
});
afterAll(async () => {
  await agents?.close();
  await alerts?.stop();
  await hook?.close();
  await t?.cleanup();
});

describe('agent_quality auto-resolve', () => {
  it('raises for an agent below the group, holds while still below, clears with the same key once back up', async () => {
    const r1 = await agents.recompute({ now: NOW });
    expect(r1.insights).toBe(1);
    const fired = await latest(KEY);
    expect(fired).toMatchObject({ state: 'firing' });
    await alerts.tick();
    expect(hook.accepted().map((r) => (r.json as { notification: string }).notification)).toEqual(['fired']);

    // Two hours later nothing changed: still below the group, nothing cleared.
    clock.advance(2 * HOUR);
    const r2 = await agents.recompute({ now: NOW + 2 * HOUR });
    expect(await latest(KEY)).toMatchObject({ alert_id: fired.alert_id, state: 'firing' });
    expect(r2.insights).toBe(0); // within the coaching cooldown, and nothing to clear

    // Over the next two days 'weak' gets 120 tickets, all rated 5: 126 of 150 good.
    const later = NOW + 3 * DAY;
    await insert(tickets('weak', 120, 120, later - HOUR, 2), later);
    clock.ms = later;
    const r3 = await agents.recompute({ now: later });
    expect(await latest(KEY)).toMatchObject({ alert_id: fired.alert_id, state: 'resolved', resolution: 'auto' });
    expect(r3).toMatchObject({ insights: 0, cleared: 1 });

    // The channel that heard "fired" hears "resolved", under the alert's own key.
    await alerts.tick();
    const heard = hook.accepted().map((r) => ({ n: (r.json as { notification: string }).notification, key: r.key }));
    expect(heard).toEqual([
      { n: 'fired', key: `${fired.alert_id}:hook:1` },
      { n: 'resolved', key: `${fired.alert_id}:hook:2` },
    ]);

    // Another run with nothing new: nothing more to clear.
    expect(await agents.recompute({ now: later + HOUR })).toMatchObject({ cleared: 0 });
  });
});
