// Surge detection through real embedded ClickHouse: 16 days of simulator traffic with
// an incident that multiplies one region's volume by ~5 for two hours. Only `created`
// events are stored (all the detector reads), which keeps the load small.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../api/error-handler.ts';
import { surgesRoutes } from '../../api/routes/surges.ts';
import { ErrorResponse } from '../../api/schemas.ts';
import { TICKET_EVENT_COLUMNS, toClickHouseTime } from '../../core/events/row.ts';
import { ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { REGIONS, createSimulation } from '../../ingest/simulator/index.ts';
import { regionWeights } from '../../ingest/simulator/rhythm.ts';
import type { AlertInput } from '../../processors/alerts/index.ts';
import {
  SurgeDetector,
  createSurgesPort,
  parseSurgeConfig,
  writeSurgeRows,
  type SeriesPoint,
  type SurgeAlertSink,
  type SurgeRunReport,
  type SurgeSeriesSource,
} from '../../processors/surge/index.ts';
import { openTestClickHouse, type TestClickHouse } from '../support/clickhouse.ts';

const MIN = 60_000;
const BUCKET = 15 * MIN;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const TPH = 60;
// The incident starts on Tuesday 2026-11-17 at 10:00 UTC (10:00 local in eu-west).
const INCIDENT_START = Date.UTC(2026, 10, 17, 10);
const INCIDENT_MINUTES = 120;
const SIM_START = INCIDENT_START - 15 * DAY;
const SIM_END = INCIDENT_START + 6 * HOUR;
const say = (line: string) => process.stdout.write(`${line}\n`);

let t: TestClickHouse;
const raised: AlertInput[] = [];
const cleared: string[] = [];
const open = new Set<string>();
const sink: SurgeAlertSink = {
  async raise(input) {
    raised.push(input);
    open.add(input.dedup_key);
  },
  async clear(key) {
    if (!open.delete(key)) return null;
    cleared.push(key);
    return { key };
  },
};
// The pluggable cluster dimension: a caller's own series, spiking in the incident's second bucket.
const clusters: SurgeSeriesSource = {
  dimensions: ['cluster'],
  async load(window) {
    const out: SeriesPoint[] = [];
    for (const [from, to] of window.ranges) {
      for (let b = from; b < to; b += window.bucketMinutes * MIN) out.push({ dimension: 'cluster', value: 'velvet-snapped', bucketStartMs: b, count: b === INCIDENT_START + BUCKET ? 30 : 2 });
    }
    return out;
  },
};
let detector: SurgeDetector;

beforeAll(async () => {
  t = await openTestClickHouse('surge');
  // ~4× the eu-west rate at 10:00 on top of it (the incident puts 85% of its tickets
  // in its region, and its trapezoid peaks at rate / 0.8).
  const weights = new Array<number>(REGIONS.length).fill(0);
  regionWeights(INCIDENT_START + HOUR, weights);
  const euPerHour = TPH * weights[REGIONS.indexOf('eu-west')];
  const incidentRate = (4 * euPerHour * 0.8) / 0.85;
  const sim = createSimulation({
    seed: 20261117,
    start: SIM_START,
    ticketsPerHour: TPH,
    incident: { startOffsetMinutes: (INCIDENT_START - SIM_START) / MIN, durationMinutes: INCIDENT_MINUTES, ticketsPerHour: incidentRate, region: 'eu-west' },
  });
  const started = performance.now();
  const ctx = { nowMs: SIM_END, receivedAt: toClickHouseTime(SIM_END) };
  const lines: string[] = [];
  let n = 0;
  for (const e of sim.events(SIM_END)) {
    if (e.type !== 'created') continue;
    const { body: _b, subject: _s, ...lean } = e;
    const r = processMessage(JSON.stringify(lean), { source: 'simulator', index: n++ }, ctx);
    if (r.kind === 'ok') lines.push(r.line);
  }
  await new ClickHouseInserter(t.ch).insert('ticket_events', TICKET_EVENT_COLUMNS, lines);
  say(`simulated 15¼ days at ${TPH} tickets/h: ${lines.length} tickets (eu-west ≈ ${(euPerHour / 4).toFixed(1)}/bucket at 10:00, incident +${incidentRate.toFixed(0)}/h), stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  detector = new SurgeDetector({ ch: t.ch, config: parseSurgeConfig({}), alerts: sink, extraSeries: [clusters] });
}, 240_000);

afterAll(async () => {
  await t?.cleanup();
});

const describeRun = (r: SurgeRunReport) =>
  `${new Date(r.evaluatedToMs).toISOString()}: ${r.series} series, ${r.surging} surging [${r.surges.map((v) => `${v.dimension}/${v.value}@${new Date(v.bucketStartMs).toISOString().slice(11, 16)} ${v.observed} vs ${v.expected} z ${v.score}`).join('; ')}]`;

describe('surge detector on ClickHouse', () => {
  it('stays quiet on eu-west before the incident, and retracts a stored surge a re-run does not confirm', async () => {
    // A stale surge from an earlier run for a bucket that is ordinary.
    await writeSurgeRows(t.ch, [{ status: 'surging', verdict: { dimension: 'region', value: 'us-east', bucketStartMs: INCIDENT_START - BUCKET, bucketMinutes: 15, observed: 99, expected: 5, score: 9, ratio: 19, baselineKind: 'seasonal', baselinePoints: 12, method: 'median_mad_anscombe', surging: true, reason: 'surge' } }], INCIDENT_START - 10 * MIN);
    const r = await detector.run(INCIDENT_START + 2 * MIN);
    say(describeRun(r));
    expect(r.seasonal).toBe(r.verdicts); // 15 days of history ≥ 2 weeks
    expect(r.surges.filter((v) => v.dimension === 'region' && v.value === 'eu-west')).toEqual([]);
    expect(r.retracted).toBe(1);
    const status = await t.rows<{ status: string }>(`SELECT status FROM surges FINAL WHERE dimension = 'region' AND value = 'us-east'`);
    expect(status).toEqual([{ status: 'retracted' }]);
  });

  it('detects the 5× eu-west burst within 2 buckets and raises volume_surge', async () => {
    const r1 = await detector.run(INCIDENT_START + BUCKET + 2 * MIN);
    const r2 = await detector.run(INCIDENT_START + 2 * BUCKET + 2 * MIN);
    say(describeRun(r1));
    say(describeRun(r2));
    const eu = [...r1.surges, ...r2.surges].filter((v) => v.dimension === 'region' && v.value === 'eu-west');
    expect(eu.length).toBeGreaterThan(0);
    const first = Math.min(...eu.map((v) => v.bucketStartMs));
    expect(first).toBeLessThanOrEqual(INCIDENT_START + BUCKET);
    const hit = eu.find((v) => v.bucketStartMs === first)!;
    expect(hit.baselineKind).toBe('seasonal');
    expect(hit.observed).toBeGreaterThan(2.5 * hit.expected);
    expect(raised.some((a) => a.dedup_key === 'volume_surge:region:eu-west' && a.kind === 'volume_surge')).toBe(true);
    // The caller-supplied cluster series went through the same path.
    expect(r2.surges.some((v) => v.dimension === 'cluster' && v.value === 'velvet-snapped')).toBe(true);
    expect(raised.some((a) => a.dedup_key === 'volume_surge:cluster:velvet-snapped')).toBe(true);
  });

  it('re-running the same buckets replaces rows instead of duplicating them', async () => {
    const q = `SELECT count() FROM surges FINAL WHERE dimension = 'region' AND value = 'eu-west'`;
    const before = await t.scalar(q);
    await detector.run(INCIDENT_START + 2 * BUCKET + 2 * MIN);
    expect(await t.scalar(q)).toBe(before);
    expect(await t.scalar(`SELECT count() FROM surges WHERE dimension = 'region' AND value = 'eu-west'`)).toBeGreaterThan(before);
  });

  it('clears the alerts once the surge is over', async () => {
    const r = await detector.run(INCIDENT_START + INCIDENT_MINUTES * MIN + 2 * BUCKET + 2 * MIN);
    say(describeRun(r));
    expect(r.surges.filter((v) => v.dimension === 'region' && v.value === 'eu-west' && v.bucketStartMs >= INCIDENT_START + INCIDENT_MINUTES * MIN)).toEqual([]);
    expect(cleared).toContain('volume_surge:region:eu-west');
    expect(cleared).toContain('volume_surge:cluster:velvet-snapped');
  });

  it('GET /v1/surges lists them through the port, filtered by dimension', async () => {
    const app = Fastify({ logger: false });
    app.addSchema(ErrorResponse);
    installErrorHandler(app);
    await app.register(surgesRoutes, { surges: createSurgesPort(t.ch), now: () => INCIDENT_START + 4 * HOUR });
    const res = await app.inject({ method: 'GET', url: `/v1/surges?since=${new Date(INCIDENT_START - HOUR).toISOString()}&dimension=region` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { surges: Array<{ dimension: string; value: string; observed: number; expected: number; score: number; status: string; bucket_minutes: number }> };
    expect(body.surges.length).toBeGreaterThan(0);
    expect(body.surges.every((s) => s.dimension === 'region' && s.status === 'surging' && s.bucket_minutes === 15)).toBe(true);
    expect(body.surges.some((s) => s.value === 'eu-west' && s.observed > s.expected)).toBe(true);
    const bad = await app.inject({ method: 'GET', url: '/v1/surges?since=soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('since');
    await app.close();
  });
});
