// Authentication, scopes, rate limits and what reaches the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { parse as parseYaml } from 'yaml';
import fp from 'fastify-plugin';
import { app as apiPlugin } from '../../api/app.ts';
import { KeyStore, withRouteConfig } from '../../api/index.ts';
import { parseConfig } from '../../core/config/index.ts';
import { createServer, listen } from '../../api/server.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { apiConfigFor, bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
const ingest = testKey(['ingest'], { name: 'ticketing-core' });
const reader = testKey(['read']);
const analyst = testKey(['sql', 'read'], { name: 'analyst' });
const revoked = testKey(['sql'], { revoked: true });
const adminKey = testKey(['admin']);

beforeAll(async () => {
  t = await openTestClickHouse('api-auth');
  api = await buildTestApi(t, {
    keys: [ingest.entry, reader.entry, analyst.entry, revoked.entry, adminKey.entry],
    logLevel: 'trace',
    api: { rateLimit: { max: 1000, windowMs: 60_000 } },
  });
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

const sql = (headers: Record<string, string>, query = 'SELECT 1 AS one') => api.app.inject({ method: 'POST', url: '/v1/sql', headers, payload: { query } });

describe('API keys and scopes', () => {
  it('answers 401 with a challenge when no key is sent', async () => {
    const res = await sql({});
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/Authorization: Bearer/) } });
  });

  it('answers 401 for an unknown, malformed or revoked key', async () => {
    for (const key of [testKey(['sql']).key, 'not-a-key', revoked.key]) {
      const res = await sql(bearer(key));
      expect(res.statusCode, key).toBe(401);
      expect(res.json().error.message).toMatch(/not valid/);
    }
  });

  it('answers 403 naming the scope when the key lacks it', async () => {
    const res = await sql(bearer(reader.key));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/'sql' scope/) });
    const events = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(analyst.key), 'content-type': 'application/json' }, payload: '[]' });
    expect(events.statusCode).toBe(403);
  });

  it('lets each scope through to its routes', async () => {
    const ok = await sql(bearer(analyst.key));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().rows).toEqual([[1]]);
    const res = await api.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...bearer(ingest.key), 'content-type': 'application/json' },
      payload: JSON.stringify([makeEvent(1, { occurred_at: new Date().toISOString() })]),
    });
    expect(res.statusCode).toBe(202);
  });

  it('keeps health, readiness and the OpenAPI document public', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json', '/clickhouse/ping']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });

  it('asks for a key on unknown routes rather than revealing which exist', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/v1/nope' })).statusCode).toBe(401);
  });
});

describe('ticketpulse keys create', () => {
  it('prints the key once and a config entry that accepts it', async () => {
    const { stdout } = await promisify(execFile)('node', ['bin/ticketpulse', 'keys', 'create', '--scopes', 'read,sql', '--name', 'grafana'], { timeout: 30_000 });
    const key = /^\s+(tp_\S+)$/m.exec(stdout)![1];
    const yamlText = stdout.slice(stdout.indexOf('  api:'), stdout.indexOf('Clients send'));
    const config = parseConfig(parseYaml(yamlText.replace(/^ {2}/gm, '')));
    expect(config.api.auth.keys).toHaveLength(1);
    expect(config.api.auth.keys[0]).toMatchObject({ name: 'grafana', scopes: ['read', 'sql'] });
    expect(yamlText).not.toContain(key.split('_').slice(2).join('_'));
    expect(new KeyStore(config.api.auth.keys).verify(key)?.scopes).toEqual(new Set(['read', 'sql']));
  });
});

describe('route plugins declare scopes', () => {
  it('applies a scope or public access to a plugin whose routes declare none', async () => {
    const metrics: FastifyPluginAsync = async (app) => {
      app.get('/metrics', async () => 'ok');
    };
    const alerts: FastifyPluginAsync = async (app) => {
      app.post('/v1/alerts/:id/ack', { config: { scope: 'admin' } }, async () => ({ ok: true }));
    };
    const build = async (metricsPlugin: FastifyPluginAsync) => {
      const f = Fastify({ logger: false });
      const ingestor = { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) };
      await f.register(fp(apiPlugin), { ch: t.ch, ingestor, readiness: [], config: apiConfigFor({ keys: [reader.entry, adminKey.entry] }) });
      await f.register(metricsPlugin);
      await f.register(alerts);
      return f;
    };
    const open = await build(withRouteConfig(metrics, { public: true }));
    const closed = await build(metrics);
    try {
      expect((await open.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      expect((await closed.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await closed.inject({ method: 'GET', url: '/metrics', headers: bearer(reader.key) })).statusCode).toBe(200);
      expect((await closed.inject({ method: 'POST', url: '/v1/alerts/1/ack', headers: bearer(reader.key) })).statusCode).toBe(403);
      expect((await closed.inject({ method: 'POST', url: '/v1/alerts/1/ack', headers: bearer(adminKey.key) })).statusCode).toBe(200);
    } finally {
      await open.close();
      await closed.close();
    }
  });
});

describe('keys never reach the logs', () => {
  it('logs requests (with request ids) but no key, whichever way it was sent', async () => {
    const bad = testKey(['sql']).key;
    const basic = `Basic ${Buffer.from(`grafana:${analyst.key}`).toString('base64')}`;
    await sql(bearer(analyst.key));
    await sql(bearer(bad));
    await sql({ authorization: basic });
    await sql({ 'x-clickhouse-key': analyst.key });
    await api.app.inject({ method: 'GET', url: `/clickhouse?query=SELECT%201&password=${analyst.key}`, headers: { 'x-clickhouse-key': analyst.key } });
    await api.app.inject({ method: 'GET', url: `/clickhouse?query=SELECT%20nope&user=x&password=${bad}` });
    const text = api.logs.join('\n');
    expect(api.logs.length).toBeGreaterThan(10);
    expect(text).toContain('"reqId"');
    for (const key of [analyst.key, bad]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.split('_').slice(2).join('_'));
    }
    expect(text).not.toContain(Buffer.from(`grafana:${analyst.key}`).toString('base64'));
    expect(text).toContain('password=[redacted]');
  });
});

describe('rate limits', () => {
  it('limits per key and answers 429 in the common error format', async () => {
    const limited = await buildTestApi(t, { keys: [analyst.entry, reader.entry], api: { rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.app.inject({ method: 'POST', url: '/v1/sql', headers: bearer(analyst.key), payload: { query: 'SELECT 1' } })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const res = await limited.app.inject({ method: 'POST', url: '/v1/sql', headers: bearer(analyst.key), payload: { query: 'SELECT 1' } });
      expect(res.json().error.code).toBe('rate_limited');
      expect(res.headers['retry-after']).toBeDefined();
      // Another key has its own budget; probes are never limited.
      expect((await limited.app.inject({ method: 'POST', url: '/v1/sql', headers: bearer(reader.key), payload: { query: 'SELECT 1' } })).statusCode).toBe(403);
      for (let i = 0; i < 5; i++) expect((await limited.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('open mode (no keys configured)', () => {
  it('serves everything on loopback and says so at start-up', async () => {
    const logs: string[] = [];
    const open = await createServer({
      logLevel: 'warn',
      logStream: { write: (s: string) => void logs.push(s) },
      app: { ch: t.ch, ingestor: { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) }, readiness: [], config: apiConfigFor() },
    });
    try {
      const url = await listen(open, '127.0.0.1', 0);
      expect(logs.join('')).toMatch(/authentication is OFF/);
      const res = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'SELECT 2 AS two' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ columns: [{ name: 'two', type: 'UInt8' }], rows: [[2]] });
    } finally {
      await open.close();
    }
  });

  it('refuses to listen beyond loopback without keys, and listens with them', async () => {
    const ingestor = { ingest: async () => ({ accepted: 0, rejected: 0, errors: [] }) };
    const open = await createServer({ logLevel: 'silent', app: { ch: t.ch, ingestor, readiness: [], config: apiConfigFor() } });
    try {
      await expect(listen(open, '0.0.0.0', 0)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/without API keys/) });
    } finally {
      await open.close();
    }
    const secured = await createServer({ logLevel: 'silent', app: { ch: t.ch, ingestor, readiness: [], config: apiConfigFor({ keys: [analyst.entry] }) } });
    try {
      const url = await listen(secured, '0.0.0.0', 0);
      const port = new URL(url).port;
      expect((await fetch(`http://127.0.0.1:${port}/v1/sql`, { method: 'POST' })).status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});
