// The API server's lifecycle on real sockets (createServer + listen + shutdown from
// api/server.ts, on embedded ClickHouse): a request in flight when shutdown begins
// completes; new connections are refused and a new request on a kept-alive connection
// gets 503 while closing; the request timeout (api.requestTimeoutMs) cuts a stalled
// upload and a slowloris header, but not a slow handler; and `ticketpulse api` exits 0 on
// SIGTERM, after finishing the request it was serving.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, listen, shutdown } from '../../api/server.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor } from '../../ingest/index.ts';
import { apiConfigFor } from '../support/api.ts';
import { makeEvent, openTestClickHouse, tempDir, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
let writer: BatchWriter;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A statement that keeps the engine busy for a known time (sleep() is capped at 3 s per call). */
const SLOW_SQL = JSON.stringify({ query: 'SELECT sleep(1.5) AS slept, 42 AS answer' });

beforeAll(async () => {
  t = await openTestClickHouse('api-lifecycle');
  writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 1_000, flushIntervalMs: 20, maxAttempts: 2, retryBaseMs: 5, retryMaxMs: 20 });
});
afterAll(async () => {
  await writer?.close();
  await t?.cleanup();
});

/** A real server on an ephemeral loopback port, open mode (no keys: loopback only, every scope). */
async function start(api: Record<string, unknown> = {}, tune?: (f: FastifyInstance) => void): Promise<{ server: FastifyInstance; port: number; url: string }> {
  const server = await createServer({
    logLevel: 'silent',
    logStream: new Writable({ write: (_c, _e, done) => done() }),
    app: { ch: t.ch, ingestor: new HttpIngestor(writer), config: apiConfigFor({ api }), readiness: [] },
  });
  tune?.(server);
  const url = await listen(server, '127.0.0.1', 0);
  return { server, url, port: Number(new URL(url).port) };
}

/** A raw connection that collects everything the server sends until it closes. */
function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => data, closed }));
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', reject);
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
  });
}

/** Status codes of every response on a connection (a pipelined response follows the previous body directly). */
const statuses = (raw: string) => [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
const sqlRequest = (extraHeaders = '') =>
  `POST /v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(SLOW_SQL)}\r\n${extraHeaders}\r\n${SLOW_SQL}`;

/** The slow statement on its own connection, `Connection: close` (as curl or a one-shot client sends it). */
async function slowSqlOnce(port: number): Promise<{ status: number; body: string }> {
  const conn = await rawConnection(port);
  conn.socket.write(sqlRequest('Connection: close\r\n'));
  await conn.closed;
  const raw = conn.received();
  return { status: statuses(raw)[0] ?? 0, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) };
}

/** Resolves with the time the connection took to close, or null if it is still open after `ms`. */
const closedWithin = (conn: { closed: Promise<number> }, ms: number) => Promise.race([conn.closed, sleep(ms).then(() => null)]);

describe('graceful shutdown', () => {
  it('lets a request in flight finish before the server closes', async () => {
    const { server, port } = await start();
    const inFlight = slowSqlOnce(port);
    await sleep(400); // the engine is sleeping now
    const began = Date.now();
    const closing = shutdown(server, 10_000).then(() => Date.now() - began);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).rows).toEqual([[0, 42]]);
    // shutdown() returned only after the answer (~1.1 s left of the statement), long before its grace period.
    const took = await closing;
    expect(took).toBeGreaterThan(700);
    expect(took).toBeLessThan(5_000);
  });

  // Node's server.close() closes the connections idle at that moment only. A keep-alive
  // client (browsers, fetch, @clickhouse/client) whose request was in flight would get its
  // answer with `Connection: keep-alive` and hold shutdown for the grace period; while
  // closing, api/server.ts answers with `Connection: close` instead.
  it('returns soon after the last answer when the in-flight client keeps its connection alive', async () => {
    const { server, url } = await start();
    const inFlight = fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SLOW_SQL });
    await sleep(400);
    const began = Date.now();
    const closing = shutdown(server, 3_000).then(() => Date.now() - began);
    expect((await inFlight).status).toBe(200);
    expect(await closing).toBeLessThan(2_500);
  });

  it('refuses new connections while closing; a kept-alive connection gets its answer with Connection: close, and a request pipelined behind it is left for the client to retry', async () => {
    const { server, port } = await start();
    // One connection: a slow request now, a second request on it once closing has begun.
    const conn = await rawConnection(port);
    conn.socket.write(sqlRequest());
    await sleep(400);
    const closing = shutdown(server, 10_000);
    await sleep(100);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    // A new connection is refused: the listening socket is closed at once.
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => resolve('connected'));
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    await conn.closed;
    await closing;
    const raw = conn.received();
    // As nginx and Node itself do on a graceful close: the answer in flight says
    // Connection: close and the connection ends; the pipelined GET is not half-served.
    expect(statuses(raw)).toEqual([200]);
    expect(raw).toContain('"answer"');
    expect(raw).toMatch(/connection: close/i);
  });

  it('closes connections still busy after the grace period', async () => {
    const { server, port } = await start();
    const conn = await rawConnection(port);
    conn.socket.write(sqlRequest());
    await sleep(300);
    const began = Date.now();
    await shutdown(server, 200);
    expect(Date.now() - began).toBeLessThan(1_400);
    await conn.closed;
    expect(statuses(conn.received())).toEqual([]);
  });
});

describe('request timeout (api.requestTimeoutMs = 1000)', () => {
  // Node checks for timed-out requests on a sweep (connectionsCheckingInterval: 30 s by
  // default, 1 s in api/server.ts): the tests sweep every 100 ms so that they measure the
  // timeout, not the sweep.
  const fastSweep = (f: FastifyInstance) => {
    (f.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 100;
  };
  let server: FastifyInstance;
  let port: number;
  let url: string;
  beforeAll(async () => {
    ({ server, port, url } = await start({ requestTimeoutMs: 1_000 }, fastSweep));
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Headers and the first 20 bytes of a one-event upload; the rest never comes. */
  async function stalledUpload(to: number, eventId: string) {
    const body = JSON.stringify([makeEvent(1, { event_id: eventId })]);
    const conn = await rawConnection(to);
    conn.socket.write(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`);
    return conn;
  }

  // Fastify sets server.requestTimeout after creating the Node server, so headersTimeout
  // would keep Node's 60 s; with headersTimeout > requestTimeout, Node (20.x, measured)
  // never times out a request whose headers arrived but whose body stalls. api/server.ts
  // sets headersTimeout = min(60 s, requestTimeoutMs).
  it('answers 408 when an upload stalls (slow body) with requestTimeoutMs below 60 s', async () => {
    const conn = await stalledUpload(port, 'stalled-upload');
    try {
      expect(await closedWithin(conn, 3_000)).not.toBeNull();
      expect(statuses(conn.received())).toEqual([408]);
    } finally {
      conn.socket.destroy();
    }
  });

  it('answers 408 to a stalled upload, and stores nothing of it, once headersTimeout ≤ requestTimeout (set explicitly, as api/server.ts does)', async () => {
    const fixed = await start({ requestTimeoutMs: 1_000 }, (f) => {
      fastSweep(f);
      f.server.headersTimeout = 1_000;
    });
    try {
      const conn = await stalledUpload(fixed.port, 'stalled-upload-fixed');
      const after = await closedWithin(conn, 3_000);
      expect(after).not.toBeNull();
      expect(after!).toBeGreaterThanOrEqual(950);
      expect(statuses(conn.received())).toEqual([408]);
      await sleep(100);
      expect(await t.scalar("SELECT count() FROM ticket_events WHERE event_id = 'stalled-upload-fixed'")).toBe(0);
      expect((await fetch(`${fixed.url}/healthz`)).status).toBe(200);
    } finally {
      await fixed.server.close();
    }
  });

  it('answers 408 to a slowloris client that never finishes its headers', async () => {
    const conn = await rawConnection(port);
    conn.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One more header line every 300 ms, never the blank line that ends them.
    const drip = setInterval(() => conn.socket.writable && conn.socket.write(`X-Drip-${Date.now()}: 1\r\n`), 300);
    try {
      const after = await conn.closed;
      expect(statuses(conn.received())).toEqual([408]);
      expect(after).toBeLessThan(3_000);
    } finally {
      clearInterval(drip);
    }
  });

  it('lets an upload that is slow but steady finish inside the timeout', async () => {
    const body = JSON.stringify([makeEvent(2, { event_id: 'slow-but-complete' })]);
    const conn = await rawConnection(port);
    conn.socket.write(`POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    const half = Math.floor(body.length / 2);
    conn.socket.write(body.slice(0, half));
    await sleep(400);
    conn.socket.write(body.slice(half));
    await conn.closed;
    expect(statuses(conn.received())).toEqual([202]);
  });

  it('does not cut a handler that runs longer than the timeout once the request has arrived', async () => {
    const res = await fetch(`${url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SLOW_SQL });
    expect(res.status).toBe(200);
    expect((await res.json()).rows).toEqual([[0, 42]]);
  });

  it('stays healthy after the timeouts', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

// Node sweeps for timed-out requests every 30 s by default, so a stalled request would be
// cut between requestTimeoutMs and requestTimeoutMs + 30 s; api/server.ts sweeps every second.
it("sweeps for timed-out requests at least once a second (Node's default is 30 s)", async () => {
  const { server } = await start();
  try {
    expect((server.server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBeLessThanOrEqual(1_000);
  } finally {
    await server.close();
  }
});

describe('ticketpulse api (the CLI)', () => {
  it('exits 0 on SIGTERM within the grace period, after answering the request in flight', async () => {
    const dir = tempDir('api-sigterm');
    const child = spawn(process.execPath, ['bin/ticketpulse', '--data-dir', join(dir, 'data'), 'api', '--port', '0'], {
      env: { ...process.env, LOG_LEVEL: 'warn', TICKETPULSE_CONFIG: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    try {
      for (let i = 0; i < 200 && !/API (http:\/\/\S+)/.test(out); i++) await sleep(100);
      const base = /API (http:\/\/\S+)/.exec(out)?.[1];
      expect(base, out).toBeTruthy();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const inFlight = slowSqlOnce(Number(new URL(base!).port));
      await sleep(400);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).rows).toEqual([[0, 42]]);
      const exit = await exited;
      expect(exit, out).toMatchObject({ code: 0, signal: null });
      // shutdown()'s grace period is 10 s; the whole stop (API, writer, engine) fits well inside it.
      expect(exit.at - signalled).toBeLessThan(5_000);
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
