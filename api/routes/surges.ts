// Surges: the volume anomalies the surge detector stored (latest verdict per bucket,
// still standing), newest bucket first. The route sees them only through SurgesPort
// (core/ports), never the detector itself.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
import { SURGE_DIMENSION_PATTERN, SurgeListSchema, type ListSurgesQuery, type SurgesPort } from '../../core/ports/surges.ts';
import { ErrorResponse } from '../schemas.ts';

export interface SurgesRouteOptions {
  surges: SurgesPort;
  /** Injectable clock for tests (epoch ms). */
  now?: () => number;
}

const DEFAULT_SINCE_MS = 86_400_000;
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 5_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const RELATIVE = /^(\d{1,6})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
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

const bad = (field: string, message: string) => new TicketPulseError('bad_request', `${field}: ${message}`, { field });

function single(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw bad(name, 'give it once');
  return String(raw);
}

export function parseSurgesQuery(query: Record<string, unknown>, nowMs: number): ListSurgesQuery {
  for (const key of Object.keys(query)) {
    if (!(ALLOWED as readonly string[]).includes(key)) throw bad(key, `unknown query parameter; allowed: ${ALLOWED.join(', ')}`);
  }
  const out: ListSurgesQuery = { since: nowMs - DEFAULT_SINCE_MS, limit: DEFAULT_LIMIT };
  const since = single(query, 'since');
  if (since !== undefined) out.since = parseSince(since, nowMs);
  const dimension = single(query, 'dimension');
  if (dimension !== undefined) {
    const values = dimension.split(',').map((v) => v.trim());
    for (const v of values) {
      if (!DIMENSION.test(v)) throw bad('dimension', `expected lower_snake_case dimension names such as region or category, got ${JSON.stringify(v)}`);
    }
    out.dimension = [...new Set(values)];
  }
  const limit = single(query, 'limit');
  if (limit !== undefined) {
    const n = /^\d+$/.test(limit) ? Number(limit) : NaN;
    if (!(n >= 1 && n <= MAX_LIMIT)) throw bad('limit', `must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(limit)}`);
    out.limit = n;
  }
  return out;
}

function parseSince(text: string, nowMs: number): number {
  const rel = RELATIVE.exec(text);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const ms = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw bad('since', `expected ISO-8601 with an offset (2026-03-01T08:00:00Z) or a relative time (30m, 24h, 7d), got ${JSON.stringify(text)}`);
  return ms;
}
