// The simulator's public face: a seeded, deterministic support organisation that emits
// ticket lifecycle events (see DESIGN.md, "The event contract"), a runner that paces it
// against the wall clock, and sinks for files, HTTP and Kafka.
export { createSimulation, DEFAULT_INCIDENT } from './generator.ts';
export type { Simulation, SimulationOptions, IncidentOptions, IncidentInfo, SimulationStats } from './generator.ts';
export { runSimulation } from './runner.ts';
export type { RunOptions, RunTotals } from './runner.ts';
export { fileSink, httpSink, kafkaSink } from './sinks.ts';
export type { EventSink, SimBatch, HttpSink, HttpSinkOptions, HttpSinkStats, KafkaSinkOptions } from './sinks.ts';
export { createOrganisation, TEAM_SPECIALITIES } from './organisation.ts';
export type { Organisation, OrganisationOptions, Agent, Customer, Tenant } from './organisation.ts';
export {
  CATEGORIES,
  TEAMS,
  REGIONS,
  PRIORITIES,
  CUSTOMER_TIERS,
  STATUSES,
  PRODUCTS,
  REGION_UTC_OFFSET_HOURS,
} from './catalogue.ts';
export type { Category, Team, Region, Priority, CustomerTier, Status, Channel, Language, Product, ProductKind } from './catalogue.ts';
export { MALFORMED_KINDS, malformedLine } from './malformed.ts';
export type { MalformedKind } from './malformed.ts';
export { Rng, hashString } from './random.ts';
export { isoFromMs } from './iso-time.ts';
