// The response cache of GET /v1/sla/compliance on the real engine: hit/miss and the
// headers that tell them apart, equivalent parameters sharing one answer and different
// ones kept apart, auth still in front of cached answers, errors never cached, TTL
// expiry (injected clock), the cache off at 0 s, single flight, the size bound, and
// POST /v1/sla/recompute emptying it (also while a load is in flight).
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { ResponseCache } from '../../api/response-cache.ts';
import { slaRoutes } from '../../api/routes/sla.ts';
import { ErrorResponse } from '../../api/schemas.ts';
import { createServer } from '../../api/server.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import type { ComplianceReport, SlaPort } from '../../core/ports/sla.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor, processMessage } from '../../ingest/index.ts';
import { SlaProcessor, createSlaPort, parseSlaConfig } from '../../processors/sla/index.ts';
import { apiConfigFor, bearer, testKey } from '../support/api.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const NOW = Date.now();
const slaConfig = parseSlaConfig(undefined);
const reader = testKey(['read']);
const admin = testKey(['admin']);
const ingestOnly = testKey(['ingest']);

let t: TestClickHouse;
let server: FastifyInstance;
let writer: BatchWriter;
let processor: SlaProcessor;
let realPort: SlaPort;
/** Engine round trips of compliance(), counted through the port. */
let engineCalls = 0;

/** Urgent chat tickets (first response target 30 min) answered after `replyMin` minutes, created `agoMin` minutes ago. */
async function storeTickets(prefix: string, specs: Array<{ team: string; replyMin: number; agoMin: number }>): Promise<void> {
  const lines: string[] = [];
  specs.forEach((s, i) => {
    const ticket = `${prefix}-${i}`;
    const created = NOW - s.agoMin * MIN;
    const dims = { priority: 'urgent', team: s.team, channel: 'chat', category: 'outage', customer_tier: 'vip', tenant: 'acme' };
    const steps: Array<[string, number, string]> = [
      ['created', created, 'new'],
      ['agent_replied', created + s.replyMin * MIN, 'open'],
      ['resolved', created + 80 * MIN, 'solved'],
    ];
    steps.forEach(([type, at, status], j) => {
      const event = { event_id: `${ticket}-${j}`, ticket_id: ticket, type, occurred_at: new Date(at).toISOString(), status, ...dims, ...(type === 'agent_replied' ? { agent_id: 'agent-1' } : {}) };
      const r = processMessage(JSON.stringify(event), { source: 'http', requestId: 'seed', index: lines.length }, { nowMs: NOW, receivedAt: toClickHouseTime(NOW) });
      if (r.kind !== 'ok') throw new Error(`refused: ${JSON.stringify(r)}`);
      lines.push(r.line);
    });
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

function countingPort(port: SlaPort, delayMs = 0): SlaPort {
  return {
    ...port,
    async compliance(req) {
      engineCalls++;
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return port.compliance(req);
    },
  };
}

beforeAll(async () => {
  t = await openTestClickHouse('api-sla-cache');
  // billing: 2 met (10 min), 1 breached (45 min); tech: 1 met, 1 breached.
  await storeTickets('T-a', [
    { team: 'billing', replyMin: 10, agoMin: 600 },
    { team: 'billing', replyMin: 10, agoMin: 500 },
    { team: 'billing', replyMin: 45, agoMin: 400 },
    { team: 'tech', replyMin: 10, agoMin: 300 },
    { team: 'tech', replyMin: 45, agoMin: 200 },
  ]);
  processor = new SlaProcessor({ ch: t.ch, config: slaConfig });
  await processor.recompute();
  realPort = createSlaPort({ ch: t.ch, config: slaConfig, processor });
  writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 1_000, flushIntervalMs: 20, maxAttempts: 2, retryBaseMs: 5, retryMaxMs: 20 });
  // The real server: createServer → app → slaRoutes, auth and all; the default TTL (10 s).
  server = await createServer({
    logLevel: 'warn',
    logStream: new Writable({ write: (_c, _e, done) => done() }),
    app: {
      ch: t.ch,
      ingestor: new HttpIngestor(writer),
      config: apiConfigFor({ keys: [reader.entry, admin.entry, ingestOnly.entry] }),
      readiness: [],
      sla: countingPort(realPort),
    },
  });
  await server.ready();
});
afterAll(async () => {
  await server?.close();
  await writer?.close();
  await t?.cleanup();
});

const get = (url: string, headers: Record<string, string> = bearer(reader.key)) => server.inject({ method: 'GET', url, headers });
const row = (body: ComplianceReport, team: string) => body.rows.find((r) => (r as { team?: string }).team === team);

describe('compliance cache on the real server (default TTL 10 s)', () => {
  it('answers the first request from the engine (miss) and the same one again from memory (hit)', async () => {
    const url = '/v1/sla/compliance?from=24h&group_by=team&metric=first_response';
    const before = engineCalls;
    const first = await get(url);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-cache']).toBe('miss');
    expect(first.headers.age).toBe('0');
    expect(first.headers['cache-control']).toMatch(/^private, max-age=(9|10)$/);
    expect(row(first.json(), 'billing')).toMatchObject({ met: 2, breached: 1, decided: 3 });
    expect(row(first.json(), 'tech')).toMatchObject({ met: 1, breached: 1, decided: 2 });
    const second = await get(url);
    expect(second.statusCode).toBe(200);
    expect(second.headers['x-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(engineCalls - before).toBe(1);
  });

  it('shares one answer between spellings of the same question, and keeps different questions apart', async () => {
    const before = engineCalls;
    const a = await get('/v1/sla/compliance?from=2d&group_by=team&metric=first_response&team=tech,billing&tier=vip');
    expect(a.headers['x-cache']).toBe('miss');
    // Same filter values in another order (one twice), parameters reordered, the alias spelled out.
    const b = await get('/v1/sla/compliance?customer_tier=vip&team=billing,tech,billing&metric=first_response&group_by=team&from=2d');
    expect(b.headers['x-cache'], b.body).toBe('hit');
    expect(b.body).toBe(a.body);
    // Absolute instants are compared as instants: a date is its midnight UTC.
    const day = new Date(NOW - 86_400_000).toISOString().slice(0, 10);
    const c = await get(`/v1/sla/compliance?from=${day}&metric=first_response`);
    const d = await get(`/v1/sla/compliance?from=${day}T00:00:00Z&metric=first_response`);
    expect([c.headers['x-cache'], d.headers['x-cache']]).toEqual(['miss', 'hit']);
    expect(engineCalls - before).toBe(2);

    // Each of these differs in one parameter from `a`: each is its own answer.
    const variants = [
      '/v1/sla/compliance?from=2d&group_by=team&metric=resolution&team=tech,billing&tier=vip',
      '/v1/sla/compliance?from=2d&group_by=team&metric=first_response&team=tech&tier=vip',
      '/v1/sla/compliance?from=3d&group_by=team&metric=first_response&team=tech,billing&tier=vip',
      '/v1/sla/compliance?from=2d&group_by=team,priority&metric=first_response&team=tech,billing&tier=vip',
      '/v1/sla/compliance?from=2d&group_by=team&metric=first_response&team=tech,billing&tier=vip&bucket=1h',
      '/v1/sla/compliance?from=2d&group_by=team&metric=first_response&team=tech,billing&tier=standard',
    ];
    const bodies = new Set([a.body]);
    for (const url of variants) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['x-cache'], url).toBe('miss');
      bodies.add(res.body);
    }
    expect(engineCalls - before).toBe(2 + variants.length);
    // Only tech: one group; the standard tier: no rows; resolution: other figures.
    expect((await get(variants[1])).json().rows).toHaveLength(1);
    expect((await get(variants[5])).json().rows).toEqual([]);
    expect(bodies.size).toBeGreaterThanOrEqual(5);
  });

  it('keeps auth in front of cached answers', async () => {
    const url = '/v1/sla/compliance?from=24h&group_by=team&metric=first_response';
    expect((await get(url)).headers['x-cache']).toBe('hit');
    expect((await get(url, {})).statusCode).toBe(401);
    expect((await get(url, bearer(ingestOnly.key))).statusCode).toBe(403);
    expect((await get(url, bearer('tp_0000000000000000_nope'))).statusCode).toBe(401);
  });

  it('never caches a refusal', async () => {
    const before = engineCalls;
    for (let i = 0; i < 2; i++) {
      const res = await get('/v1/sla/compliance?metric=nope');
      expect(res.statusCode).toBe(400);
      expect(res.headers['x-cache']).toBeUndefined();
      expect(res.json().error).toMatchObject({ field: 'metric' });
    }
    expect(engineCalls).toBe(before);
  });

  it('serves a fresh answer when the client sends Cache-Control: no-cache, and keeps it for the others', async () => {
    const url = '/v1/sla/compliance?from=24h&group_by=team&metric=first_response';
    const before = engineCalls;
    const fresh = await get(url, { ...bearer(reader.key), 'cache-control': 'no-cache' });
    expect(fresh.headers['x-cache']).toBe('bypass');
    expect(fresh.headers.age).toBe('0');
    const next = await get(url);
    expect(next.headers['x-cache']).toBe('hit');
    expect(next.headers.age).toBe('0');
    expect(engineCalls - before).toBe(1);
  });

  it('serves the cached answer until POST /v1/sla/recompute empties the cache', async () => {
    const url = '/v1/sla/compliance?from=24h&group_by=team&metric=first_response';
    const cached = await get(url);
    expect(row(cached.json(), 'tech')).toMatchObject({ breached: 1, decided: 2 });
    // New breached tickets, and a processor run outside the API: ticket_sla changes…
    await storeTickets('T-b', [
      { team: 'tech', replyMin: 50, agoMin: 150 },
      { team: 'tech', replyMin: 55, agoMin: 140 },
    ]);
    await processor.recompute();
    // …but within the TTL the API still serves what it had (the TTL bounds staleness).
    const stale = await get(url);
    expect(stale.headers['x-cache']).toBe('hit');
    expect(row(stale.json(), 'tech')).toMatchObject({ breached: 1, decided: 2 });
    // Recompute needs admin; a reader's attempt neither runs nor empties anything.
    expect((await server.inject({ method: 'POST', url: '/v1/sla/recompute', headers: bearer(reader.key), payload: {} })).statusCode).toBe(403);
    expect((await get(url)).headers['x-cache']).toBe('hit');
    const rc = await server.inject({ method: 'POST', url: '/v1/sla/recompute', headers: { ...bearer(admin.key), 'content-type': 'application/json' }, payload: {} });
    expect(rc.statusCode, rc.body).toBe(200);
    const after = await get(url);
    expect(after.headers['x-cache']).toBe('miss');
    expect(row(after.json(), 'tech')).toMatchObject({ met: 1, breached: 3, decided: 4 });
    // Every other cached question was dropped too.
    expect((await get('/v1/sla/compliance?from=2d&group_by=team&metric=first_response&team=tech,billing&tier=vip')).headers['x-cache']).toBe('miss');
  });
});

/** slaRoutes on a bare Fastify with an injected clock, as the SLA route tests build it. */
async function bareApp(opts: { seconds: number; clock: { now: number }; port?: SlaPort; maxEntries?: number }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.addSchema(ErrorResponse);
  installErrorHandler(app);
  await app.register(slaRoutes, {
    sla: opts.port ?? countingPort(realPort),
    now: () => opts.clock.now,
    complianceCacheSeconds: opts.seconds,
    complianceCacheMaxEntries: opts.maxEntries,
  });
  await app.ready();
  return app;
}

describe('compliance cache: TTL, off switch, single flight, bounds', () => {
  const url = '/v1/sla/compliance?from=24h&metric=first_response';

  it('expires an answer after the TTL, counting Age and max-age on the injected clock', async () => {
    const clock = { now: NOW };
    const app = await bareApp({ seconds: 5, clock });
    try {
      const before = engineCalls;
      const first = await app.inject({ method: 'GET', url });
      expect([first.headers['x-cache'], first.headers.age, first.headers['cache-control']]).toEqual(['miss', '0', 'private, max-age=5']);
      clock.now += 4_999;
      const later = await app.inject({ method: 'GET', url });
      expect([later.headers['x-cache'], later.headers.age, later.headers['cache-control']]).toEqual(['hit', '4', 'private, max-age=0']);
      clock.now += 1;
      const expired = await app.inject({ method: 'GET', url });
      expect([expired.headers['x-cache'], expired.headers.age]).toEqual(['miss', '0']);
      expect(engineCalls - before).toBe(2);
    } finally {
      await app.close();
    }
  });

  it('caches nothing at 0 seconds', async () => {
    const clock = { now: NOW };
    const app = await bareApp({ seconds: 0, clock });
    try {
      const before = engineCalls;
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-cache']).toBe('miss');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers.age).toBeUndefined();
      }
      expect(engineCalls - before).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('runs one engine query for concurrent identical misses', async () => {
    const clock = { now: NOW };
    const app = await bareApp({ seconds: 10, clock, port: countingPort(realPort, 200) });
    try {
      const before = engineCalls;
      const answers = await Promise.all(Array.from({ length: 6 }, () => app.inject({ method: 'GET', url })));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(200));
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      expect(engineCalls - before).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('holds at most maxEntries answers, dropping the least recently used', async () => {
    const clock = { now: NOW };
    const app = await bareApp({ seconds: 60, clock, maxEntries: 2 });
    const q = (m: string) => app.inject({ method: 'GET', url: `/v1/sla/compliance?from=24h&metric=${m}` }).then((r) => r.headers['x-cache']);
    try {
      expect([await q('first_response'), await q('next_reply'), await q('first_response')]).toEqual(['miss', 'miss', 'hit']);
      // A third question evicts next_reply, the least recently used.
      expect(await q('resolution')).toBe('miss');
      expect([await q('first_response'), await q('resolution'), await q('next_reply')]).toEqual(['hit', 'hit', 'miss']);
    } finally {
      await app.close();
    }
  });
});

describe('ResponseCache', () => {
  it('does not keep an answer whose load started before invalidate(), nor let later callers join it', async () => {
    const clock = { now: 0 };
    const cache = new ResponseCache<string>({ ttlMs: 10_000, maxEntries: 10, now: () => clock.now });
    let release!: (v: string) => void;
    const slow = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.invalidate();
    // A caller after the invalidation loads anew instead of sharing the old load.
    const fresh = cache.get('k', async () => 'new');
    release('old');
    expect(await slow).toMatchObject({ value: 'old', status: 'miss' });
    expect(await fresh).toMatchObject({ value: 'new', status: 'miss' });
    expect(await cache.get('k', async () => 'never')).toMatchObject({ value: 'new', status: 'hit' });
  });

  it('does not cache a failed load, and bounds the total weight', async () => {
    const cache = new ResponseCache<number[]>({ ttlMs: 10_000, maxEntries: 100, maxWeight: 10, weigh: (v) => v.length });
    await expect(cache.get('bad', async () => Promise.reject(new Error('engine down')))).rejects.toThrow('engine down');
    expect((await cache.get('bad', async () => [1])).status).toBe('miss');
    await cache.get('six', async () => [1, 2, 3, 4, 5, 6]);
    // Over the budget of 10: the least recently used ('bad', weight 1) goes, then 'six' (6 + 5 > 10).
    await cache.get('five', async () => [1, 2, 3, 4, 5]);
    expect(cache.size).toBe(1);
    // Heavier than the whole budget: served, not kept.
    expect((await cache.get('huge', async () => Array(11).fill(0))).value).toHaveLength(11);
    expect((await cache.get('huge', async () => [0])).status).toBe('miss');
  });
});
