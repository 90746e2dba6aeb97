// Every dashboard panel's SQL, expanded the way the Grafana ClickHouse plugin expands
// it, run against a simulated week in the real embedded engine: it must succeed,
// return rows, and return the columns its visualisation needs. Variable queries run
// too, and their values drive a second run of every panel with a concrete selection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toClickHouseTime } from '../../core/events/row.ts';
import type { DeadLetterRow } from '../../core/events/dead-letter.ts';
import { ALL_VALUE, buildAll, expandQuery, type BuiltPanel, type ExpandContext, type PanelShape, type VariableSpec, type VariableState } from '../../dashboards/index.ts';
import { BatchWriter, ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { Rng, createSimulation, malformedLine } from '../../ingest/simulator/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const HOUR = 3_600_000;
const DAYS = 7;
const BUILT = buildAll();

let t: TestClickHouse;
let range: { from: number; to: number };
/** Values the variable queries returned, by variable name. */
const values = new Map<string, string[]>();
/** Sample values for free-text variables (a textbox has no query to ask). */
const textboxSamples = new Map<string, string>();

interface Result {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
}

async function run(sql: string): Promise<Result> {
  const rs = await t.ch.client.query({ query: sql, format: 'JSON' });
  return rs.json<Record<string, unknown>>() as unknown as Promise<Result>;
}

/** A week of simulated tickets, half over "Kafka" (4 partitions) and half over "HTTP", one hour replayed, some malformed. */
async function seed(): Promise<void> {
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - DAYS * 24 * HOUR;
  range = { from: start, to: end + HOUR };
  const sim = createSimulation({
    seed: 11,
    start,
    ticketsPerHour: 100,
    tenants: 2,
    incident: { startOffsetMinutes: (DAYS - 1) * 24 * 60, durationMinutes: 240, ticketsPerHour: 60 },
  });
  const rng = new Rng(11, 7);
  const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 50_000, flushIntervalMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100 });
  const pending: Array<Promise<unknown>> = [];
  let offset = 0;
  let replay: string[] = [];
  for (let hour = start, h = 0; hour < end; hour += HOUR, h++) {
    const lines: string[] = [];
    const dead: DeadLetterRow[] = [];
    const kafka = h % 2 === 0;
    // Delivered in the last minutes of the hour: received_at spreads over the week.
    const ctx = { nowMs: Date.now(), receivedAt: toClickHouseTime(hour + HOUR - 60_000 + rng.int(0, 50_000)) };
    let index = 0;
    for (const ev of sim.events(hour + HOUR)) {
      const raw = rng.next() < 0.004 ? malformedLine(ev, rng).line : JSON.stringify(ev);
      const origin = kafka ? { source: 'kafka' as const, topic: 'ticket-events', partition: offset % 4, offset: offset++ } : { source: 'http' as const, requestId: `req-${h}`, index: index++ };
      const r = processMessage(raw, origin, ctx);
      if (r.kind === 'ok') lines.push(r.line);
      else if (r.kind === 'dead_letter') dead.push(r.row);
    }
    if (h === 100) replay = lines;
    pending.push(writer.write(lines, dead));
  }
  // A batch delivered twice, as after a crash between insert and commit.
  pending.push(writer.write(replay));
  await Promise.all(pending);
  await writer.close();

  const [row] = (await run("SELECT ticket_id FROM ticket_events WHERE type = 'created' ORDER BY occurred_at DESC, ticket_id LIMIT 1 OFFSET 200")).data;
  textboxSamples.set('ticket_id', String(row.ticket_id));
}

function ctxFor(variables: VariableState[]): ExpandContext {
  // What Grafana computes for 7 days on a ~1000 px panel, rounded to its nice intervals.
  return { range, intervalMs: HOUR, variables };
}

function allSelected(specs: readonly VariableSpec[]): VariableState[] {
  return specs.map((v) =>
    v.kind === 'textbox' ? { name: v.name, current: textboxSamples.get(v.name) ?? '' } : { name: v.name, current: [ALL_VALUE], options: values.get(v.name) ?? [] },
  );
}

/** A concrete selection: the first value of each variable, two for multi-value team. */
function someSelected(specs: readonly VariableSpec[]): VariableState[] {
  return specs.map((v) => {
    if (v.kind === 'textbox') return { name: v.name, current: textboxSamples.get(v.name) ?? '' };
    const options = values.get(v.name) ?? [];
    return { name: v.name, current: options.slice(0, v.name === 'team' ? 2 : 1), options };
  });
}

const isNumeric = (type: string) => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(type);
const isText = (type: string) => /^(Nullable\()?(LowCardinality\()?(Nullable\()?(String|FixedString)/.test(type);
const isTime = (type: string) => /^(Nullable\()?DateTime(64)?\b/.test(type);

function checkShape(shape: PanelShape, result: Result): void {
  const names = result.meta.map((m) => m.name);
  const type = (name: string) => result.meta.find((m) => m.name === name)?.type ?? '(missing)';
  switch (shape.kind) {
    case 'timeseries': {
      expect(names).toEqual(['time', ...shape.labels, ...shape.values]);
      expect(isTime(type('time')), `time is ${type('time')}`).toBe(true);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      for (const l of shape.labels) expect(isText(type(l)), `${l} is ${type(l)}`).toBe(true);
      // The backend pivots long frames to wide by time: rows must come ordered by it.
      const times = result.data.map((r) => String(r.time));
      expect(times).toEqual([...times].sort());
      break;
    }
    case 'table':
      expect(names).toEqual([...shape.columns]);
      break;
    case 'stat':
      expect(names).toEqual([...shape.values]);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      break;
    case 'category':
      expect(names).toEqual([shape.category, ...shape.values]);
      expect(isText(type(shape.category)), `${shape.category} is ${type(shape.category)}`).toBe(true);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      break;
  }
}

beforeAll(async () => {
  t = await openTestClickHouse('dashboards');
  await seed();
  // Variable queries run first: their values are what a person would pick from.
  for (const d of BUILT) {
    for (const v of d.spec.variables) {
      if (v.kind !== 'query' || values.has(v.name)) continue;
      const r = await run(expandQuery(v.query, ctxFor([])));
      values.set(v.name, r.data.map((row) => String(Object.values(row)[0])));
    }
  }
});

afterAll(async () => t?.cleanup());

describe('panel sources', () => {
  it('are tables the migrations create (no panel is written against a table that does not exist)', async () => {
    const tables = new Set((await run('SELECT name FROM system.tables WHERE database = currentDatabase()')).data.map((r) => String(r.name)));
    const read = new Set(BUILT.flatMap((d) => d.panels.flatMap((p) => p.spec.tables)));
    for (const table of read) expect(tables.has(table), `${table} is read by a panel but no migration creates it`).toBe(true);
    // And the panels read only what they declare.
    for (const d of BUILT) {
      for (const p of d.panels) {
        for (const m of p.spec.sql.matchAll(/\bFROM\s+([a-z_]+)(?!\s*\()/gi)) {
          const name = m[1];
          if (tables.has(name)) expect(p.spec.tables, `${p.spec.title} reads ${name}`).toContain(name);
        }
      }
    }
  });
});

describe('dashboard variables', () => {
  const specs = [...new Map(BUILT.flatMap((d) => d.spec.variables).map((v) => [v.name, v])).values()];
  it.each(specs.map((v) => [v.name, v] as const))('%s has values in the seeded week (or a sample for a textbox)', (_name, v) => {
    if (v.kind === 'textbox') expect(textboxSamples.get(v.name), `add a sample for textbox ${v.name} in seed()`).toBeTruthy();
    else expect(values.get(v.name)?.length ?? 0).toBeGreaterThan(0);
  });

  it('offer the seeded dimensions', () => {
    expect(values.get('tenant')).toEqual(['acme', 'globex']);
    expect(values.get('channel')).toEqual(['chat', 'email', 'phone', 'social', 'web']);
    expect(values.get('source')).toEqual(['http', 'kafka']);
  });
});

const cases = BUILT.flatMap((d) => d.panels.map((p) => [`${d.spec.title.replace('TicketPulse — ', '')} / ${p.spec.title}`, d.spec.variables, p] as const));

describe.each(cases)('panel %s', (_name, variables: readonly VariableSpec[], panel: BuiltPanel) => {
  it('returns rows of the right shape with every variable on All', async () => {
    const result = await run(expandQuery(panel.spec.sql, ctxFor(allSelected(variables))));
    expect(result.rows).toBeGreaterThan(0);
    checkShape(panel.spec.shape, result);
  });

  it('runs with a concrete multi-value selection', async () => {
    const result = await run(expandQuery(panel.spec.sql, ctxFor(someSelected(variables))));
    checkShape(panel.spec.shape, result);
  });
});

describe('panel results agree with the data', () => {
  const panel = (dashboardUid: string, title: string) => {
    const p = BUILT.find((d) => d.spec.uid === dashboardUid)?.panels.find((x) => x.spec.title === title);
    if (!p) throw new Error(`no panel ${title} in ${dashboardUid}`);
    return p.spec;
  };
  const ops = (title: string) => panel('ticketpulse-operations', title);
  const all = () => ctxFor(allSelected(BUILT.find((d) => d.spec.uid === 'ticketpulse-operations')!.spec.variables));

  it('counts each ticket once although an hour of events was delivered twice', async () => {
    const created = Number((await run(expandQuery(ops('Tickets created').sql, all()))).data[0].tickets);
    const direct = await t.scalar(
      `SELECT uniqExact(ticket_id) FROM ticket_events WHERE type = 'created' AND occurred_at >= toDateTime(${Math.floor(range.from / 1000)}) AND occurred_at <= toDateTime(${Math.floor(range.to / 1000)})`,
    );
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBeGreaterThan(await t.scalar('SELECT count() FROM ticket_events FINAL'));
    expect(created).toBe(direct);
    const byChannel = (await run(expandQuery(ops('Ticket volume by channel').sql, all()))).data.reduce((n, r) => n + Number(r.tickets), 0);
    expect(byChannel).toBe(created);
  });

  it('ends the backlog series on the open-backlog figure', async () => {
    const series = (await run(expandQuery(ops('Open backlog over time').sql, all()))).data;
    const open = Number((await run(expandQuery(ops('Open backlog').sql, all()))).data[0].open_tickets);
    expect(open).toBeGreaterThan(0);
    expect(Number(series[series.length - 1].open_tickets)).toBe(open);
    expect(series.every((r) => Number(r.open_tickets) >= 0)).toBe(true);
  });

  it('filters by the selected channel', async () => {
    const variables = allSelected(BUILT.find((d) => d.spec.uid === 'ticketpulse-operations')!.spec.variables).map((v) =>
      v.name === 'channel' ? { ...v, current: ['email'] } : v,
    );
    const rows = (await run(expandQuery(ops('Ticket volume by channel').sql, ctxFor(variables)))).data;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.channel))).toEqual(new Set(['email']));
  });

  it('shows the dead letters that were written', async () => {
    const stored = await t.scalar('SELECT count() FROM dead_letters FINAL');
    expect(stored).toBeGreaterThan(0);
    const pipelineVars = allSelected(BUILT.find((d) => d.spec.uid === 'ticketpulse-pipeline')!.spec.variables);
    const shown = Number((await run(expandQuery(panel('ticketpulse-pipeline', 'Dead letters').sql, ctxFor(pipelineVars)))).data[0].dead_letters);
    expect(shown).toBe(stored);
  });
});
