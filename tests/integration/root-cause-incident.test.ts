// End to end on simulated time: 24 h of simulator traffic plus an injected incident
// (one product batch, one region) stored through the writer into embedded ClickHouse,
// then the tracker run at simulated instants every 15 min across the incident's start,
// with a recording alert sink. The incident must raise exactly one root_cause_batch
// alert naming batch B-2311 within 15 min; the same day without it must raise none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { DEFAULT_INCIDENT, createSimulation, type Simulation } from '../../ingest/simulator/index.ts';
import type { AlertInput } from '../../processors/alerts/index.ts';
import { RootCauseTracker, createClustersPort, parseRootCauseConfig, type RootCauseAlertSink } from '../../processors/root-cause/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Tuesday 2026-11-17 10:00 UTC: office hours in eu-west.
const INCIDENT_START = Date.UTC(2026, 10, 17, 10);
const SIM_START = INCIDENT_START - 24 * HOUR;
const say = (line: string) => process.stdout.write(`${line}\n`);

let t: TestClickHouse;

async function load(sim: Simulation, untilMs: number): Promise<number> {
  const ctx = { nowMs: untilMs, receivedAt: toClickHouseTime(untilMs) };
  const lines: string[] = [];
  let n = 0;
  for (const e of sim.events(untilMs)) {
    if (e.type !== 'created') continue; // all the tracker reads
    const r = processMessage(JSON.stringify(e), { source: 'simulator', index: n++ }, ctx);
    if (r.kind === 'ok') lines.push(r.line);
  }
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
  return lines.length;
}

interface Recorded {
  atMs: number;
  input: AlertInput;
}

/** Runs the tracker every 15 min from incident start − 30 min to + 45 min. */
async function track(offsetMs: number): Promise<Recorded[]> {
  const raised: Recorded[] = [];
  let now = 0;
  const sink: RootCauseAlertSink = {
    async raise(input) {
      raised.push({ atMs: now, input });
    },
    async clear() {
      return null;
    },
  };
  const tracker = new RootCauseTracker({ ch: t.ch, config: parseRootCauseConfig({}), alerts: sink });
  for (let at = INCIDENT_START - 30 * MIN; at <= INCIDENT_START + 45 * MIN; at += 15 * MIN) {
    now = at + offsetMs;
    const r = await tracker.run(now);
    const hot = r.tracked.filter((c) => c.surging || c.status === 'emerging');
    say(
      `${new Date(now).toISOString().slice(0, 16)}: ${r.tickets} tickets, ${r.clusters} clusters, ${r.durationMs} ms, raised ${r.raised}` +
        hot.map((c) => ` | ${c.clusterId} ${c.status} "${c.label}" ${c.recent}/${c.size} ×${c.growth} ${c.concentration ? `${c.concentration.attribute}=${c.concentration.value} ${c.concentration.share}` : '-'}`).join(''),
    );
  }
  return raised;
}

beforeAll(async () => {
  t = await openTestClickHouse('root-cause');
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
});

describe('root-cause tracking on simulated time', () => {
  it('raises exactly one root_cause_batch alert naming batch B-2311 within 15 min of the incident', async () => {
    const sim = createSimulation({
      seed: 1117,
      start: SIM_START,
      ticketsPerHour: 60,
      incident: { startOffsetMinutes: 24 * 60, durationMinutes: 60, ticketsPerHour: 120, product: 'Velvet Matte Lipstick', batch: 'B-2311', region: 'eu-west', category: 'product_defect' },
    });
    const n = await load(sim, INCIDENT_START + 45 * MIN);
    expect(sim.incident!.startMs).toBe(INCIDENT_START);
    say(`stored ${n} tickets (${sim.stats().incidentTickets} from the incident)`);

    const raised = await track(0);
    expect(raised.length).toBeGreaterThan(0);
    expect(new Set(raised.map((r) => r.input.dedup_key)).size).toBe(1);
    const first = raised[0];
    expect(first.atMs).toBeLessThanOrEqual(sim.incident!.startMs + 15 * MIN);
    expect(first.input.kind).toBe('root_cause_batch');
    expect(first.input.subject.type).toBe('cluster');
    const labels = first.input.labels ?? {};
    const namesBatch = labels.product_batch === 'B-2311' || (labels.concentration_attribute === 'product' && labels.concentration_value === 'Velvet Matte Lipstick');
    expect(namesBatch).toBe(true);
    expect(labels.suggested_owner).toBe('QA');
    expect(labels.sample_subjects.length).toBeGreaterThan(0);
    say(`alert: ${first.input.summary}`);

    // The API port sees the cluster, its id stable across the runs, and its tickets.
    const port = createClustersPort(t.ch);
    const list = await port.list({ since: INCIDENT_START - HOUR, limit: 100 });
    const cluster = list.clusters.find((c) => c.cluster_id === first.input.subject.id);
    expect(cluster).toBeDefined();
    expect(cluster!.size_history.length).toBeGreaterThanOrEqual(3);
    const tickets = await port.tickets(cluster!.cluster_id, 500);
    expect(tickets!.tickets.some((tk) => sim.incidentTicketIds().has(tk.ticket_id))).toBe(true);
    expect(await port.tickets('rc-none', 10)).toBeNull();
  }, 600_000);

  it('at the simulator’s default rates (120 tickets/h, an incident of 60/h that ramps up) raises one alert naming the batch within 30 min', async () => {
    await t.truncate('ticket_events', 'clusters', 'ticket_clusters');
    const offset = 14 * 24 * HOUR;
    const sim = createSimulation({ seed: 1117, start: SIM_START + offset, incident: { ...DEFAULT_INCIDENT, startOffsetMinutes: 24 * 60 } });
    await load(sim, INCIDENT_START + offset + 45 * MIN);
    const raised = await track(offset);
    expect(raised.length).toBeGreaterThan(0);
    // The day's ordinary clusters (60+ per run) raise nothing: only the batch does, once.
    expect(new Set(raised.map((r) => r.input.dedup_key)).size).toBe(1);
    expect(raised[0].atMs).toBeGreaterThanOrEqual(INCIDENT_START + offset);
    // At 60/h with the ramp, the first 15 min bring too few tickets to be sure of
    // (docs/root-cause.md); the run at +30 min does.
    expect(raised[0].atMs).toBeLessThanOrEqual(INCIDENT_START + offset + 30 * MIN);
    expect(raised[0].input.labels?.product_batch).toBe('B-2311');
    say(`default rates: alert at +${(raised[0].atMs - INCIDENT_START - offset) / MIN} min: ${raised[0].input.summary}`);
  }, 600_000);

  it('raises nothing on the same kind of day without an incident', async () => {
    await t.truncate('ticket_events', 'clusters', 'ticket_clusters');
    const offset = 7 * 24 * HOUR; // same hour of the week, a week later
    const sim = createSimulation({ seed: 1118, start: SIM_START + offset, ticketsPerHour: 60, incident: null });
    await load(sim, INCIDENT_START + offset + 45 * MIN);
    const raised = await track(offset);
    expect(raised.map((r) => r.input.summary)).toEqual([]);
  }, 600_000);
});
