// A day of simulated traffic behind tests/integration/overview-routes.test.ts, stored
// and processed the way a running TicketPulse does it, but small enough for a test
// file of well under a minute (tests/support/dashboards-seed.ts seeds a whole week):
// events hour by hour through the batch writer, surge detection every hour around an
// incident in the day's last hours, then SLA, agents and root-cause tracking at the
// day's end, all through the real scheduler on a simulated clock. So every derived
// table an overview panel reads holds what the real processors write. Many agents
// (so the routing-weights panel has more rows than the overview returns) and two
// tenants (so every filter has more than one value).
import { toClickHouseTime } from '../../core/events/row.ts';
import { createLogger } from '../../core/log.ts';
import { BatchWriter, ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { createSimulation, type Simulation } from '../../ingest/simulator/index.ts';
import { AgentsService, agentsProcessorJob } from '../../processors/agents/index.ts';
import { Scheduler } from '../../processors/index.ts';
import { RootCauseTracker, rootCauseProcessorJob } from '../../processors/root-cause/index.ts';
import { createSlaEngine, parseSlaConfig } from '../../processors/sla/index.ts';
import { SurgeDetector, surgeProcessorJob } from '../../processors/surge/index.ts';
import type { TestClickHouse } from './clickhouse.ts';

export const HOUR = 3_600_000;
const HOURS = 24;
/** The incident starts this many hours into the day and lasts 3 hours. */
const INCIDENT_HOUR = 19;

export interface OverviewSeed {
  /** The simulated day (epoch ms); the processors last ran at `to`. */
  range: { from: number; to: number };
  sim: Simulation;
  /** Processor runs, by job name. */
  runs: Record<string, number>;
}

/** `end`: where the day ends (default the last full hour but one, so the data is recent). */
export async function seedOverviewDay(t: TestClickHouse, opts: { end?: number } = {}): Promise<OverviewSeed> {
  const end = opts.end ?? Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - HOURS * HOUR;
  const sim = createSimulation({
    seed: 23,
    start,
    ticketsPerHour: 60,
    agents: 200,
    tenants: 2,
    incident: { startOffsetMinutes: INCIDENT_HOUR * 60, durationMinutes: 180, ticketsPerHour: 150 },
  });
  let simNow = start;
  const now = () => simNow;
  const { ch, config } = t;
  const sla = createSlaEngine({ ch, config: parseSlaConfig({ monitor: { enabled: false } }), alerts: null, now });
  const agents = new AgentsService({ ch, config: config.agents, now });
  const scheduler = new Scheduler({
    ch,
    log: createLogger('silent'),
    now,
    jobs: [
      ...sla.jobs,
      surgeProcessorJob(new SurgeDetector({ ch, config: config.surge }), config.surge),
      agentsProcessorJob(agents, config.agents),
      rootCauseProcessorJob(new RootCauseTracker({ ch, config: config.rootCause }), config.rootCause),
    ],
  });
  const runs: Record<string, number> = {};
  const step = async (at: number, jobs: readonly string[]) => {
    simNow = at;
    for (const job of jobs) {
      const r = await scheduler.runNow(job, 'schedule');
      if (r.status !== 'ok') throw new Error(`processor ${job} failed at ${new Date(at).toISOString()}: ${r.error}`);
      runs[job] = (runs[job] ?? 0) + 1;
    }
  };

  const writer = new BatchWriter({ inserter: new ClickHouseInserter(ch), batchRows: 50_000, flushIntervalMs: 50, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100 });
  try {
    let index = 0;
    for (let h = 0; h < HOURS; h++) {
      const hourEnd = start + (h + 1) * HOUR;
      // Delivered in the hour's last minute, over HTTP as the ticketing core sends them.
      const ctx = { nowMs: Date.now(), receivedAt: toClickHouseTime(hourEnd - 60_000) };
      const lines: string[] = [];
      for (const ev of sim.events(hourEnd)) {
        const r = processMessage(JSON.stringify(ev), { source: 'http', requestId: `req-${h}`, index: index++ }, ctx);
        if (r.kind === 'ok') lines.push(r.line);
      }
      await writer.write(lines, [], 'JSONEachRow');
      // Surge detection each hour from a few hours before the incident (its recent baseline) to the end.
      if (h >= INCIDENT_HOUR - 3) await step(hourEnd, ['surge']);
    }
  } finally {
    await writer.close();
  }
  await step(end, ['sla', 'agents', 'root-cause']);
  await sla.stop();
  await agents.close();
  await scheduler.stop();
  return { range: { from: start, to: end }, sim, runs };
}
