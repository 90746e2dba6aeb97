// GET /v1/export/<derived table>: ticket_sla (written by the real SLA processor),
// alerts and agent_scores (rows with known values, some written twice) streamed as
// Arrow IPC and read back with apache-arrow: row counts and values against the table
// read with FINAL, the time filter on each table's time column, column allowlists,
// and every registered export answering with a valid stream of its listed columns.
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTables } from '../../core/clickhouse/index.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { SlaProcessor, parseSlaConfig } from '../../processors/sla/index.ts';
import { bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const H = 60 * MIN;
// Two days ago on the hour: recent enough for the tables' TTLs (agent_scores keeps 90 days; rows past it are dropped on insert).
const T0 = Math.floor(Date.now() / H) * H - 48 * H;
const analyst = testKey(['sql']);
const reader = testKey(['read']);
let t: TestClickHouse;
let api: TestApi;

/** ClickHouse's DateTime64 text form. */
const ch = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const get = (url: string, headers: Record<string, string> = bearer(analyst.key)) => api.app.inject({ method: 'GET', url, headers });
const rowsOf = (table: Table) => table.toArray().map((r) => r.toJSON() as Record<string, unknown>);

async function exported(url: string): Promise<Table> {
  const res = await get(url);
  expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
  expect(res.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
  return tableFromIPC(res.rawPayload);
}

async function seedTickets(): Promise<void> {
  // 12 tickets, one per hour from T0: urgent chat, answered after 10 min (met) or 45 min (breached).
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    const created = T0 + i * H;
    const dims = { priority: 'urgent', team: i % 2 ? 'tech' : 'billing', channel: 'chat', category: 'outage', customer_tier: 'vip', tenant: 'acme' };
    const steps: Array<[string, number, string]> = [
      ['created', created, 'new'],
      ['agent_replied', created + (i % 3 === 0 ? 45 : 10) * MIN, 'open'],
      ['resolved', created + 50 * MIN, 'solved'],
    ];
    for (const [j, [type, at, status]] of steps.entries()) {
      const event = { event_id: `E-${i}-${j}`, ticket_id: `T-${i}`, type, occurred_at: new Date(at).toISOString(), status, ...dims, ...(type === 'agent_replied' ? { agent_id: `agent-${i % 4}` } : {}) };
      const r = processMessage(JSON.stringify(event), { source: 'http', requestId: 'seed', index: lines.length }, { nowMs: T0 + 20 * H, receivedAt: toClickHouseTime(T0 + 20 * H) });
      if (r.kind !== 'ok') throw new Error(`refused: ${JSON.stringify(r)}`);
      lines.push(r.line);
    }
  }
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

const ALERTS = [
  // Two versions of a-1 (fired, then acknowledged); a-2 written twice (a retried insert); a-3 fired a day later.
  { alert_id: 'a-1', version: 1, event: 'fired', kind: 'sla_breach', severity: 'critical', state: 'firing', summary: 'T-0 breached first_response', fired_at: ch(T0), updated_at: ch(T0), labels: { team: 'billing' }, details: { minutes: 45 }, occurrences: 1 },
  { alert_id: 'a-1', version: 2, event: 'acknowledged', actor: 'maria', kind: 'sla_breach', severity: 'critical', state: 'acknowledged', summary: 'T-0 breached first_response', fired_at: ch(T0), updated_at: ch(T0 + 5 * MIN), acknowledged_at: ch(T0 + 5 * MIN), acknowledged_by: 'maria', labels: { team: 'billing' }, details: { minutes: 45 }, occurrences: 1 },
  { alert_id: 'a-2', version: 1, event: 'fired', kind: 'surge', severity: 'warning', state: 'firing', summary: 'Surge in product=app', fired_at: ch(T0 + 2 * H), updated_at: ch(T0 + 2 * H), labels: { team: 'tech', product: 'app' }, details: { ratio: 3.5 }, occurrences: 4 },
  { alert_id: 'a-3', version: 1, event: 'fired', kind: 'root_cause_batch', severity: 'warning', state: 'firing', summary: 'Login failures after the update', fired_at: ch(T0 + 24 * H), updated_at: ch(T0 + 24 * H), labels: {}, details: {}, occurrences: 1 },
];

const score = (agent: string, at: number, composite: number, extra: Record<string, unknown> = {}) => ({
  computed_at: ch(at),
  routing_version: at === T0 ? 1 : 2,
  window_days: 30,
  skill_dimension: 'category',
  skill: 'outage',
  agent_id: agent,
  team: 'billing',
  time_basis: 'business',
  last_seen_at: ch(at - H),
  tickets: 20,
  composite,
  csat_mean: null,
  ...extra,
});
// Two snapshots of three agents; agent-0's first row written twice.
const SCORES = [
  score('agent-0', T0, 0.81, { csat_mean: 4.5 }),
  score('agent-1', T0, 0.42),
  score('agent-2', T0, 0.63),
  score('agent-0', T0 + 6 * H, 0.84, { csat_mean: 4.25 }),
  score('agent-1', T0 + 6 * H, 0.4),
  score('agent-2', T0 + 6 * H, 0.66),
];

beforeAll(async () => {
  t = await openTestClickHouse('api-export-derived');
  api = await buildTestApi(t, { keys: [analyst.entry, reader.entry] });
  await seedTickets();
  const processor = new SlaProcessor({ ch: t.ch, config: parseSlaConfig(undefined), now: () => T0 + 20 * H });
  await processor.recompute();
  // A second run writes a new version of every row; the export keeps the latest only.
  await processor.recompute();
  // The repeated rows go in a second insert, as a retry would (one block's duplicates collapse on insert already).
  await t.ch.client.insert({ table: 'alerts', values: ALERTS, format: 'JSONEachRow' });
  await t.ch.client.insert({ table: 'alerts', values: [ALERTS[2]], format: 'JSONEachRow' });
  await t.ch.client.insert({ table: 'agent_scores', values: SCORES, format: 'JSONEachRow' });
  await t.ch.client.insert({ table: 'agent_scores', values: [SCORES[0]], format: 'JSONEachRow' });
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

describe('Arrow export of derived tables', () => {
  it('registers every derived table that has a time column, each with its columns', () => {
    const byName = new Map(exportTables().map((e) => [e.name, e]));
    const expected = {
      ticket_sla: 'created_at',
      alerts: 'fired_at',
      alert_deliveries: 'created_at',
      surges: 'bucket_start',
      clusters: 'run_at',
      ticket_clusters: 'run_at',
      agent_scores: 'computed_at',
      routing_weights: 'published_at',
      routing_feed_deliveries: 'delivered_at',
      processor_runs: 'started_at',
      kafka_consumer_lag: 'recorded_at',
    };
    for (const [name, time] of Object.entries(expected)) {
      expect(byName.get(name), name).toMatchObject({ table: name, timeColumn: time });
      expect(byName.get(name)!.columns, name).toContain(time);
    }
    expect(byName.has('events') && byName.has('dead_letters')).toBe(true);
  });

  it('answers every registered export with a valid stream of exactly its listed columns', async () => {
    for (const e of exportTables()) {
      const table = await exported(`/v1/export/${e.name}`);
      const names = table.schema.fields.map((f) => f.name);
      // Every listed column exists in the table (a typo or a dropped column would be missing here).
      if (e.columns) expect(names, e.name).toEqual([...e.columns]);
      const stored = await t.scalar(`SELECT count() FROM ${e.table}${e.final ? ' FINAL' : ''}`);
      expect(table.numRows, e.name).toBe(stored);
    }
  });

  it('ticket_sla: the latest version of each (ticket, metric), values as stored', async () => {
    const table = await exported('/v1/export/ticket_sla?columns=ticket_id,metric,version,state,elapsed_minutes,target_minutes,deadline,met_at,created_at,at_risk_level,team');
    const rows = rowsOf(table);
    const stored = await t.rows<{ ticket_id: string; metric: string; version: string; state: string; elapsed_minutes: number; deadline_ms: string | null; created_ms: string }>(
      `SELECT ticket_id, metric, version, state, elapsed_minutes, toUnixTimestamp64Milli(deadline) AS deadline_ms, toUnixTimestamp64Milli(created_at) AS created_ms
       FROM ticket_sla FINAL ORDER BY ticket_id, metric`,
    );
    // 12 tickets × 3 metrics, once each although two runs wrote two versions.
    expect(stored).toHaveLength(36);
    expect(rows).toHaveLength(36);
    const key = (r: Record<string, unknown>) => `${r.ticket_id}/${r.metric}`;
    const got = new Map(rows.map((r) => [key(r), r]));
    expect(got.size).toBe(36);
    for (const s of stored) {
      const r = got.get(key(s))!;
      expect(r, key(s)).toBeDefined();
      expect(String(r.version)).toBe(String(s.version));
      expect(r.state).toBe(s.state);
      expect(r.elapsed_minutes).toBeCloseTo(s.elapsed_minutes, 9);
      expect(r.deadline === null ? null : Number(r.deadline)).toBe(s.deadline_ms === null ? null : Number(s.deadline_ms));
      expect(Number(r.created_at)).toBe(Number(s.created_ms));
    }
    // Worked values: T-0 was answered after 45 minutes (breached), T-1 after 10 (met).
    expect(got.get('T-0/first_response')).toMatchObject({ state: 'breached', elapsed_minutes: 45, target_minutes: 30, team: 'billing' });
    expect(got.get('T-1/first_response')).toMatchObject({ state: 'met', elapsed_minutes: 10, team: 'tech' });
    expect(Number(got.get('T-1/first_response')!.met_at)).toBe(T0 + H + 10 * MIN);
  });

  it('ticket_sla: from/to select by created_at', async () => {
    const from = new Date(T0 + 3 * H).toISOString();
    const to = new Date(T0 + 7 * H).toISOString();
    const table = await exported(`/v1/export/ticket_sla?from=${from}&to=${to}&columns=ticket_id,metric,created_at`);
    const rows = rowsOf(table);
    // Tickets 3, 4, 5, 6 (created on the hour; `to` is exclusive) × 3 metrics.
    expect(rows).toHaveLength(12);
    expect([...new Set(rows.map((r) => r.ticket_id))].sort()).toEqual(['T-3', 'T-4', 'T-5', 'T-6']);
    for (const r of rows) {
      expect(Number(r.created_at)).toBeGreaterThanOrEqual(T0 + 3 * H);
      expect(Number(r.created_at)).toBeLessThan(T0 + 7 * H);
    }
  });

  it('alerts: every version kept, a retried insert once, maps and nullable times intact, selected by fired_at', async () => {
    const table = await exported('/v1/export/alerts?columns=alert_id,version,state,severity,labels,details,acknowledged_at,acknowledged_by,fired_at,occurrences');
    const rows = rowsOf(table).sort((a, b) => `${a.alert_id}/${a.version}`.localeCompare(`${b.alert_id}/${b.version}`));
    expect(await t.scalar('SELECT count() FROM alerts')).toBe(5);
    expect(rows.map((r) => `${r.alert_id}/${r.version}`)).toEqual(['a-1/1', 'a-1/2', 'a-2/1', 'a-3/1']);
    expect(rows[1]).toMatchObject({ state: 'acknowledged', severity: 'critical', acknowledged_by: 'maria', occurrences: 1 });
    expect(Number(rows[1].acknowledged_at)).toBe(T0 + 5 * MIN);
    expect(rows[0].acknowledged_at).toBeNull();
    expect(Number(rows[2].fired_at)).toBe(T0 + 2 * H);
    const labels = (rows[2].labels as { toJSON(): Record<string, string> }).toJSON();
    expect(labels).toEqual({ team: 'tech', product: 'app' });
    expect((rows[2].details as { toJSON(): Record<string, number> }).toJSON()).toEqual({ ratio: 3.5 });

    const day1 = await exported(`/v1/export/alerts?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 2 * H).toISOString()}&columns=alert_id,version`);
    expect(rowsOf(day1).map((r) => `${r.alert_id}/${r.version}`).sort()).toEqual(['a-1/1', 'a-1/2']);
    const later = await exported(`/v1/export/alerts?from=${new Date(T0 + 2 * H).toISOString()}&columns=alert_id`);
    expect(rowsOf(later).map((r) => r.alert_id).sort()).toEqual(['a-2', 'a-3']);
  });

  it('agent_scores: snapshots with their values, a row written twice once, selected by computed_at', async () => {
    const all = rowsOf(await exported('/v1/export/agent_scores?columns=agent_id,computed_at,composite,csat_mean,tickets,routing_version'));
    expect(await t.scalar('SELECT count() FROM agent_scores')).toBe(7);
    expect(all).toHaveLength(6);
    const snap = (at: number) => all.filter((r) => Number(r.computed_at) === at).sort((a, b) => String(a.agent_id).localeCompare(String(b.agent_id)));
    expect(snap(T0).map((r) => [r.agent_id, r.composite, r.csat_mean, r.tickets, Number(r.routing_version)])).toEqual([
      ['agent-0', 0.81, 4.5, 20, 1],
      ['agent-1', 0.42, null, 20, 1],
      ['agent-2', 0.63, null, 20, 1],
    ]);
    const latest = rowsOf(await exported(`/v1/export/agent_scores?from=${new Date(T0 + H).toISOString()}&columns=agent_id,composite,csat_mean,computed_at`));
    expect(latest).toHaveLength(3);
    expect(latest.every((r) => Number(r.computed_at) === T0 + 6 * H)).toBe(true);
    expect(latest.find((r) => r.agent_id === 'agent-0')).toMatchObject({ composite: 0.84, csat_mean: 4.25 });
    expect(rowsOf(await exported('/v1/export/agent_scores?limit=2&columns=agent_id'))).toHaveLength(2);
  });

  it('refuses columns that are not exported with 400 naming `columns`', async () => {
    for (const url of [
      '/v1/export/ticket_sla?columns=ticket_id,nope',
      // A real column of alerts, but MATERIALIZED: not one of the exported columns.
      '/v1/export/alerts?columns=alert_id,team',
      '/v1/export/agent_scores?columns=event_id',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error, url).toMatchObject({ field: 'columns', message: expect.stringMatching(/unknown column/) });
      expect(res.json().error.message).not.toMatch(/DB::Exception|Code: \d+/);
    }
  });

  it('answers 404 for an unknown export, 400 for a malformed name or a ClickHouse name with its export name', async () => {
    for (const name of ['nope', 'sla_processor_state', 'schema_migrations']) {
      const res = await get(`/v1/export/${name}`);
      expect(res.statusCode, name).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'not_found', field: 'table' });
    }
    const renamed = await get('/v1/export/ticket_events');
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().error.message).toContain('/v1/export/events');
    for (const name of ['Alerts', 'ticket_sla;DROP', '_x', 'a'.repeat(65)]) {
      expect((await get(`/v1/export/${encodeURIComponent(name)}`)).statusCode, name).toBe(400);
    }
  });

  it('needs the sql scope for derived tables too', async () => {
    expect((await get('/v1/export/ticket_sla', {})).statusCode).toBe(401);
    expect((await get('/v1/export/alerts', bearer(reader.key))).statusCode).toBe(403);
  });
});
