// Listening and shutting down; everything else is in app.ts.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { pino, type DestinationStream } from 'pino';
import { TicketPulseError } from '../core/errors.ts';
import { app, apiConfig, type AppOptions } from './app.ts';
import { errorBody } from './error-handler.ts';
import { isLoopback } from './plugins/security.ts';

export interface ServerOptions {
  logLevel: string;
  app: AppOptions;
  /** Where JSON logs go (default stderr, so stdout stays for status lines). */
  logStream?: DestinationStream;
}

/** Headers that carry credentials: never logged, whatever serializer logs them. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-clickhouse-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-clickhouse-key"]',
  'headers.cookie',
];

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const config = apiConfig(opts.app.config);
  const fastify = Fastify({
    loggerInstance: pino(
      {
        level: opts.logLevel,
        redact: { paths: REDACT, censor: '[redacted]' },
        serializers: {
          req: (req: { method: string; url: string; host?: string; hostname?: string; ip?: string; socket?: { remotePort?: number } }) => ({
            method: req.method,
            url: scrubUrl(req.url),
            host: req.host ?? req.hostname,
            remoteAddress: req.ip,
            remotePort: req.socket?.remotePort,
          }),
        },
      },
      opts.logStream ?? pino.destination(2),
    ),
    // Bodies above the route's limit get 413 before they are buffered.
    bodyLimit: config.defaultBodyLimitBytes,
    genReqId,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    trustProxy: config.trustProxy,
    // Closing is answered by the hooks below, in the common error format.
    return503OnClosing: false,
    // The router refuses some paths before any route or error handler runs; answer
    // those in the common error format too, without echoing the path back.
    frameworkErrors: (err, _req, reply) => sendFrameworkError(err, reply as unknown as FastifyReply),
  } satisfies FastifyServerOptions).withTypeProvider<TypeBoxTypeProvider>();
  // Node's own guards, tightened: a client stalling its headers is cut off after
  // requestTimeoutMs (Node's headers timeout stays at 60 s otherwise), and timed-out
  // requests are swept every second rather than every 30 s (read when listening starts).
  const node = fastify.server as typeof fastify.server & { connectionsCheckingInterval: number };
  node.headersTimeout = Math.min(60_000, config.requestTimeoutMs || 60_000);
  node.connectionsCheckingInterval = 1_000;
  // While closing: new requests get 503, and every answer closes its connection, so a
  // keep-alive client with a request in flight does not hold shutdown for the grace period.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onRequest', async (_req, reply) => {
    if (!closing) return;
    reply.header('connection', 'close').header('retry-after', '5');
    return reply.status(503).send(errorBody('shutting_down', 'the server is shutting down; retry on another instance'));
  });
  fastify.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  // fp: the app's decorations (authOpen) are visible here, for listen().
  await fastify.register(fp(app), { ...opts.app, config });
  // The pino instance makes Fastify's logger type more specific than callers need.
  return fastify as unknown as FastifyInstance;
}

function sendFrameworkError(err: { code?: string }, reply: FastifyReply): FastifyReply {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).send(errorBody('uri_too_long', 'a path segment is longer than 100 characters', 'url'));
  if (err.code === 'FST_ERR_BAD_URL') return reply.status(400).send(errorBody('bad_request', 'the path is not valid percent-encoding', 'url'));
  return reply.status(400).send(errorBody('bad_request', 'the request could not be routed', 'url'));
}

export async function listen(fastify: FastifyInstance, host: string, port: number): Promise<string> {
  const open = fastify.hasDecorator('authOpen') ? fastify.authOpen : true;
  if (open && !isLoopback(host)) {
    throw new TicketPulseError(
      'config_invalid',
      `refusing to listen on ${host} without API keys: configure api.auth.keys (ticketpulse keys create --scopes …) or listen on 127.0.0.1`,
      { field: 'api.host' },
    );
  }
  if (open) fastify.log.warn({ host }, 'API authentication is OFF: no API keys are configured (api.auth.keys), so the API listens on loopback only and every request gets every scope');
  await fastify.listen({ host, port });
  const address = fastify.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${actualPort}`;
}

/** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes. */
export async function shutdown(fastify: FastifyInstance, graceMs = 10_000): Promise<void> {
  const timer = setTimeout(() => fastify.server.closeAllConnections?.(), graceMs);
  timer.unref();
  try {
    await fastify.close();
  } finally {
    clearTimeout(timer);
  }
}

/** A client's X-Request-Id when it is a sane token, else a fresh one. */
function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = Array.isArray(given) ? given[0] : given;
  return id && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : randomUUID();
}

/** ClickHouse clients may put credentials in the URL (`?password=`); logs never show them. */
export function scrubUrl(url: string): string {
  return url.replace(/([?&](?:password|key|access_token|token)=)[^&]*/gi, '$1[redacted]');
}
