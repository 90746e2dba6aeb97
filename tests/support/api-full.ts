// The whole API as `ticketpulse start` serves it: every route group, each port backed by
// its real implementation over a real embedded ClickHouse (cli/processors.ts wires the
// same ones), for inject()-based tests that must see every production route — the
// OpenAPI comparison and the injection sweep. tests/support/api.ts builds the API
// without the optional ports; use it when a test needs only the built-in routes.
//
// Built by createServer, as the server is; an onRoute hook, put on the instance as
// Fastify creates it (its `fastify.initialization` diagnostics channel), records every
// route the app adds. What differs from production: no scheduler (processors run only
// when a test runs them, e.g. through tests/support/overview-seed.ts), the SLA engine
// without its deadline monitor (no alerts raised behind a test's back), the routing
// snapshot refreshed on demand instead of every 10 s, and a metrics registry of its own.
import diagnostics from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { createServer, type ServerOptions } from '../../api/server.ts';
import { createLogger } from '../../core/log.ts';
import { createMetricsRegistry, type MetricsRegistry } from '../../core/metrics.ts';
import { migrationsApplied } from '../../core/schema/index.ts';
import { BatchWriter, ClickHouseInserter, HttpIngestor } from '../../ingest/index.ts';
import { RoutingSnapshotStore, startSnapshotRefresh } from '../../processors/agents/index.ts';
import { createAlertService, type AlertService } from '../../processors/alerts/index.ts';
import { createClustersPort } from '../../processors/root-cause/index.ts';
import { createSlaEngine, parseSlaConfig, type SlaEngine } from '../../processors/sla/index.ts';
import { createSurgesPort } from '../../processors/surge/index.ts';
import { apiConfigFor, type TestApiOptions } from './api.ts';
import type { TestClickHouse } from './clickhouse.ts';

export interface FullTestApi {
  app: FastifyInstance;
  /** Every route the app registered, in order (HEAD twins and hidden routes included). */
  routes: RouteOptions[];
  writer: BatchWriter;
  /** Every log line the server wrote (JSON). */
  logs: string[];
  /** The alert service behind /v1/alerts (raise alerts through it to seed them). */
  alerts: AlertService;
  /** The SLA engine behind /v1/sla (its processor also serves POST /v1/sla/recompute). */
  sla: SlaEngine;
  /** The snapshot behind /v1/routing/weights and /v1/agents/:id/scores. */
  routing: RoutingSnapshotStore;
  /** Loads what the agents processor published since the last refresh. */
  refreshRouting(): Promise<boolean>;
  metrics: MetricsRegistry;
  close(): Promise<void>;
}

export async function buildFullTestApi(t: TestClickHouse, opts: TestApiOptions = {}): Promise<FullTestApi> {
  const { ch, config } = t;
  const log = createLogger('silent');
  const api = apiConfigFor(opts);
  const metrics = createMetricsRegistry();
  const writer = new BatchWriter({
    inserter: new ClickHouseInserter(ch),
    batchRows: 10_000,
    flushIntervalMs: 20,
    maxAttempts: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
  });
  const alerts = createAlertService({ ch, config: config.alerts, log, metrics });
  const sla = createSlaEngine({ ch, config: parseSlaConfig(config.sla), alerts: null, log });
  const routing = new RoutingSnapshotStore();
  const refresh = startSnapshotRefresh({ ch, store: routing, config: config.agents, intervalMs: 0, log });

  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const routes: RouteOptions[] = [];
  let fastify: FastifyInstance | null = null;
  let started = false;
  try {
    await alerts.start();
    started = true;
    await refresh.refresh();
    fastify = await createRecordingServer({
      logLevel: opts.logLevel ?? 'warn',
      logStream,
      app: {
        ch,
        ingestor: new HttpIngestor(writer),
        config: api,
        metrics,
        alerts: alerts.port,
        surges: createSurgesPort(ch),
        clusters: createClustersPort(ch),
        routing,
        sla: sla.port,
        readiness: [
          { name: 'clickhouse', check: () => ch.ping() },
          { name: 'migrations', check: () => migrationsApplied(ch) },
        ],
      },
    }, routes);
    await fastify.ready();
  } catch (err) {
    await fastify?.close().catch(() => {});
    refresh.stop();
    if (started) await alerts.stop();
    await sla.stop();
    await writer.close();
    throw err;
  }
  const server = fastify;

  let closing: Promise<void> | null = null;
  return {
    app: server,
    routes,
    writer,
    logs,
    alerts,
    sla,
    routing,
    refreshRouting: () => refresh.refresh(),
    metrics,
    close() {
      closing ??= (async () => {
        await server.close();
        refresh.stop();
        await alerts.stop();
        await sla.stop();
        await writer.close();
      })();
      return closing;
    },
  };
}

/** createServer, with an onRoute hook on the Fastify instance it makes, added before the app registers. */
async function createRecordingServer(options: ServerOptions, routes: RouteOptions[]): Promise<FastifyInstance> {
  const channel = diagnostics.channel('fastify.initialization');
  let hooked = false;
  const onInit = (message: unknown) => {
    if (hooked) return;
    hooked = true;
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route) => void routes.push(route));
  };
  channel.subscribe(onInit);
  let pending: Promise<FastifyInstance>;
  try {
    // createServer calls Fastify() synchronously, before its first await: only its instance is seen.
    pending = createServer(options);
  } finally {
    channel.unsubscribe(onInit);
  }
  const server = await pending;
  if (!hooked) throw new Error('createServer made no Fastify instance synchronously: the route recorder missed it');
  return server;
}
