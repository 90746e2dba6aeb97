// Liveness and readiness. /healthz says the process answers; /readyz says it can do
// its job (ClickHouse reachable, migrations applied, consumer connected when
// configured). The checks are passed in, so every role lists its own.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export interface HealthRouteOptions {
  checks: ReadinessCheck[];
  /** A check that takes longer counts as failed (default 2 s). */
  checkTimeoutMs?: number;
}

const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Boolean()),
});

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  const timeoutMs = opts.checkTimeoutMs ?? 2_000;
  // Probes run every few seconds: no key, no rate limit, out of the info log.
  const probe = { config: { public: true, rateLimit: false }, logLevel: 'warn' } as const;

  app.get(
    '/healthz',
    { ...probe, schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      ...probe,
      schema: {
        summary: 'Readiness: ClickHouse reachable, migrations applied, consumers connected',
        tags: ['operations'],
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_req, reply) => {
      const results = await Promise.all(opts.checks.map(async (c) => [c.name, await withTimeout(c.check(), timeoutMs)] as const));
      const ok = results.every(([, v]) => v);
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: Object.fromEntries(results) });
    },
  );
};

async function withTimeout(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
