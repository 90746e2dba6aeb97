// The API as a Fastify plugin: shared plugins first, then routes. It receives its
// collaborators (ClickHouse, the ingestor, readiness checks) instead of building
// them, so tests can register it on a bare Fastify instance and use inject().
import type { FastifyPluginAsync } from 'fastify';
import type { ClickHouse } from '../core/clickhouse/index.ts';
import type { EventIngestor } from '../core/ingest-port.ts';
import { installErrorHandler } from './error-handler.ts';
import { eventsRoutes } from './routes/events.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { sqlRoutes } from './routes/sql.ts';
import { ErrorResponse } from './schemas.ts';

export interface AppOptions {
  ch: ClickHouse;
  ingestor: EventIngestor;
  readiness: ReadinessCheck[];
  bodyLimitBytes: number;
}

export const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  fastify.addSchema(ErrorResponse);
  installErrorHandler(fastify);
  await fastify.register(healthRoutes, { checks: opts.readiness });
  await fastify.register(eventsRoutes, { ingestor: opts.ingestor, bodyLimitBytes: opts.bodyLimitBytes });
  await fastify.register(sqlRoutes, { ch: opts.ch });
};

export default app;
