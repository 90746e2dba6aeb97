// Composes the processors of one process: the alert service every processor raises
// through, each processor's scheduled job, and the ports the API reads. Roles that
// only serve the API get read-only ports instead (`readOnlyPorts`).
import type { ClickHouse } from '../core/clickhouse/index.ts';
import type { Config } from '../core/config/index.ts';
import type { Logger } from '../core/log.ts';
import type { AlertDto, AlertsPort } from '../core/ports/alerts.ts';
import type { SurgesPort } from '../core/ports/surges.ts';
import type { ClustersPort } from '../core/ports/clusters.ts';
import type { RoutingPort } from '../core/ports/routing.ts';
import type { SlaPort } from '../core/ports/sla.ts';
import { createSlaEngine, createSlaPort, parseSlaConfig, type SlaEngine } from '../processors/sla/index.ts';
import {
  AgentsService,
  RoutingSnapshotStore,
  agentsProcessorJob,
  createRoutingFeed,
  startSnapshotRefresh,
} from '../processors/agents/index.ts';
import { RootCauseTracker, createClustersPort, rootCauseProcessorJob } from '../processors/root-cause/index.ts';
import { createAlertService, createAlertsStorePort, type AlertService } from '../processors/alerts/index.ts';
import { Scheduler, type ProcessorJob, type RunRecord } from '../processors/index.ts';
import { SurgeDetector, createSurgesPort, surgeProcessorJob } from '../processors/surge/index.ts';

export interface ProcessorPorts {
  alerts: AlertsPort;
  surges: SurgesPort;
  clusters: ClustersPort;
  routing: RoutingPort;
  sla: SlaPort;
}

export interface Processors {
  alerts: AlertService;
  sla: SlaEngine;
  scheduler: Scheduler;
  ports: ProcessorPorts;
  stop(): Promise<void>;
}

export interface ProcessorsOptions {
  onAlert?: (alert: AlertDto) => void;
  onRun?: (record: RunRecord) => void;
}

export async function startProcessors(config: Config, ch: ClickHouse, log: Logger, opts: ProcessorsOptions = {}): Promise<Processors> {
  const alerts = createAlertService({ ch, config: config.alerts, log });
  await alerts.start();
  if (opts.onAlert) alerts.onFired(opts.onAlert);

  const jobs: ProcessorJob[] = [];
  // SLA first: its deadline monitor is rebuilt from ticket_sla before anything runs.
  const sla: SlaEngine = createSlaEngine({ ch, config: parseSlaConfig(config.sla), alerts, log });
  await sla.start();
  jobs.push(...sla.jobs);
  if (config.surge.enabled) {
    jobs.push(surgeProcessorJob(new SurgeDetector({ ch, config: config.surge, alerts, log }), config.surge));
  }
  const routing = new RoutingSnapshotStore();
  let agents: AgentsService | null = null;
  if (config.agents.enabled) {
    const feed = createRoutingFeed({ ch, config: config.agents, kafkaBrokers: config.kafka.brokers, kafkaClientId: config.kafka.clientId, log });
    agents = new AgentsService({ ch, config: config.agents, store: routing, feed, log, onAlert: (a) => alerts.raise(a), onClear: (k) => alerts.clear(k) });
    await agents.init();
    jobs.push(agentsProcessorJob(agents, config.agents));
  }
  if (config.rootCause.enabled) {
    jobs.push(rootCauseProcessorJob(new RootCauseTracker({ ch, config: config.rootCause, alerts, log }), config.rootCause));
  }

  const scheduler = new Scheduler({ ch, log, jobs, onRun: opts.onRun });
  scheduler.start();
  let stopping: Promise<void> | null = null;
  return {
    alerts,
    sla,
    scheduler,
    ports: { alerts: alerts.port, surges: createSurgesPort(ch), clusters: createClustersPort(ch), routing, sla: sla.port },
    stop() {
      stopping ??= (async () => {
        await scheduler.stop();
        await sla.stop();
        await agents?.close();
        await alerts.stop();
      })();
      return stopping;
    },
  };
}

/** For API-only processes: the same reads, no alert loop; routing weights follow the published versions. */
export async function readOnlyPorts(config: Config, ch: ClickHouse, log: Logger): Promise<{ ports: ProcessorPorts; stop(): Promise<void> }> {
  const routing = new RoutingSnapshotStore();
  const refresh = startSnapshotRefresh({ ch, store: routing, config: config.agents, log });
  await refresh.refresh();
  return {
    ports: {
      alerts: createAlertsStorePort(ch),
      surges: createSurgesPort(ch),
      clusters: createClustersPort(ch),
      routing,
      sla: createSlaPort({ ch, config: parseSlaConfig(config.sla) }),
    },
    stop: async () => refresh.stop(),
  };
}
