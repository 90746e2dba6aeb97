// Malformed input, limits, headers, CORS, request ids and the OpenAPI document.
import Fastify, { type RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app as apiPlugin } from '../../api/app.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { apiConfigFor, bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
const all = testKey(['ingest', 'read', 'sql', 'admin']);
const HOSTILE = ["' OR '1'='1", "1'; DROP TABLE ticket_events; --", '1 UNION SELECT name FROM system.tables', 'ünïcødé ☃ 🎫 ‮', '--', '%', '\\', '{x:String}'];

beforeAll(async () => {
  t = await openTestClickHouse('api-hardening');
  api = await buildTestApi(t, { keys: [all.entry], bodyLimitBytes: 32 * 1024, api: { maxUrlBytes: 4096, sql: { maxQueryBytes: 2_000 }, docsUi: true } });
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

const auth = bearer(all.key);

async function stillHealthy() {
  expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await api.app.inject({ method: 'POST', url: '/v1/sql', headers: auth, payload: { query: 'SELECT 1' } })).statusCode).toBe(200);
}

describe('bad requests get the right 4xx and the server stays healthy', () => {
  it('malformed JSON → 400', async () => {
    for (const url of ['/v1/sql', '/v1/events']) {
      const res = await api.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'application/json' }, payload: '{"query": "SELECT 1"' });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('bad_request');
      await stillHealthy();
    }
  });

  it('oversized bodies → 413 per route', async () => {
    const sql = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: auth, payload: { query: `SELECT '${'x'.repeat(80_000)}'` } });
    expect(sql.statusCode).toBe(413);
    expect(sql.json().error.code).toBe('payload_too_large');
    const events = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...auth, 'content-type': 'application/json' }, payload: `[${'1,'.repeat(20_000)}1]` });
    expect(events.statusCode).toBe(413);
    const ch = await api.app.inject({ method: 'POST', url: '/clickhouse', headers: auth, payload: `SELECT '${'x'.repeat(10_000)}'` });
    expect(ch.statusCode).toBe(413);
    expect(ch.headers['x-clickhouse-exception-code']).toBe('229');
    const long = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: auth, payload: { query: `SELECT '${'x'.repeat(3_000)}'` } });
    expect(long.statusCode).toBe(400);
    await stillHealthy();
  });

  it('wrong content types → 415', async () => {
    for (const [url, type] of [
      ['/v1/sql', 'text/plain'],
      ['/v1/sql', 'application/x-www-form-urlencoded'],
      ['/v1/events', 'text/csv'],
    ]) {
      const res = await api.app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': type }, payload: 'SELECT 1' });
      expect(res.statusCode, `${url} ${type}`).toBe(415);
      expect(res.json().error.code).toBe('unsupported_media_type');
    }
    await stillHealthy();
  });

  it('huge query strings → 414', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/v1/export/events?columns=${'a'.repeat(10_000)}`, headers: auth });
    expect(res.statusCode).toBe(414);
    expect(res.json().error).toMatchObject({ code: 'uri_too_long', field: 'url' });
    await stillHealthy();
  });

  it('schema violations name the field', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: auth, payload: { query: 'SELECT 1', format: 'xml' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', field: 'format' });
    const extra = await api.app.inject({ method: 'POST', url: '/v1/sql', headers: auth, payload: { query: 'SELECT 1', sneaky: 1 } });
    expect(extra.statusCode).toBe(200);
  });
});

describe('hostile values in every query-string parameter', () => {
  it('never produce a SQL error or other data', async () => {
    const urls = (v: string) => [
      `/healthz?x=${v}`,
      `/readyz?x=${v}`,
      `/openapi.json?x=${v}`,
      `/v1/export/events?from=${v}`,
      `/v1/export/events?to=${v}`,
      `/v1/export/events?columns=${v}`,
      `/v1/export/events?limit=${v}`,
      `/v1/export/${v}`,
      `/clickhouse?query=SELECT%20{p:String}%20AS%20p&param_p=${v}&default_format=JSONEachRow`,
      `/clickhouse?query=SELECT%201&default_format=${v}`,
      `/clickhouse?query=SELECT%201&database=${v}`,
      `/clickhouse?query=SELECT%201&query_id=${v}`,
      `/clickhouse?query=SELECT%201&${v}=1`,
      `/clickhouse?query=${v}`,
    ];
    for (const value of HOSTILE) {
      for (const url of urls(encodeURIComponent(value))) {
        const res = await api.app.inject({ method: 'GET', url, headers: auth });
        expect(res.statusCode, `${url} → ${res.body.slice(0, 200)}`).toBeLessThan(500);
        if (res.statusCode === 200 && url.includes('param_p')) expect(res.json()).toEqual({ p: value });
        if (url.startsWith('/v1/') && res.statusCode >= 400) expect(res.json().error.message).not.toMatch(/DB::Exception/);
      }
    }
    expect(await t.scalar("SELECT count() FROM system.tables WHERE name = 'ticket_events'")).toBe(1);
    await stillHealthy();
  });
});

describe('headers', () => {
  it('sets security headers and echoes request ids', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await api.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\u00e9' } });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const withCors = await buildTestApi(t, { keys: [all.entry], api: { cors: { origins: ['https://dash.example'] } } });
    try {
      const pre = await withCors.app.inject({
        method: 'OPTIONS',
        url: '/v1/sql',
        headers: { origin: 'https://dash.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('https://dash.example');
      const other = await withCors.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3 document listing every registered route', async () => {
    const routes: RouteOptions[] = [];
    const f = Fastify({ logger: false });
    f.addHook('onRoute', (r) => void routes.push(r));
    await f.register(fp(apiPlugin), { ch: t.ch, ingestor: { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) }, readiness: [], config: apiConfigFor({ api: { docsUi: true } }) });
    await f.ready();
    try {
      const spec = (await f.inject({ method: 'GET', url: '/openapi.json' })).json();
      const result = await new Validator().validate(spec);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(spec.openapi).toMatch(/^3\./);
      const documented = routes.filter((r) => !(r.schema as { hide?: boolean } | undefined)?.hide);
      expect(documented.length).toBeGreaterThanOrEqual(8);
      for (const r of documented) {
        const path = r.url.replace(/:(\w+)/g, '{$1}');
        for (const method of [r.method].flat().filter((m) => m !== 'HEAD')) {
          const op = spec.paths[path]?.[method.toLowerCase()];
          expect(op, `${method} ${path}`).toBeDefined();
          expect(op.responses, `${method} ${path}`).toBeDefined();
          if (!(r.config as { public?: boolean } | undefined)?.public) expect(op.security, `${method} ${path}`).toBeDefined();
        }
      }
      expect(spec.paths['/v1/sql'].post.description).toMatch(/Scope: `sql`/);
      expect(spec.paths['/v1/events'].post.requestBody.content['application/json']).toBeDefined();
      expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    } finally {
      await f.close();
    }
  });

  it('serves the Swagger UI at /docs without a key', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Swagger UI');
  });
});
