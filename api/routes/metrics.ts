// GET /metrics — Prometheus text exposition of the process's shared registry.
// Register with `fastify.register(metricsRoutes, { registry })`; the registry is
// passed in (not imported) so tests and the small ingest listener can choose theirs.
import type { FastifyPluginAsync } from 'fastify';
import type { MetricsRegistry } from '../../core/metrics.ts';

export interface MetricsRouteOptions {
  registry: MetricsRegistry;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description: 'Prometheus text format: ingest counters, batch histograms, consumer lag per partition, paused partitions, last commit time, process metrics.',
        tags: ['operations'],
      },
      // Scraped every few seconds: keep it out of the info log.
      logLevel: 'warn',
    },
    async (_req, reply) => {
      const body = await opts.registry.metrics();
      return reply.header('content-type', opts.registry.contentType).send(body);
    },
  );
};
