// GET /metrics — Prometheus text exposition of the process's shared registry.
// Register with `fastify.register(metricsRoutes, { registry })`; the registry is
// passed in (not imported) so tests and the small ingest listener can choose theirs.
import type { FastifyPluginAsync } from 'fastify';
import type { MetricsRegistry } from '../../core/metrics.ts';

// A type alias, not an interface: wrappers such as withRouteConfig take plugins whose
// options are a Record, which an interface (no index signature) does not satisfy.
export type MetricsRouteOptions = {
  registry: MetricsRegistry;
};

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get(
    '/metrics',
    // No response schema: the body is Prometheus text, not JSON. Scraped every few
    // seconds, so kept out of the info log.
    { logLevel: 'warn' },
    async (_req, reply) => {
      const body = await opts.registry.metrics();
      return reply.header('content-type', opts.registry.contentType).send(body);
    },
  );
};
