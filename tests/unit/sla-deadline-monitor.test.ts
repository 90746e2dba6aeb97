// The deadline monitor's rules without ClickHouse: rows computed by the real clock are
// applied directly, instants are a fraction of a second ahead, and a recording sink
// stands in for the alert service.
import { describe, expect, it } from 'vitest';
import {
  DeadlineMonitor,
  VersionClock,
  computeSla,
  parseSlaConfig,
  recordingAlertSink,
  slaRows,
  type SlaEvent,
  type SlaRow,
} from '../../processors/sla/index.ts';

// 0.01 min = 600 ms; levels at 50 % (300 ms) and 80 % (480 ms); escalation level 2 300 ms after the breach.
const CONFIG = parseSlaConfig({
  policies: [
    {
      name: 'quick',
      targets: { first_response: 0.01, next_reply: 0.01 },
      at_risk: [
        { name: 'half', fraction: 0.5 },
        { name: 'most', fraction: 0.8 },
      ],
      escalations: [
        { level: 1, notify: 'team_lead' },
        { level: 2, notify: 'manager', after_minutes: 0.005 },
      ],
    },
  ],
});

const versions = new VersionClock();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ev(ticket: string, i: number, type: string, at: number, status = 'open'): SlaEvent {
  return { event_id: `${ticket}-${i}`, ticket_id: ticket, type, occurred_at: new Date(at).toISOString(), status, team: 'billing', priority: 'urgent' };
}

function rows(events: SlaEvent[], now = Date.now()): SlaRow[] {
  return slaRows(computeSla(events, CONFIG, now), { version: versions.next(now), computedAt: now, source: 'processor' });
}

const keys = (sink: ReturnType<typeof recordingAlertSink>) => sink.raised.map((r) => r.input.dedup_key);

describe('DeadlineMonitor', () => {
  it('fires each at-risk level, the breach and each escalation once, on time, with no further event', async () => {
    const sink = recordingAlertSink();
    const monitor = new DeadlineMonitor({ alerts: sink });
    await monitor.start();
    const created = Date.now();
    const history = [ev('T1', 0, 'created', created, 'new')];
    monitor.apply(rows(history));
    expect(monitor.status()).toMatchObject({ tracked: 1, nextAt: created + 300 });
    // The same state again (a scheduled run recomputing it) changes nothing.
    await sleep(100);
    monitor.apply(rows(history));
    const breach = await sink.waitFor((r) => r.input.kind === 'sla_breached', 3000);
    expect(breach.at - (created + 600)).toBeGreaterThanOrEqual(0);
    expect(breach.at - (created + 600)).toBeLessThan(1000);
    await sink.waitFor((r) => r.input.dedup_key.endsWith(':2'), 3000);
    // A later version showing what already fired announces nothing again.
    monitor.apply(rows(history));
    await sleep(50);
    expect(keys(sink)).toEqual([
      'sla_at_risk:T1:first_response:half',
      'sla_at_risk:T1:first_response:most',
      'sla_breached:T1:first_response',
      'sla_escalated:T1:first_response:1',
      'sla_escalated:T1:first_response:2',
    ]);
    expect(sink.raised[0].input).toMatchObject({ severity: 'warning', labels: { level: 'half', team: 'billing', priority: 'urgent' } });
    expect(sink.raised[4].input.labels).toMatchObject({ escalation: 'manager' });
    await monitor.stop();
  });

  it('an answer before the deadline cancels what was scheduled and clears the warnings already sent', async () => {
    const sink = recordingAlertSink();
    const monitor = new DeadlineMonitor({ alerts: sink });
    await monitor.start();
    const created = Date.now();
    const history = [ev('T2', 0, 'created', created, 'new')];
    monitor.apply(rows(history));
    await sink.waitFor((r) => r.input.kind === 'sla_at_risk', 3000);
    history.push(ev('T2', 1, 'agent_replied', Date.now()));
    monitor.apply(rows(history));
    expect(monitor.status().tracked).toBe(0);
    await sleep(800);
    expect(keys(sink)).toEqual(['sla_at_risk:T2:first_response:half']);
    expect(sink.cleared.map((c) => c.dedupKey)).toEqual(['sla_at_risk:T2:first_response:half']);
    await monitor.stop();
  });

  it('treats every next-reply cycle as a new promise', async () => {
    const sink = recordingAlertSink();
    const monitor = new DeadlineMonitor({ alerts: sink });
    await monitor.start();
    const t0 = Date.now() - 60_000;
    const history = [ev('T3', 0, 'created', t0, 'new'), ev('T3', 1, 'agent_replied', t0 + 100), ev('T3', 2, 'customer_replied', Date.now())];
    monitor.apply(rows(history));
    await sink.waitFor((r) => r.input.dedup_key === 'sla_breached:T3:next_reply#1', 3000);
    history.push(ev('T3', 3, 'agent_replied', Date.now()), ev('T3', 4, 'customer_replied', Date.now() + 1));
    monitor.apply(rows(history, Date.now() + 1));
    expect(sink.cleared.map((c) => c.dedupKey)).toContain('sla_breached:T3:next_reply#1');
    await sink.waitFor((r) => r.input.dedup_key === 'sla_breached:T3:next_reply#2', 3000);
    await monitor.stop();
  });

  it('announces a breach first seen after the fact only while it is recent', async () => {
    const sink = recordingAlertSink();
    const monitor = new DeadlineMonitor({ alerts: sink, lateAlertMs: 60_000 });
    await monitor.start();
    // Breached two seconds ago (e.g. found by the processor at a re-targeting): announced now.
    monitor.apply(rows([ev('T4', 0, 'created', Date.now() - 2600, 'new')]));
    // Breached an hour ago (an old ticket imported late): recorded, not announced.
    monitor.apply(rows([ev('T5', 0, 'created', Date.now() - 3_600_000, 'new')]));
    await sleep(20);
    expect(keys(sink).filter((k) => k.startsWith('sla_breached'))).toEqual(['sla_breached:T4:first_response']);
    // No at-risk warning for a metric already breached.
    expect(keys(sink).filter((k) => k.startsWith('sla_at_risk'))).toEqual([]);
    await monitor.stop();
  });

  it('records the state after firing through the record callback, batched', async () => {
    const sink = recordingAlertSink();
    const recorded: string[][] = [];
    const monitor = new DeadlineMonitor({ alerts: sink, record: async (ids) => void recorded.push(ids), recordDelayMs: 50 });
    await monitor.start();
    const created = Date.now() - 550;
    monitor.apply([...rows([ev('T6', 0, 'created', created, 'new')]), ...rows([ev('T7', 0, 'created', created, 'new')])]);
    await sink.waitFor((r) => r.input.dedup_key === 'sla_breached:T7:first_response', 3000);
    await monitor.stop();
    expect(recorded.flat().sort()).toEqual(['T6', 'T7']);
    expect(recorded.length).toBeLessThanOrEqual(2);
  });
});
