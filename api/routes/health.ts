// Liveness and readiness. /healthz says the process answers; /readyz says it can do
// its job (ClickHouse reachable, migrations applied, consumer connected when configured).
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HealthRouteOptions {
  checks: ReadinessCheck[];
}

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Boolean()),
});

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } }, logLevel: 'warn' },
    async () => ({ status: 'ok' as const }),
  );

  app.get('/readyz', { schema: { tags: ['operations'], response: { 200: Ready, 503: Ready } }, logLevel: 'warn' }, async (_req, reply) => {
    const results = await Promise.all(opts.checks.map(async (c) => [c.name, await c.check().catch(() => false)] as const));
    const checks = Object.fromEntries(results);
    const ok = results.every(([, v]) => v);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks });
  });
};
