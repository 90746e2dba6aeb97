// What chDB itself refuses under the settings the analysts' read engine appends to every
// statement (readonly = 1, max_execution_time, max_result_rows/bytes, max_memory_usage),
// with the text guard bypassed: statements go straight to ReadEngine.run(), the
// lower-level call the guard normally sits in front of. And, as measured facts, what
// the engine does NOT refuse under those settings — for each of those the guard must,
// which the same test checks through AnalystSql.run().
//
// These are measurements of chDB (docs/security.md, "Which refusals are the engine's").
// If one fails after an engine upgrade, the engine's behaviour changed: update the
// document (and keep the guard's check unless the engine now refuses it for certain).
import { createServer as createHttpServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalystSql, parseEngineError, type AnalystSql } from '../../core/clickhouse/index.ts';
import { parseConfig } from '../../core/config/index.ts';
import { isTicketPulseError } from '../../core/errors.ts';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
let analyst: AnalystSql;
// Made at load: the statement tables below are built when the tests are collected.
const dir = mkdtempSync(join(tmpdir(), 'tp-engine-ro-'));
const secret = join(dir, 'secret.txt');
let loopback: Server;
let loopbackUrl: string;
let contacted = 0;

/** Runs a statement on the engine as the read engine does, without the guard. */
async function engine(sql: string): Promise<{ ok: true; text: string } | { ok: false; code: number | null; type: string | null; message: string }> {
  try {
    const out = await analyst.engine.run(sql, { format: 'TabSeparated', limits: analyst.limits, lane: 'sql' });
    return { ok: true, text: out.toString('utf8') };
  } catch (err) {
    return { ok: false, ...parseEngineError(err) };
  }
}

/** The same statement through the guard (what every endpoint does): the TicketPulseError code. */
async function guarded(sql: string): Promise<string> {
  try {
    await analyst.run(sql, 'json');
    return 'allowed';
  } catch (err) {
    if (isTicketPulseError(err)) return err.code;
    throw err;
  }
}

const tables = () => t.rows<{ name: string }>('SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name').then((r) => r.map((x) => x.name));

beforeAll(async () => {
  t = await openTestClickHouse('sql-engine-readonly');
  const api = parseConfig({ api: { sql: { maxExecutionSeconds: 1, maxResultRows: 100, maxResultBytes: 1_000_000, maxMemoryBytes: 50_000_000 } } }).api;
  analyst = createAnalystSql(t.ch, { sql: api.sql, export: api.export });
  writeFileSync(secret, 'host-secret\n');
  await t.ch.client.insert({ table: 'ticket_events', values: [makeEvent(1)], format: 'JSONEachRow' });
  loopback = createHttpServer((_req, res) => {
    contacted++;
    res.end('reached\n');
  });
  await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
  loopbackUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/x`;
});
afterAll(async () => {
  await analyst?.close();
  await new Promise((r) => loopback?.close(r));
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the engine refuses by itself (readonly = 1 appended; no guard)', () => {
  it.each([
    ['INSERT … SELECT', "INSERT INTO ticket_events (event_id, ticket_id, type, occurred_at) SELECT 'evil', 'T', 'created', now64(3)"],
    ['INSERT INTO FUNCTION file()', `INSERT INTO FUNCTION file('${join(dir, 'written.txt')}', 'LineAsString') SELECT 'x'`],
    ['CREATE TABLE', 'CREATE TABLE evil (x UInt8) ENGINE = MergeTree ORDER BY x'],
    ['CREATE DATABASE', 'CREATE DATABASE evil'],
    ['DROP TABLE', 'DROP TABLE ticket_events'],
    ['TRUNCATE', 'TRUNCATE TABLE ticket_events'],
    ['ALTER … DELETE', 'ALTER TABLE ticket_events DELETE WHERE 1'],
    ['ALTER … ADD COLUMN', 'ALTER TABLE ticket_events ADD COLUMN evil UInt8'],
    ['RENAME', 'RENAME TABLE ticket_events TO evil'],
    ['DETACH', 'DETACH TABLE ticket_events'],
    ['OPTIMIZE', 'OPTIMIZE TABLE ticket_events FINAL'],
  ])('write / DDL: %s → READONLY', async (_name, sql) => {
    const before = { tables: await tables(), events: await t.scalar('SELECT count() FROM ticket_events') };
    const r = await engine(sql);
    expect(r, sql).toMatchObject({ ok: false, code: 164, type: 'READONLY' });
    expect(await tables()).toEqual(before.tables);
    expect(await t.scalar('SELECT count() FROM ticket_events')).toBe(before.events);
    expect(existsSync(join(dir, 'written.txt'))).toBe(false);
  });

  it.each([
    ['file', () => `SELECT * FROM file('${secret}', 'LineAsString')`],
    ['url (loopback)', () => `SELECT * FROM url('${loopbackUrl}', 'LineAsString')`],
    ['remote', () => 'SELECT * FROM remote(\'127.0.0.1:9\', system.one)'],
    ['executable', () => "SELECT * FROM executable('cat', 'LineAsString', 'x String')"],
    ['mysql', () => "SELECT * FROM mysql('127.0.0.1:9', 'd', 't', 'u', 'p')"],
    ['postgresql', () => "SELECT * FROM postgresql('127.0.0.1:9', 'd', 't', 'u', 'p')"],
    ['hdfs', () => "SELECT * FROM hdfs('hdfs://127.0.0.1:9/x', 'LineAsString')"],
    ['sqlite', () => `SELECT * FROM sqlite('${join(dir, 'x.db')}', 't')`],
    ['dictionary', () => "SELECT * FROM dictionary('d')"],
  ])('table function %s() → READONLY, nothing read or contacted', async (_name, sql) => {
    const before = contacted;
    const r = await engine(sql());
    expect(r, sql()).toMatchObject({ ok: false, code: 164, type: 'READONLY' });
    expect(contacted).toBe(before);
  });

  it.each([
    ['raise a limit', 'SELECT 1 SETTINGS max_execution_time = 1000'],
    ['turn readonly off', 'SELECT 1 SETTINGS readonly = 0'],
    ['readonly = 2 (would allow table functions)', 'SELECT 1 SETTINGS readonly = 2'],
    ['lift the memory limit', 'SELECT 1 SETTINGS max_memory_usage = 0'],
    ['lift the result limit', 'SELECT 1 SETTINGS max_result_rows = 0, result_overflow_mode = \'break\''],
  ])('a top-level SETTINGS change (%s) → READONLY', async (_name, sql) => {
    expect(await engine(sql)).toMatchObject({ ok: false, code: 164, type: 'READONLY' });
  });

  it('runs every statement with readonly = 1 and the configured limits in force', async () => {
    expect(await engine("SELECT getSetting('readonly'), getSetting('max_execution_time'), getSetting('max_result_rows'), getSetting('max_memory_usage')")).toEqual({
      ok: true,
      text: '1\t1\t100\t50000000\n',
    });
  });

  it('stops a runaway query at max_execution_time', async () => {
    const started = Date.now();
    expect(await engine('SELECT count() FROM numbers(1000000000000)')).toMatchObject({ ok: false, code: 159, type: 'TIMEOUT_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses results over max_result_rows and work over max_memory_usage', async () => {
    expect(await engine('SELECT number FROM numbers(1000)')).toMatchObject({ ok: false, code: 396, type: 'TOO_MANY_ROWS_OR_BYTES' });
    expect(await engine('SELECT groupArray(number) FROM numbers(100000000)')).toMatchObject({ ok: false, code: 241, type: 'MEMORY_LIMIT_EXCEEDED' });
  });

  it('keeps the limits even when a subquery sets readonly = 0 and raises them', async () => {
    const started = Date.now();
    expect(await engine('SELECT count() FROM (SELECT * FROM numbers(1000000000000) SETTINGS readonly = 0, max_execution_time = 600)')).toMatchObject({ type: 'TIMEOUT_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await engine('SELECT * FROM (SELECT number FROM numbers(1000) SETTINGS readonly = 0, max_result_rows = 0)')).toMatchObject({ type: 'TOO_MANY_ROWS_OR_BYTES' });
  });

  it('leaves no setting behind: ingest still writes afterwards (each statement has its own session)', async () => {
    await engine('SELECT 1');
    await t.ch.client.insert({ table: 'ticket_events', values: [makeEvent(2)], format: 'JSONEachRow' });
    expect(await t.scalar("SELECT count() FROM ticket_events WHERE event_id = 'evt-2'")).toBe(1);
    expect(await t.scalar("SELECT getSetting('readonly')")).toBe(0);
  });
});

describe('what the engine does not refuse under those settings — the guard does', () => {
  it('scalar file() reads a host file under readonly = 1', async () => {
    expect(await engine(`SELECT file('${secret}')`)).toEqual({ ok: true, text: 'host-secret\\n\n' });
    expect(await guarded(`SELECT file('${secret}')`)).toBe('forbidden');
  });

  it('INTO OUTFILE writes a host file under readonly = 1', async () => {
    const out = join(dir, 'outfile.txt');
    expect(await engine(`SELECT 42 INTO OUTFILE '${out}'`)).toMatchObject({ ok: true });
    expect(readFileSync(out, 'utf8')).toBe('42\n');
    const out2 = join(dir, 'outfile2.txt');
    expect(await guarded(`SELECT 42 INTO OUTFILE '${out2}'`)).toBe('forbidden');
    expect(existsSync(out2)).toBe(false);
  });

  it("a subquery's SETTINGS readonly = 0 re-opens table functions", async () => {
    const sql = `SELECT * FROM (SELECT * FROM file('${secret}', 'LineAsString') SETTINGS readonly = 0)`;
    expect(await engine(sql)).toEqual({ ok: true, text: 'host-secret\n' });
    expect(await guarded(sql)).toBe('forbidden');
  });

  it('several statements run one after the other, and only the last one gets the appended settings', async () => {
    const sql = 'CREATE TABLE multi_evil (x UInt8) ENGINE = Memory; SELECT 1';
    expect(await engine(sql)).toEqual({ ok: true, text: '1\n' });
    expect(await tables()).toContain('multi_evil');
    await t.ch.client.command({ query: 'DROP TABLE multi_evil' });
    expect(await guarded(sql)).toBe('bad_request');
    expect(await tables()).not.toContain('multi_evil');
  });

  it('KILL QUERY is allowed under readonly = 1 (all sessions are the same user: it could stop ingest)', async () => {
    expect(await engine("KILL QUERY WHERE query_id = 'no-such-query'")).toMatchObject({ ok: true });
    expect(await guarded("KILL QUERY WHERE query_id = 'no-such-query'")).toBe('forbidden');
  });

  it("system.processes shows every session's statements", async () => {
    expect(await engine('SELECT count() > 0 FROM system.processes')).toEqual({ ok: true, text: '1\n' });
    expect(await guarded('SELECT count() FROM system.processes')).toBe('forbidden');
  });

  it.each([
    ['SET readonly = 0'],
    ['SET max_execution_time = 1000'],
    ['SYSTEM DROP DNS CACHE'],
    ['GRANT ALL ON *.* TO default'],
    ['CREATE FUNCTION evil AS (x) -> x'],
  ])('%s fails only as a syntax error caused by the appended SETTINGS clause, not by readonly', async (sql) => {
    const r = await engine(sql);
    expect(r).toMatchObject({ ok: false, code: 62, type: 'SYNTAX_ERROR' });
    expect(await guarded(sql)).toBe('forbidden');
  });
});
