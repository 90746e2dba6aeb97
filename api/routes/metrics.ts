// GET /metrics — Prometheus text exposition of the process's shared registry.
// Register with `fastify.register(metricsRoutes, { registry })`; the registry is
// passed in (not imported) so tests and the small ingest listener can choose theirs.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { MetricsRegistry } from '../../core/metrics.ts';

// A type alias, not an interface: wrappers such as withRouteConfig take plugins whose
// options are a Record, which an interface (no index signature) does not satisfy.
export type MetricsRouteOptions = {
  registry: MetricsRegistry;
};

const PrometheusText = Type.String({ description: 'Prometheus text exposition format 0.0.4 (# HELP / # TYPE lines, then samples)' });

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, opts) => {
  app.get(
    '/metrics',
    {
      // Scraped every few seconds, so kept out of the info log.
      logLevel: 'warn',
      schema: {
        summary: 'Prometheus metrics of this process (ingest, API, processors, alerts)',
        description: 'One registry per process, shared by every role it runs. No key needed, like /healthz: scrape it from a trusted network.',
        tags: ['operations'],
        // The body is text, sent as it is: a string body with a text content type is not serialised.
        response: { 200: { description: 'The samples', content: { 'text/plain': { schema: PrometheusText } } } },
      },
    },
    async (_req, reply) => {
      const body = await opts.registry.metrics();
      return reply.header('content-type', opts.registry.contentType).send(body);
    },
  );
};
