// `./bin/ticketpulse sla recompute --since <date> --open-only` as a user runs it: a
// separate process on the data directory named by TICKETPULSE_DATA_DIR (chDB allows one
// process per directory, so this test closes its own connection before every spawn and
// reopens it to look). Events are stored and backfilled in process first, so every
// ticket has a `backfill` row; the flags then decide which tickets get a new version
// (`source = recompute`, docs/sla.md rule 16):
//   --since D    tickets with an event at or after D (UTC midnight)
//   --open-only  tickets whose current status is not solved or closed
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouse } from '../../core/clickhouse/index.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { SlaProcessor, parseSlaConfig } from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
// --since: the UTC date three days ago.
const SINCE_DATE = new Date(NOW - 3 * DAY).toISOString().slice(0, 10);
const S = Date.parse(`${SINCE_DATE}T00:00:00Z`);
const BIN = join(process.cwd(), 'bin', 'ticketpulse');

let t: TestClickHouse;

// The tickets (each line: its events, relative to S; the status it ends in):
//   A  created S + 1 d                                  open    event after S
//   B  created S + 1 d, resolved S + 1 d 1 h            solved  event after S
//   C  created S − 2 d                                  open    nothing since S
//   D  created S − 2 d, resolved S − 2 d 1 h            solved  nothing since S
//   E  created S − 2 d, customer reply S + 1 h          open    event after S
//   F  created S − 2 d, resolved S − 2 d 1 h, reopened S + 2 h   open (reopened)
//   G  created S − 2 d, resolved S + 3 h                solved  event after S
//   H  created exactly at S                             open    event at S ("at or after")
const EVENTS: Array<[ticket: string, type: string, at: number, status: string]> = [
  ['A', 'created', S + DAY, 'new'],
  ['B', 'created', S + DAY, 'new'],
  ['B', 'resolved', S + DAY + HOUR, 'solved'],
  ['C', 'created', S - 2 * DAY, 'new'],
  ['D', 'created', S - 2 * DAY, 'new'],
  ['D', 'resolved', S - 2 * DAY + HOUR, 'solved'],
  ['E', 'created', S - 2 * DAY, 'new'],
  ['E', 'customer_replied', S + HOUR, 'open'],
  ['F', 'created', S - 2 * DAY, 'new'],
  ['F', 'resolved', S - 2 * DAY + HOUR, 'solved'],
  ['F', 'reopened', S + 2 * HOUR, 'open'],
  ['G', 'created', S - 2 * DAY, 'new'],
  ['G', 'resolved', S + 3 * HOUR, 'solved'],
  ['H', 'created', S, 'new'],
];
const ALL = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

async function tp(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TICKETPULSE_DATA_DIR: t.dataDir, LOG_LEVEL: 'warn' };
  delete env.TICKETPULSE_CONFIG;
  delete env.CLICKHOUSE_URL;
  return new Promise((resolve) => {
    execFile(BIN, args, { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Per ticket: the source and version of its latest first_response row (opens and closes the directory). */
async function latest(): Promise<Record<string, { source: string; version: string }>> {
  let ch: ClickHouse | null = null;
  try {
    ch = await openClickHouse({ clickhouse: t.config.clickhouse, dataDir: t.dataDir, command: 'test' });
    const rows = await (
      await ch.client.query({
        query: "SELECT ticket_id, source, toString(version) AS version FROM ticket_sla FINAL WHERE metric = 'first_response' ORDER BY ticket_id",
        format: 'JSONEachRow',
      })
    ).json<{ ticket_id: string; source: string; version: string }>();
    return Object.fromEntries(rows.map((r) => [r.ticket_id, { source: r.source, version: r.version }]));
  } finally {
    await ch?.close();
  }
}

const bySource = (rows: Record<string, { source: string }>, source: string): string[] =>
  Object.keys(rows)
    .filter((k) => rows[k].source === source)
    .sort();

beforeAll(async () => {
  t = await openTestClickHouse('sla-cli-flags');
  const lines = EVENTS.map(([ticket, type, at, status], i) => {
    const e = { event_id: `${ticket}-${i}`, ticket_id: ticket, type, occurred_at: new Date(at).toISOString(), priority: 'normal', team: 'ops', status };
    const r = processMessage(JSON.stringify(e), { source: 'file', index: i }, { nowMs: NOW, receivedAt: toClickHouseTime(NOW) });
    if (r.kind !== 'ok') throw new Error(`refused ${JSON.stringify(e)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
  // Every ticket gets its first rows (source = backfill), as on a first start.
  const report = await new SlaProcessor({ ch: t.ch, config: parseSlaConfig(undefined) }).recompute();
  expect(report.tickets).toBe(8);
  // The child processes open the directory themselves.
  await t.ch.close();
});
afterAll(async () => t?.cleanup());

describe('ticketpulse sla recompute flags (child process)', () => {
  let afterBoth: Record<string, { source: string; version: string }> = {};

  it('--since with --open-only rewrites only open tickets with an event at or after the date', async () => {
    expect(bySource(await latest(), 'backfill')).toEqual(ALL);
    const r = await tp(['sla', 'recompute', '--since', SINCE_DATE, '--open-only']);
    expect(r.code, r.stderr).toBe(0);
    // Open with an event since S: A, E, F (reopened), H (created exactly at S) → 4 tickets.
    // Not B, G (solved), C (nothing since S), D (both).
    expect(r.stdout).toMatch(/^sla recompute: 4 tickets, \d+ ticket_sla rows written/m);
    afterBoth = await latest();
    expect(bySource(afterBoth, 'recompute')).toEqual(['A', 'E', 'F', 'H']);
    expect(bySource(afterBoth, 'backfill')).toEqual(['B', 'C', 'D', 'G']);
  });

  it('--since alone also rewrites the solved tickets active since the date, and leaves the older ones', async () => {
    const r = await tp(['sla', 'recompute', '--since', SINCE_DATE]);
    expect(r.code, r.stderr).toBe(0);
    // A, B, E, F, G, H have an event at or after S → 6 tickets; C and D do not.
    expect(r.stdout).toMatch(/^sla recompute: 6 tickets, \d+ ticket_sla rows written/m);
    const now = await latest();
    expect(bySource(now, 'recompute')).toEqual(['A', 'B', 'E', 'F', 'G', 'H']);
    expect(bySource(now, 'backfill')).toEqual(['C', 'D']);
    // The six got a newer version than after the first run; C and D kept theirs.
    for (const id of ['A', 'B', 'E', 'F', 'G', 'H']) expect(BigInt(now[id].version), id).toBeGreaterThan(BigInt(afterBoth[id].version));
    for (const id of ['C', 'D']) expect(now[id].version, id).toBe(afterBoth[id].version);
  });

  it('a bad --since exits non-zero naming the option, and writes nothing', async () => {
    const before = await latest();
    const r = await tp(['sla', 'recompute', '--since', 'last week', '--open-only']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--since: expected a date/);
    expect(r.stderr).toContain('"last week"');
    expect(r.stdout).not.toMatch(/tickets/);
    expect(await latest()).toEqual(before);
  });

  // Date.parse rolls a date that does not exist over (2026-02-30 → 2 March); refused instead.
  it('refuses a date that does not exist (2026-02-30)', async () => {
    const r = await tp(['sla', 'recompute', '--since', '2026-02-30', '--open-only']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--since/);
  });
});
