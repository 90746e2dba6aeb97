// POST /v1/sql — read-only ad-hoc SQL (also how `ticketpulse query` reaches a
// running process that holds the embedded data directory).
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ClickHouse } from '../../core/clickhouse/index.ts';
import { runReadQuery, toCsv } from '../../core/clickhouse/index.ts';
import { ErrorResponse } from '../schemas.ts';

export interface SqlRouteOptions {
  ch: ClickHouse;
}

const SqlBody = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 100_000 }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

const SqlJson = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Array(Type.Unknown())),
});

export const sqlRoutes: FastifyPluginAsync<SqlRouteOptions> = async (app, opts) => {
  app.post(
    '/v1/sql',
    {
      bodyLimit: 256 * 1024,
      schema: {
        summary: 'Run a read-only SQL query',
        tags: ['sql'],
        body: SqlBody,
        response: { 200: SqlJson, 400: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body as { query: string; format?: 'json' | 'csv' };
      const result = await runReadQuery(opts.ch, body.query);
      if (body.format === 'csv') return reply.type('text/csv; charset=utf-8').serializer((p: string) => p).send(toCsv(result));
      return result;
    },
  );
};
