// The simulated week behind tests/integration/dashboards-panels.test.ts, stored the way
// a running TicketPulse stores it: events day by day through the batch writer (half
// over "Kafka", half over "HTTP", one hour delivered twice, some malformed lines), and
// between deliveries the real processors run on a simulated clock through the real
// scheduler — SLA (incremental, at each day's end), compliance rules, agents, surge
// detection every hour, root-cause tracking around the last day's incident — raising
// alerts through the real alert service, which delivers them over HTTP to local
// receivers (one of them refuses some messages) while an on-call person acknowledges
// some. So every derived table a panel reads holds what the processors would write,
// not hand-made rows.
import type { DeadLetterRow } from '../../core/events/dead-letter.ts';
import { toClickHouseTime } from '../../core/events/row.ts';
import { createLogger } from '../../core/log.ts';
import { BatchWriter, ClickHouseInserter, processMessage } from '../../ingest/index.ts';
import { lagRows, type KafkaIngestStatus, type LagRow } from '../../ingest/kafka/index.ts';
import { Rng, createSimulation, malformedLine, type Simulation } from '../../ingest/simulator/index.ts';
import { AgentsService, agentsProcessorJob } from '../../processors/agents/index.ts';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { Scheduler, type RunRecord } from '../../processors/index.ts';
import { RootCauseTracker, rootCauseProcessorJob } from '../../processors/root-cause/index.ts';
import { createSlaEngine, parseSlaConfig, type SlaEngine } from '../../processors/sla/index.ts';
import { SurgeDetector, surgeProcessorJob } from '../../processors/surge/index.ts';
import { alertsConfig } from './alerts-fixtures.ts';
import type { TestClickHouse } from './clickhouse.ts';
import { ROBOT_OK, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

export const HOUR = 3_600_000;
const MIN = 60_000;
const DAYS = 7;

export interface SeededWeek {
  /** The dashboard time range: the whole week (epoch ms). */
  range: { from: number; to: number };
  sim: Simulation;
  /** A ticket created late in the week, for the ticket_id textbox. */
  sampleTicketId: string;
  /** Every processor run the scheduler recorded. */
  runs: RunRecord[];
  /** Alerts acknowledged by the simulated on-call person. */
  acknowledged: number;
  /** Messages each alert channel's receiver accepted (repeats of an idempotency key dropped). */
  received: Record<string, number>;
}

/** SLA: the built-in policies, compliance rules that a busy week trips, no deadline timers (the clock is simulated). */
const SLA_CONFIG = parseSlaConfig({
  monitor: { enabled: false },
  compliance: {
    rules: [
      { name: 'urgent-first-response', metric: 'first_response', match: { priority: ['urgent'] }, window_minutes: 1440, below: 0.97, min_tickets: 20, severity: 'critical' },
      { name: 'resolution', metric: 'resolution', window_minutes: 1440, below: 0.95, min_tickets: 20 },
      { name: 'next-reply-high', metric: 'next_reply', match: { priority: ['high'] }, window_minutes: 1440, below: 0.95, min_tickets: 20 },
    ],
  },
});

function alertsSection(ops: WebhookReceiver, slack: WebhookReceiver, robot: WebhookReceiver) {
  return alertsConfig({
    delivery: { maxAttempts: 3, retryBaseMs: 1_000, retryMaxMs: 60_000, timeoutMs: 5_000, pollIntervalMs: 50, syncIntervalMs: 3_600_000 },
    rateLimit: { maxMessages: 1_000, windowSeconds: 60 },
    channels: {
      'ops-webhook': { type: 'webhook', url: ops.url, secret: 'ops-secret' },
      'team-slack': { type: 'slack', url: slack.url },
      'supervisors-dingtalk': { type: 'dingtalk', url: `${robot.url}?access_token=abc`, secret: 'SECxyz', language: 'zh' },
    },
    routes: [
      { name: 'sla', match: { kind: ['sla_compliance_low'] }, channels: ['supervisors-dingtalk'], continue: true },
      { name: 'volume', match: { kind: ['volume_surge', 'root_cause_batch'] }, channels: ['team-slack'], continue: true },
      { name: 'everything', channels: ['ops-webhook'] },
    ],
  });
}

interface Processors {
  scheduler: Scheduler;
  alerts: AlertService;
  sla: SlaEngine;
  agents: AgentsService;
}

function processors(t: TestClickHouse, clock: { now: () => number }, onRun: (r: RunRecord) => void, alerts: AlertService): Processors {
  const { ch, config } = t;
  const sla = createSlaEngine({ ch, config: SLA_CONFIG, alerts, now: clock.now });
  const agents = new AgentsService({ ch, config: config.agents, onAlert: (a) => alerts.raise(a), onClear: (k) => alerts.clear(k), now: clock.now });
  const jobs = [
    ...sla.jobs,
    surgeProcessorJob(new SurgeDetector({ ch, config: config.surge, alerts }), config.surge),
    agentsProcessorJob(agents, config.agents),
    rootCauseProcessorJob(new RootCauseTracker({ ch, config: config.rootCause, alerts }), config.rootCause),
  ];
  return { scheduler: new Scheduler({ ch, log: createLogger('silent'), jobs, onRun, now: clock.now }), alerts, sla, agents };
}

export async function seedWeek(t: TestClickHouse, say: (line: string) => void = () => {}): Promise<SeededWeek> {
  const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
  const start = end - DAYS * 24 * HOUR;
  const sim = createSimulation({
    seed: 11,
    start,
    ticketsPerHour: 100,
    tenants: 2,
    // Strong enough to stand out at any hour of the day (the week starts at the current hour).
    incident: { startOffsetMinutes: (DAYS - 1) * 24 * 60, durationMinutes: 240, ticketsPerHour: 120 },
  });
  const rng = new Rng(11, 7);
  // The replayed hour must still be on disk twice when the panels read it, as it is
  // between an insert and the merge that collapses it; the seed takes long enough for
  // that merge to happen otherwise.
  await t.ch.client.command({ query: 'SYSTEM STOP MERGES ticket_events' });
  const writer = new BatchWriter({ inserter: new ClickHouseInserter(t.ch), batchRows: 50_000, flushIntervalMs: 100, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100 });

  const ops = await startWebhookReceiver({ dropRepeatedKeys: true });
  const slack = await startWebhookReceiver({ dropRepeatedKeys: true });
  const robot = await startWebhookReceiver({ dropRepeatedKeys: true, successBody: ROBOT_OK });
  try {
    return await simulate(t, { sim, start, end, rng, writer, ops, slack, robot }, say);
  } finally {
    await Promise.all([ops.close(), slack.close(), robot.close()]);
  }
}

interface Parts {
  sim: Simulation;
  start: number;
  end: number;
  rng: Rng;
  writer: BatchWriter;
  ops: WebhookReceiver;
  slack: WebhookReceiver;
  robot: WebhookReceiver;
}

async function simulate(t: TestClickHouse, parts: Parts, say: (line: string) => void): Promise<SeededWeek> {
  const { sim, start, end, rng, writer, ops, slack, robot } = parts;
  const incident = sim.incident!;
  // The robot refuses every third message for good (a keyword check DingTalk applies)
  // and answers every fifth with a 503 (retried): failures must show per channel.
  const refused = new Set<number>();
  robot.respondWith((req) => {
    if (req.seq % 3 === 2) {
      refused.add(req.seq);
      return { status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' };
    }
    return req.seq % 5 === 0 ? { status: 503 } : null;
  });

  let simNow = start;
  const clock = { now: () => simNow };
  const runs: RunRecord[] = [];
  const alerts = createAlertService({ ch: t.ch, config: alertsSection(ops, slack, robot), now: clock.now, random: () => 0.5, metrics: null });
  const p = processors(t, clock, (r) => runs.push(r), alerts);
  // The on-call person: acknowledges two alerts in three, 10 min to 3 h after they
  // fire, at that minute (between processor runs, on the same simulated clock).
  const toAck: Array<{ id: string; at: number }> = [];
  let fired = 0;
  alerts.onFired((a) => {
    if (fired++ % 3 !== 2) toAck.push({ id: a.id, at: Date.parse(a.fired_at) + (10 + ((fired * 37) % 170)) * MIN });
  });
  let acknowledged = 0;
  const acknowledgeUntil = async (at: number) => {
    toAck.sort((a, b) => a.at - b.at);
    while (toAck.length > 0 && toAck[0].at <= at) {
      const due = toAck.shift()!;
      simNow = Math.max(simNow, due.at);
      // Already resolved by its processor: nothing left to acknowledge.
      if ((await alerts.port.get(due.id)).alert.state !== 'firing') continue;
      await alerts.ack(due.id, 'on-call');
      acknowledged++;
    }
  };
  const step = async (at: number, jobs: readonly string[]) => {
    await acknowledgeUntil(at);
    simNow = at;
    for (const job of jobs) {
      const r = await p.scheduler.runNow(job, 'schedule');
      if (r.status !== 'ok') throw new Error(`processor ${job} failed at ${new Date(at).toISOString()}: ${r.error}`);
    }
    await alerts.tick();
  };

  // Root-cause runs in the incident's first hour, and at the end (each clusters a
  // whole day of tickets: the slowest step here).
  const rootCauseAt = new Set([30, 60].map((m) => incident.startMs + m * MIN));
  rootCauseAt.add(end);

  let offset = 0;
  let committedBefore = 0;
  const lagSamples: LagRow[] = [];
  let h = 0;
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = (timings[name] ?? 0) + performance.now() - t0;
    }
  };
  for (let day = 0; day < DAYS; day++) {
    const dayStart = start + day * 24 * HOUR;
    const dayEnd = dayStart + 24 * HOUR;
    await timed('ingest', async () => {
      const pending: Array<Promise<unknown>> = [];
      for (let hour = dayStart; hour < dayEnd; hour += HOUR, h++) {
        const lines: string[] = [];
        const dead: DeadLetterRow[] = [];
        const kafka = h % 2 === 0;
        // Delivered in the last minutes of the hour: received_at spreads over the week.
        const ctx = { nowMs: Date.now(), receivedAt: toClickHouseTime(hour + HOUR - 60_000 + rng.int(0, 50_000)) };
        let index = 0;
        for (const ev of sim.events(hour + HOUR)) {
          const raw = rng.next() < 0.004 ? malformedLine(ev, rng).line : JSON.stringify(ev);
          const origin = kafka ? { source: 'kafka' as const, topic: 'ticket-events', partition: offset % 4, offset: offset++ } : { source: 'http' as const, requestId: `req-${h}`, index: index++ };
          const r = processMessage(raw, origin, ctx);
          if (r.kind === 'ok') lines.push(r.line);
          else if (r.kind === 'dead_letter') dead.push(r.row);
        }
        pending.push(writer.write(lines, dead));
        if (kafka) lagSamples.push(...hourLag(hour, committedBefore, offset));
        committedBefore = offset;
        // A batch delivered twice, as after a crash between insert and commit.
        if (h === 100) pending.push(writer.write(lines));
      }
      await Promise.all(pending);
      // What the consumer's lag recorder wrote meanwhile (one sample per partition).
      if (lagSamples.length > 0) await t.ch.client.insert({ table: 'kafka_consumer_lag', format: 'JSONEachRow', values: lagSamples.splice(0) });
    });

    // The day as the processors lived it: surge detection every hour, root-cause
    // tracking on its instants, SLA, compliance rules and agents at the day's end.
    const instants = new Map<number, string[]>();
    const at = (ms: number, job: string) => instants.set(ms, [...(instants.get(ms) ?? []), job]);
    for (let hour = dayStart + HOUR; hour <= dayEnd; hour += HOUR) at(hour, 'surge');
    for (const ms of rootCauseAt) if (ms > dayStart && ms <= dayEnd) at(ms, 'root-cause');
    at(dayEnd, 'sla');
    at(dayEnd, 'sla-compliance');
    at(dayEnd, 'agents');
    for (const ms of [...instants.keys()].sort((a, b) => a - b)) {
      for (const job of instants.get(ms)!) await timed(job, () => step(ms, [job]));
    }
    say(`day ${day + 1}: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}`);
  }
  // The end of the range: deliveries settle (retries are seconds apart on the simulated clock).
  for (let i = 1; i <= 3; i++) await step(end + i * MIN, []);
  await writer.close();
  await p.sla.stop();
  await p.agents.close();
  await p.scheduler.stop();
  await alerts.stop();
  const received = {
    'ops-webhook': ops.accepted().length,
    'team-slack': slack.accepted().length,
    'supervisors-dingtalk': robot.accepted().filter((r) => !refused.has(r.seq)).length,
  };

  const [row] = await t.rows<{ ticket_id: string }>("SELECT ticket_id FROM ticket_events WHERE type = 'created' ORDER BY occurred_at DESC, ticket_id LIMIT 1 OFFSET 200");
  return { range: { from: start, to: end + HOUR }, sim, sampleTicketId: row.ticket_id, runs, acknowledged, received };
}

/**
 * Consumer-lag samples for one Kafka hour, as the lag recorder writes them: at the
 * half hour the hour's messages (offsets `from`..`to`, round-robin over 4 partitions)
 * wait in Kafka; once delivered at the end of the hour the lag is back to 0.
 */
function hourLag(hourMs: number, from: number, to: number): LagRow[] {
  const partitions = [0, 1, 2, 3].map((p) => ({
    // Offsets o ≡ p (mod 4) below n, i.e. the next offset to read in partition p.
    count: (n: number) => Math.floor((n - p + 3) / 4),
    p,
  }));
  const status = (committed: (p: number) => number, hw: (p: number) => number): KafkaIngestStatus =>
    ({
      groupId: 'ticketpulse-ingest',
      partitions: partitions.map(({ p }) => ({
        topic: 'ticket-events',
        partition: p,
        committed: String(committed(p)),
        highWatermark: String(hw(p)),
        lag: hw(p) - committed(p),
        paused: false,
        inFlightBatches: 0,
      })),
    }) as unknown as KafkaIngestStatus;
  const before = (p: number) => partitions[p].count(from);
  const after = (p: number) => partitions[p].count(to);
  return [...lagRows(status(before, after), 'ingest-1', hourMs + 30 * MIN), ...lagRows(status(after, after), 'ingest-1', hourMs + HOUR)];
}
