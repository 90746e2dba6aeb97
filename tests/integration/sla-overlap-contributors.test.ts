// Real embedded ClickHouse:
//  (a) the incremental processor's safety overlap (docs/sla.md rule 11): scheduled runs
//      look `overlap_minutes` behind the watermark, so an event stored late but stamped
//      (received_at) within the overlap is still found and changes the ticket's
//      ticket_sla row; the as-events-arrive path has no overlap; an event older than the
//      overlap is not found by an incremental run, and counts as soon as the ticket is
//      selected again (every run reads the ticket's full history);
//  (b) the compliance rule's "biggest contributors" SQL (rule 15, compliance-rules.ts)
//      over seeded ticket_sla rows: the team / category holding most breaches comes first,
//      with its counts, and the rule's alert names them as the docs' example does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import {
  ComplianceRules,
  SlaProcessor,
  clickHouseFigures,
  complianceRule,
  parseSlaConfig,
  recordingAlertSink,
} from '../../processors/sla/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const NOW = Math.floor(Date.now() / MIN) * MIN;

let t: TestClickHouse;
beforeAll(async () => {
  t = await openTestClickHouse('sla-overlap');
});
afterAll(async () => t?.cleanup());

/** Stores events as the ingest path does, each stamped with the given received_at. */
async function store(events: Array<{ e: Record<string, unknown>; received: number }>): Promise<void> {
  const lines = events.map(({ e, received }, i) => {
    const r = processMessage(JSON.stringify(e), { source: 'http', requestId: 'overlap', index: i }, { nowMs: Date.now(), receivedAt: toClickHouseTime(received) });
    if (r.kind !== 'ok') throw new Error(`refused: ${JSON.stringify(e)}`);
    return r.line;
  });
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
}

interface Row {
  state: string;
  clock: string;
  elapsed: number;
  met_at: number | null;
  version: string;
}
async function firstResponse(ticket: string): Promise<Row> {
  const [row] = await t.rows<Row>(
    `SELECT state, clock, elapsed_minutes AS elapsed, toUnixTimestamp64Milli(met_at) AS met_at, toString(version) AS version
     FROM ticket_sla FINAL WHERE ticket_id = {id:String} AND metric = 'first_response'`,
    { id: ticket },
  );
  if (row === undefined) throw new Error(`no first_response row for ${ticket}`);
  return { ...row, met_at: row.met_at === null ? null : Number(row.met_at) };
}

describe('incremental processor: the safety overlap', () => {
  // 24×7 ('default' calendar), first response 60, resolution 240; overlap 5 minutes.
  const config = parseSlaConfig({
    processor: { overlap_minutes: 5 },
    policies: [{ name: 'default', targets: { first_response: 60, resolution: 240 } }],
  });
  // Each run computes "now" one second later, so every run writes a higher version.
  let clock = NOW;
  const now = () => (clock += 1000);
  const W = NOW - 10 * MIN; // the watermark after the first run: T-1's created event
  const ev = (id: string, ticket: string, type: string, occurred: number, status: string) => ({
    event_id: id,
    ticket_id: ticket,
    type,
    occurred_at: new Date(occurred).toISOString(),
    priority: 'normal',
    team: 'ops',
    status,
    ...(type === 'agent_replied' ? { agent_id: 'a1' } : {}),
  });

  it('picks up an event received inside the overlap, misses one older than it until the ticket is selected again', async () => {
    // Both tickets created 30 minutes ago; T-2's creation received 20 minutes ago, T-1's 10.
    await store([
      { e: ev('o1', 'T-1', 'created', NOW - 30 * MIN, 'new'), received: W },
      { e: ev('o2', 'T-2', 'created', NOW - 30 * MIN, 'new'), received: NOW - 20 * MIN },
    ]);
    const p1 = new SlaProcessor({ ch: t.ch, config, now });
    const first = await p1.runIncremental();
    expect([first.tickets, first.watermark]).toEqual([2, W]);
    const t1Before = await firstResponse('T-1');
    const t2Before = await firstResponse('T-2');
    // No reply yet: 30 of 60 used (evaluated a second after NOW), running.
    expect([t1Before.state, t1Before.clock, t2Before.state]).toEqual(['active', 'running', 'active']);

    // Two replies land late. T-1's was received 2 minutes before the watermark (inside the
    // 5-minute overlap), T-2's 8 minutes before it (outside).
    await store([
      { e: ev('o3', 'T-1', 'agent_replied', NOW - 25 * MIN, 'open'), received: W - 2 * MIN },
      { e: ev('o4', 'T-2', 'agent_replied', NOW - 24 * MIN, 'open'), received: W - 8 * MIN },
    ]);

    // The as-events-arrive path runs from the watermark without overlap: nothing is newer.
    const noOverlap = await p1.runIncremental({ overlapMs: 0 });
    expect([noOverlap.tickets, noOverlap.watermark]).toEqual([0, W]);
    expect((await firstResponse('T-1')).version).toBe(t1Before.version);

    // A scheduled run (a new processor, as after a restart: the watermark is read back)
    // looks from W − 5 min: it finds T-1 (its late reply at W − 2 min, its creation at W),
    // not T-2 (reply at W − 8 min, creation at W − 10 min). The watermark stays at W.
    const p2 = new SlaProcessor({ ch: t.ch, config, now });
    const scheduled = await p2.runIncremental();
    expect([scheduled.tickets, scheduled.watermark]).toEqual([1, W]);
    // T-1: created NOW − 30, replied NOW − 25 → 5 minutes of 60, met at the reply.
    const t1 = await firstResponse('T-1');
    expect([t1.state, t1.clock, t1.elapsed, t1.met_at]).toEqual(['met', 'stopped', 5, NOW - 25 * MIN]);
    expect(BigInt(t1.version)).toBeGreaterThan(BigInt(t1Before.version));
    // T-2 was not recomputed: same version, still running.
    const t2 = await firstResponse('T-2');
    expect([t2.version, t2.state]).toEqual([t2Before.version, 'active']);

    // The next event of T-2 (received now, after the watermark) selects it again; its full
    // history is read, the straggler included: created NOW − 30, replied NOW − 24 → 6, met.
    // T-1 (received at W, inside the overlap) is computed again too.
    await store([{ e: ev('o5', 'T-2', 'status_changed', NOW - 5 * MIN, 'pending'), received: NOW - MIN }]);
    const next = await p2.runIncremental();
    expect([next.tickets, next.watermark]).toEqual([2, NOW - MIN]);
    const t2After = await firstResponse('T-2');
    expect([t2After.state, t2After.elapsed, t2After.met_at]).toEqual(['met', 6, NOW - 24 * MIN]);
  });
});

describe('compliance rule: the biggest contributors, from ClickHouse', () => {
  // The docs' example (rule 15): resolution compliance for priority=urgent over the last
  // 4 h is 89 of 100 met; team billing holds 5 of the 11 breaches, category refund 4.
  //
  // Urgent resolution metrics decided in the window (latest versions):
  //   breached (11): billing/refund ×3, billing/login ×2, tech/refund, tech/login,
  //                  tech/shipping, ops/shipping, ops/invoices ×2
  //   met (89):      billing/refund ×25, tech/login ×30, ops/shipping ×24, and
  //                  ops/general ×10 whose *older* version was breached (superseded)
  // Per team:     billing 5 breached of 30 decided; tech 3 of 33; ops 3 of 37 (10 + 24 + 3).
  // Per category: refund 4 of 29 (25 + 3 + 1); login 3 of 33 (30 + 2 + 1);
  //               shipping 2 of 26 (24 + 1 + 1); invoices 2 of 2; general 0 of 10.
  // Top 3 per dimension, most breaches first, ties by value:
  //   category: refund 4, login 3, invoices 2 (before shipping 2);  team: billing 5, ops 3, tech 3.
  // Decoys that must not count (each would put 'ops' first if it did): ops breaches on
  // normal-priority tickets, urgent resolution breaches decided 5 h ago, urgent
  // first-response breaches, and the superseded versions above; and open (active) rows.
  const rule = complianceRule({
    name: 'urgent-resolution',
    metric: 'resolution',
    match: { priority: ['urgent'] },
    window_minutes: 240,
    below: 0.9,
    clear_at: 0.92,
    min_tickets: 20,
    severity: 'critical',
    contributors: ['team', 'category'],
  });

  beforeAll(async () => {
    const rows: Array<Record<string, unknown>> = [];
    let n = 0;
    const add = (count: number, r: { team: string; category: string; state: 'met' | 'breached' | 'active'; metric?: string; priority?: string; agoMin?: number; version?: number; id?: (i: number) => string }) => {
      for (let i = 0; i < count; i++) {
        const decided = NOW - (r.agoMin ?? 60) * MIN;
        rows.push({
          ticket_id: r.id ? r.id(i) : `C-${++n}`,
          metric: r.metric ?? 'resolution',
          version: r.version ?? 1,
          computed_at: toClickHouseTime(NOW),
          evaluated_at: toClickHouseTime(NOW),
          source: 'processor',
          created_at: toClickHouseTime(decided - 120 * MIN),
          team: r.team,
          category: r.category,
          priority: r.priority ?? 'urgent',
          status: r.state === 'active' ? 'open' : 'solved',
          policy: 'urgent',
          calendar: 'default',
          state: r.state,
          clock: r.state === 'active' ? 'running' : 'stopped',
          target_minutes: 240,
          elapsed_minutes: r.state === 'met' ? 100 : 300,
          breached_at: r.state === 'breached' ? toClickHouseTime(decided) : null,
          met_at: r.state === 'active' ? null : toClickHouseTime(decided),
          decided_at: r.state === 'active' ? null : toClickHouseTime(decided),
        });
      }
    };
    // The population.
    add(3, { team: 'billing', category: 'refund', state: 'breached' });
    add(2, { team: 'billing', category: 'login', state: 'breached' });
    add(1, { team: 'tech', category: 'refund', state: 'breached' });
    add(1, { team: 'tech', category: 'login', state: 'breached' });
    add(1, { team: 'tech', category: 'shipping', state: 'breached' });
    add(1, { team: 'ops', category: 'shipping', state: 'breached' });
    add(2, { team: 'ops', category: 'invoices', state: 'breached' });
    add(25, { team: 'billing', category: 'refund', state: 'met' });
    add(30, { team: 'tech', category: 'login', state: 'met' });
    add(24, { team: 'ops', category: 'shipping', state: 'met' });
    // Re-versioned: breached at version 1, met at version 2 (the latest wins).
    add(10, { team: 'ops', category: 'general', state: 'breached', version: 1, id: (i) => `R-${i}` });
    add(10, { team: 'ops', category: 'general', state: 'met', version: 2, id: (i) => `R-${i}` });
    // Decoys.
    add(10, { team: 'ops', category: 'shipping', state: 'breached', priority: 'normal' });
    add(10, { team: 'ops', category: 'shipping', state: 'breached', agoMin: 300 });
    add(10, { team: 'ops', category: 'shipping', state: 'breached', metric: 'first_response' });
    add(10, { team: 'ops', category: 'shipping', state: 'active' });
    // Two inserts, so the superseded versions sit in their own parts (FINAL must resolve them).
    const older = rows.filter((r) => r.version === 1 && String(r.ticket_id).startsWith('R-'));
    await t.ch.client.insert({ table: 'ticket_sla', format: 'JSONEachRow', values: older });
    await t.ch.client.insert({ table: 'ticket_sla', format: 'JSONEachRow', values: rows.filter((r) => !older.includes(r)) });
  });

  it('names the team and the category holding most breaches first, with their counts', async () => {
    const source = clickHouseFigures(t.ch);
    expect(await source.figures(rule, NOW)).toEqual({ met: 89, breached: 11, decided: 100, compliance: 0.89 });
    const contributors = await source.contributors(rule, NOW);
    expect(contributors).toEqual([
      { dimension: 'category', value: 'refund', breached: 4, decided: 29 },
      { dimension: 'category', value: 'login', breached: 3, decided: 33 },
      { dimension: 'category', value: 'invoices', breached: 2, decided: 2 },
      { dimension: 'team', value: 'billing', breached: 5, decided: 30 },
      { dimension: 'team', value: 'ops', breached: 3, decided: 37 },
      { dimension: 'team', value: 'tech', breached: 3, decided: 33 },
    ]);
  });

  it('the rule fires once with the docs’ summary, blaming billing and refund', async () => {
    const sink = recordingAlertSink();
    const rules = new ComplianceRules([rule], clickHouseFigures(t.ch), sink);
    const [first] = await rules.evaluate(NOW);
    expect([first.action, first.state]).toEqual(['fire', 'firing']);
    expect(sink.raised).toHaveLength(1);
    const alert = sink.raised[0].input;
    expect(alert.summary).toBe(
      'resolution compliance for priority=urgent is 89.0% over the last 4 h (89 of 100 met), below 90.0%. ' +
        'Most breaches: team billing (5 of 11 breaches); category refund (4 of 11 breaches).',
    );
    expect(alert.labels).toMatchObject({ top_team: 'billing', top_category: 'refund', priority: 'urgent' });
    // Same figures a minute later: still firing, nothing raised again.
    const [second] = await rules.evaluate(NOW + MIN);
    expect([second.action, sink.raised.length]).toEqual(['hold', 1]);
  });
});
