// Every migration, one line each; applied in version order (sorted below), so a
// migration added later with a lower number still runs — each creates its own tables.
import type { Migration } from './migration.ts';
import { deadLetters, ticketEvents } from './001_ticket_events.ts';
import { processorRuns } from './007_processor_runs.ts';
import { clusters } from './008_clusters.ts';
import { agents } from './006_agents.ts';
import { alertsTables } from './004_alerts.ts';
import { ticketSla } from './003_ticket_sla.ts';
import { surges } from './005_surges.ts';
import { kafkaConsumerLag } from './009_kafka_consumer_lag.ts';

const ALL: Migration[] = [
  ticketEvents,
  deadLetters,
  processorRuns,
  clusters,
  agents,
  alertsTables,
  ticketSla,
  surges,
  kafkaConsumerLag,
];

export const MIGRATIONS: readonly Migration[] = ALL.sort((a, b) => a.version - b.version);
