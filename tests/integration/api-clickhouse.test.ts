// /clickhouse — the ClickHouse HTTP interface, exercised with the official client.
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../api/server.ts';
import { AnalystSql } from '../../core/clickhouse/analyst-sql.ts';
import { ServerReadEngine } from '../../core/clickhouse/read-engine-server.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
let base: string;
let client: ClickHouseClient;
const analyst = testKey(['sql'], { name: 'grafana' });
const reader = testKey(['read']);
const ingest = testKey(['ingest']);

beforeAll(async () => {
  t = await openTestClickHouse('api-clickhouse');
  api = await buildTestApi(t, { keys: [analyst.entry, reader.entry, ingest.entry] });
  const events = Array.from({ length: 30 }, (_, i) => makeEvent(i, { type: i < 10 ? 'resolved' : 'created' }));
  await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ingest.key), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
  base = await listen(api.app, '127.0.0.1', 0);
  client = createClient({ url: base, pathname: '/clickhouse', log: { level: ClickHouseLogLevel.OFF }, username: 'grafana', password: analyst.key });
});
afterAll(async () => {
  await client?.close();
  await api?.close();
  await t?.cleanup();
});

describe('@clickhouse/client against /clickhouse', () => {
  it('pings', async () => {
    expect((await client.ping()).success).toBe(true);
  });

  it('queries with query_params and JSONEachRow', async () => {
    const rs = await client.query({
      query: 'SELECT type, count() AS n FROM ticket_events FINAL WHERE type = {t:String} AND event_id != {hostile:String} GROUP BY type',
      query_params: { t: 'resolved', hostile: "' OR 1=1 --" },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ type: 'resolved', n: 10 }]);
    const values = { s: "it's a \\ back\tslash\n", a: ["x'y", 'z'], n: null, u: 42 };
    const echo = await client.query({ query: 'SELECT {s:String} AS s, {a:Array(String)} AS a, {n:Nullable(String)} AS n, {u:UInt32} AS u', query_params: values, format: 'JSONEachRow' });
    expect(await echo.json()).toEqual([values]);
  });

  it('queries CSV', async () => {
    const rs = await client.query({ query: 'SELECT number, toString(number) AS s FROM numbers(3)', format: 'CSV' });
    expect(await rs.text()).toBe('0,"0"\n1,"1"\n2,"2"\n');
  });

  it('passes output-format settings, and refuses others', async () => {
    const rs = await client.query({ query: 'SELECT toUInt64(5) AS n', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
    expect(await rs.json()).toEqual([{ n: '5' }]);
    await expect(client.query({ query: 'SELECT 1', format: 'JSONEachRow', clickhouse_settings: { allow_ddl: 1 } })).rejects.toMatchObject({ code: '164', type: 'READONLY' });
  });

  it('sends the key as X-ClickHouse-Key when basic auth is off', async () => {
    const viaHeaders = createClient({
      url: base,
      pathname: '/clickhouse',
      log: { level: ClickHouseLogLevel.OFF },
      set_basic_auth_header: false,
      http_headers: { 'X-ClickHouse-User': 'grafana', 'X-ClickHouse-Key': analyst.key },
    });
    try {
      const rs = await viaHeaders.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ one: 1 }]);
    } finally {
      await viaHeaders.close();
    }
  });

  it('reports refusals and engine errors the ClickHouse way', async () => {
    await expect(client.query({ query: "SELECT * FROM file('/etc/passwd', 'LineAsString')", format: 'JSONEachRow' })).rejects.toMatchObject({
      code: '164',
      type: 'READONLY',
      message: expect.stringMatching(/file\(\) reaches outside/),
    });
    await expect(client.command({ query: 'DROP TABLE ticket_events' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(client.query({ query: 'SELECT nope FROM ticket_events', format: 'JSONEachRow' })).rejects.toMatchObject({ code: '47', type: 'UNKNOWN_IDENTIFIER' });
    const wrong = createClient({ url: base, pathname: '/clickhouse', log: { level: ClickHouseLogLevel.OFF }, password: testKey(['sql']).key });
    try {
      await expect(wrong.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    } finally {
      await wrong.close();
    }
    const noScope = createClient({ url: base, pathname: '/clickhouse', log: { level: ClickHouseLogLevel.OFF }, password: reader.key });
    try {
      await expect(noScope.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toMatchObject({ code: '497', type: 'ACCESS_DENIED' });
    } finally {
      await noScope.close();
    }
  });
});

describe('plain HTTP (curl-style)', () => {
  const auth = { 'x-clickhouse-user': 'curl', 'x-clickhouse-key': analyst.key };

  it('takes ?query= with default_format, and the body with a FORMAT clause', async () => {
    const get = await fetch(`${base}/clickhouse/?query=${encodeURIComponent('SELECT 1 AS a, 2 AS b')}&default_format=JSONCompact`, { headers: auth });
    expect(get.status).toBe(200);
    expect(get.headers.get('x-clickhouse-format')).toBe('JSONCompact');
    expect((await get.json()).data).toEqual([[1, 2]]);
    const post = await fetch(`${base}/clickhouse`, { method: 'POST', headers: auth, body: 'SELECT {x:UInt8} AS x FORMAT TabSeparatedWithNames' + '' });
    expect(post.status).toBe(400);
    const bound = await fetch(`${base}/clickhouse?param_x=7`, { method: 'POST', headers: auth, body: 'SELECT {x:UInt8} AS x FORMAT TabSeparatedWithNames' });
    expect(bound.headers.get('content-type')).toMatch(/^text\/tab-separated-values/);
    expect(await bound.text()).toBe('x\n7\n');
    const tsv = await fetch(`${base}/clickhouse?query=SELECT%20number%20FROM%20numbers(2)`, { headers: auth });
    expect(await tsv.text()).toBe('0\n1\n');
  });

  it('answers errors as ClickHouse text with X-ClickHouse-Exception-Code', async () => {
    const res = await fetch(`${base}/clickhouse`, { method: 'POST', headers: auth, body: "SELECT file('/etc/hostname')" });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('164');
    expect(await res.text()).toMatch(/^Code: 164\. DB::Exception: function file\(\) reaches outside .*\(READONLY\) \(version [\d.]+\)\n$/);
    const syntax = await fetch(`${base}/clickhouse`, { method: 'POST', headers: auth, body: 'SELEC 1' });
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
    const anon = await fetch(`${base}/clickhouse?query=SELECT%201`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('x-clickhouse-exception-code')).toBe('516');
    const db = await fetch(`${base}/clickhouse?query=SELECT%201&database=system`, { headers: auth });
    expect(db.headers.get('x-clickhouse-exception-code')).toBe('81');
    const fmt = await fetch(`${base}/clickhouse?query=SELECT%201&default_format=Template`, { headers: auth });
    expect(fmt.status).toBe(403);
    const hostileId = await fetch(`${base}/clickhouse?query=SELECT%201&query_id=${encodeURIComponent('ü\r\nx: y')}`, { headers: auth });
    expect(hostileId.status).toBe(200);
  });

  it('treats hostile param_ values as values', async () => {
    for (const v of ["' OR 1=1 --", 'x UNION SELECT 1', 'ünïcødé ☃', '\\']) {
      const res = await fetch(`${base}/clickhouse?param_v=${encodeURIComponent(v)}&default_format=JSONEachRow`, { method: 'POST', headers: auth, body: 'SELECT {v:String} AS v, count() AS n FROM ticket_events WHERE ticket_id = {v:String}' });
      expect(res.status, v).toBe(200);
      expect(await res.json()).toEqual({ v, n: 0 });
    }
  });
});

describe('server mode, through this endpoint', () => {
  it('runs the server-mode engine (limits as HTTP settings) against /clickhouse', async () => {
    const engine = new ServerReadEngine(client, 'default', { sql: { maxConcurrent: 2, maxQueued: 2 }, export: { maxConcurrent: 1, maxQueued: 0 } });
    const limits = { maxExecutionSeconds: 5, maxMemoryBytes: 1e9, maxResultRows: 100, maxResultBytes: 1e6 };
    expect(await engine.formatSingleLine('select  1 -- c')).toBe('SELECT 1');
    expect((await engine.run('SELECT count() AS n FROM ticket_events FINAL', { format: 'JSONEachRow', limits })).toString()).toBe('{"n":30}\n');
    const chunks: Buffer[] = [];
    for await (const c of engine.stream('SELECT number FROM numbers(3)', { format: 'TSV', limits })) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe('0\n1\n2\n');
    expect((await engine.catalogue()).functions.some((f) => f.name === 'file')).toBe(true);
    // Behind it, the endpoint's own guard still refuses.
    const remote = new AnalystSql(engine, { sql: t.config.api.sql, export: t.config.api.export });
    await expect(remote.json("SELECT * FROM url('http://127.0.0.1:1/')")).rejects.toMatchObject({ code: 'forbidden' });
    await expect(engine.run("SELECT * FROM file('/etc/passwd')", { format: 'TSV', limits })).rejects.toMatchObject({ type: 'READONLY' });
  });
});
