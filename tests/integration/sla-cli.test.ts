// `ticketpulse sla backfill` / `sla recompute` as the CLI runs them (the command
// function, in process): it opens the embedded engine, replays the raw events with
// progress lines and a summary, and leaves ticket_sla written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slaRecomputeCommand, parseSinceArg } from '../../cli/commands/sla.ts';
import { openClickHouse } from '../../core/clickhouse/index.ts';
import type { Config } from '../../core/config/index.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { openTestClickHouse, testConfig, type TestClickHouse } from '../support/clickhouse.ts';

let t: TestClickHouse;
const DAY = 86_400_000;
const NOW = Date.now();

beforeAll(async () => {
  t = await openTestClickHouse('sla-cli');
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const created = NOW - (i % 10) * DAY - 3_600_000;
    const evs = [
      { event_id: `c${i}`, ticket_id: `T-${i}`, type: 'created', occurred_at: new Date(created).toISOString(), priority: i % 3 === 0 ? 'urgent' : 'normal', team: 'ops', status: 'new' },
      ...(i % 2 === 0 ? [{ event_id: `r${i}`, ticket_id: `T-${i}`, type: 'resolved', occurred_at: new Date(created + 1_800_000).toISOString(), status: 'solved' }] : []),
    ];
    for (const e of evs) {
      const r = processMessage(JSON.stringify(e), { source: 'file', index: lines.length }, { nowMs: NOW, receivedAt: toClickHouseTime(NOW) });
      if (r.kind === 'ok') lines.push(r.line);
    }
  }
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
  // The command opens the data directory itself, as the CLI does.
  await t.ch.close();
});
afterAll(async () => t?.cleanup());

describe('ticketpulse sla backfill / recompute', () => {
  it('backfills every ticket with progress and a summary, then recomputes a selection', async () => {
    // Attached after parsing: the `sla` section joins ConfigSchema in core/config/schema.ts.
    const config = { ...testConfig(t.dataDir), sla: { processor: { batch_tickets: 100 } } } as Config;
    let out = '';
    const backfill = await slaRecomputeCommand(config, {}, (s) => (out += s));
    expect(backfill).toMatchObject({ tickets: 300, chunks: 3 });
    expect(out).toMatch(/sla backfill: done 300 tickets in [\d.]+ s/);
    expect(out).toMatch(/sla backfill: 300 tickets, \d+ ticket_sla rows written \(\d+ breached metrics\) in [\d.]+ s, 3 chunks/);

    out = '';
    const open = await slaRecomputeCommand(config, { openOnly: true, since: NOW - 2.5 * DAY }, (s) => (out += s));
    // Odd tickets are open; of those, created in the last 2.5 days: i % 10 = 1, 30 tickets.
    expect(open.tickets).toBe(30);
    expect(out).toMatch(/^sla recompute: done 30 tickets/m);

    const ch = await openClickHouse({ clickhouse: config.clickhouse, dataDir: t.dataDir, command: 'test' });
    try {
      const rows = await (await ch.client.query({ query: "SELECT source, toUInt32(uniqExact(ticket_id)) AS n FROM ticket_sla FINAL GROUP BY source ORDER BY source", format: 'JSONEachRow' })).json();
      expect(rows).toEqual([
        { source: 'backfill', n: 270 },
        { source: 'recompute', n: 30 },
      ]);
    } finally {
      await ch.close();
    }
  });

  it('reads --since as a date (UTC) or an instant, and names the flag when it cannot', () => {
    expect(parseSinceArg('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
    expect(parseSinceArg('2026-11-01T08:00:00+01:00')).toBe(Date.UTC(2026, 10, 1, 7));
    expect(() => parseSinceArg('last week')).toThrow(/--since: expected a date/);
  });
});
