import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { buildTestApi, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
beforeAll(async () => {
  t = await openTestClickHouse('http');
  api = await buildTestApi(t, { bodyLimitBytes: 64 * 1024 });
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});
beforeEach(async () => t.truncate('ticket_events', 'dead_letters'));

const recent = (i: number, o: Record<string, unknown> = {}) => makeEvent(i, { occurred_at: new Date(Date.now() - 3_600_000 + i).toISOString(), ...o });

async function post(body: string | Buffer, contentType = 'application/json') {
  return api.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': contentType }, payload: body });
}

async function stillHealthy() {
  const res = await api.app.inject({ method: 'GET', url: '/healthz' });
  expect(res.statusCode).toBe(200);
}

describe('POST /v1/events', () => {
  it('accepts a good JSON array with 202 and stores every event', async () => {
    const events = Array.from({ length: 50 }, (_, i) => recent(i));
    const res = await post(JSON.stringify(events));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 50, rejected: 0, errors: [] });
    expect(await t.scalar("SELECT count() FROM ticket_events FINAL WHERE source = 'http'")).toBe(50);
  });

  it('accepts one event object', async () => {
    const res = await post(JSON.stringify(recent(1)));
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(1);
  });

  it('stores the good part of a mixed batch and dead-letters the rest with index, path and reason', async () => {
    const body = [recent(1), { ...recent(2), csat: 9 }, recent(3), 'not an event', { ...recent(4), event_id: undefined }];
    const res = await post(JSON.stringify(body));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      accepted: 2,
      rejected: 3,
      errors: [
        { index: 1, path: '/csat', reason: 'invalid_value', message: expect.any(String) },
        { index: 3, path: '', reason: 'not_an_object', message: expect.any(String) },
        { index: 4, path: '/event_id', reason: 'missing_field', message: expect.any(String) },
      ],
    });
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL')).toBe(2);
    const dead = await t.rows<{ reason: string; path: string; raw: string; source: string }>(
      'SELECT reason, path, raw, source FROM dead_letters FINAL ORDER BY dl_id',
    );
    expect(dead.map((d) => d.reason).sort()).toEqual(['invalid_value', 'missing_field', 'not_an_object']);
    expect(dead.find((d) => d.reason === 'not_an_object')!.raw).toBe('"not an event"');
    expect(dead.every((d) => d.source === 'http')).toBe(true);
  });

  it('accepts NDJSON, dead-lettering bad lines (invalid UTF-8 kept byte for byte) and skipping blank ones', async () => {
    const bad = Buffer.from([0x7b, 0xff, 0x7d]);
    const body = Buffer.concat([
      Buffer.from(`${JSON.stringify(recent(1))}\n\n`),
      bad,
      Buffer.from(`\r\n${JSON.stringify(recent(2))}\r\n{"broken":\n`),
    ]);
    const res = await post(body, 'application/x-ndjson');
    expect(res.statusCode).toBe(202);
    const report = res.json();
    expect(report.accepted).toBe(2);
    expect(report.errors.map((e: { index: number; reason: string }) => [e.index, e.reason])).toEqual([
      [2, 'invalid_utf8'],
      [4, 'invalid_json'],
    ]);
    const [dl] = await t.rows<{ raw: string }>("SELECT hex(raw) AS raw FROM dead_letters FINAL WHERE reason = 'invalid_utf8'");
    expect(dl.raw).toBe('7BFF7D');
  });

  it('answers 400 with a JSON error for an unparseable JSON body', async () => {
    const res = await post('[{"event_id": ');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'bad_request', field: 'body' } });
    expect(res.json().error.message).toMatch(/not valid JSON/);
    await stillHealthy();
  });

  it('answers 400 for an empty body and for a JSON scalar', async () => {
    for (const body of ['', '42']) {
      const res = await post(body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().error.code).toBe('bad_request');
    }
  });

  it('answers 413 with a JSON error when the body is over the limit', async () => {
    const big = JSON.stringify(Array.from({ length: 400 }, (_, i) => recent(i, { body: 'x'.repeat(200) })));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'payload_too_large', field: 'body' } });
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBe(0);
    await stillHealthy();
  });

  it('answers 415 with a JSON error for a wrong content type', async () => {
    const res = await post(JSON.stringify([recent(1)]), 'text/plain');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
    await stillHealthy();
  });

  it('collapses a client retry of the same batch (same event ids)', async () => {
    const body = JSON.stringify(Array.from({ length: 20 }, (_, i) => recent(i)));
    expect((await post(body)).statusCode).toBe(202);
    expect((await post(body)).statusCode).toBe(202);
    expect(await t.scalar('SELECT count() FROM ticket_events FINAL')).toBe(20);
  });
});

describe('health', () => {
  it('GET /healthz and /readyz answer', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { clickhouse: true, migrations: true } });
  });

  it('unknown routes get a JSON 404', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

describe('POST /v1/sql (read-only)', () => {
  it('runs a read query and refuses writes and table functions', async () => {
    await post(JSON.stringify([recent(1), recent(2, { type: 'resolved' })]));
    const ok = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { query: 'SELECT type, count() AS n FROM ticket_events FINAL GROUP BY type ORDER BY type' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ columns: [{ name: 'type', type: 'LowCardinality(String)' }, { name: 'n', type: 'UInt64' }], rows: [['created', 1], ['resolved', 1]] });
    for (const query of ['DROP TABLE ticket_events', "SELECT * FROM file('/etc/passwd', 'LineAsString')", 'SELECT 1; DROP TABLE x', 'SELECT 1 SETTINGS readonly = 0']) {
      const res = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { query } });
      expect([400, 403], query).toContain(res.statusCode);
      expect(res.json().error.field).toBe('query');
    }
    const missing = await api.app.inject({ method: 'POST', url: '/v1/sql', payload: { format: 'json' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe('query');
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBe(2);
  });
});
