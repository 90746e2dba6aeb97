// The one place that maps errors to HTTP. Every error leaves as
// { error: { code, message, field? } }; 5xx internals stay in the log.
import type { FastifyError, FastifyInstance } from 'fastify';
import { isTicketPulseError, type ErrorCode } from '../core/errors.ts';

const STATUS: Record<ErrorCode, number> = {
  config_invalid: 500,
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  clickhouse_unavailable: 503,
  clickhouse_query_failed: 500,
  data_dir_locked: 503,
  migration_failed: 503,
  kafka_unavailable: 503,
  timeout: 504,
  internal: 500,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: field ? { code, message, field } : { code, message } };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    if (isTicketPulseError(err)) {
      const status = STATUS[err.code] ?? 500;
      if (status >= 500) {
        request.log.error({ err }, 'request failed');
        const retry = err.retriable ? ' (temporary; retry later)' : '';
        return reply.status(status).send(errorBody(err.code, `${publicMessage(status)}${retry}`));
      }
      if (status === 401) reply.header('www-authenticate', 'Bearer realm="ticketpulse"');
      return reply.status(status).send(errorBody(err.code, err.message, err.field));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const first = fe.validation[0];
      const field = validationField(fe.validationContext, first?.instancePath, first?.params);
      return reply.status(400).send(errorBody('validation_failed', `${field}: ${first?.message ?? 'invalid'}`, field));
    }
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.status(status).send(errorBody('internal', publicMessage(status)));
    }
    return reply.status(status).send(errorBody(fastifyCode(fe.code, status), fe.message, status === 413 || status === 415 ? 'body' : status === 414 ? 'url' : undefined));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

function publicMessage(status: number): string {
  if (status === 503) return 'a dependency is unavailable';
  if (status === 504) return 'the request timed out';
  return 'internal error';
}

function validationField(context: string | undefined, instancePath: string | undefined, params: unknown): string {
  const missing = (params as { requiredProperties?: string[]; missingProperty?: string } | undefined);
  const name = missing?.missingProperty ?? missing?.requiredProperties?.[0];
  const path = (instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const base = path || name || '';
  return base ? base : (context ?? 'request');
}

function fastifyCode(code: string | undefined, status: number): string {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limited';
  if (status === 414) return 'uri_too_long';
  if (status === 431) return 'headers_too_large';
  if (status === 404) return 'not_found';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'bad_request';
  return 'bad_request';
}
