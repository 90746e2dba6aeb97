// The OpenAPI document (GET /openapi.json) and the Swagger UI (/docs), built from
// the routes' own TypeBox schemas. Scopes come from each route's `config.scope`,
// so the document cannot drift from what the auth hook enforces.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Type from 'typebox';
import { DEFAULT_SCOPE } from '../auth/index.ts';
import { DOC_BODY, ErrorResponse } from '../schemas.ts';

export interface OpenApiOptions {
  version: string;
  ui: boolean;
}

const SCOPE_TEXT: Record<string, string> = {
  ingest: 'send events',
  read: 'read metrics, SLA, clusters, agents and routing',
  sql: "run analysts' read-only SQL and exports",
  admin: 'acknowledge and resolve alerts, recompute, manage keys',
};

const openApi: FastifyPluginAsync<OpenApiOptions> = async (app, opts) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'TicketPulse API',
        version: opts.version,
        description:
          'Ticket events in; SLA state, alerts, routing weights and analysts\' read-only SQL out. ' +
          'Authenticate with `Authorization: Bearer <key>` (`ticketpulse keys create`); each operation names the scope it needs. ' +
          'Errors are `{ "error": { "code", "message", "field"? } }` everywhere except the ClickHouse-compatible `/clickhouse`, which answers like ClickHouse.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key: tp_<id>_<secret>' },
          basicAuth: { type: 'http', scheme: 'basic', description: 'ClickHouse clients: any user name, the API key as password' },
        },
      },
      tags: [
        { name: 'ingest', description: 'ticket events in' },
        { name: 'sql', description: "analysts' read-only SQL, Arrow exports, ClickHouse-compatible HTTP" },
        { name: 'operations', description: 'health, readiness, metrics, this document' },
      ],
    },
    transform: ({ schema, url, route }) => {
      const config = (route.config ?? {}) as { scope?: string; public?: boolean };
      const out = { ...(schema ?? {}) } as Record<string, unknown>;
      if (out[DOC_BODY]) {
        out.body = out[DOC_BODY];
        delete out[DOC_BODY];
      }
      if (!config.public) {
        const scope = config.scope ?? DEFAULT_SCOPE;
        out.security = url.startsWith('/clickhouse') ? [{ bearerAuth: [] }, { basicAuth: [] }] : [{ bearerAuth: [] }];
        out.description = [out.description, `Scope: \`${scope}\` (${SCOPE_TEXT[scope] ?? scope}).`].filter(Boolean).join('\n\n');
        const responses = { ...((out.response as Record<string, unknown>) ?? {}) };
        for (const code of [401, 403, 429]) responses[code] ??= ErrorResponse;
        out.response = responses;
      }
      return { schema: out, url };
    },
  });

  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        summary: 'This OpenAPI document',
        tags: ['operations'],
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(app.swagger()),
  );

  if (opts.ui) {
    await app.register(async (ui) => {
      // The UI's own routes (HTML, assets) are public like the document they show.
      ui.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), public: true };
      });
      await ui.register(swaggerUi, { routePrefix: '/docs', staticCSP: false, uiConfig: { url: '/openapi.json', deepLinking: true } });
    });
  }
};

export const openapi = fp(openApi, { name: 'ticketpulse-openapi', fastify: '5.x' });
