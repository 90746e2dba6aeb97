// GET /v1/export/:table — Arrow IPC streams read back with apache-arrow.
import { RecordBatchReader, tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../api/server.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
const analyst = testKey(['sql']);
const ingest = testKey(['ingest']);
const N = 20_000;
const START = Date.UTC(2026, 2, 1);

beforeAll(async () => {
  t = await openTestClickHouse('api-export');
  api = await buildTestApi(t, { keys: [analyst.entry, ingest.entry], bodyLimitBytes: 64 * 1024 * 1024 });
  // Events one minute apart; the same batch twice (a client retry) must not double the export.
  const events = Array.from({ length: N }, (_, i) => makeEvent(i, { occurred_at: new Date(START + i * 60_000).toISOString(), type: i % 3 ? 'created' : 'resolved' }));
  const body = JSON.stringify(events);
  for (let i = 0; i < 2; i++) {
    const res = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ingest.key), 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(202);
  }
  const bad = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ingest.key), 'content-type': 'application/json' }, payload: JSON.stringify([{ nope: 1 }, 'x']) });
  expect(bad.json().rejected).toBe(2);
});
afterAll(async () => {
  await api?.close();
  await t?.cleanup();
});

const get = (url: string, headers: Record<string, string> = bearer(analyst.key)) => api.app.inject({ method: 'GET', url, headers });

describe('Arrow export', () => {
  it('streams the whole deduplicated event log in record batches', async () => {
    const res = await get('/v1/export/events');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    const reader = RecordBatchReader.from(res.rawPayload);
    let rows = 0;
    let batches = 0;
    const ids = new Set<string>();
    for (const batch of reader) {
      batches++;
      rows += batch.numRows;
      for (const id of batch.getChild('event_id')!) ids.add(id as string);
    }
    expect(rows).toBe(N);
    expect(ids.size).toBe(N);
    expect(batches).toBeGreaterThan(1);
    expect(rows).toBe(await t.scalar('SELECT uniqExact(event_id) FROM ticket_events'));
  });

  it('selects by time range and columns, with values intact', async () => {
    const from = new Date(START + 100 * 60_000).toISOString();
    const to = new Date(START + 200 * 60_000).toISOString();
    const res = await get(`/v1/export/events?from=${from}&to=${to}&columns=event_id,occurred_at,type,csat`);
    expect(res.statusCode).toBe(200);
    const table = tableFromIPC(res.rawPayload);
    expect(table.numRows).toBe(100);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['event_id', 'occurred_at', 'type', 'csat']);
    const rows = table.toArray().map((r) => r.toJSON() as { event_id: string; occurred_at: number; type: string; csat: number | null });
    rows.sort((a, b) => a.occurred_at - b.occurred_at);
    expect(rows[0]).toEqual({ event_id: 'evt-100', occurred_at: START + 100 * 60_000, type: 'created', csat: null });
    expect(rows[99]).toMatchObject({ event_id: 'evt-199', type: 'created' });
    const expected = await t.rows<{ event_id: string; type: string }>(
      'SELECT event_id, type FROM ticket_events FINAL WHERE occurred_at >= {f:DateTime64(3)} AND occurred_at < {t:DateTime64(3)} ORDER BY event_id',
      { f: from.replace('T', ' ').replace('Z', ''), t: to.replace('T', ' ').replace('Z', '') },
    );
    expect(rows.map((r) => [r.event_id, r.type]).sort()).toEqual(expected.map((e) => [e.event_id, e.type]).sort());
  });

  it('honours limit and answers an empty range with a valid, empty stream', async () => {
    expect(tableFromIPC((await get('/v1/export/events?limit=7&columns=event_id')).rawPayload).numRows).toBe(7);
    const empty = await get('/v1/export/events?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z&columns=event_id');
    expect(empty.statusCode).toBe(200);
    const table = tableFromIPC(empty.rawPayload);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['event_id']);
  });

  it('exports dead letters with their raw bytes', async () => {
    const res = await get('/v1/export/dead_letters?columns=reason,raw');
    expect(res.statusCode).toBe(200);
    const rows = tableFromIPC(res.rawPayload).toArray().map((r) => r.toJSON() as { reason: string; raw: string });
    expect(rows.map((r) => r.reason).sort()).toEqual(['missing_field', 'not_an_object']);
    expect(rows.map((r) => r.raw)).toContain('"x"');
  });

  it('streams over a real socket with bounded batches', async () => {
    const url = await listen(api.app, '127.0.0.1', 0);
    const res = await fetch(`${url}/v1/export/events?columns=event_id,body`, { headers: bearer(analyst.key) });
    expect(res.status).toBe(200);
    const reader = await RecordBatchReader.from(res.body as unknown as AsyncIterable<Uint8Array>);
    let rows = 0;
    let largest = 0;
    for await (const batch of reader) {
      rows += batch.numRows;
      largest = Math.max(largest, batch.numRows);
    }
    expect(rows).toBe(N);
    // The engine's blocks, not one table in memory.
    expect(largest).toBeLessThan(N);
  });

  it('refuses unknown tables, unknown columns and hostile parameters with 400/404, never a SQL error', async () => {
    expect((await get('/v1/export/ticket_events')).statusCode).toBe(400);
    const unknownColumn = await get('/v1/export/events?columns=event_id,nope');
    expect(unknownColumn.statusCode).toBe(400);
    expect(unknownColumn.json().error).toMatchObject({ field: 'columns', message: expect.stringMatching(/unknown column "nope"/) });
    const hostile = ["' OR 1=1 --", "x') UNION SELECT * FROM system.processes --", 'ünïcødé ☃', '1;DROP TABLE ticket_events', '%00', 'event_id FROM system.processes --'];
    for (const v of hostile) {
      const enc = encodeURIComponent(v);
      for (const url of [`/v1/export/events?from=${enc}`, `/v1/export/events?to=${enc}`, `/v1/export/events?columns=${enc}`, `/v1/export/events?limit=${enc}`, `/v1/export/${enc}`]) {
        const res = await get(url);
        expect([400, 404], `${url} → ${res.statusCode} ${res.body.slice(0, 200)}`).toContain(res.statusCode);
        expect(res.json().error.message).not.toMatch(/DB::Exception|Code: \d+/);
      }
    }
    // Unknown query parameters are dropped by validation, like any route's.
    expect((await get('/v1/export/events?columns=event_id&extra=1')).statusCode).toBe(200);
    expect(await t.scalar('SELECT uniqExact(event_id) FROM ticket_events')).toBe(N);
  });

  it('needs the sql scope', async () => {
    expect((await get('/v1/export/events', {})).statusCode).toBe(401);
    expect((await get('/v1/export/events', bearer(ingest.key))).statusCode).toBe(403);
  });
});
