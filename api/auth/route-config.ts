// Declares the scope (or public access) for every route of a plugin that does not
// declare its own — for route plugins written without `config` (e.g. /metrics):
//
//   await fastify.register(withRouteConfig(metricsRoutes, { public: true }), { registry });
//
// A route's own `config.scope` / `config.public` still wins.
import type { FastifyContextConfig, FastifyPluginAsync } from 'fastify';

export function withRouteConfig<O extends Record<string, unknown>>(plugin: FastifyPluginAsync<O>, config: Pick<FastifyContextConfig, 'scope' | 'public'>): FastifyPluginAsync<O> {
  const wrapped: FastifyPluginAsync<O> = async (app, opts) => {
    app.addHook('onRoute', (route) => {
      const own = (route.config ?? {}) as FastifyContextConfig;
      if (own.scope === undefined && own.public === undefined) route.config = { ...own, ...config };
    });
    await app.register(plugin, opts);
  };
  return wrapped;
}
