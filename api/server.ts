// Listening and shutting down; everything else is in app.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { app, type AppOptions } from './app.ts';

export interface ServerOptions {
  logLevel: string;
  app: AppOptions;
}

export async function createServer(opts: ServerOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    // Request lines are info-level: visible at debug/info, quiet at warn.
    logger: { level: opts.logLevel },
    // Bodies above the per-route limit get 413 before they are buffered.
    bodyLimit: opts.app.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
  }).withTypeProvider<TypeBoxTypeProvider>();
  await fastify.register(app, opts.app);
  return fastify;
}

export async function listen(fastify: FastifyInstance, host: string, port: number): Promise<string> {
  await fastify.listen({ host, port });
  const address = fastify.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${actualPort}`;
}
