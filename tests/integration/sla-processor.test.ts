// A simulated day through the real engine: ingest → SLA processor → ticket_sla →
// compliance SQL, checked against an independent recomputation in JS (events read
// back from the raw log, computeSla per ticket, aggregated here). Also: the watermark
// (incremental runs touch only tickets with new events), replayed batches, and a
// recompute after a policy change (new versions; --open-only; --since).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { createSimulation } from '../../ingest/simulator/index.ts';
import {
  DEFAULT_POLICIES,
  SLA_METRICS,
  SlaProcessor,
  computeSla,
  createSlaPort,
  readHistories,
  parseSlaConfig,
  type SlaConfig,
  type SlaEvent,
  type SlaResult,
} from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const HOUR = 3_600_000;
const END = Math.floor(Date.now() / HOUR) * HOUR;
const START = END - 24 * HOUR;
const SPLIT = END - 4 * HOUR;

let t: TestClickHouse;
const ticketsBySplit = { early: new Set<string>(), late: new Set<string>() };

async function insert(lines: string[]): Promise<void> {
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

/** The simulated day, stored in two deliveries: events up to SPLIT received an hour ago, the rest now. */
async function seed(): Promise<void> {
  const sim = createSimulation({ seed: 7, start: START, ticketsPerHour: 50 });
  const encode = (evs: Iterable<{ ticket_id: string }>, receivedMs: number, set: Set<string>) => {
    const lines: string[] = [];
    let i = 0;
    for (const e of evs) {
      set.add(e.ticket_id);
      const r = processMessage(JSON.stringify(e), { source: 'simulator', requestId: `r${receivedMs}`, index: i++ }, { nowMs: Date.now(), receivedAt: toClickHouseTime(receivedMs) });
      if (r.kind === 'ok') lines.push(r.line);
    }
    return lines;
  };
  const early = encode(sim.events(SPLIT), Date.now() - HOUR, ticketsBySplit.early);
  await insert(early);
  // A replayed delivery (as after a crash between insert and commit): must not count twice.
  await insert(early.slice(0, 2000));
  const late = encode(sim.events(END), Date.now(), ticketsBySplit.late);
  await insert(late);
  pendingLate = late.length;
}
let pendingLate = 0;

interface EventRow extends SlaEvent {
  received: number;
}

/** Every distinct event, read back independently of the processor's reader. */
async function histories(): Promise<Map<string, SlaEvent[]>> {
  const rows = await t.rows<EventRow>(
    `SELECT event_id, ticket_id, toString(type) AS type, toString(occurred_at) AS occurred_at, toString(status) AS status,
            toString(priority) AS priority, toString(customer_tier) AS customer_tier, toString(channel) AS channel,
            toString(category) AS category, toString(team) AS team, toString(tenant) AS tenant
     FROM ticket_events FINAL`,
  );
  const out = new Map<string, SlaEvent[]>();
  for (const r of rows) {
    const list = out.get(r.ticket_id);
    if (list) list.push(r);
    else out.set(r.ticket_id, [r]);
  }
  return out;
}

interface Group {
  met: number;
  breached: number;
  times: number[];
}

/** quantileExact(level): the element at floor(level × n) of the sorted values. */
function quantileExact(values: number[], level: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))];
}

/** Compliance per metric × team × priority from computeSla results, decided in [from, to). */
function expectedCompliance(results: SlaResult[], from: number, to: number): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const r of results) {
    for (const metric of SLA_METRICS) {
      const m = r.metrics[metric];
      if (m === null || (m.state !== 'met' && m.state !== 'breached')) continue;
      const decided = m.state === 'breached' ? m.breached_at! : m.met_at!;
      if (decided < from || decided >= to) continue;
      const key = `${metric}|${r.dimensions.team ?? ''}|${r.dimensions.priority ?? ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { met: 0, breached: 0, times: [] }));
      if (m.state === 'met') g.met++;
      else g.breached++;
      if (m.met_at !== null) g.times.push(m.elapsed_minutes);
    }
  }
  return groups;
}

async function computedAt(): Promise<Map<string, number>> {
  const rows = await t.rows<{ ticket_id: string; c: string }>('SELECT ticket_id, toString(toUnixTimestamp64Milli(max(computed_at))) AS c FROM ticket_sla FINAL GROUP BY ticket_id');
  return new Map(rows.map((r) => [r.ticket_id, Number(r.c)]));
}

async function checkAgainstJs(config: SlaConfig): Promise<number> {
  const events = await histories();
  const at = await computedAt();
  const results = [...events].map(([id, evs]) => computeSla(evs, config, at.get(id)!));
  const from = START;
  const to = END + HOUR;
  const expected = expectedCompliance(results, from, to);
  const port = createSlaPort({ ch: t.ch, config });
  const report = await port.compliance({ from, to, metrics: [...SLA_METRICS], groupBy: ['metric', 'team', 'priority'] });
  const actual = new Map(report.rows.map((r) => [`${r.metric}|${r.team}|${r.priority}`, r]));
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, g] of expected) {
    const row = actual.get(key)!;
    expect({ key, met: row.met, breached: row.breached }).toEqual({ key, met: g.met, breached: g.breached });
    expect(row.compliance).toBeCloseTo(g.met / (g.met + g.breached), 12);
    const median = quantileExact(g.times, 0.5);
    const p90 = quantileExact(g.times, 0.9);
    if (median === null) expect(row.median_minutes).toBeNull();
    else expect(row.median_minutes).toBeCloseTo(median, 6);
    if (p90 === null) expect(row.p90_minutes).toBeNull();
    else expect(row.p90_minutes).toBeCloseTo(p90, 6);
  }
  return [...expected.values()].reduce((a, g) => a + g.met + g.breached, 0);
}

beforeAll(async () => {
  t = await openTestClickHouse('sla-processor');
  await seed();
});
afterAll(async () => t?.cleanup());

describe('SLA processor over a simulated day', () => {
  const config = parseSlaConfig(undefined);

  it('incremental runs follow the watermark: the second run touches only tickets with new events', async () => {
    expect(pendingLate).toBeGreaterThan(0);
    const p = new SlaProcessor({ ch: t.ch, config, settings: { overlapMs: 0 } });
    const first = await p.runIncremental();
    const all = new Set([...ticketsBySplit.early, ...ticketsBySplit.late]);
    expect(first.tickets).toBe(all.size);
    const again = await p.runIncremental();
    expect(again.tickets).toBe(0);
    // Only the late delivery's tickets are new once the watermark sits between the two.
    await t.ch.client.command({ query: 'TRUNCATE TABLE sla_processor_state' });
    const w = await t.scalar("SELECT toUnixTimestamp64Milli(min(received_at)) FROM ticket_events WHERE received_at > now64(3) - INTERVAL 30 MINUTE");
    await t.ch.client.insert({ table: 'sla_processor_state', format: 'JSONEachRow', values: [{ name: 'sla', watermark: toClickHouseTime(w - 1), updated_at: toClickHouseTime(Date.now()) }] });
    const p2 = new SlaProcessor({ ch: t.ch, config, settings: { overlapMs: 0 } });
    const second = await p2.runIncremental();
    expect(second.tickets).toBe(ticketsBySplit.late.size);
    // One current row per ticket and metric (the first run into an empty table skips
    // 'untracked' rows: there is nothing for them to supersede).
    expect(await t.scalar('SELECT uniqExact(ticket_id) FROM ticket_sla')).toBe(all.size);
    expect(await t.scalar('SELECT count() FROM ticket_sla FINAL')).toBe(await t.scalar('SELECT uniqExact(ticket_id, metric) FROM ticket_sla'));
    expect(await t.scalar("SELECT countIf(state != 'untracked') FROM ticket_sla FINAL")).toBeGreaterThan(all.size * 2);
  });

  it('compliance by metric × team × priority equals an independent recomputation in JS', async () => {
    const p = new SlaProcessor({ ch: t.ch, config });
    await p.recompute();
    const decided = await checkAgainstJs(config);
    expect(decided).toBeGreaterThan(1000);
    // Bucketed by hour, the buckets add up to the ungrouped totals.
    const port = createSlaPort({ ch: t.ch, config });
    const total = await port.compliance({ from: START, to: END + HOUR, metrics: ['resolution'], groupBy: [] });
    const hourly = await port.compliance({ from: START, to: END + HOUR, metrics: ['resolution'], groupBy: [], bucket: '1h' });
    expect(hourly.rows.length).toBeGreaterThan(10);
    expect(hourly.rows.reduce((a, r) => a + r.breached, 0)).toBe(total.rows[0].breached);
    expect(hourly.rows.reduce((a, r) => a + r.met, 0)).toBe(total.rows[0].met);
  });

  it('recompute after a policy change writes new versions, and the figures follow the new rules', async () => {
    // Halve every target: more breaches.
    const stricter = parseSlaConfig({
      policies: DEFAULT_POLICIES.map((p) => ({
        ...p,
        targets: Object.fromEntries(Object.entries(p.targets).map(([k, v]) => [k, (v as number) / 2])),
      })),
    });
    const before = await t.scalar("SELECT countIf(state = 'breached') FROM ticket_sla FINAL");
    const versionBefore = await t.scalar('SELECT max(version) FROM ticket_sla');

    // --open-only: only tickets that are not solved or closed get a new version.
    const events = await histories();
    const open = [...events.values()].filter((evs) => {
      const s = computeSla(evs, stricter, Date.now()).status;
      return s !== 'solved' && s !== 'closed';
    }).length;
    const p = new SlaProcessor({ ch: t.ch, config: stricter });
    const openOnly = await p.recompute({ openOnly: true });
    expect(openOnly.tickets).toBe(open);
    expect(await t.scalar('SELECT uniqExact(ticket_id) FROM ticket_sla WHERE version > {v:UInt64}', { v: versionBefore })).toBe(open);

    // --since: tickets with an event in the last 4 hours.
    const since = END - 4 * HOUR;
    const recent = [...events.values()].filter((evs) => evs.some((e) => Date.parse(`${e.occurred_at.replace(' ', 'T')}Z`) >= since)).length;
    const sinceRun = await p.recompute({ since });
    expect(sinceRun.tickets).toBe(recent);

    // Everything, with progress.
    const progress: number[] = [];
    const full = await p.recompute({ onProgress: (done) => progress.push(done) });
    expect(full.tickets).toBe(events.size);
    expect(progress.at(-1)).toBe(events.size);
    const after = await t.scalar("SELECT countIf(state = 'breached') FROM ticket_sla FINAL");
    expect(after).toBeGreaterThan(before);
    expect(await t.scalar("SELECT countIf(source != 'backfill') FROM ticket_sla FINAL")).toBe(0);
    await checkAgainstJs(stricter);
  });
  it('reads histories compactly without changing what the clock says (ties, repeats, changes)', async () => {
    const at = (min: number) => new Date(Date.UTC(2026, 10, 2, 9, 0) + min * 60_000).toISOString();
    const base = { team: 'billing', priority: 'normal', channel: 'email', tenant: 'acme', customer_tier: 'standard', category: 'refund' };
    const raw: Array<Record<string, unknown>> = [
      { event_id: 'x1', ticket_id: 'X-1', type: 'created', occurred_at: at(0), status: 'new', ...base },
      // Three events at one instant, a dimension changing within the tie.
      { event_id: 'x2', ticket_id: 'X-1', type: 'priority_changed', occurred_at: at(5), status: 'new', ...base, priority: 'urgent' },
      { event_id: 'x3', ticket_id: 'X-1', type: 'status_changed', occurred_at: at(5), status: 'pending', ...base, priority: 'urgent' },
      { event_id: 'x4', ticket_id: 'X-1', type: 'agent_replied', occurred_at: at(5), status: 'pending', ...base, priority: 'high', agent_id: 'a' },
      { event_id: 'x5', ticket_id: 'X-1', type: 'updated', occurred_at: at(6), status: 'pending', ...base, priority: 'high', attributes: { note: 'x' } },
      { event_id: 'x6', ticket_id: 'X-1', type: 'customer_replied', occurred_at: at(7), status: 'open', ...base, priority: 'high', team: 'tech' },
      { event_id: 'x7', ticket_id: 'X-1', type: 'transferred', occurred_at: at(8), status: 'open', ...base, priority: 'high', team: 'billing' },
      { event_id: 'x8', ticket_id: 'X-1', type: 'resolved', occurred_at: at(40), status: 'solved', ...base, priority: 'high' },
      { event_id: 'x9', ticket_id: 'X-1', type: 'reopened', occurred_at: at(50), status: 'open', ...base, priority: 'high' },
    ];
    const encode = (evs: Array<Record<string, unknown>>) =>
      evs.map((e, i) => {
        const r = processMessage(JSON.stringify(e), { source: 'http', requestId: 'x', index: i }, { nowMs: Date.now(), receivedAt: toClickHouseTime(Date.now()) });
        if (r.kind !== 'ok') throw new Error('refused');
        return r.line;
      });
    try {
      // Stored out of order, and partly twice (a replayed delivery, not merged yet).
      await insert(encode([...raw].reverse()));
      await insert(encode(raw.slice(2, 5)));
      const [h] = await readHistories(t.ch, { kind: 'ids', ids: ['X-1'] });
      expect(h.events).toHaveLength(12);
      const now = Date.UTC(2026, 10, 2, 12, 0);
      const expected = computeSla(raw as unknown as SlaEvent[], config, now, { explain: true });
      expect(computeSla(h.events, config, now, { explain: true })).toEqual(expected);
      expect(expected.dimensions).toMatchObject({ priority: 'high', team: 'billing' });
    } finally {
      await t.ch.client.command({ query: "DELETE FROM ticket_events WHERE ticket_id = 'X-1'" });
    }
  });
});
