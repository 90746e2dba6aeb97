// The recompute on a schedule: as a job for the shared processor scheduler
// (processors/scheduler.ts, which records runs in processor_runs), or standalone on
// node-cron for a process that runs no scheduler.
import cron from 'node-cron';
import type { AgentsConfig } from '../../core/config/agents.ts';
import { TicketPulseError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ProcessorJob } from '../scheduler.ts';
import type { AgentsService, RecomputeReport } from './service.ts';

export const AGENTS_JOB_NAME = 'agents';

export function reportDetails(r: RecomputeReport): Record<string, number | string> {
  return {
    version: r.version,
    published: r.published ? 1 : 0,
    changed_entries: r.changedEntries,
    agents: r.agents,
    skills: r.skills,
    score_rows: r.scoreRows,
    insights: r.insights,
    cleared: r.cleared,
    time_basis: r.timeBasis,
  };
}

/** The job for the shared Scheduler: `new Scheduler({ jobs: [agentsProcessorJob(service, config)] })`. */
export function agentsProcessorJob(service: AgentsService, config: AgentsConfig): ProcessorJob {
  return {
    name: AGENTS_JOB_NAME,
    schedule: config.schedule,
    async run(ctx) {
      return reportDetails(await service.recompute({ now: ctx.now }));
    },
  };
}

export interface AgentsSchedule {
  stop(): Promise<void>;
}

/** Standalone node-cron schedule (UTC); a tick while a run is going joins that run. */
export function startAgentsSchedule(service: AgentsService, config: AgentsConfig, log?: Logger): AgentsSchedule {
  if (!cron.validate(config.schedule)) {
    throw new TicketPulseError('config_invalid', `invalid cron schedule ${JSON.stringify(config.schedule)}`, { field: 'agents.schedule' });
  }
  const task = cron.schedule(
    config.schedule,
    async () => {
      try {
        await service.recompute();
      } catch (err) {
        log?.error({ err }, 'agent scores recompute failed');
      }
    },
    { name: AGENTS_JOB_NAME, timezone: 'UTC', noOverlap: true },
  );
  return {
    async stop() {
      await task.destroy();
    },
  };
}
