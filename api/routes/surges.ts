// Surges: the volume anomalies the surge detector stored (latest verdict per bucket,
// still standing), newest bucket first. The route sees them only through SurgesPort
// (core/ports), never the detector itself.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
import { SURGE_DIMENSION_PATTERN, SurgeListSchema, type ListSurgesQuery, type SurgesPort } from '../../core/ports/surges.ts';
import { badParam, checkKnown, limitParam, parseInstant, singleParam } from '../query-params.ts';
import { ErrorResponse } from '../schemas.ts';

export interface SurgesRouteOptions {
  surges: SurgesPort;
  /** Injectable clock for tests (epoch ms). */
  now?: () => number;
}

const DEFAULT_SINCE_MS = 86_400_000;
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 5_000;
const DIMENSION = new RegExp(SURGE_DIMENSION_PATTERN);
const ALLOWED = ['since', 'dimension', 'limit'] as const;

const SurgesQuery = Type.Object({
  since: Type.Optional(
    Type.String({ maxLength: 64, description: "buckets starting at or after: ISO-8601 with offset, or relative ('30m', '24h', '7d'); default 24h" }),
  ),
  dimension: Type.Optional(Type.String({ maxLength: 2048, description: 'only these dimensions (comma-separated): category, product, region, channel, tenant, cluster, …' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: `1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})` })),
});

export const surgesRoutes: FastifyPluginAsync<SurgesRouteOptions> = async (app, opts) => {
  const port = opts.surges;
  const now = opts.now ?? Date.now;

  app.get(
    '/v1/surges',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Ticket volume surges, newest bucket first',
        description:
          'Buckets whose ticket count stood out from the baseline (same hour of week over past weeks, or recent hours when history is short), ' +
          'per dimension value, with observed vs expected and the robust score. Filters: since, dimension.',
        tags: ['surges'],
        querystring: SurgesQuery,
        response: { 200: SurgeListSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.list(parseSurgesQuery(request.query as Record<string, unknown>, now())),
  );
};

export function parseSurgesQuery(query: Record<string, unknown>, nowMs: number): ListSurgesQuery {
  checkKnown(query, ALLOWED);
  const out: ListSurgesQuery = { since: nowMs - DEFAULT_SINCE_MS, limit: limitParam(query, DEFAULT_LIMIT, MAX_LIMIT) };
  const since = singleParam(query, 'since');
  if (since !== undefined) out.since = parseInstant(since, 'since', nowMs);
  const dimension = singleParam(query, 'dimension');
  if (dimension !== undefined) {
    const values = dimension.split(',').map((v) => v.trim());
    for (const v of values) {
      if (!DIMENSION.test(v)) throw badParam('dimension', `expected lower_snake_case dimension names such as region or category, got ${JSON.stringify(v)}`);
    }
    out.dimension = [...new Set(values)];
  }
  return out;
}

