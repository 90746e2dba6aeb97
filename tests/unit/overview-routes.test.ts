// The overview routes through the whole app (auth, validation, error format), with
// the read engine replaced by a recorder: which SQL the panels send for a range and
// filters, how panel failures are reported, who may load what. The real engine runs
// in tests/integration/overview-api.test.ts and the browser test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_PANELS, OVERVIEW_PAGES, type PanelRef } from '../../api/overview/index.ts';
import { buildAll, DASHBOARDS } from '../../dashboards/index.ts';
import { bearer, testKey } from '../support/api.ts';
import { FAKE_LIMITS, buildFakeApi, type FakeApi, type FakeResult } from '../support/overview-fake-engine.ts';

const BUILT = buildAll();
const ALL_COLUMNS = [...new Set(Object.values(PAGE_PANELS).flatMap((refs) => refs.flatMap((r) => r.columns)))];
/** One row with every column any overview panel reads. */
const EVERYTHING: FakeResult = { columns: ALL_COLUMNS, rows: [ALL_COLUMNS.map((c) => `v-${c}`)] };

const isBuilt = (ref: PanelRef) => BUILT.some((d) => d.spec.uid === ref.dashboard && d.panels.some((p) => p.spec.title === ref.title));
const panelSql = (ref: PanelRef) => BUILT.find((d) => d.spec.uid === ref.dashboard)!.panels.find((p) => p.spec.title === ref.title)!.spec.sql;
const volume = PAGE_PANELS.volume.find((r) => r.key === 'volume')!;

let answer: (sql: string) => FakeResult = () => EVERYTHING;
let api: FakeApi;
beforeAll(async () => {
  api = await buildFakeApi((sql) => answer(sql));
});
afterAll(async () => api?.close());

const get = (url: string, headers: Record<string, string> = {}) => api.app.inject({ method: 'GET', url, headers });
const builtRefs = Object.values(PAGE_PANELS).flat().filter(isBuilt);
/** The longest line of a panel's SQL that no other overview panel has: how its statement is recognised. */
const markerOf = (ref: PanelRef) => {
  const lines = (r: PanelRef) => panelSql(r).split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.includes('$'));
  const others = new Set(builtRefs.filter((r) => r !== ref).flatMap(lines));
  return lines(ref).filter((l) => !others.has(l)).sort((a, b) => b.length - a.length)[0];
};
/** The statement the engine got for a panel. */
const ranFor = (ref: PanelRef, since = 0) => api.runs.slice(since).find((r) => r.sql.includes(markerOf(ref)));

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
    expect(String((await get('/healthz')).headers['content-security-policy'])).toContain('upgrade-insecure-requests');
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
  it.each(OVERVIEW_PAGES)('%s answers every panel of the page: ok when its dashboard has it, pending when it waits for its table', async (page) => {
    const res = await get(`/v1/overview/${page}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { page: string; panels: Array<{ key: string; status: string; title: string; question: string; rows: unknown[][] }> };
    expect(body.page).toBe(page);
    expect(body.panels.map((p) => p.key)).toEqual(PAGE_PANELS[page].map((r) => r.key));
    for (const [i, ref] of PAGE_PANELS[page].entries()) {
      const p = body.panels[i];
      expect(p.title).toBe(ref.title);
      expect(p.question).toMatch(/\?/);
      if (isBuilt(ref)) {
        expect(p.status, ref.title).toBe('ok');
        expect(p.rows).toEqual(EVERYTHING.rows);
      } else {
        expect(p.status, ref.title).toBe('pending');
        expect(DASHBOARDS.find((d) => d.uid === ref.dashboard)?.pending?.map((x) => x.title)).toContain(ref.title);
      }
    }
  });

  it("sends the panel's SQL expanded for the range and filters, with the analysts' limits", async () => {
    const since = api.runs.length;
    const from = Date.parse('2026-03-01T00:00:00Z');
    const to = from + 24 * 3_600_000;
    const res = await get(`/v1/overview/volume?from=2026-03-01T00:00:00Z&to=${to}&team=billing,sales%20EU&priority=high`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      range: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', interval_ms: 3_600_000 },
      filters: { team: ['billing', 'sales EU'], priority: ['high'] },
    });
    const run = ranFor(volume, since)!;
    expect(run.sql).toContain("team IN ('billing','sales EU')");
    expect(run.sql).toContain("priority IN ('high')");
    expect(run.sql).toContain(`toDateTime(${from / 1000})`);
    expect(run.sql).toContain(`toDateTime(${to / 1000})`);
    expect(run.sql).toContain('INTERVAL 3600 second');
    expect(run.sql).not.toMatch(/\$|channel IN|tenant IN/);
    expect(run.opts).toMatchObject({ format: 'JSONCompact', limits: FAKE_LIMITS, lane: 'sql', settings: { output_format_json_quote_64bit_integers: 0 } });
  });

  it('leaves a filter that is absent on All (1=1), and defaults to the last 24 hours with hourly buckets', async () => {
    const since = api.runs.length;
    const before = Date.now();
    const res = await get('/v1/overview/volume');
    const body = res.json() as { range: { from: string; to: string; interval_ms: number } };
    expect(Date.parse(body.range.to) - Date.parse(body.range.from)).toBe(24 * 3_600_000);
    expect(Date.parse(body.range.to)).toBeGreaterThanOrEqual(before - 1000);
    expect(body.range.interval_ms).toBe(3_600_000);
    const run = ranFor(volume, since)!;
    expect(run.sql).not.toMatch(/(team|priority|tenant|channel) IN \(/);
    expect(run.sql).toContain('1=1');
  });

  it("moves a panel's own trailing SETTINGS into the run options (the engine adds readonly and the limits in one clause)", async () => {
    const withSettings = Object.values(PAGE_PANELS)
      .flat()
      .filter((ref) => isBuilt(ref) && /\bSETTINGS\s+\w+\s*=[^\n]*$/.test(panelSql(ref)));
    for (const ref of withSettings) {
      const page = OVERVIEW_PAGES.find((p) => PAGE_PANELS[p].includes(ref))!;
      const since = api.runs.length;
      expect((await get(`/v1/overview/${page}`)).statusCode).toBe(200);
      const run = ranFor(ref, since)!;
      expect(run.sql, ref.title).not.toMatch(/\bSETTINGS\b/);
      const [, name, value] = /\bSETTINGS\s+(\w+)\s*=\s*(\d+)/.exec(panelSql(ref))!;
      expect(run.opts.settings?.[name], ref.title).toBe(Number(value));
    }
  });

  it('reports a failing panel as an error and still answers the others', async () => {
    const marker = markerOf(volume);
    answer = (sql) => {
      if (sql.includes(marker)) throw Object.assign(new Error('Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR)'), {});
      return EVERYTHING;
    };
    try {
      const res = await get('/v1/overview/volume');
      expect(res.statusCode).toBe(200);
      const panels = (res.json() as { panels: Array<{ key: string; status: string; error?: { code: string; message: string } }> }).panels;
      expect(panels.find((p) => p.key === 'volume')).toMatchObject({ status: 'error', error: { code: 'clickhouse_query_failed', message: expect.not.stringContaining('Syntax') } });
      expect(panels.find((p) => p.key === 'categories')?.status).toBe('ok');
    } finally {
      answer = () => EVERYTHING;
    }
  });

  it('reports a panel that no longer returns a column the page reads', async () => {
    answer = () => ({ columns: ALL_COLUMNS.filter((c) => c !== 'channel'), rows: [] });
    try {
      const panels = (await get('/v1/overview/volume')).json().panels as Array<{ key: string; status: string; error?: { message: string } }>;
      expect(panels.find((p) => p.key === 'volume')).toMatchObject({ status: 'error', error: { message: 'the panel does not return channel' } });
      expect(panels.find((p) => p.key === 'categories')?.status).toBe('ok');
    } finally {
      answer = () => EVERYTHING;
    }
  });

  it('caps the rows of a panel and says so', async () => {
    answer = () => ({ columns: ALL_COLUMNS, rows: Array.from({ length: 1500 }, () => EVERYTHING.rows[0]) });
    try {
      const panel = (await get('/v1/overview/volume')).json().panels.find((p: { key: string }) => p.key === 'volume');
      expect(panel.rows).toHaveLength(1000);
      expect(panel.truncated).toBe(true);
    } finally {
      answer = () => EVERYTHING;
    }
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

  it('accepts letters beyond ASCII, spaces and parentheses', async () => {
    const since = api.runs.length;
    const res = await get(`/v1/overview/volume?team=${encodeURIComponent('售后 (EU)')},(unassigned)`);
    expect(res.statusCode, res.body).toBe(200);
    expect(ranFor(volume, since)!.sql).toContain("team IN ('售后 (EU)','(unassigned)')");
  });
});

describe('GET /v1/overview/filters', () => {
  it("offers the values of the dashboards' variable queries for the range", async () => {
    answer = (sql) => {
      const m = /SELECT DISTINCT (\w+)/.exec(sql);
      return m ? { columns: [m[1]], rows: [[`${m[1]}-a`], [`${m[1]}-b`]] } : EVERYTHING;
    };
    try {
      const since = api.runs.length;
      const res = await get('/v1/overview/filters?from=now-6h');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ team: ['team-a', 'team-b'], priority: ['priority-a', 'priority-b'], tenant: ['tenant-a', 'tenant-b'], channel: ['channel-a', 'channel-b'] });
      expect(api.runs.slice(since).every((r) => /occurred_at >= toDateTime\(\d+\)/.test(r.sql))).toBe(true);
      expect((await get('/v1/overview/filters?team=x')).json().error).toMatchObject({ field: 'team', message: expect.stringMatching(/unknown query parameter/) });
    } finally {
      answer = () => EVERYTHING;
    }
  });
});

describe('with API keys', () => {
  const reader = testKey(['read']);
  const admin = testKey(['read', 'admin']);
  const ingestOnly = testKey(['ingest']);
  let keyed: FakeApi;
  beforeAll(async () => {
    keyed = await buildFakeApi(() => EVERYTHING, { keys: [reader.entry, admin.entry, ingestOnly.entry] });
  });
  afterAll(async () => keyed?.close());
  const kget = (url: string, headers: Record<string, string> = {}) => keyed.app.inject({ method: 'GET', url, headers });

  it('serves the shell without a key, the data only with one', async () => {
    expect((await kget('/')).statusCode).toBe(200);
    expect((await kget('/overview/app.js')).statusCode).toBe(200);
    const anonymous = await kget('/v1/overview/now');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('unauthorized');
    expect((await kget('/v1/overview/now', bearer(ingestOnly.key))).statusCode).toBe(403);
    expect((await kget('/v1/overview/now', bearer(reader.key))).statusCode).toBe(200);
  });

  it("tells the page the key's scopes (admin may acknowledge alerts)", async () => {
    expect((await kget('/v1/overview/session', bearer(reader.key))).json()).toEqual({ open: false, key_id: reader.entry.id, scopes: ['read'], alerts: false });
    expect((await kget('/v1/overview/session', bearer(admin.key))).json()).toMatchObject({ open: false, scopes: ['admin', 'read'] });
    expect((await get('/v1/overview/session')).json()).toEqual({ open: true, key_id: null, scopes: ['admin', 'ingest', 'read', 'sql'], alerts: false });
  });
});
