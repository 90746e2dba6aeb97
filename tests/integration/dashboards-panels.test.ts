// Every dashboard panel's SQL, expanded the way the Grafana ClickHouse plugin expands
// it, run against a simulated week in the real embedded engine: it must succeed,
// return rows, and return the columns its visualisation needs. Variable queries run
// too, and their values drive a second run of every panel with a concrete selection.
// The week is stored and processed the way a running TicketPulse does it (see
// tests/support/dashboards-seed.ts), so the derived tables hold what the real
// processors write; the panels over them are cross-checked against direct queries,
// the APIs' own SQL and what the alert receivers got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAll, expandQuery, type BuiltPanel, type ExpandContext, type VariableSpec, type VariableState } from '../../dashboards/index.ts';
import { createSlaPort, parseSlaConfig } from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { HOUR, seedWeek, type SeededWeek } from '../support/dashboards-seed.ts';
import { allSelected, checkShape, someSelected, type Result } from '../support/dashboards-shape.ts';

const BUILT = buildAll();
const say = (line: string) => process.stdout.write(`${line}\n`);

let t: TestClickHouse;
let week: SeededWeek;
/** Values the variable queries returned, by variable name. */
const values = new Map<string, string[]>();
/** Sample values for free-text variables (a textbox has no query to ask). */
const textboxSamples = new Map<string, string>();

async function run(sql: string): Promise<Result> {
  const rs = await t.ch.client.query({ query: sql, format: 'JSON' });
  return rs.json<Record<string, unknown>>() as unknown as Promise<Result>;
}

function ctxFor(variables: VariableState[], to = week.range.to): ExpandContext {
  // What Grafana computes for 7 days on a ~1000 px panel, rounded to its nice intervals.
  return { range: { from: week.range.from, to }, intervalMs: HOUR, variables };
}

const dashboard = (uid: string) => {
  const d = BUILT.find((x) => x.spec.uid === uid);
  if (!d) throw new Error(`no dashboard ${uid}`);
  return d;
};

/** A panel's rows over the seeded week (or up to `to`), every variable on All unless overridden. */
async function panelRows(uid: string, title: string, opts: { to?: number; select?: Record<string, string[]> } = {}): Promise<Array<Record<string, unknown>>> {
  const d = dashboard(uid);
  const p = d.panels.find((x) => x.spec.title === title);
  if (!p) throw new Error(`no panel ${title} in ${uid}`);
  const variables = allSelected(d.spec.variables, values, textboxSamples).map((v) => (opts.select?.[v.name] ? { ...v, current: opts.select[v.name] } : v));
  return (await run(expandQuery(p.spec.sql, ctxFor(variables, opts.to)))).data;
}

const num = (v: unknown) => Number(v);
const rangeSql = () => `toDateTime(${Math.floor(week.range.from / 1000)}) AND toDateTime(${Math.floor(week.range.to / 1000)})`;

beforeAll(async () => {
  t = await openTestClickHouse('dashboards');
  const t0 = performance.now();
  week = await seedWeek(t, say);
  say(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  textboxSamples.set('ticket_id', week.sampleTicketId);
  // Variable queries run first: their values are what a person would pick from.
  for (const d of BUILT) {
    for (const v of d.spec.variables) {
      if (v.kind !== 'query' || values.has(v.name)) continue;
      const r = await run(expandQuery(v.query, ctxFor([])));
      values.set(v.name, r.data.map((row) => String(Object.values(row)[0])));
    }
  }
}, 600_000);

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
    const result = await run(expandQuery(panel.spec.sql, ctxFor(allSelected(variables, values, textboxSamples))));
    expect(result.rows).toBeGreaterThan(0);
    checkShape(panel.spec.shape, result);
  });

  it('runs with a concrete multi-value selection', async () => {
    const result = await run(expandQuery(panel.spec.sql, ctxFor(someSelected(variables, values, textboxSamples))));
    checkShape(panel.spec.shape, result);
  });
});

describe('ticket panels agree with the data', () => {
  const ops = (title: string) => panelRows('ticketpulse-operations', title);

  it('counts each ticket once although an hour of events was delivered twice', async () => {
    const created = num((await ops('Tickets created'))[0].tickets);
    const direct = await t.scalar(`SELECT uniqExact(ticket_id) FROM ticket_events WHERE type = 'created' AND occurred_at BETWEEN ${rangeSql()}`);
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBeGreaterThan(await t.scalar('SELECT count() FROM ticket_events FINAL'));
    expect(created).toBe(direct);
    const byChannel = (await ops('Ticket volume by channel')).reduce((n, r) => n + num(r.tickets), 0);
    expect(byChannel).toBe(created);
  });

  it('ends the backlog series on the open-backlog figure', async () => {
    const series = await ops('Open backlog over time');
    const open = num((await ops('Open backlog'))[0].open_tickets);
    expect(open).toBeGreaterThan(0);
    expect(num(series[series.length - 1].open_tickets)).toBe(open);
    expect(series.every((r) => num(r.open_tickets) >= 0)).toBe(true);
  });

  it('filters by the selected channel', async () => {
    const rows = await panelRows('ticketpulse-operations', 'Ticket volume by channel', { select: { channel: ['email'] } });
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.channel))).toEqual(new Set(['email']));
  });

  it('shows the dead letters that were written', async () => {
    const stored = await t.scalar('SELECT count() FROM dead_letters FINAL');
    expect(stored).toBeGreaterThan(0);
    expect(num((await panelRows('ticketpulse-pipeline', 'Dead letters'))[0].dead_letters)).toBe(stored);
  });
});

describe('SLA panels agree with ticket_sla and the SLA API', () => {
  const sla = (title: string, select?: Record<string, string[]>) => panelRows('ticketpulse-sla', title, { select });
  /** met / breached per metric from the latest version of each row, by argMax (not FINAL). */
  const decidedDirect = async (where = '1') =>
    t.rows<{ metric: string; met: string; breached: string }>(`
      SELECT metric, countIf(s = 'met') AS met, countIf(s = 'breached') AS breached
      FROM (SELECT ticket_id, metric, argMax(state, version) AS s, argMax(decided_at, version) AS d, argMax(channel, version) AS channel FROM ticket_sla GROUP BY ticket_id, metric)
      WHERE s IN ('met', 'breached') AND d BETWEEN ${rangeSql()} AND ${where}
      GROUP BY metric ORDER BY metric`);

  it('compliance by metric counts the latest version of each decided metric, as a direct count and the API do', async () => {
    // Tickets were recomputed day after day: older versions were written, to be skipped
    // (whether a merge has dropped them yet is up to the engine).
    const written = week.runs.filter((r) => r.processor === 'sla').reduce((n, r) => n + num(r.details?.rows), 0);
    expect(written).toBeGreaterThan(await t.scalar('SELECT uniqExact(ticket_id, metric) FROM ticket_sla'));
    const rows = await sla('Compliance now, by metric');
    expect(rows.map((r) => r.metric)).toEqual(['first_response', 'next_reply', 'resolution']);
    const direct = new Map((await decidedDirect()).map((r) => [r.metric, r]));
    const api = await createSlaPort({ ch: t.ch, config: parseSlaConfig(undefined) }).compliance({ from: week.range.from, to: week.range.to + 1000, metrics: ['first_response', 'next_reply', 'resolution'], groupBy: ['metric'] });
    for (const r of rows) {
      const d = direct.get(String(r.metric))!;
      expect({ metric: r.metric, met: num(r.met), breached: num(r.breached) }).toEqual({ metric: d.metric, met: num(d.met), breached: num(d.breached) });
      expect(num(r.met) + num(r.breached)).toBeGreaterThan(100);
      expect(num(r.compliance)).toBeCloseTo(num(r.met) / (num(r.met) + num(r.breached)), 12);
      expect(api.rows.find((a) => a.metric === r.metric)).toMatchObject({ met: num(r.met), breached: num(r.breached) });
    }
    // A selection narrows to the tickets of that channel, on the same definition.
    const email = await sla('Compliance now, by metric', { channel: ['email'] });
    const emailDirect = new Map((await decidedDirect("channel = 'email'")).map((r) => [r.metric, r]));
    for (const r of email) expect(num(r.breached)).toBe(num(emailDirect.get(String(r.metric))!.breached));
  });

  it('splits the same decided metrics by priority × team, by hour of week and by contributor', async () => {
    const total = (await decidedDirect()).reduce((a, r) => ({ met: a.met + num(r.met), breached: a.breached + num(r.breached) }), { met: 0, breached: 0 });
    const groups = await sla('Compliance by priority and team');
    expect(groups.length).toBeLessThan(50); // all groups shown, so they must add up
    expect(groups.reduce((n, r) => n + num(r.decided), 0)).toBe(total.met + total.breached);
    expect(groups.reduce((n, r) => n + num(r.breached), 0)).toBe(total.breached);
    // Every breach of the range lands in one weekday × hour cell.
    const heat = await sla('Breaches by hour of week');
    expect(heat.map((r) => r.weekday)).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    const cells = heat.reduce((n, r) => n + Array.from({ length: 24 }, (_, h) => num(r[String(h).padStart(2, '0')])).reduce((a, b) => a + b, 0), 0);
    expect(cells).toBe(await t.scalar(`SELECT count() FROM ticket_sla FINAL WHERE state = 'breached' AND breached_at BETWEEN ${rangeSql()}`));
    // Five channels, so each one's breaches are listed, and they are all the breaches.
    const byChannel = (await sla('Worst contributors')).filter((r) => r.dimension === 'channel');
    expect(byChannel.reduce((n, r) => n + num(r.breached), 0)).toBe(total.breached);
    expect(byChannel.reduce((n, r) => n + num(r.breach_share), 0)).toBeCloseTo(1, 9);
  });

  it('lists the open metrics the SLA API lists at the end of the range, breached once their deadline passed', async () => {
    const rows = await sla('Breached and at-risk right now');
    const now = week.range.to;
    const api = await createSlaPort({ ch: t.ch, config: parseSlaConfig(undefined) }).atRisk({ now, includeBreached: true, limit: 10_000 });
    // The API's `breached` flag covers metrics whose deadline passed while their latest
    // row still says active; the deadline must agree with it either way.
    const expectedState = (i: (typeof api.items)[number]) => {
      const overdue = i.deadline !== null && Date.parse(i.deadline) <= now;
      expect(i.breached || !overdue, `${i.ticket_id} ${i.metric} is overdue but not breached for the API`).toBe(true);
      return i.breached ? 'breached' : 'at_risk';
    };
    const apiByKey = new Map(api.items.map((i) => [`${i.ticket_id}|${i.metric}`, i]));
    expect(new Set(rows.map((r) => r.state))).toEqual(new Set(['at_risk', 'breached']));
    for (const r of rows) {
      const item = apiByKey.get(`${r.ticket_id}|${r.metric}`);
      expect(item, `${r.ticket_id} ${r.metric} is not at risk for the API`).toBeDefined();
      expect(r.state).toBe(expectedState(item!));
      if (r.state === 'at_risk') expect(num(r.minutes_left)).toBeGreaterThanOrEqual(0);
      else expect(num(r.minutes_left)).toBeLessThanOrEqual(0);
    }
    // The ones nearest their deadline, on either side: none left out is nearer.
    expect(rows.length).toBe(Math.min(500, api.items.length));
    const shown = new Set(rows.map((r) => `${r.ticket_id}|${r.metric}`));
    const farthestShown = Math.max(...rows.map((r) => Math.abs(num(r.minutes_left))));
    const left = api.items.filter((i) => !shown.has(`${i.ticket_id}|${i.metric}`) && i.minutes_left !== null);
    for (const i of left) expect(Math.abs(i.minutes_left!)).toBeGreaterThanOrEqual(farthestShown - 0.1);
    // Only metrics whose latest version is open.
    const [sample] = rows;
    const latest = await t.rows<{ state: string }>(`SELECT argMax(state, version) AS state FROM ticket_sla WHERE ticket_id = {id:String} AND metric = {m:String}`, { id: sample.ticket_id, m: sample.metric });
    expect(['active', 'paused', 'breached']).toContain(latest[0].state);
  });
});

describe('agents and routing panels agree with the published snapshots', () => {
  const agents = (title: string) => panelRows('ticketpulse-agents', title);

  it('current routing weights are the latest version, and each skill × team sums to 1', async () => {
    const rows = await agents('Current routing weights');
    const latest = await t.scalar('SELECT max(version) FROM routing_weights');
    expect(latest).toBeGreaterThan(1);
    expect(new Set(rows.map((r) => num(r.version)))).toEqual(new Set([latest]));
    const sums = new Map<string, number>();
    for (const r of rows) sums.set(`${r.skill}|${r.team}`, (sums.get(`${r.skill}|${r.team}`) ?? 0) + num(r.weight));
    expect(sums.size).toBeGreaterThan(5);
    for (const [group, sum] of sums) expect(sum, group).toBeCloseTo(1, 9);
  });

  it('the leaderboard ranks the latest scores within their intervals, ten per skill', async () => {
    const rows = await agents('Skill leaderboard');
    const bySkill = new Map<string, number[]>();
    for (const r of rows) {
      expect(num(r.lower)).toBeLessThanOrEqual(num(r.score));
      expect(num(r.score)).toBeLessThanOrEqual(num(r.upper));
      bySkill.set(String(r.skill), [...(bySkill.get(String(r.skill)) ?? []), num(r.score)]);
    }
    const skills = await t.scalar('SELECT uniqExact(skill) FROM agent_scores WHERE computed_at = (SELECT max(computed_at) FROM agent_scores)');
    expect(bySkill.size).toBe(skills);
    for (const scores of bySkill.values()) {
      expect(scores.length).toBeLessThanOrEqual(10);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
  });

  it('weight changes are the moves between consecutive versions', async () => {
    const rows = await agents('Routing weight changes');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows.slice(0, 20)) {
      const before = await t.scalar(
        'SELECT ifNull(any(weight), 0) FROM routing_weights FINAL WHERE version = {v:UInt64} - 1 AND skill = {s:String} AND team = {tm:String} AND agent_id = {a:String}',
        { v: num(r.version), s: r.skill, tm: r.team, a: r.agent },
      );
      expect(num(r.previous_weight)).toBeCloseTo(before, 9);
      expect(num(r.change)).toBeCloseTo(num(r.weight) - before, 9);
    }
  });
});

describe('root-cause and surge panels show the incident', () => {
  const incidentEnd = () => week.sim.incident!.startMs + HOUR;

  it('an hour into the incident, its batch is active, concentrated on batch B-2311, with the incident’s tickets as members', async () => {
    const batches = await panelRows('ticketpulse-root-causes', 'Active root-cause batches', { to: incidentEnd() });
    for (const b of batches) expect(typeof b.sample_subjects).toBe('string');
    const incident = batches.filter((b) => /B-2311|Velvet Matte Lipstick/.test(String(b.concentration)));
    expect(incident.length, JSON.stringify(batches.slice(0, 5))).toBeGreaterThan(0);
    expect(incident.some((b) => b.status === 'emerging')).toBe(true);
    const ids = new Set(incident.map((b) => b.cluster_id));
    const members = (await panelRows('ticketpulse-root-causes', 'Batch members', { to: incidentEnd() })).filter((m) => ids.has(m.cluster_id));
    const truth = week.sim.incidentTicketIds();
    const hits = members.filter((m) => truth.has(String(m.ticket_id))).length;
    say(`incident batches ${[...ids].join(', ')}: ${hits} of ${members.length} members are incident tickets`);
    expect(hits).toBeGreaterThanOrEqual(5);
  });

  it('the surge timeline shows the incident’s product above what was expected while it lasted', async () => {
    const rows = await panelRows('ticketpulse-root-causes', 'Surge timeline');
    const { startMs, endMs } = week.sim.incident!;
    const during = rows.filter((r) => r.scope === 'product=Velvet Matte Lipstick' && Date.parse(`${String(r.time).replace(' ', 'T')}Z`) >= startMs - HOUR && Date.parse(`${String(r.time).replace(' ', 'T')}Z`) < endMs);
    expect(during.length).toBeGreaterThan(0);
    for (const r of during) expect(num(r.observed)).toBeGreaterThan(num(r.expected));
  });
});

describe('alert panels agree with the alert log and the receivers', () => {
  it('alerts by state count every alert once, at its latest version', async () => {
    const rows = await panelRows('ticketpulse-alerts', 'Alerts by state');
    const direct = await t.rows<{ kind: string; state: string; n: string }>(
      'SELECT kind, state, count() AS n FROM (SELECT * FROM alerts ORDER BY alert_id, version DESC LIMIT 1 BY alert_id) GROUP BY kind, state',
    );
    const expected = new Map<string, Record<string, number>>();
    for (const d of direct) expected.set(d.kind, { ...(expected.get(d.kind) ?? { firing: 0, acknowledged: 0, resolved: 0 }), [d.state]: num(d.n) });
    expect(Object.fromEntries(rows.map((r) => [r.kind, { firing: num(r.firing), acknowledged: num(r.acknowledged), resolved: num(r.resolved) }]))).toEqual(Object.fromEntries(expected));
    expect(expected.size).toBeGreaterThanOrEqual(3);
    // The versions are there to be skipped: every transition wrote one.
    expect(await t.scalar('SELECT count() FROM alerts')).toBeGreaterThan(await t.scalar('SELECT uniqExact(alert_id) FROM alerts'));
    const acknowledged = (await panelRows('ticketpulse-alerts', 'Time to acknowledge')).reduce((n, r) => n + num(r.acknowledged), 0);
    expect(acknowledged).toBe(week.acknowledged);
  });

  it('deliveries by channel match what each receiver accepted, and show the refused ones', async () => {
    const rows = await panelRows('ticketpulse-alerts', 'Deliveries and failures by channel');
    expect(Object.fromEntries(rows.map((r) => [r.channel, num(r.delivered)]))).toEqual(week.received);
    const robot = rows.find((r) => r.channel === 'supervisors-dingtalk')!;
    expect(num(robot.dead)).toBeGreaterThan(0);
    expect(String(robot.last_error)).toMatch(/310000/);
  });
});

describe('processor panels agree with the scheduler', () => {
  it('last successful run and run counts per processor are the scheduler’s records', async () => {
    const rows = await panelRows('ticketpulse-pipeline', 'Last successful run');
    const byProcessor = new Map<string, { runs: number; last: number }>();
    for (const r of week.runs) {
      const p = byProcessor.get(r.processor) ?? { runs: 0, last: 0 };
      byProcessor.set(r.processor, { runs: p.runs + 1, last: Math.max(p.last, r.status === 'ok' ? r.startedAt : 0) });
    }
    expect(rows.map((r) => r.processor)).toEqual([...byProcessor.keys()].sort());
    for (const r of rows) {
      const p = byProcessor.get(String(r.processor))!;
      expect(num(r.runs)).toBe(p.runs);
      expect(num(r.failed)).toBe(0);
      expect(Date.parse(`${String(r.last_success).replace(' ', 'T')}Z`)).toBe(p.last);
      expect(num(r.since_last_success)).toBe(Math.round((week.range.to - p.last) / 1000));
    }
  });
});

describe('Kafka lag panels agree with the recorded samples', () => {
  it('the lag series peaks at the messages of one Kafka hour, and every partition ends caught up', async () => {
    // Each Kafka hour's messages wait in Kafka from the half hour until they are delivered.
    const series = await panelRows('ticketpulse-pipeline', 'Kafka consumer lag');
    expect(new Set(series.map((r) => r.consumer_group))).toEqual(new Set(['ticket-events · ticketpulse-ingest']));
    const peak = Math.max(...series.map((r) => num(r.lag)));
    const hourly = await t.rows<{ n: string }>(
      "SELECT count() AS n FROM (SELECT DISTINCT kafka_offset, toStartOfHour(received_at) AS h FROM ticket_events WHERE source = 'kafka') GROUP BY h ORDER BY n DESC LIMIT 1",
    );
    // Dead letters of that hour waited too, so the peak is at least the stored events of the busiest hour.
    expect(peak).toBeGreaterThanOrEqual(num(hourly[0].n));
    expect(peak).toBeLessThan(num(hourly[0].n) * 1.02);
    expect(peak).toBeGreaterThan(50);
    const latest = await panelRows('ticketpulse-pipeline', 'Lag by partition');
    expect(latest.map((r) => num(r.partition)).sort()).toEqual([0, 1, 2, 3]);
    expect(latest.every((r) => num(r.lag) === 0)).toBe(true);
    // Committed offsets cover every Kafka message the week delivered (stored or dead-lettered).
    const delivered = await t.scalar(
      "SELECT uniqExact(kafka_offset) FROM (SELECT kafka_offset FROM ticket_events WHERE source = 'kafka' UNION ALL SELECT kafka_offset FROM dead_letters WHERE source = 'kafka')",
    );
    expect(latest.reduce((n, r) => n + num(r.committed_offset), 0)).toBe(delivered);
  });
});
