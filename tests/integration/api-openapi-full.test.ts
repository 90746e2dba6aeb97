// The OpenAPI document of the whole API (every route group wired, as `start` serves
// it): it validates as OpenAPI 3, lists exactly the routes the app registers, gives
// each a response schema and each GET with parameters a schema for them, and the
// document docs/api.md is generated from (buildSpec) describes the same operations.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpec } from '../../api/openapi-doc.ts';
import { breach } from '../support/alerts-fixtures.ts';
import { bearer, testKey } from '../support/api.ts';
import { buildFullTestApi, type FullTestApi } from '../support/api-full.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

type Op = {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};
type Spec = { openapi: string; paths: Record<string, Record<string, Op>>; components: { securitySchemes: Record<string, unknown> } };

let t: TestClickHouse;
let api: FullTestApi;
let spec: Spec;
const admin = testKey(['ingest', 'read', 'sql', 'admin']);

beforeAll(async () => {
  t = await openTestClickHouse('api-openapi-full');
  api = await buildFullTestApi(t, { keys: [admin.entry], api: { docsUi: true } });
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  spec = res.json();
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

/** "GET /v1/alerts/{id}" for every documented (not hidden) route the app registered; HEAD twins left out. */
function registered(): { ops: Set<string>; isPublic: Map<string, boolean> } {
  const ops = new Set<string>();
  const isPublic = new Map<string, boolean>();
  for (const r of api.routes) {
    if ((r.schema as { hide?: boolean } | undefined)?.hide) continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    for (const method of [r.method].flat()) {
      if (method === 'HEAD') continue;
      const key = `${method} ${path}`;
      ops.add(key);
      isPublic.set(key, Boolean((r.config as { public?: boolean } | undefined)?.public));
    }
  }
  return { ops, isPublic };
}

const documented = (s: Pick<Spec, 'paths'>) => new Set(Object.entries(s.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
const sorted = (s: Set<string>) => [...s].sort();

describe('the OpenAPI document of the whole API', () => {
  it('validates as OpenAPI 3', async () => {
    const result = await new Validator().validate(spec as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('lists exactly the routes the app registered', () => {
    const { ops } = registered();
    // Every route group is there: the ones tests/support/api.ts leaves out included.
    for (const op of [
      'GET /metrics',
      'GET /v1/alerts',
      'GET /v1/alerts/deliveries',
      'GET /v1/alerts/deliveries/stats',
      'GET /v1/alerts/{id}',
      'POST /v1/alerts/{id}/ack',
      'POST /v1/alerts/{id}/resolve',
      'GET /v1/sla/tickets/{id}',
      'GET /v1/sla/at-risk',
      'GET /v1/sla/compliance',
      'POST /v1/sla/recompute',
      'GET /v1/surges',
      'GET /v1/clusters',
      'GET /v1/clusters/{id}/tickets',
      'GET /v1/routing/weights',
      'GET /v1/agents/{id}/scores',
      'GET /v1/overview/{page}',
    ]) {
      expect(ops, op).toContain(op);
    }
    expect(sorted(documented(spec))).toEqual(sorted(ops));
  });

  it('gives every operation its responses, security unless public, and a schema for its parameters and body', () => {
    const { ops, isPublic } = registered();
    for (const key of ops) {
      const [method, path] = key.split(' ');
      const op = spec.paths[path][method.toLowerCase()];
      expect(op.summary, `${key}: summary`).toBeTruthy();
      const success = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
      expect(success.length, `${key}: a 2xx response`).toBeGreaterThan(0);
      // A declared body (JSON or text), not Fastify's schema-less "Default Response".
      for (const [status, r] of success) expect(r.content, `${key} ${status}: response schema`).toBeDefined();
      if (isPublic.get(key)) expect(op.security, `${key}: public`).toBeUndefined();
      else {
        expect(op.security, `${key}: security`).toBeDefined();
        expect(op.description, `${key}: scope`).toMatch(/Scope: `(ingest|read|sql|admin)`/);
      }
      // Path parameters are declared (Fastify would still route them, undocumented).
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(op.parameters?.some((p) => p.in === 'path' && p.name === name), `${key}: path parameter ${name}`).toBe(true);
      }
      if (method === 'POST' && !path.startsWith('/clickhouse')) expect(op.requestBody, `${key}: request body`).toBeDefined();
    }
  });

  it('documents the parameters the alert routes accept, the action body and /metrics as text', () => {
    const names = (path: string) => (spec.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name).sort();
    expect(names('/v1/alerts')).toEqual(['cursor', 'kind', 'limit', 'since', 'state', 'team']);
    expect(names('/v1/alerts/deliveries')).toEqual(['channel', 'cursor', 'limit', 'state']);
    for (const action of ['ack', 'resolve']) {
      expect(spec.paths[`/v1/alerts/{id}/${action}`].post.requestBody?.content['application/json']).toBeDefined();
    }
    expect(spec.paths['/metrics'].get.responses['200'].content?.['text/plain']).toBeDefined();
    expect(spec.paths['/metrics'].get.security).toBeUndefined();
  });

  it('is what buildSpec (docs/api.md) describes, and docs/api.md lists every operation', async () => {
    const built = await buildSpec();
    expect(sorted(documented(built))).toEqual(sorted(documented(spec)));
    const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    for (const key of documented(spec)) {
      const [method, path] = key.split(' ');
      expect(doc, `docs/api.md lists ${key} (npm run docs:api)`).toContain(`| ${method} | \`${path}\` |`);
    }
  });

  it('serves /metrics as Prometheus text without a key, and the other groups with one', async () => {
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/^# (HELP|TYPE) /m);
    for (const url of ['/v1/alerts', '/v1/alerts/deliveries', '/v1/alerts/deliveries/stats', '/v1/surges', '/v1/clusters', '/v1/routing/weights', '/v1/sla/at-risk', '/v1/sla/compliance']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode, `${url} without a key`).toBe(401);
      const res = await api.app.inject({ method: 'GET', url, headers: bearer(admin.key) });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
    }
  });
});

describe('the alert schemas keep what the parsers answer', () => {
  const auth = bearer(admin.key);
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: auth });
  const post = (url: string, payload?: unknown) =>
    api.app.inject({ method: 'POST', url, headers: { ...auth, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

  it('lists take repeated and comma-separated values; refusals are bad_request naming the parameter', async () => {
    await api.alerts.raise(breach('OA-1'));
    for (const url of ['/v1/alerts?state=firing&state=resolved', '/v1/alerts?state=firing,resolved', '/v1/alerts/deliveries?state=pending&state=dead']) {
      expect((await get(url)).statusCode, url).toBe(200);
    }
    expect((await get('/v1/alerts?state=firing&state=resolved')).json().alerts.map((a: { subject: { id: string } }) => a.subject.id)).toContain('OA-1');
    for (const [query, field] of [
      ['since=1h&since=2h', 'since'],
      ['limit=1&limit=2', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=', 'cursor'],
      ['teem=billing', 'teem'],
    ]) {
      const res = await get(`/v1/alerts?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error, query).toMatchObject({ code: 'bad_request', field });
    }
    const deliveries = await get('/v1/alerts/deliveries?channel=');
    expect(deliveries.json().error).toMatchObject({ code: 'bad_request', field: 'channel' });
  });

  it('action bodies: no body, null or an object; anything else is refused naming the field, without coercion', async () => {
    const a = await api.alerts.raise(breach('OA-2'));
    for (const [payload, field] of [
      [{ by: 5 }, 'by'],
      [{ by: ['x'] }, 'by'],
      [{ note: 7 }, 'note'],
      [{ by: 'x', extra: 1 }, 'extra'],
      ['text', 'body'],
      [[1], 'body'],
      [{ by: 'x'.repeat(129) }, 'by'],
    ] as const) {
      const res = await post(`/v1/alerts/${a.id}/ack`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error, JSON.stringify(payload)).toMatchObject({ code: 'bad_request', field });
    }
    const acked = await post(`/v1/alerts/${a.id}/ack`, null);
    expect(acked.statusCode, acked.body).toBe(200);
    expect(acked.json().alert).toMatchObject({ state: 'acknowledged', acknowledged_by: `key:${admin.entry.id}` });
    const resolved = await post(`/v1/alerts/${a.id}/resolve`, { by: ' dana ', note: 'fixed' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json().alert).toMatchObject({ state: 'resolved', resolved_by: 'dana' });
    const b = await api.alerts.raise(breach('OA-3'));
    expect((await post(`/v1/alerts/${b.id}/resolve`)).statusCode).toBe(200);
  });
});
