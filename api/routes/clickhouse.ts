// /clickhouse — the ClickHouse HTTP interface for tools (Grafana's ClickHouse data
// source in HTTP mode, @clickhouse/client, DBeaver, curl), read-only, on top of the
// same guard and limits as POST /v1/sql. The statement comes from `?query=` and/or
// the body; `{name:Type}` placeholders take `param_<name>` values; the FORMAT
// clause or `default_format` picks the output. Answers and errors look like
// ClickHouse's, because that is what these tools parse.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { AnalystSql } from '../../core/clickhouse/index.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { BinaryBody, TextBody } from '../schemas.ts';
import { clickHouseError, contentTypeFor, decodeHttpParams, splitUrlParams } from './clickhouse-http.ts';

export interface ClickHouseRouteOptions {
  analyst: AnalystSql;
  maxQueryBytes: number;
}

const Query = Type.Object(
  {
    query: Type.Optional(Type.String({ description: 'the statement (or send it as the body)' })),
    default_format: Type.Optional(Type.String({ description: 'format when the statement has no FORMAT clause (default TabSeparated)' })),
    database: Type.Optional(Type.String({ description: 'must be the database TicketPulse uses' })),
    query_id: Type.Optional(Type.String()),
  },
  { additionalProperties: true, description: 'Also `param_<name>` values for {name:Type} placeholders, and output-format settings' },
);

const ClickHouseErrorText = Type.String({ description: 'Code: N. DB::Exception: <message>. (TYPE) (version …); header X-ClickHouse-Exception-Code: N' });

export const clickhouseRoutes: FastifyPluginAsync<ClickHouseRouteOptions> = async (app, opts) => {
  // ClickHouse takes the statement as the body whatever the content type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: opts.maxQueryBytes + 1024 }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (err, request, reply) => {
    const answer = clickHouseError(err, await opts.analyst.version());
    if (answer.status >= 500) request.log.error({ err }, 'clickhouse request failed');
    if (answer.status === 401) reply.header('www-authenticate', 'Basic realm="ticketpulse", charset="UTF-8"');
    return reply
      .status(answer.status)
      .header('x-clickhouse-exception-code', String(answer.code))
      .type('text/plain; charset=UTF-8')
      .send(answer.body);
  });

  app.get(
    '/clickhouse/ping',
    { config: { public: true, rateLimit: false }, logLevel: 'warn', schema: { summary: 'ClickHouse-compatible liveness (answers "Ok.")', tags: ['sql'], response: { 200: TextBody } } },
    async (_req, reply) => reply.type('text/plain; charset=UTF-8').send('Ok.\n'),
  );

  const schema = {
    summary: 'ClickHouse-compatible HTTP interface (read-only)',
    description:
      'For tools that speak ClickHouse over HTTP. Send the API key as basic-auth password (any user name), as X-ClickHouse-Key or as a Bearer token. ' +
      'Same read-only rules and limits as POST /v1/sql; URL settings are limited to output-format settings and lower limits.',
    tags: ['sql'],
    querystring: Query,
    response: {
      200: { description: 'The result in the requested format', content: { 'application/octet-stream': { schema: BinaryBody }, 'text/plain': { schema: TextBody } } },
      '4xx': { description: 'ClickHouse-style error', content: { 'text/plain': { schema: ClickHouseErrorText } } },
    },
  };
  const handler = (request: FastifyRequest, reply: FastifyReply) => run(opts, request, reply);
  for (const url of ['/clickhouse', '/clickhouse/']) {
    app.route({ method: ['GET', 'POST'], url, config: { scope: 'sql' }, schema: url === '/clickhouse' ? schema : { ...schema, hide: true }, handler });
  }
};

async function run(opts: ClickHouseRouteOptions, request: FastifyRequest, reply: FastifyReply) {
  const q = request.query as Record<string, unknown>;
  const fromUrl = typeof q.query === 'string' ? q.query : '';
  const fromBody = typeof request.body === 'string' ? request.body : '';
  const sql = [fromUrl, fromBody].filter((s) => s.trim().length > 0).join('\n');
  if (sql.length === 0) throw new TicketPulseError('bad_request', 'Empty query', { field: 'query', details: { clickhouseCode: 62, clickhouseType: 'SYNTAX_ERROR' } });
  const database = typeof q.database === 'string' ? q.database : undefined;
  if (database && database !== opts.analyst.engine.database) {
    throw new TicketPulseError('not_found', `Database ${database} is not served here; use ${opts.analyst.engine.database}`, { field: 'database' });
  }
  const split = splitUrlParams(q);
  const defaultFormat = typeof q.default_format === 'string' && q.default_format ? q.default_format : 'TabSeparated';
  const params = decodeHttpParams(sql, split.params);
  const { body, format } = await opts.analyst.compatible(sql, { defaultFormat, params, settings: split.settings });
  return reply
    .header('x-clickhouse-format', format)
    .header('x-clickhouse-query-id', typeof q.query_id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(q.query_id) ? q.query_id : request.id)
    .header('x-clickhouse-server-display-name', 'ticketpulse')
    .type(contentTypeFor(format))
    .send(body);
}
