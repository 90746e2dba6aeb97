// HTTP hardening shared by every route: security headers, CORS (off unless
// configured), per-key rate limits, a cap on the request line, request ids echoed
// back. Registered before auth (CORS must answer preflights without a key) except
// the rate limit, whose per-route hook runs after auth so it can count per key.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { ApiConfig } from '../../core/config/index.ts';
import { TicketPulseError } from '../../core/errors.ts';

export interface SecurityOptions {
  config: ApiConfig;
}

const headersAndCors: FastifyPluginAsync<SecurityOptions> = async (app, { config }) => {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Under inject() and behind some proxies Node's own header-size limit is not in
    // the way, so the request line is bounded here too.
    if ((request.raw.url ?? '').length > config.maxUrlBytes) {
      throw Object.assign(new Error(`the request line is longer than ${config.maxUrlBytes} bytes`), { statusCode: 414 });
    }
  });
  await app.register(helmet, {
    global: true,
    // HTML here: the overview page at / and the Swagger UI at /docs, both with their
    // scripts and styles from this origin. No upgrade-insecure-requests: it makes a
    // browser fetch those over https, which fails (a blank page) when the API is reached
    // over plain http on a LAN address — TLS, where wanted, is the proxy's job.
    contentSecurityPolicy: {
      directives: {
        upgradeInsecureRequests: null,
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: config.cors.origins.length > 0 ? 'cross-origin' : 'same-origin' },
  });
  if (config.cors.origins.length > 0) {
    await app.register(cors, {
      origin: config.cors.origins.includes('*') ? '*' : config.cors.origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-ClickHouse-User', 'X-ClickHouse-Key', 'X-ClickHouse-Format'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'X-ClickHouse-Format', 'X-ClickHouse-Exception-Code', 'X-ClickHouse-Query-Id', 'X-ClickHouse-Summary'],
      maxAge: 600,
    });
  }
};

const limits: FastifyPluginAsync<SecurityOptions> = async (app, { config }) => {
  if (!config.rateLimit.enabled) return;
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // Per key; anonymous (open mode, public routes) per client address.
    keyGenerator: (req) => (req.principal && !req.principal.open ? `key:${req.principal.keyId}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, ctx) =>
      new TicketPulseError('rate_limited', `rate limit exceeded: ${ctx.max} requests per ${ctx.after}; retry after ${Math.ceil(ctx.ttl / 1000)} s`, {
        retriable: true,
      }),
  });
};

export const security = fp(headersAndCors, { name: 'ticketpulse-security', fastify: '5.x' });
export const rateLimits = fp(limits, { name: 'ticketpulse-rate-limit', fastify: '5.x' });

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

