// Runs processors on cron schedules (node-cron) and on demand, one run of a given
// processor at a time, and records every run in `processor_runs` so operators can
// see what ran, how long it took and what failed.
import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { ClickHouse } from '../core/clickhouse/index.ts';
import { TicketPulseError, errorMessage } from '../core/errors.ts';
import { toClickHouseTime } from '../core/events/row.ts';
import type { Logger } from '../core/log.ts';

export interface JobContext {
  signal: AbortSignal;
  now: number;
  trigger: 'schedule' | 'manual' | 'startup';
}

export interface ProcessorJob {
  name: string;
  /** Cron expression (node-cron, optional seconds field), evaluated in UTC. */
  schedule: string;
  /** Returns numbers worth keeping about the run (rows written, alerts raised…). */
  run(ctx: JobContext): Promise<Record<string, number | string> | void>;
}

export interface RunRecord {
  runId: string;
  processor: string;
  trigger: JobContext['trigger'];
  startedAt: number;
  durationMs: number;
  status: 'ok' | 'error' | 'skipped';
  error?: string;
  details?: Record<string, number | string>;
}

export interface SchedulerOptions {
  ch: ClickHouse;
  log: Logger;
  jobs: ProcessorJob[];
  onRun?: (record: RunRecord) => void;
  now?: () => number;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<string, Promise<RunRecord>>();
  private readonly controller = new AbortController();
  private readonly now: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
    for (const job of opts.jobs) {
      if (!cron.validate(job.schedule)) {
        throw new TicketPulseError('config_invalid', `invalid cron schedule for processor ${job.name}: ${JSON.stringify(job.schedule)}`, {
          field: `${job.name}.schedule`,
        });
      }
    }
  }

  start(): void {
    for (const job of this.opts.jobs) {
      const task = cron.schedule(job.schedule, () => void this.runJob(job, 'schedule'), { name: job.name, timezone: 'UTC' });
      this.tasks.push(task);
    }
  }

  /** Runs one processor now (or joins its run in progress) and returns its record. */
  async runNow(name: string, trigger: JobContext['trigger'] = 'manual'): Promise<RunRecord> {
    const job = this.opts.jobs.find((j) => j.name === name);
    if (!job) throw new TicketPulseError('not_found', `no processor named ${name}`);
    return this.runJob(job, trigger);
  }

  /** Runs every processor once, one after another (the demo's faster cadence). */
  async runAll(trigger: JobContext['trigger'] = 'manual'): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    for (const job of this.opts.jobs) {
      if (this.controller.signal.aborted) break;
      records.push(await this.runJob(job, trigger));
    }
    return records;
  }

  /** Stops scheduling, asks running jobs to stop, and waits for them. */
  async stop(): Promise<void> {
    for (const t of this.tasks) await t.destroy();
    this.tasks.length = 0;
    this.controller.abort();
    await Promise.allSettled(this.running.values());
  }

  private runJob(job: ProcessorJob, trigger: JobContext['trigger']): Promise<RunRecord> {
    const inFlight = this.running.get(job.name);
    if (inFlight) {
      // A slow run must not stack up behind itself; the next tick catches up.
      if (trigger === 'schedule') this.opts.log.warn({ processor: job.name }, 'previous run still going; skipping this tick');
      return inFlight;
    }
    const run = this.execute(job, trigger).finally(() => this.running.delete(job.name));
    this.running.set(job.name, run);
    return run;
  }

  private async execute(job: ProcessorJob, trigger: JobContext['trigger']): Promise<RunRecord> {
    const startedAt = this.now();
    const t0 = performance.now();
    const record: RunRecord = { runId: randomUUID(), processor: job.name, trigger, startedAt, durationMs: 0, status: 'ok' };
    try {
      const details = await job.run({ signal: this.controller.signal, now: startedAt, trigger });
      if (details) record.details = details;
    } catch (err) {
      record.status = 'error';
      record.error = errorMessage(err);
      this.opts.log.error({ processor: job.name, err }, 'processor run failed');
    }
    record.durationMs = Math.round(performance.now() - t0);
    await this.persist(record);
    this.opts.onRun?.(record);
    return record;
  }

  private async persist(r: RunRecord): Promise<void> {
    try {
      await this.opts.ch.client.insert({
        table: 'processor_runs',
        format: 'JSONEachRow',
        values: [
          {
            run_id: r.runId,
            processor: r.processor,
            trigger: r.trigger,
            started_at: toClickHouseTime(r.startedAt),
            finished_at: toClickHouseTime(r.startedAt + r.durationMs),
            duration_ms: r.durationMs,
            status: r.status,
            error: r.error ?? '',
            details: JSON.stringify(r.details ?? {}),
          },
        ],
      });
    } catch (err) {
      // Losing a run record must not fail the run itself; the log keeps it.
      this.opts.log.warn({ processor: r.processor, err }, 'could not record the processor run');
    }
  }
}
