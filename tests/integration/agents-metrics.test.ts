// Agent metrics in ClickHouse SQL from a hand-made event log, the recompute that
// stores and serves them, the restart that reloads them, and business time from
// ticket_sla when it exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import {
  AgentsService,
  parseAgentsConfig,
  probeSlaSource,
  queryAgentMetrics,
  queryOpenTickets,
  RoutingSnapshotStore,
  startSnapshotRefresh,
  type AgentQualityAlert,
  type AgentSkillMetrics,
} from '../../processors/agents/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const NOW = Date.UTC(2026, 10, 20);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let t: TestClickHouse;
let seq = 0;

interface Ev {
  ticket: string;
  type: string;
  at: number;
  agent?: string;
  team?: string;
  csat?: number;
  from?: string;
}

function event(e: Ev): Record<string, unknown> {
  return {
    event_id: `ev-${e.ticket}-${seq++}`,
    ticket_id: e.ticket,
    type: e.type,
    occurred_at: new Date(e.at).toISOString(),
    channel: 'email',
    priority: 'normal',
    customer_tier: 'standard',
    category: 'software_fault',
    ...(e.agent ? { agent_id: e.agent, team: e.team ?? 'tech' } : {}),
    ...(e.csat ? { csat: e.csat } : {}),
    ...(e.from ? { attributes: { from_agent: e.from, from_team: 'tech' } } : {}),
  };
}

async function insert(events: Array<Record<string, unknown>>): Promise<void> {
  const ctx = { nowMs: NOW, receivedAt: toClickHouseTime(NOW) };
  const lines = events.map((e, i) => {
    const r = processMessage(JSON.stringify(e), { source: 'file', index: i }, ctx);
    if (r.kind !== 'ok') throw new Error(`invalid test event ${JSON.stringify(e)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

const t1 = NOW - 5 * DAY;
const t2 = NOW - 4 * DAY;
const t3 = NOW - 20 * DAY;
const t5 = NOW - 3 * DAY;
const EVENTS: Ev[] = [
  // T1: A answers in 10 min, resolves after 2 h; CSAT 5.
  { ticket: 'T1', type: 'created', at: t1 },
  { ticket: 'T1', type: 'assigned', at: t1 + 5 * MIN, agent: 'A' },
  { ticket: 'T1', type: 'agent_replied', at: t1 + 10 * MIN, agent: 'A' },
  { ticket: 'T1', type: 'resolved', at: t1 + 2 * HOUR + 5 * MIN, agent: 'A' },
  { ticket: 'T1', type: 'satisfaction_rated', at: t1 + 3 * HOUR, agent: 'A', csat: 5 },
  // T2: A answers in 30 min, transfers to B; B resolves, the customer reopens, B resolves again; CSAT 2.
  { ticket: 'T2', type: 'created', at: t2 },
  { ticket: 'T2', type: 'assigned', at: t2 + 2 * MIN, agent: 'A' },
  { ticket: 'T2', type: 'agent_replied', at: t2 + 30 * MIN, agent: 'A' },
  { ticket: 'T2', type: 'transferred', at: t2 + 40 * MIN, agent: 'B', from: 'A' },
  { ticket: 'T2', type: 'agent_replied', at: t2 + 50 * MIN, agent: 'B' },
  { ticket: 'T2', type: 'resolved', at: t2 + 3 * HOUR + 40 * MIN, agent: 'B' },
  { ticket: 'T2', type: 'reopened', at: t2 + DAY, agent: 'B' },
  { ticket: 'T2', type: 'resolved', at: t2 + DAY + HOUR, agent: 'B' },
  { ticket: 'T2', type: 'satisfaction_rated', at: t2 + DAY + 2 * HOUR, agent: 'B', csat: 2 },
  // T3: 20 days ago — only in the 30-day window.
  { ticket: 'T3', type: 'created', at: t3 },
  { ticket: 'T3', type: 'assigned', at: t3 + MIN, agent: 'B' },
  { ticket: 'T3', type: 'agent_replied', at: t3 + 20 * MIN, agent: 'B' },
  { ticket: 'T3', type: 'resolved', at: t3 + HOUR + MIN, agent: 'B' },
  // T4: assigned to A an hour ago, untouched: open, and too young to count against resolution.
  { ticket: 'T4', type: 'created', at: NOW - HOUR },
  { ticket: 'T4', type: 'assigned', at: NOW - HOUR + MIN, agent: 'A' },
  // T5: A answered 3 days ago and never resolved: open and settled (past the grace period).
  { ticket: 'T5', type: 'created', at: t5 },
  { ticket: 'T5', type: 'assigned', at: t5 + MIN, agent: 'A' },
  { ticket: 'T5', type: 'agent_replied', at: t5 + 61 * MIN, agent: 'A' },
  // Outside every window, and after `now`: ignored.
  { ticket: 'T0', type: 'created', at: NOW - 40 * DAY },
  { ticket: 'T0', type: 'assigned', at: NOW - 40 * DAY, agent: 'A' },
  { ticket: 'T6', type: 'created', at: NOW + HOUR },
  { ticket: 'T6', type: 'assigned', at: NOW + HOUR, agent: 'A' },
];

const config = parseAgentsConfig({ windowsDays: [7, 30], caseMix: [], openGraceHours: 24 });
const pick = (rows: AgentSkillMetrics[], agent: string, window: number) => rows.find((r) => r.agent_id === agent && r.window_days === window);

beforeAll(async () => {
  t = await openTestClickHouse('agents-metrics');
  const events = EVENTS.map(event);
  await insert(events);
  // A replayed batch: the same event ids again; readers must not count them twice.
  await insert(events.slice(0, 5));
});
afterAll(async () => t?.cleanup());

describe('agent metrics (ClickHouse SQL over the deduplicated log)', () => {
  it('counts handled, settled, resolved, reopened, transfers and CSAT per agent × skill × window', async () => {
    const { metrics: rows, open } = await queryAgentMetrics(t.ch, { skillDimension: 'category', caseMix: [], windowsDays: [7, 30], openGraceHours: 24, sla: null, now: NOW });
    expect(Object.fromEntries(open)).toEqual({ A: 2 });
    expect(pick(rows, 'A', 7)).toMatchObject({
      skill: 'software_fault',
      team: 'tech',
      tickets: 4, // T1, T2 (transferred out), T4, T5
      settled: 3, // T4 is within the 24 h grace
      resolved: 1,
      reopened: 0,
      transfers_out: 1,
      csat_n: 1,
      csat_good: 1,
      csat_sum: 5,
      frt_n: 3, // T1, T2, T5: A sent the first reply
      handle_n: 1,
    });
    // Typical = geometric mean of 1 + seconds, minus 1: replies after 10, 30 and 61 minutes.
    const geo = (...secs: number[]) => Math.expm1(secs.reduce((s, x) => s + Math.log1p(x), 0) / secs.length);
    expect(pick(rows, 'A', 7)!.frt_typical_s).toBeCloseTo(geo(600, 1800, 3660), 6);
    expect(pick(rows, 'A', 7)!.handle_typical_s).toBeCloseTo(2 * 3600, 6); // assigned → resolved
    expect(pick(rows, 'B', 7)).toMatchObject({ tickets: 1, settled: 1, resolved: 1, reopened: 1, transfers_out: 0, csat_n: 1, csat_good: 0, frt_n: 0, handle_n: 1 });
    expect(pick(rows, 'B', 7)!.handle_typical_s).toBeCloseTo(3 * 3600, 6); // from the transfer to B's first resolution
    expect(pick(rows, 'B', 30)).toMatchObject({ tickets: 2, resolved: 2, reopened: 1, frt_n: 1 });
    expect(pick(rows, 'A', 30)!.tickets).toBe(4); // T0 is older than 30 days
    // Residuals are centred on the case mix: here one mix, so they sum to 0 over all first responses.
    const all30 = rows.filter((r) => r.window_days === 30);
    expect(all30.reduce((s, r) => s + r.frt_n * r.frt_mean, 0)).toBeCloseTo(0, 9);
  });

  it('counts open tickets per agent from the latest lifecycle event', async () => {
    const open = await queryOpenTickets(t.ch, NOW, 30);
    expect(open.get('A')).toBe(2); // T4, T5
    expect(open.get('B')).toBeUndefined();
  });

  it('recompute stores and serves scores and version 1; a restarted service continues from it', async () => {
    const alerts: AgentQualityAlert[] = [];
    const svc = new AgentsService({ ch: t.ch, config, onAlert: (a) => void alerts.push(a) });
    const r1 = await svc.recompute({ now: NOW });
    expect(r1).toMatchObject({ version: 1, published: true, agents: 2, skills: 1, timeBasis: 'wall_clock' });
    expect(['no ticket_sla table', 'ticket_sla is empty']).toContain(r1.slaNote);
    const weights = JSON.parse(svc.store.weights({ team: 'tech', skill: 'software_fault' }).body);
    expect(weights.weights.map((w: { agent_id: string }) => w.agent_id)).toEqual(['A', 'B']);
    expect(weights.weights[0]).toMatchObject({ open_tickets: 2, capacity: 10 });
    expect(weights.weights[0].weight + weights.weights[1].weight).toBeCloseTo(1, 12);
    expect(alerts).toEqual([]); // far below the minimum sample
    expect(await t.scalar('SELECT count() FROM routing_weights WHERE version = 1')).toBe(2);
    expect(await t.scalar('SELECT count() FROM agent_scores')).toBe(4);
    await svc.close();

    // An API-only process catches up with what the processor published.
    const apiStore = new RoutingSnapshotStore();
    const refresher = startSnapshotRefresh({ ch: t.ch, store: apiStore, config, intervalMs: 0 });
    expect(await refresher.refresh()).toBe(true);
    expect(apiStore.currentVersion()).toBe(1);
    expect(JSON.parse(apiStore.weights({}).body).weights).toHaveLength(2);
    expect(apiStore.agentScores('A', {})).not.toBeNull();
    expect(await refresher.refresh()).toBe(false);
    refresher.stop();

    const again = new AgentsService({ ch: t.ch, config });
    await again.init();
    expect(again.store.currentVersion()).toBe(1);
    expect(JSON.parse(again.store.agentScores('B', {})!.body).scores).toHaveLength(2);
    const r2 = await again.recompute({ now: NOW + HOUR });
    expect(r2.version).toBeGreaterThanOrEqual(1);
    if (r2.published) expect(r2.version).toBe(2);
    await again.close();
  });

  it('uses business time and SLA verdicts from ticket_sla when it has rows', async () => {
    // The SLA engine's migration creates ticket_sla; the columns used here are the ones
    // the probe needs (a stand-in with the same columns is made if the table is absent).
    const existed = (await t.scalar("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'ticket_sla'")) > 0;
    if (!existed) {
      await t.ch.client.command({
        query: `CREATE TABLE ticket_sla (ticket_id String, metric LowCardinality(String), version UInt64, state LowCardinality(String),
                elapsed_minutes Float64, created_at DateTime64(3, 'UTC')) ENGINE = ReplacingMergeTree(version) ORDER BY (ticket_id, metric)`,
      });
    }
    try {
      const at = (ms: number) => toClickHouseTime(ms);
      const row = (ticket_id: string, metric: string, version: number, state: string, elapsed_minutes: number, created: number) => ({
        ticket_id, metric, version, state, elapsed_minutes, created_at: at(created),
      });
      await t.ch.client.insert({
        table: 'ticket_sla',
        columns: ['ticket_id', 'metric', 'version', 'state', 'elapsed_minutes', 'created_at'],
        values: [
          row('T1', 'first_response', 1, 'active', 1, t1),
          row('T1', 'first_response', 2, 'met', 4, t1),
          row('T1', 'resolution', 2, 'met', 90, t1),
          row('T2', 'first_response', 1, 'met', 12, t2),
          row('T2', 'resolution', 3, 'breached', 300, t2),
        ],
        format: 'JSONEachRow',
      });
      const probe = await probeSlaSource(t.ch);
      expect(probe.source).toEqual({ versionColumn: 'version', elapsedMinutes: 'toFloat64(elapsed_minutes)', createdColumn: 'created_at' });
      const { metrics: m } = await queryAgentMetrics(t.ch, { skillDimension: 'category', caseMix: [], windowsDays: [7], openGraceHours: 24, sla: probe.source, now: NOW });
      // A: T1 4 business minutes (latest version wins), T2 12, T5 wall clock 61.
      const geo = (...secs: number[]) => Math.expm1(secs.reduce((s, x) => s + Math.log1p(x), 0) / secs.length);
      expect(pick(m, 'A', 7)!.frt_typical_s).toBeCloseTo(geo(4 * 60, 12 * 60, 3660), 6);
      expect(pick(m, 'A', 7)).toMatchObject({ sla_n: 1, sla_met: 1 });
      expect(pick(m, 'A', 7)!.handle_typical_s).toBeCloseTo(90 * 60, 6);
      expect(pick(m, 'B', 7)).toMatchObject({ sla_n: 1, sla_met: 0 });
      const svc = new AgentsService({ ch: t.ch, config });
      const r = await svc.recompute({ now: NOW + 2 * HOUR });
      expect(r.timeBasis).toBe('business');
      const b = JSON.parse(svc.store.agentScores('B', { windowDays: 7 })!.body);
      expect(b.time_basis).toBe('business');
      expect(b.scores[0].sla).toMatchObject({ k: 0, n: 1 });
      await svc.close();
    } finally {
      await t.ch.client.command({ query: existed ? 'TRUNCATE TABLE ticket_sla' : 'DROP TABLE ticket_sla' });
    }
  });

  it('takes the skill from any ticket dimension, attributes included', async () => {
    const { metrics: rows } = await queryAgentMetrics(t.ch, { skillDimension: 'channel', caseMix: ['priority'], windowsDays: [7], openGraceHours: 24, sla: null, now: NOW });
    expect(new Set(rows.map((r) => r.skill))).toEqual(new Set(['email']));
    const { metrics: byAttr } = await queryAgentMetrics(t.ch, { skillDimension: 'attributes.from_team', caseMix: [], windowsDays: [7], openGraceHours: 24, sla: null, now: NOW });
    // Only T2's transfer event carries from_team, and it is B's event: B held a 'tech'
    // ticket. A sent that ticket's first reply, which counts under the ticket's final value.
    const keys = byAttr.map((r) => `${r.agent_id}:${r.skill}:${r.tickets}:${r.frt_n}`).sort();
    expect(keys).toEqual(['A:tech:0:1', 'B:tech:1:0']);
  });
});
