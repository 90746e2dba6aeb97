// GET /v1/export/:table — the raw event log (and derived tables with a time column)
// as an Arrow IPC stream for notebooks and data tools. Rows stream from the engine
// in record batches with back-pressure, so memory stays bounded whatever the range.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { exportTable, exportTables, type AnalystSql } from '../../core/clickhouse/index.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { BinaryBody, ErrorResponse } from '../schemas.ts';

export interface ExportRouteOptions {
  analyst: AnalystSql;
}

const Query = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive lower bound of the time column (ISO-8601)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive upper bound of the time column (ISO-8601)' })),
    columns: Type.Optional(
      Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$', maxLength: 4_096, description: 'comma-separated column names (default: all ordinary columns)' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000_000 })),
  },
  { additionalProperties: false },
);

export const exportRoutes: FastifyPluginAsync<ExportRouteOptions> = async (app, opts) => {
  // The name is looked up per request: a well-formed name that is not registered is a
  // 404 (like any missing resource), a malformed one a 400. The spec lists the tables
  // registered when the API starts.
  const tables = exportTables();
  const Params = Type.Object({
    table: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      examples: tables.map((t) => t.name),
      description: tables.map((t) => `\`${t.name}\` (${t.timeColumn}): ${t.description}`).join('; '),
    }),
  });

  app.get(
    '/v1/export/:table',
    {
      config: { scope: 'sql' },
      schema: {
        summary: 'Export a table as an Arrow IPC stream',
        description:
          'Streams record batches (Arrow IPC stream format, uncompressed) selected by the table\'s time column. ' +
          'Read it with pyarrow.ipc.open_stream, polars.read_ipc_stream or apache-arrow\'s RecordBatchReader. Rows are not ordered.',
        tags: ['sql'],
        params: Params,
        querystring: Query,
        response: {
          200: { description: 'Arrow IPC stream', content: { 'application/vnd.apache.arrow.stream': { schema: BinaryBody } } },
          400: ErrorResponse,
          404: ErrorResponse,
          429: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { table } = request.params as { table: string };
      if (!exportTable(table)) {
        // The raw log's ClickHouse name is not its export name: say which one to use.
        const byTable = exportTables().find((t) => t.table === table);
        if (byTable) throw new TicketPulseError('bad_request', `table ${table} is exported as /v1/export/${byTable.name}`, { field: 'table' });
        throw new TicketPulseError('not_found', `no export named ${table}; exports: ${exportTables().map((t) => t.name).join(', ')}`, { field: 'table' });
      }
      const q = request.query as { from?: string; to?: string; columns?: string; limit?: number };
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      const chunks = await opts.analyst.exportArrow(table, { from, to, columns: q.columns?.split(','), limit: q.limit });
      const iterator = chunks[Symbol.asyncIterator]();
      // Pull the first chunk before answering, so a failing query is still a JSON error, not a cut stream.
      const first = await iterator.next();
      const body = Readable.from(
        (async function* () {
          try {
            if (!first.done) yield first.value;
            for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
          } finally {
            // Client gone or stream finished: stop the engine's stream too.
            await iterator.return?.();
          }
        })(),
        { objectMode: false },
      );
      body.on('error', (err) => request.log.warn({ err }, 'export stream failed after the response started'));
      return reply
        .type('application/vnd.apache.arrow.stream')
        .header('content-disposition', `attachment; filename="${table}.arrows"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
};
