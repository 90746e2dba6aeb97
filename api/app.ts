// The API as a Fastify plugin: shared plugins first, then routes. It receives its
// collaborators (ClickHouse, the ingestor, readiness checks) instead of building
// them, so tests can register it on a bare Fastify instance and use inject().
//
// Order matters: security headers and CORS answer before auth (preflights carry no
// key); auth's onRequest hook runs before each route's rate-limit hook (limits are
// per key); the OpenAPI plugin must see every route, so it comes before them.
// Route plugins added later (metrics, alerts, …) register after the built-in ones
// and declare their scope with `config: { scope: '…' }` (docs/api.md).
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import Value from 'typebox/value';
import { createAnalystSql, type AnalystSql, type ClickHouse } from '../core/clickhouse/index.ts';
import { ApiConfigSchema, type ApiConfig } from '../core/config/index.ts';
import type { EventIngestor } from '../core/ingest-port.ts';
import type { MetricsRegistry } from '../core/metrics.ts';
import type { AlertsPort } from '../core/ports/alerts.ts';
import type { SurgesPort } from '../core/ports/surges.ts';
import type { ClustersPort } from '../core/ports/clusters.ts';
import type { RoutingPort } from '../core/ports/routing.ts';
import type { SlaPort } from '../core/ports/sla.ts';
import { auth } from './auth/index.ts';
import { installErrorHandler } from './error-handler.ts';
import { openapi } from './plugins/openapi.ts';
import { rateLimits, security } from './plugins/security.ts';
import { clickhouseRoutes } from './routes/clickhouse.ts';
import { eventsRoutes } from './routes/events.ts';
import { exportRoutes } from './routes/export.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { sqlRoutes } from './routes/sql.ts';
import { alertsRoutes } from './routes/alerts.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { surgesRoutes } from './routes/surges.ts';
import { clustersRoutes } from './routes/clusters.ts';
import { routingRoutes } from './routes/routing.ts';
import { slaRoutes } from './routes/sla.ts';
import { overviewRoutes } from './overview/index.ts';
import { withRouteConfig } from './auth/index.ts';
import { ErrorResponse } from './schemas.ts';

export interface AppOptions {
  ch: ClickHouse;
  ingestor: EventIngestor;
  readiness: ReadinessCheck[];
  /** The `api` section of the configuration; schema defaults when omitted. */
  config?: ApiConfig;
  /** Analysts' SQL; built from `ch` (and closed with the app) when omitted. */
  analyst?: AnalystSql;
  /** What processors publish; each route group is served only when its port is given. */
  metrics?: MetricsRegistry;
  alerts?: AlertsPort;
  surges?: SurgesPort;
  clusters?: ClustersPort;
  routing?: RoutingPort;
  sla?: SlaPort;
}

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function apiConfig(config?: ApiConfig): ApiConfig {
  return config ?? (Value.Default(ApiConfigSchema, {}) as ApiConfig);
}

export const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  const config = apiConfig(opts.config);
  const analyst = opts.analyst ?? createAnalystSql(opts.ch, { sql: config.sql, export: config.export });
  if (!opts.analyst) fastify.addHook('onClose', async () => analyst.close());

  fastify.addSchema(ErrorResponse);
  installErrorHandler(fastify);
  await fastify.register(security, { config });
  await fastify.register(auth, { keys: config.auth.keys });
  await fastify.register(rateLimits, { config });
  await fastify.register(openapi, { version: VERSION, ui: config.docsUi });

  await fastify.register(healthRoutes, { checks: opts.readiness });
  await fastify.register(eventsRoutes, { ingestor: opts.ingestor, bodyLimitBytes: config.bodyLimitBytes });
  await fastify.register(sqlRoutes, { analyst, maxQueryBytes: config.sql.maxQueryBytes });
  await fastify.register(exportRoutes, { analyst });
  await fastify.register(clickhouseRoutes, { analyst, maxQueryBytes: config.sql.maxQueryBytes });

  // Prometheus scrapes carry no API key: /metrics is public, like /healthz.
  if (opts.metrics) await fastify.register(withRouteConfig(metricsRoutes, { public: true }), { registry: opts.metrics });
  if (opts.alerts) await fastify.register(alertsRoutes, { alerts: opts.alerts });
  if (opts.surges) await fastify.register(surgesRoutes, { surges: opts.surges });
  if (opts.clusters) await fastify.register(clustersRoutes, { clusters: opts.clusters });
  if (opts.routing) await fastify.register(routingRoutes, { routing: opts.routing });
  if (opts.sla) await fastify.register(slaRoutes, { sla: opts.sla, complianceCacheSeconds: config.complianceCacheSeconds });
  // The built-in overview page at `/` runs the Grafana panels' SQL on the analysts' engine.
  await fastify.register(overviewRoutes, { analyst, alerts: Boolean(opts.alerts) });
};

export default app;
