// POST /v1/sql: the three formats, every refused family (one test each), limits.
import { createServer, type Server } from 'node:http';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';
import { bearer, buildTestApi, testKey, type TestApi } from '../support/api.ts';

let t: TestClickHouse;
let api: TestApi;
let canary: Server;
let canaryHits = 0;
let canaryPort = 0;
const analyst = testKey(['sql']);
const ingest = testKey(['ingest']);
const RUNAWAY_LIMIT_S = 1;

beforeAll(async () => {
  t = await openTestClickHouse('api-sql');
  api = await buildTestApi(t, { keys: [analyst.entry, ingest.entry], api: { sql: { maxExecutionSeconds: RUNAWAY_LIMIT_S, maxResultRows: 10_000 } } });
  const events = Array.from({ length: 40 }, (_, i) => makeEvent(i, { type: i % 4 === 0 ? 'resolved' : 'created' }));
  const res = await api.app.inject({ method: 'POST', url: '/v1/events', headers: { ...bearer(ingest.key), 'content-type': 'application/json' }, payload: JSON.stringify(events) });
  expect(res.statusCode).toBe(202);
  // A loopback HTTP server that must never be reached by url().
  canary = createServer((_req, res) => {
    canaryHits++;
    res.end('secret from loopback');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as { port: number }).port;
});
afterAll(async () => {
  canary?.close();
  await api?.close();
  await t?.cleanup();
});

async function sql(query: string, extra: Record<string, unknown> = {}) {
  return api.app.inject({ method: 'POST', url: '/v1/sql', headers: bearer(analyst.key), payload: { query, ...extra } });
}

describe('reads', () => {
  it('answers JSON with column types', async () => {
    const res = await sql('SELECT toUInt64(number) AS n, toString(number) AS s, [number] AS a FROM numbers(3) ORDER BY n');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      columns: [
        { name: 'n', type: 'UInt64' },
        { name: 's', type: 'String' },
        { name: 'a', type: 'Array(UInt64)' },
      ],
      rows: [
        [0, '0', [0]],
        [1, '1', [1]],
        [2, '2', [2]],
      ],
    });
  });

  it('answers CSV with a header line', async () => {
    const res = await sql("SELECT number AS n, concat('a,', toString(number)) AS s FROM numbers(2)", { format: 'csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe('"n","s"\n0,"a,0"\n1,"a,1"\n');
  });

  it('answers an Arrow IPC stream that apache-arrow reads', async () => {
    const res = await sql("SELECT number AS n, toString(number) AS s, toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + number AS at FROM numbers(1000)", { format: 'arrow' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(res.rawPayload);
    expect(table.numRows).toBe(1000);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['n', 's', 'at']);
    expect(table.get(999)!.toJSON()).toMatchObject({ s: '999', at: Date.UTC(2026, 0, 1) + 999_000 });
  });

  it('binds {name:Type} parameters server-side; hostile values are just values', async () => {
    for (const value of ["' OR 1=1 --", '"; DROP TABLE ticket_events; --', "x' UNION SELECT name FROM system.tables --", 'ünïcødé ☃ 🎫', '\\', '{p:String}']) {
      const res = await sql('SELECT {v:String} AS v, count() AS n FROM ticket_events WHERE ticket_id = {v:String}', { params: { v: value } });
      expect(res.statusCode, value).toBe(200);
      expect(res.json().rows, value).toEqual([[value, 0]]);
    }
    const typed = await sql('SELECT {n:UInt32} + 1 AS m, {a:Array(String)} AS a', { params: { n: 41, a: ["it's", 'b'] } });
    expect(typed.json().rows).toEqual([[42, ["it's", 'b']]]);
  });

  it('reads the schema: SHOW, DESCRIBE, EXISTS, EXPLAIN and allowed system tables', async () => {
    for (const q of ['SHOW TABLES', 'DESCRIBE TABLE ticket_events', 'EXISTS TABLE ticket_events', 'EXPLAIN SELECT count() FROM ticket_events', "SELECT name FROM system.columns WHERE table = 'ticket_events'", 'SELECT 1 AS x;']) {
      expect((await sql(q)).statusCode, q).toBe(200);
    }
  });
});

/** A refused statement: 400/403 in the common error format, field "query". */
async function refusedResponse(query: string, status: 400 | 403, message: RegExp, params?: Record<string, unknown>) {
  const res = await sql(query, params ? { params } : {});
  expect(res.statusCode, query).toBe(status);
  expect(res.json().error).toMatchObject({ field: 'query', message: expect.stringMatching(message) });
  return res;
}

async function refused(query: string, status: 400 | 403, message: RegExp, params?: Record<string, unknown>): Promise<void> {
  await refusedResponse(query, status, message, params);
}

describe('refused: reaching outside the database', () => {
  it('file() with an absolute path', async () => {
    const res = await refusedResponse("SELECT * FROM file('/etc/passwd', 'LineAsString')", 403, /table function file\(\) reaches outside/);
    expect(res.body).not.toContain('root:');
  });
  it('backtick-quoted `file`', () => refused("SELECT * FROM `file`('/etc/passwd', 'LineAsString')", 403, /file\(\) reaches outside/));
  it('the scalar file() function', () => refused("SELECT file('/etc/hostname') AS h", 403, /function file\(\) reaches outside/));
  it('file() hidden behind * APPLY', () => refused("SELECT * APPLY(file) FROM (SELECT '/etc/hostname' AS p)", 403, /ColumnsApplyTransformer is not allowed/));
  it('file() in DESCRIBE, EXPLAIN, view() and subqueries', async () => {
    for (const q of ["DESCRIBE TABLE file('/etc/passwd', 'LineAsString')", "EXPLAIN SELECT * FROM file('/etc/passwd')", "SELECT * FROM view(SELECT file('/etc/hostname'))", "SELECT 1 WHERE 1 IN (SELECT * FROM file('/etc/passwd'))"]) {
      await refused(q, 403, /file\(\) reaches outside/);
    }
  });
  it('url() to a loopback server (never contacted)', async () => {
    await refused(`SELECT * FROM url('http://127.0.0.1:${canaryPort}/', 'LineAsString')`, 403, /table function url\(\)/);
    expect(canaryHits).toBe(0);
  });
  it.each([
    ['s3', "SELECT * FROM s3('http://127.0.0.1:1/bucket/x.csv')"],
    ['remote', "SELECT * FROM remote('127.0.0.1:9000', system.one)"],
    ['mysql', "SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')"],
    ['postgresql', "SELECT * FROM postgresql('127.0.0.1:5432', 'db', 't', 'u', 'p')"],
    ['hdfs', "SELECT * FROM hdfs('hdfs://127.0.0.1:9000/x', 'TSV', 'a String')"],
    ['executable', "SELECT * FROM executable('cat /etc/passwd', 'TSV', 'a String')"],
    ['input', "SELECT * FROM input('a String')"],
    ['dictionary', "SELECT * FROM dictionary('d')"],
    ['sqlite', "SELECT * FROM sqlite('/tmp/x.db', 't')"],
    ['jdbc/odbc', "SELECT * FROM odbc('DSN=x', 't')"],
    ['azure/gcs/iceberg', "SELECT * FROM icebergLocal('/var/lib/x')"],
    ['filesystem', "SELECT * FROM filesystem('/etc')"],
    ['merge over other databases', "SELECT * FROM merge('system', '^processes$')"],
    ['cluster', "SELECT * FROM cluster('default', system.one)"],
  ])('table function family: %s', (_family, query) => refused(query, 403, /reaches outside the database/));
  it('functions that reach the host or its internals', async () => {
    for (const q of ['SELECT hostName()', "SELECT getServerSetting('path')", 'SELECT filesystemAvailable()', "SELECT addressToSymbol(toUInt64(0))", "SELECT aiGenerate('hi')"]) {
      await refused(q, 403, /reaches outside/);
    }
  });
  it("system tables that show other users' queries", async () => {
    for (const q of ['SELECT query FROM system.processes', 'SELECT * FROM system.query_log', "SELECT 1 WHERE 'x' IN system.processes", 'SHOW PROCESSLIST']) {
      await refused(q, 403, /system\.processes|system\.query_log|only read queries/);
    }
    await refused('SELECT * FROM {t:Identifier}', 403, /system\.processes/, { t: 'system.processes' });
  });
});

describe('refused: writes, DDL and administration', () => {
  it('INSERT', () => refused("INSERT INTO ticket_events (event_id) VALUES ('x')", 403, /only read queries.*got Insert/));
  it('ALTER', () => refused('ALTER TABLE ticket_events DELETE WHERE 1', 403, /only read queries/));
  it('DROP (and the table is still there)', async () => {
    await refused('DROP TABLE ticket_events', 403, /only read queries/);
    expect((await sql('EXISTS TABLE ticket_events')).json().rows).toEqual([[1]]);
  });
  it('CREATE, TRUNCATE, RENAME, OPTIMIZE, GRANT', async () => {
    for (const q of ["CREATE TABLE x ENGINE = File(TSV, '/tmp/x') AS SELECT 1", 'TRUNCATE TABLE ticket_events', 'RENAME TABLE ticket_events TO t2', 'OPTIMIZE TABLE ticket_events FINAL', 'GRANT ALL ON *.* TO default']) {
      await refused(q, 403, /only read queries/);
    }
  });
  it('SYSTEM', () => refused('SYSTEM FLUSH LOGS', 403, /only read queries/));
  it('KILL', () => refused('KILL QUERY WHERE 1', 403, /only read queries/));
  it('SET and USE', async () => {
    for (const q of ['SET readonly = 0', 'USE system']) await refused(q, 403, /only read queries/);
  });
  it('a second statement after a semicolon', async () => {
    await refused('SELECT 1; DROP TABLE ticket_events', 400, /one statement per query/);
    expect((await sql('EXISTS TABLE ticket_events')).json().rows).toEqual([[1]]);
  });
  it('INTO OUTFILE (and no file is written)', async () => {
    const path = join(tmpdir(), `ticketpulse-outfile-${process.pid}.txt`);
    rmSync(path, { force: true });
    await refused(`SELECT 1 INTO OUTFILE '${path}'`, 403, /INTO OUTFILE is not allowed/);
    await refused(`SHOW TABLES INTO OUTFILE '${path}'`, 403, /INTO OUTFILE is not allowed/);
    await refused(`SELECT 1 INTO/* hidden */OUTFILE '${path}' TRUNCATE`, 403, /INTO OUTFILE is not allowed/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('refused: settings and limits', () => {
  it('SETTINGS readonly = 0', () => refused('SELECT 1 SETTINGS readonly = 0', 403, /SETTINGS are not allowed/));
  it('SETTINGS that raise limits', () => refused('SELECT count() FROM numbers(10) SETTINGS max_execution_time = 0, max_result_rows = 0', 403, /SETTINGS are not allowed/));
  it('SETTINGS in a nested subquery', async () => {
    await refused("SELECT * FROM (SELECT * FROM file('/etc/hostname') SETTINGS readonly = 0) SETTINGS readonly = 1", 403, /file\(\)|SETTINGS/);
    await refused('SELECT * FROM (SELECT 1 AS x SETTINGS readonly = 0)', 403, /SETTINGS are not allowed/);
  });
  it('FORMAT (the format option chooses it)', () => refused('SELECT 1 FORMAT JSON', 400, /leave out FORMAT/));
  it('identifiers that could forge parse-tree lines', () => refused('SELECT `a\n      Function numbers`', 403, /identifiers/));

  it('stops a runaway query within the configured time with a clear error', async () => {
    const started = Date.now();
    await refused('SELECT count() FROM numbers(1e12)', 400, new RegExp(`max_execution_time = ${RUNAWAY_LIMIT_S} s`));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(RUNAWAY_LIMIT_S * 1000 - 50);
    expect(took).toBeLessThan(RUNAWAY_LIMIT_S * 1000 + 3000);
    // The engine is free again at once.
    const next = Date.now();
    expect((await sql('SELECT 1')).statusCode).toBe(200);
    expect(Date.now() - next).toBeLessThan(1000);
  });

  it('refuses results over max_result_rows', () => refused('SELECT number FROM numbers(100000)', 400, /max_result_rows = 10000/));
  it('reports syntax errors as 400 with the engine message', () => refused('SELEC 1', 400, /Syntax error/));
});
