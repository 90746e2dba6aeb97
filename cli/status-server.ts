// The small HTTP listener of a role without the API (`ingest`, `processors`):
// /healthz, /readyz with the role's checks, and /metrics for Prometheus. Container
// healthchecks (deploy/healthcheck.mjs) and scrapers need it; it serves nothing else.
import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes, type ReadinessCheck } from '../api/routes/health.ts';
import { metricsRoutes } from '../api/routes/metrics.ts';
import type { MetricsRegistry } from '../core/metrics.ts';

export interface StatusServer {
  /** Base URL actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

export async function startStatusServer(opts: { host: string; port: number; checks: ReadinessCheck[]; registry: MetricsRegistry }): Promise<StatusServer> {
  const server: FastifyInstance = Fastify({ logger: false });
  await server.register(healthRoutes, { checks: opts.checks });
  await server.register(metricsRoutes, { registry: opts.registry });
  await server.listen({ host: opts.host, port: opts.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { url: `http://${host}:${port}`, close: () => server.close() };
}
