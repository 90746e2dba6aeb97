// The overview routes through the whole app (auth, validation, error format) on the
// real embedded engine, over a seeded day (tests/support/overview-seed.ts: simulator
// events through the batch writer, derived tables written by the real processors).
// A panel's rows must be what its own Grafana SQL, expanded independently here with
// the plugin's macros for the same range and filters, returns when run directly on the
// engine; the analysts' limits must reach the engine (a tiny maxResultRows fails one
// panel, the others still answer). The app needs a ClickHouse to be built (AppOptions.ch,
// and the analysts' engine is made from it), so even the static shell is tested here;
// the query parsing and panel SQL without an engine are in tests/unit/overview-routes.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTERS, MAX_ROWS, OVERVIEW_PAGES, OverviewPanels, PAGE_PANELS, analystRunner, parseOverviewQuery, type FilterName, type PanelRef } from '../../api/overview/index.ts';
import { loadCatalogue } from '../../api/overview/panels.ts';
import { createAnalystSql } from '../../core/clickhouse/index.ts';
import { ALL_VALUE, DASHBOARDS, TICKET_VARIABLES, buildAll, expandQuery, type VariableSpec, type VariableState } from '../../dashboards/index.ts';
import { bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { HOUR, seedOverviewDay, type OverviewSeed } from '../support/overview-seed.ts';

const BUILT = buildAll();
/** Small enough that the volume-by-channel panel (a bucket per hour and channel) exceeds it, large enough for top categories and surges. */
const TINY_RESULT_ROWS = 50;

let t: TestClickHouse;
let seed: OverviewSeed;
let api: TestApi;
let limited: TestApi;
/** The seeded day as query parameters. */
let dayQuery: string;
/** What each filter variable's own query returns over the seeded day, run directly: what Grafana's All expands to. */
const values = new Map<string, string[]>();

interface Direct {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

/** Runs SQL directly on the engine (the test's own connection, not the analysts' read engine the routes use). */
async function direct(sql: string): Promise<Direct> {
  const rs = await t.ch.client.query({ query: sql, format: 'JSONCompact' });
  const body = (await rs.json()) as unknown as { meta: Direct['columns']; data: unknown[][] };
  return { columns: body.meta, rows: body.data };
}

beforeAll(async () => {
  t = await openTestClickHouse('overview-routes');
  seed = await seedOverviewDay(t);
  dayQuery = `from=${new Date(seed.range.from).toISOString()}&to=${new Date(seed.range.to).toISOString()}`;
  for (const v of TICKET_VARIABLES) {
    if (v.kind !== 'query') continue;
    const r = await direct(expandQuery(v.query, { range: seed.range, intervalMs: HOUR, variables: [] }));
    values.set(v.name, r.rows.map((row) => String(row[0])));
  }
  api = await buildTestApi(t);
  limited = await buildTestApi(t, { api: { sql: { maxResultRows: TINY_RESULT_ROWS } } });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await limited?.close();
  await t?.cleanup();
});

type Filters = Partial<Record<FilterName, string[]>>;
interface PanelBody {
  key: string;
  title: string;
  question: string;
  status: string;
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
  truncated: boolean;
  error?: { code: string; message: string };
}
interface PageBody {
  page: string;
  range: { from: string; to: string; interval_ms: number };
  filters: Filters;
  panels: PanelBody[];
}

const get = (url: string, headers: Record<string, string> = {}, on: TestApi = api) => on.app.inject({ method: 'GET', url, headers });
async function page(url: string, on: TestApi = api): Promise<PageBody> {
  const res = await get(url, {}, on);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as PageBody;
}
const panelOf = (body: PageBody, key: string) => body.panels.find((p) => p.key === key)!;
const ref = (key: string) => Object.values(PAGE_PANELS).flat().find((r) => r.key === key)!;
const isBuilt = (r: PanelRef) => BUILT.some((d) => d.spec.uid === r.dashboard && d.panels.some((p) => p.spec.title === r.title));
const panelSql = (r: PanelRef) => BUILT.find((d) => d.spec.uid === r.dashboard)!.panels.find((p) => p.spec.title === r.title)!.spec.sql;

/** A variable as Grafana holds it: the filter's values when set, else All over the values its query offers. */
function state(v: VariableSpec, filters: Filters): VariableState {
  if (v.kind === 'textbox') return { name: v.name, current: '' };
  const selected = filters[v.name as FilterName];
  return selected ? { name: v.name, current: selected, options: selected } : { name: v.name, current: [ALL_VALUE], options: values.get(v.name) ?? [] };
}

/** The panel's own SQL expanded here (Grafana plugin macros) for the range and filters, run directly on the engine. */
function expected(r: PanelRef, range: { from: number; to: number; intervalMs: number }, filters: Filters = {}): Promise<Direct> {
  const dashboard = BUILT.find((d) => d.spec.uid === r.dashboard)!;
  const sql = expandQuery(panelSql(r), { range: { from: range.from, to: range.to }, intervalMs: range.intervalMs, variables: dashboard.spec.variables.map((v) => state(v, filters)) });
  return direct(sql);
}
const rangeOf = (body: PageBody) => ({ from: Date.parse(body.range.from), to: Date.parse(body.range.to), intervalMs: body.range.interval_ms });
const DAY_RANGE = () => ({ ...seed.range, intervalMs: HOUR });

/** The route's JSON has plain numbers where ClickHouse's JSON quotes 64-bit integers: compare values as text. */
const norm = (v: unknown): unknown => (Array.isArray(v) ? v.map(norm) : typeof v === 'number' ? String(v) : v);

/** The route answered the panel as the engine answers its SQL, capped at MAX_ROWS. */
function expectSame(p: PanelBody, want: Direct): void {
  expect(p.status, `${p.key}: ${JSON.stringify(p.error)}`).toBe('ok');
  expect(p.columns, p.key).toEqual(want.columns);
  expect(norm(p.rows), p.key).toEqual(norm(want.rows.slice(0, MAX_ROWS)));
  expect(p.truncated, p.key).toBe(want.rows.length > MAX_ROWS);
}
const objects = (p: PanelBody) => p.rows.map((r) => Object.fromEntries(p.columns.map((c, i) => [c.name, r[i]])));
const tickets = (p: PanelBody) => objects(p).reduce((a, r) => a + Number(r.tickets), 0);

describe('the static shell', () => {
  it('serves the page at / with its script and styles from this origin, no inline script', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<script type="module" src="overview/app.js"></script>');
    expect(res.body).toContain('<link rel="stylesheet" href="overview/app.css">');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Reached over plain http on a LAN address, the page must load its own files over http.
    expect(csp).not.toContain('upgrade-insecure-requests');
    // The same for the Swagger UI at /docs: one policy for every response.
    expect(String((await get('/healthz')).headers['content-security-policy'])).toBe(csp);
  });

  it('serves the bundle with revalidation (ETag, 304)', async () => {
    for (const [url, type] of [
      ['/overview/app.js', /^text\/javascript/],
      ['/overview/app.css', /^text\/css/],
    ] as const) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(type);
      expect(res.headers['cache-control']).toBe('no-cache');
      const again = await get(url, { 'if-none-match': String(res.headers.etag) });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('is not in the OpenAPI document (the data routes are)', async () => {
    const spec = (await get('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).not.toContain('/');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/overview/{page}', '/v1/overview/filters', '/v1/overview/session']));
  });
});

describe('GET /v1/overview/:page', () => {
  it.each(OVERVIEW_PAGES)("%s answers every panel of the page with the rows its own SQL returns for the range (pending when it waits for its table)", async (name) => {
    const body = await page(`/v1/overview/${name}?${dayQuery}`);
    expect(body.page).toBe(name);
    expect(body.range).toEqual({ from: new Date(seed.range.from).toISOString(), to: new Date(seed.range.to).toISOString(), interval_ms: HOUR });
    expect(body.panels.map((p) => p.key)).toEqual(PAGE_PANELS[name].map((r) => r.key));
    for (const [i, r] of PAGE_PANELS[name].entries()) {
      const p = body.panels[i];
      expect(p.title).toBe(r.title);
      expect(p.question).toMatch(/\?/);
      if (isBuilt(r)) {
        const want = await expected(r, DAY_RANGE());
        // The seeded day fills every table the overview reads: a comparison of empty results proves nothing.
        expect(want.rows.length, `${r.key} has no rows over the seeded day`).toBeGreaterThan(0);
        expectSame(p, want);
      } else {
        expect(p.status, r.title).toBe('pending');
        expect(DASHBOARDS.find((d) => d.uid === r.dashboard)?.pending?.map((x) => x.title)).toContain(r.title);
      }
    }
  });

  it("runs the panel's SQL expanded for the range and filters: a team and priority filter narrows the rows to those values", async () => {
    // Filter on the teams and priority most present among All's at-risk tickets, so the filtered page is never empty.
    const all = await page(`/v1/overview/now?${dayQuery}`);
    const atRiskAll = objects(panelOf(all, 'at_risk'));
    const mostCommon = (rows: Array<Record<string, unknown>>, col: string) => {
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(String(r[col]), (counts.get(String(r[col])) ?? 0) + 1);
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v]) => v);
    };
    const teams = mostCommon(atRiskAll, 'team').filter((v) => v !== '(unassigned)').slice(0, 2);
    const priority = mostCommon(atRiskAll.filter((r) => teams.includes(String(r.team))), 'priority').slice(0, 1);
    expect(teams).toHaveLength(2);
    const filters = { team: teams, priority };

    const body = await page(`/v1/overview/now?${dayQuery}&team=${teams.map(encodeURIComponent).join(',')}&priority=${priority[0]}`);
    expect(body).toMatchObject({ range: { from: new Date(seed.range.from).toISOString(), to: new Date(seed.range.to).toISOString(), interval_ms: 3_600_000 }, filters });
    for (const key of ['compliance', 'compliance_trend', 'at_risk']) expectSame(panelOf(body, key), await expected(ref(key), DAY_RANGE(), filters));
    const atRisk = objects(panelOf(body, 'at_risk'));
    expect(atRisk.length).toBeGreaterThan(0);
    expect(atRisk.length).toBeLessThan(atRiskAll.length);
    for (const r of atRisk) {
      expect(teams).toContain(r.team);
      expect(r.priority).toBe(priority[0]);
    }

    // The repeated form (team=a&team=b, as URLSearchParams writes it) means the same.
    const repeated = await page(`/v1/overview/now?${dayQuery}&${teams.map((t) => `team=${encodeURIComponent(t)}`).join('&')}&priority=${priority[0]}`);
    expect(repeated.filters).toEqual(filters);
    expect(panelOf(repeated, 'at_risk')).toEqual(panelOf(body, 'at_risk'));

    // Volume returns no team column: the filtered tickets are fewer, and as the engine counts them.
    const volumeAll = await page(`/v1/overview/volume?${dayQuery}`);
    const volume = await page(`/v1/overview/volume?${dayQuery}&team=${teams.map(encodeURIComponent).join(',')}&priority=${priority[0]}`);
    for (const key of ['volume', 'categories']) expectSame(panelOf(volume, key), await expected(ref(key), DAY_RANGE(), filters));
    expect(tickets(panelOf(volume, 'volume'))).toBeGreaterThan(0);
    expect(tickets(panelOf(volume, 'volume'))).toBeLessThan(tickets(panelOf(volumeAll, 'volume')));
  });

  it('leaves a filter that is absent on All, and defaults to the last 24 hours with hourly buckets', async () => {
    const before = Date.now();
    const body = await page('/v1/overview/volume');
    expect(Date.parse(body.range.to) - Date.parse(body.range.from)).toBe(24 * HOUR);
    expect(Date.parse(body.range.to)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.range.interval_ms).toBe(HOUR);
    expect(body.filters).toEqual({});
    const volume = panelOf(body, 'volume');
    expectSame(volume, await expected(ref('volume'), rangeOf(body)));
    // All means every value: the seeded hours in the last day, over more than one channel.
    expect(new Set(objects(volume).map((r) => r.channel)).size).toBeGreaterThan(1);
  });

  it("runs the panels that end with their own SETTINGS clause (the engine adds readonly and the limits in one clause)", async () => {
    const withSettings = Object.values(PAGE_PANELS)
      .flat()
      .filter((r) => isBuilt(r) && /\bSETTINGS\s+\w+\s*=[^\n]*$/.test(panelSql(r)));
    // The SLA panels read ticket_sla with FINAL per partition.
    expect(withSettings.map((r) => r.key)).toEqual(expect.arrayContaining(['compliance', 'compliance_trend', 'at_risk']));
    for (const r of withSettings) {
      const name = OVERVIEW_PAGES.find((p) => PAGE_PANELS[p].includes(r))!;
      const want = await expected(r, DAY_RANGE());
      expect(want.rows.length, r.key).toBeGreaterThan(0);
      expectSame(panelOf(await page(`/v1/overview/${name}?${dayQuery}`), r.key), want);
    }
  });

  it("runs with the analysts' limits: a panel over maxResultRows is reported as an error, the others still answer", async () => {
    const wantVolume = await expected(ref('volume'), DAY_RANGE());
    expect(wantVolume.rows.length).toBeGreaterThan(TINY_RESULT_ROWS);
    const body = await page(`/v1/overview/volume?${dayQuery}`, limited);
    const volume = panelOf(body, 'volume');
    expect(volume).toMatchObject({ status: 'error', rows: [], error: { code: 'clickhouse_query_failed' } });
    // The engine's message stays in the server log.
    expect(volume.error!.message).not.toMatch(/Exception|Limit|rows/i);
    const failure = limited.logs.map((l) => JSON.parse(l) as { panel?: string; err?: { message?: string } }).find((l) => l.panel === ref('volume').title);
    expect(failure?.err?.message).toMatch(/TOO_MANY_ROWS_OR_BYTES/);
    for (const key of ['categories', 'surges']) {
      const want = await expected(ref(key), DAY_RANGE());
      expect(want.rows.length, key).toBeLessThanOrEqual(TINY_RESULT_ROWS);
      expectSame(panelOf(body, key), want);
    }
    // The same panel without the tiny limit answers.
    expectSame(panelOf(await page(`/v1/overview/volume?${dayQuery}`), 'volume'), wantVolume);
  });

  it('reports a panel that no longer returns a column the page reads, and still answers the others', async () => {
    // The dashboards as they would be after someone renamed the panel's channel column.
    const volume = ref('volume');
    const catalogue = await loadCatalogue();
    const renamed = panelSql(volume).replace('AS time, channel, count()', 'AS time, channel AS source, count()');
    expect(renamed).not.toBe(panelSql(volume));
    const built = catalogue.built.map((d) =>
      d.spec.uid !== volume.dashboard ? d : { ...d, panels: d.panels.map((p) => (p.spec.title !== volume.title ? p : { ...p, spec: { ...p.spec, sql: renamed } })) },
    );
    const analyst = createAnalystSql(t.ch, { sql: t.config.api.sql, export: t.config.api.export });
    try {
      const panels = new OverviewPanels(analystRunner(analyst), undefined, async () => ({ ...catalogue, built }));
      const result = await panels.page('volume', parseOverviewQuery({ from: String(seed.range.from), to: String(seed.range.to) }, Date.now()));
      expect(result.find((p) => p.key === 'volume')).toMatchObject({ status: 'error', rows: [], error: { code: 'internal', message: 'the panel does not return channel' } });
      expectSame(result.find((p) => p.key === 'categories')!, await expected(ref('categories'), DAY_RANGE()));
    } finally {
      await analyst.close();
    }
  });

  it('caps the rows of a panel and says so', async () => {
    // Every active agent in every skill its team handles: 200 agents give more rows than the page shows.
    const want = await expected(ref('weights'), DAY_RANGE());
    expect(want.rows.length).toBeGreaterThan(MAX_ROWS);
    const body = await page(`/v1/overview/agents?${dayQuery}`);
    const weights = panelOf(body, 'weights');
    expect(weights.rows).toHaveLength(MAX_ROWS);
    expect(weights.truncated).toBe(true);
    expectSame(weights, want);
    expect(panelOf(body, 'leaderboard').truncated).toBe(false);
  });
});

describe('validation', () => {
  const cases: Array<[string, string, RegExp]> = [
    ["team=a'b", 'team', /not a valid value/],
    ['team=billing,', 'team', /must not be empty/],
    ['team=x%5C', 'team', /not a valid value/],
    ['priority=high$__timeFilter', 'priority', /not a valid value/],
    ['channel=%7Bx%7D', 'channel', /not a valid value/],
    [`tenant=${Array.from({ length: 21 }, (_, i) => `t${i}`).join(',')}`, 'tenant', /at most 20 values/],
    [`team=${'a'.repeat(65)}`, 'team', /at most 64 characters/],
    ['from=yesterday', 'from', /expected now, now-<n>m\|h\|d/],
    ['to=2026-03-01T00:00:00', 'to', /ISO-8601 with an offset/],
    ['from=now&to=now-1h', 'from', /at least 5 minutes before to/],
    ['from=now-40d', 'from', /at most 31 days/],
    ['from=now-1h&from=now-2h', 'from', /give it once|must be string/],
    ['limit=5', 'limit', /unknown query parameter/],
  ];
  it.each(cases)('?%s → 400 naming %s', async (query, field, message) => {
    const res = await get(`/v1/overview/now?${query}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: expect.stringMatching(/^(bad_request|validation_failed)$/), field, message: expect.stringMatching(message) });
  });

  it('refuses an unknown page naming the parameter', async () => {
    const res = await get('/v1/overview/bogus');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', field: 'page' });
  });

  it('accepts letters beyond ASCII, spaces and parentheses, and they reach the engine as values', async () => {
    const teams = ['售后 (EU)', '(unassigned)'];
    const body = await page(`/v1/overview/volume?${dayQuery}&team=${teams.map(encodeURIComponent).join(',')}`);
    expect(body.filters).toEqual({ team: teams });
    const volume = panelOf(body, 'volume');
    expectSame(volume, await expected(ref('volume'), DAY_RANGE(), { team: teams }));
    // The panel names tickets without a team "(unassigned)": the day has some, and not only those.
    expect(tickets(volume)).toBeGreaterThan(0);
    expect(tickets(volume)).toBeLessThan(tickets(panelOf(await page(`/v1/overview/volume?${dayQuery}`), 'volume')));
  });
});

describe('GET /v1/overview/filters', () => {
  const variableValues = async (range: { from: number; to: number }) => {
    const out: Record<string, string[]> = {};
    for (const name of FILTERS) {
      const v = TICKET_VARIABLES.find((x) => x.name === name)!;
      expect(v.kind).toBe('query');
      if (v.kind !== 'query') continue;
      out[name] = (await direct(expandQuery(v.query, { range, intervalMs: HOUR, variables: [] }))).rows.map((r) => String(r[0]));
    }
    return out;
  };

  it("offers the values of the dashboards' variable queries for the range", async () => {
    const res = await get(`/v1/overview/filters?${dayQuery}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Record<FilterName, string[]>;
    const want = await variableValues(seed.range);
    for (const name of FILTERS) {
      expect(body[name], name).toEqual(want[name]);
      expect(body[name].length, name).toBeGreaterThan(1);
    }

    // A shorter range, ending now by default: the same queries over that range.
    const recent = await get('/v1/overview/filters?from=now-6h');
    expect(recent.statusCode, recent.body).toBe(200);
    const r = recent.json() as Record<FilterName, string[]> & { range: { from: string; to: string } };
    expect(Date.parse(r.range.to) - Date.parse(r.range.from)).toBe(6 * HOUR);
    const wantRecent = await variableValues({ from: Date.parse(r.range.from), to: Date.parse(r.range.to) });
    for (const name of FILTERS) expect(r[name], name).toEqual(wantRecent[name]);

    expect((await get('/v1/overview/filters?team=x')).json().error).toMatchObject({ field: 'team', message: expect.stringMatching(/unknown query parameter/) });
  });
});

describe('with API keys', () => {
  const reader = testKey(['read']);
  const admin = testKey(['read', 'admin']);
  const ingestOnly = testKey(['ingest']);
  let keyed: TestApi;
  beforeAll(async () => {
    keyed = await buildTestApi(t, { keys: [reader.entry, admin.entry, ingestOnly.entry] });
  });
  afterAll(async () => keyed?.close());
  const kget = (url: string, headers: Record<string, string> = {}) => get(url, headers, keyed);

  it('serves the shell without a key, the data only with one', async () => {
    expect((await kget('/')).statusCode).toBe(200);
    expect((await kget('/overview/app.js')).statusCode).toBe(200);
    const anonymous = await kget('/v1/overview/now');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    expect((await kget('/v1/overview/now', bearer(ingestOnly.key))).statusCode).toBe(403);
    const read = await kget(`/v1/overview/now?${dayQuery}`, bearer(reader.key));
    expect(read.statusCode).toBe(200);
    expect((read.json() as PageBody).panels.every((p) => p.status === 'ok')).toBe(true);
  });

  it("tells the page the key's scopes (admin may acknowledge alerts)", async () => {
    expect((await kget('/v1/overview/session', bearer(reader.key))).json()).toEqual({ open: false, key_id: reader.entry.id, scopes: ['read'], alerts: false });
    expect((await kget('/v1/overview/session', bearer(admin.key))).json()).toMatchObject({ open: false, scopes: ['admin', 'read'] });
    expect((await get('/v1/overview/session')).json()).toEqual({ open: true, key_id: null, scopes: ['admin', 'ingest', 'read', 'sql'], alerts: false });
  });
});
