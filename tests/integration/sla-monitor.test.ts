// The deadline monitor against the real engine and a real clock: policies with
// targets of seconds, events stored through the ingest path, rows written by the
// processor, alerts caught by a recording sink. An unanswered ticket must raise
// sla_breached within 1 s of its deadline with no further event — across a restart
// that rebuilds the monitor from ticket_sla — and an answered one must raise nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { DeadlineMonitor, SlaProcessor, createSlaEngine, parseSlaConfig, recordingAlertSink, type SlaEngine } from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

// 0.1 min = 6 s: short enough to wait for, long enough that storing, processing and a
// restart fit before the deadline on a loaded machine.
const TARGET_MIN = 0.1;
const SLA = parseSlaConfig({
  policies: [
    {
      name: 'fast',
      targets: { first_response: TARGET_MIN },
      at_risk: [{ name: 'half', fraction: 0.5 }],
      escalations: [{ level: 1, notify: 'team_lead' }],
    },
  ],
});

let t: TestClickHouse;
let seq = 0;

async function store(events: Array<Record<string, unknown>>): Promise<void> {
  const now = Date.now();
  const lines: string[] = [];
  for (const ev of events) {
    const r = processMessage(JSON.stringify(ev), { source: 'http', requestId: `req-${seq}`, index: seq++ }, { nowMs: now, receivedAt: toClickHouseTime(now) });
    if (r.kind !== 'ok') throw new Error(`test event refused: ${JSON.stringify(r)}`);
    lines.push(r.line);
  }
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

const ev = (ticket: string, type: string, atMs: number, extra: Record<string, unknown> = {}) => ({
  event_id: `${ticket}-${type}-${atMs}`,
  ticket_id: ticket,
  type,
  occurred_at: new Date(atMs).toISOString(),
  priority: 'urgent',
  team: 'billing',
  channel: 'chat',
  status: type === 'created' ? 'new' : 'open',
  ...extra,
});

beforeAll(async () => {
  t = await openTestClickHouse('sla-monitor');
});
afterAll(async () => t?.cleanup());

describe('deadline monitor (real clock, targets of seconds)', () => {
  it('fires sla_breached within 1 s of the deadline with no further event, across a restart; an answered ticket raises nothing', async () => {
    const sink = recordingAlertSink();
    let engine: SlaEngine = createSlaEngine({ ch: t.ch, config: SLA, alerts: sink });
    await engine.start();

    const created = Date.now();
    const deadline = created + TARGET_MIN * 60_000;
    await store([ev('T-quiet', 'created', created), ev('T-answered', 'created', created)]);
    engine.onEventsStored();
    await engine.processor.idle();
    expect(engine.monitor!.status().tracked).toBe(2);

    // An agent answers one of them, well before the deadline.
    await store([ev('T-answered', 'agent_replied', Date.now(), { agent_id: 'a1' })]);
    engine.onEventsStored(['T-answered']);
    await engine.processor.idle();
    expect(engine.monitor!.status().tracked).toBe(1);

    // Restart: a new engine whose monitor is rebuilt from ticket_sla alone.
    await engine.stop();
    engine = createSlaEngine({ ch: t.ch, config: SLA, alerts: sink });
    await engine.start();
    const restartedAt = Date.now();
    expect(restartedAt, 'the setup must finish before the deadline for this test to mean anything').toBeLessThan(deadline - 500);
    expect(engine.monitor!.status()).toMatchObject({ tracked: 1, nextAt: expect.any(Number) });

    const breach = await sink.waitFor((r) => r.input.kind === 'sla_breached', 30_000);
    const delay = breach.at - deadline;
    process.stdout.write(`breach alert ${delay} ms after the deadline (restart ${deadline - restartedAt} ms before it)\n`);
    expect(breach.input.dedup_key).toBe('sla_breached:T-quiet:first_response');
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(1000);
    expect(breach.input.labels).toMatchObject({ team: 'billing', priority: 'urgent', metric: 'first_response', policy: 'fast' });
    const escalation = await sink.waitFor((r) => r.input.kind === 'sla_escalated', 5_000);
    expect(escalation.input.labels?.escalation).toBe('team_lead');

    // The breach is recorded as a new ticket_sla version by the monitor.
    await new Promise((r) => setTimeout(r, 300));
    await engine.processor.idle();
    const [row] = await t.rows<{ state: string; source: string; breached_at: string }>(
      "SELECT state, source, toString(breached_at) AS breached_at FROM ticket_sla FINAL WHERE ticket_id = 'T-quiet' AND metric = 'first_response'",
    );
    expect(row).toEqual({ state: 'breached', source: 'monitor', breached_at: toClickHouseTime(deadline) });

    // Each level fired once in total (before or after the restart), nothing at all for the answered ticket.
    await new Promise((r) => setTimeout(r, 500));
    const forQuiet = sink.raised.filter((r) => r.input.subject.id === 'T-quiet').map((r) => r.input.dedup_key).sort();
    expect(forQuiet).toEqual([
      'sla_at_risk:T-quiet:first_response:half',
      'sla_breached:T-quiet:first_response',
      'sla_escalated:T-quiet:first_response:1',
    ]);
    expect(sink.raised.filter((r) => r.input.subject.id === 'T-answered')).toEqual([]);
    await engine.stop();
  });

  it('clears the alerts of a breached ticket once it is answered', async () => {
    const sink = recordingAlertSink();
    const engine = createSlaEngine({ ch: t.ch, config: SLA, alerts: sink });
    await engine.start();
    // T-quiet (breached in the first test, still open) is tracked but counts as announced.
    const before = engine.monitor!.status().tracked;
    // Created a deadline and a half ago: the processor finds it breached, the monitor tracked it before.
    const created = Date.now() - 1.5 * TARGET_MIN * 60_000;
    await store([ev('T-late', 'created', created)]);
    await engine.processor.recomputeTickets(['T-late']);
    // Seen for the first time already breached, and recently: announced at once.
    const breach = await sink.waitFor((r) => r.input.dedup_key === 'sla_breached:T-late:first_response', 5_000);
    expect(breach.input.severity).toBe('critical');
    await store([ev('T-late', 'agent_replied', Date.now(), { agent_id: 'a1' })]);
    await engine.processor.recomputeTickets(['T-late']);
    expect(sink.cleared.map((c) => c.dedupKey)).toContain('sla_breached:T-late:first_response');
    expect(engine.monitor!.status().tracked).toBe(before);
    expect(sink.raised.filter((r) => r.input.subject.id !== 'T-late')).toEqual([]);
    await engine.stop();
  });

  it('follows rows written by another process (sync) and fires on time', async () => {
    const sink = recordingAlertSink();
    const monitor = new DeadlineMonitor({ ch: t.ch, alerts: sink });
    await monitor.start();
    const before = monitor.status().tracked;
    // Another process's processor: nothing in this process hears about its rows.
    const elsewhere = new SlaProcessor({ ch: t.ch, config: SLA });
    const created = Date.now() - 4_000;
    await store([ev('T-other', 'created', created)]);
    await elsewhere.recomputeTickets(['T-other']);
    expect(monitor.status().tracked).toBe(before);
    expect(await monitor.sync()).toBeGreaterThan(0);
    expect(monitor.status().tracked).toBe(before + 1);
    const deadline = created + TARGET_MIN * 60_000;
    const breach = await sink.waitFor((r) => r.input.dedup_key === 'sla_breached:T-other:first_response', 15_000);
    expect(breach.at - deadline).toBeGreaterThanOrEqual(0);
    expect(breach.at - deadline).toBeLessThanOrEqual(1000);
    await monitor.stop();
    await elsewhere.close();
  });
});
