// The overview routes on the real embedded engine, without a browser: every page's
// panels run (the SLA panels carry their own SETTINGS clause, which must reach the
// engine as settings, not as a second clause), and the numbers agree with the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERVIEW_PAGES } from '../../api/overview/index.ts';
import { createSimulation } from '../../ingest/simulator/index.ts';
import { buildTestApi, type TestApi } from '../support/api.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const HOUR = 3_600_000;
let t: TestClickHouse;
let api: TestApi;
let range: { from: string; to: string };

beforeAll(async () => {
  t = await openTestClickHouse('overview-api');
  api = await buildTestApi(t);
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - 12 * HOUR;
  range = { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
  // Through HTTP ingest, as the ticketing core would send them.
  const events = [...createSimulation({ seed: 5, start, ticketsPerHour: 60 }).events(end)];
  for (let i = 0; i < events.length; i += 1000) {
    const res = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: events.slice(i, i + 1000) });
    expect(res.statusCode, res.body).toBe(202);
  }
}, 120_000);

afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

type Body = { panels: Array<{ key: string; status: string; error?: unknown; columns: Array<{ name: string }>; rows: unknown[][] }> };
const get = async (url: string) => {
  const res = await api.app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Body;
};
const rows = (body: Body, key: string) => {
  const p = body.panels.find((x) => x.key === key)!;
  return p.rows.map((r) => Object.fromEntries(p.columns.map((c, i) => [c.name, r[i]])));
};

describe('overview pages on the embedded engine', () => {
  it.each(OVERVIEW_PAGES)('%s: every panel runs (no errors, also on tables the processors have not filled)', async (page) => {
    const body = await get(`/v1/overview/${page}?from=${range.from}&to=${range.to}`);
    for (const p of body.panels) expect(p.status, `${p.key}: ${JSON.stringify(p.error)}`).toMatch(/^(ok|pending)$/);
  });

  it('counts what was stored: tickets by channel and category match the events', async () => {
    const q = `from=${range.from}&to=${range.to}`;
    const body = await get(`/v1/overview/volume?${q}`);
    const byChannel = new Map<string, number>();
    for (const r of rows(body, 'volume')) byChannel.set(String(r.channel), (byChannel.get(String(r.channel)) ?? 0) + Number(r.tickets));
    const params = { from: range.from.replace('T', ' ').replace('Z', ''), to: range.to.replace('T', ' ').replace('Z', '') };
    const created = await t.rows<{ channel: string; n: string }>(
      `SELECT channel, count() AS n FROM (
         SELECT ticket_id, argMaxIf(channel, occurred_at, channel != '') AS channel, minIf(occurred_at, type = 'created') AS created_at
         FROM ticket_events GROUP BY ticket_id)
       WHERE created_at >= {from:DateTime64(3)} AND created_at <= {to:DateTime64(3)} GROUP BY channel`,
      params,
    );
    expect(Object.fromEntries(byChannel)).toEqual(Object.fromEntries(created.map((r) => [r.channel, Number(r.n)])));
    expect([...byChannel.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);

    const team = (await api.app.inject({ method: 'GET', url: `/v1/overview/filters?${q}` })).json().team[0] as string;
    const filtered = await get(`/v1/overview/volume?${q}&team=${encodeURIComponent(team)}`);
    const total = (b: Body) => rows(b, 'categories').reduce((a, r) => a + Number(r.tickets), 0);
    expect(total(filtered)).toBeGreaterThan(0);
    expect(total(filtered)).toBeLessThan(total(body));
  });
});
