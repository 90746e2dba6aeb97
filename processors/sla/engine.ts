// The SLA engine assembled for a running TicketPulse: the processor, the deadline
// monitor fed by it (and recording breaches through it), the compliance rules, the
// scheduler jobs and the API port. One call, so the wiring lives in one place.
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import type { Logger } from '../../core/log.ts';
import type { SlaPort } from '../../core/ports/sla.ts';
import type { ProcessorJob } from '../scheduler.ts';
import type { SlaAlertSink } from './alert-sink.ts';
import { ComplianceRules, clickHouseFigures } from './compliance-rules.ts';
import { DeadlineMonitor } from './deadline-monitor.ts';
import { complianceSettings, monitorSettings, type SlaConfig } from './defaults.ts';
import { createSlaPort } from './port.ts';
import { SlaProcessor } from './processor.ts';

export interface SlaEngineOptions {
  ch: ClickHouse;
  /** The parsed `sla` section (parseSlaConfig). */
  config: SlaConfig;
  /** Where at-risk, breach, escalation and compliance alerts go; null: none are raised. */
  alerts: SlaAlertSink | null;
  log?: Logger;
  now?: () => number;
}

export interface SlaEngine {
  processor: SlaProcessor;
  /** Null when alerts are off (no sink, or sla.monitor.enabled: false). */
  monitor: DeadlineMonitor | null;
  rules: ComplianceRules;
  port: SlaPort;
  /** For the Scheduler: 'sla' (incremental run + monitor sync) and 'sla-compliance' (threshold rules). */
  jobs: ProcessorJob[];
  /** Call from the writer's onFlush (ticket ids when known): recomputes soon, debounced. */
  onEventsStored(ticketIds?: Iterable<string>): void;
  /** Rebuilds the monitor's queue from ticket_sla; call before the scheduler starts. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSlaEngine(opts: SlaEngineOptions): SlaEngine {
  const { ch, config, log } = opts;
  const now = opts.now ?? Date.now;
  const processor = new SlaProcessor({ ch, config, log, now });
  const mon = monitorSettings(config);
  let monitor: DeadlineMonitor | null = null;
  if (opts.alerts && mon.enabled) {
    monitor = new DeadlineMonitor({
      ch,
      alerts: opts.alerts,
      log,
      now,
      lateAlertMs: mon.lateAlertMs,
      record: (ids) => processor.recomputeTickets(ids, { source: 'monitor' }),
    });
    const m = monitor;
    processor.onRows((rows) => m.apply(rows));
  }
  const compliance = complianceSettings(config);
  const rules = new ComplianceRules(compliance.rules, clickHouseFigures(ch), opts.alerts, log);
  const port = createSlaPort({ ch, config, processor, now });

  const jobs: ProcessorJob[] = [
    {
      name: 'sla',
      schedule: processor.settings.schedule,
      async run() {
        const r = await processor.runIncremental();
        const synced = monitor ? await monitor.sync() : 0;
        return { tickets: r.tickets, rows: r.rows, breached: r.breached, synced, tracked: monitor?.status().tracked ?? 0 };
      },
    },
  ];
  if (compliance.rules.length > 0) {
    jobs.push({
      name: 'sla-compliance',
      schedule: compliance.schedule,
      async run(ctx) {
        const results = await rules.evaluate(ctx.now);
        return {
          rules: results.length,
          fired: results.filter((r) => r.action === 'fire').length,
          cleared: results.filter((r) => r.action === 'clear').length,
          firing: results.filter((r) => r.state === 'firing').length,
        };
      },
    });
  }

  return {
    processor,
    monitor,
    rules,
    port,
    jobs,
    onEventsStored: (ids) => processor.onEventsStored(ids),
    async start() {
      await monitor?.start();
    },
    async stop() {
      // The monitor first: recording its last alerts goes through the processor's queue.
      await monitor?.stop();
      await processor.close();
    },
  };
}
