export { Scheduler } from './scheduler.ts';
export type { ProcessorJob, JobContext, RunRecord, SchedulerOptions } from './scheduler.ts';
