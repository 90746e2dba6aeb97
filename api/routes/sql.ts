// POST /v1/sql — analysts' read-only SQL (also how `ticketpulse query` reaches a
// running process that holds the embedded data directory). The statement is
// checked by the engine's parser and runs with readonly = 1 and the configured
// limits; see core/clickhouse/sql-guard.ts and docs/security.md.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { AnalystSql, QueryParams, ReadFormat } from '../../core/clickhouse/index.ts';
import { BinaryBody, ErrorResponse, TextBody } from '../schemas.ts';

export interface SqlRouteOptions {
  analyst: AnalystSql;
  maxQueryBytes: number;
}

export const SqlParamValue = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null(), Type.Array(Type.Unknown())]);

export const SqlJson = Type.Object({
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Array(Type.Unknown())),
});

const CONTENT_TYPES: Record<ReadFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
  arrow: 'application/vnd.apache.arrow.stream',
};

export const sqlRoutes: FastifyPluginAsync<SqlRouteOptions> = async (app, opts) => {
  // JSON bodies only (415 otherwise); this plugin's routes only.
  app.removeContentTypeParser('text/plain');

  const SqlBody = Type.Object(
    {
      query: Type.String({ minLength: 1, maxLength: opts.maxQueryBytes, description: 'One read-only statement: SELECT/WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS' }),
      format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('arrow')], { description: 'json (default): columns with types and rows; csv: with a header line; arrow: Arrow IPC stream' })),
      params: Type.Optional(
        Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), SqlParamValue, {
          description: 'Values for {name:Type} placeholders, bound by the engine (never spliced into the text)',
        }),
      ),
    },
    { additionalProperties: false },
  );

  app.post(
    '/v1/sql',
    {
      bodyLimit: opts.maxQueryBytes * 2 + 64 * 1024,
      config: { scope: 'sql' },
      schema: {
        summary: 'Run a read-only SQL query',
        description:
          'Runs with readonly = 1 and the server\'s limits (max_execution_time, max_result_rows, max_result_bytes, max_memory_usage). ' +
          'Refused: writes and DDL, SETTINGS, INTO OUTFILE, FORMAT (use `format`), table functions other than numbers/zeros/generateRandom/generate_series/values/null/view, ' +
          'functions that reach the host (file(), …), and system tables that can show other users\' queries.',
        tags: ['sql'],
        body: SqlBody,
        response: {
          200: {
            description: 'The result, in the requested format',
            content: {
              'application/json': { schema: SqlJson },
              'text/csv': { schema: TextBody },
              'application/vnd.apache.arrow.stream': { schema: BinaryBody },
            },
          },
          400: ErrorResponse,
          403: ErrorResponse,
          413: ErrorResponse,
          415: ErrorResponse,
          429: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { query: string; format?: ReadFormat; params?: QueryParams };
      const format = body.format ?? 'json';
      if (format === 'json') return reply.type(CONTENT_TYPES.json).send(await opts.analyst.json(body.query, body.params));
      const bytes = await opts.analyst.run(body.query, format, body.params);
      return reply.type(CONTENT_TYPES[format]).send(bytes);
    },
  );
};
