// SLA: one ticket's clocks explained, tickets at risk now, compliance figures, and
// (admin) a replay of the raw events under the rules in force. The routes see the
// SLA engine only through SlaPort (core/ports), and every parameter is validated
// here against the port's allowlists: the SQL behind them binds values, and group
// columns only ever come from SLA_GROUP_BY.
//
// Compliance answers are cached in memory for `api.complianceCacheSeconds` (default
// 10 s), keyed by the normalised parameters only: every reader with the `read` scope
// sees the same data, and auth runs before the handler. Relative windows (`from=24h`,
// no `to`) are keyed by their text, so a cached answer is at most the TTL older than
// "now". `X-Cache: hit|miss|bypass`, `Age` and `Cache-Control` say which one a client
// got; `Cache-Control: no-cache` in the request forces a fresh answer. POST
// /v1/sla/recompute empties the cache (before and after it runs); scheduled processor
// runs do not, so the TTL bounds how stale an answer may be.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
import { ApiConfigSchema } from '../../core/config/schema.ts';
import {
  AtRiskListSchema,
  COMPLIANCE_DIMENSIONS,
  ComplianceReportSchema,
  RecomputeReportSchema,
  SLA_BUCKETS,
  SLA_GROUP_ALIASES,
  SLA_GROUP_BY,
  SLA_METRICS,
  SlaTicketDtoSchema,
  type AtRiskRequest,
  type ComplianceReport,
  type ComplianceDimension,
  type ComplianceRequest,
  type RecomputeRequest,
  type SlaBucket,
  type SlaGroupBy,
  type SlaMetric,
  type SlaPort,
} from '../../core/ports/sla.ts';
import { badParam, checkKnown, limitParam, listParam, oneOf, parseInstant, singleParam } from '../query-params.ts';
import { ResponseCache } from '../response-cache.ts';
import { ErrorResponse } from '../schemas.ts';

export interface SlaRouteOptions {
  sla: SlaPort;
  /** Injectable clock for tests (epoch ms); also the compliance cache's clock. */
  now?: () => number;
  /** `api.complianceCacheSeconds`: how long a compliance answer is shared; 0 turns the cache off. */
  complianceCacheSeconds?: number;
  /** At most this many compliance answers are held (least recently used go first). */
  complianceCacheMaxEntries?: number;
  /** …and at most this many rows across them. */
  complianceCacheMaxRows?: number;
}

/** The schema's default for `api.complianceCacheSeconds`, used when the caller passes none. */
export const DEFAULT_COMPLIANCE_CACHE_SECONDS = (ApiConfigSchema.properties.complianceCacheSeconds as unknown as { default: number }).default;
const DEFAULT_CACHE_ENTRIES = 256;
const DEFAULT_CACHE_ROWS = 200_000;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const DAY_MS = 86_400_000;
/** Longest compliance window one request may ask for. */
const MAX_RANGE_MS = 400 * DAY_MS;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256, description: 'ticket id' }) });
const Str = (description: string) => Type.Optional(Type.String({ description }));
// Every filter the parsers accept is listed, so the OpenAPI document (and what is
// generated from it) shows them all; `tier` is an alias of customer_tier.
const dimensionDocs = {
  ...Object.fromEntries(COMPLIANCE_DIMENSIONS.map((d) => [d, Str(`only these ${d} values (comma-separated)`)])),
  tier: Str('alias of customer_tier'),
};

const AtRiskQuery = Type.Object({
  metric: Str(`only these metrics: ${SLA_METRICS.join(', ')}`),
  limit: Str(`1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})`),
  include_breached: Str('true: also open metrics already past their deadline'),
  ...dimensionDocs,
});

const ComplianceQuery = Type.Object({
  from: Str("start of the window: ISO-8601 with offset, a date (UTC), or relative ('24h', '7d'); default 24 h before `to`"),
  to: Str('end of the window (exclusive); default now'),
  group_by: Str(`comma-separated: ${SLA_GROUP_BY.join(', ')} (tier = customer_tier)`),
  metric: Str(`only these metrics: ${SLA_METRICS.join(', ')}`),
  bucket: Str(`time bucket: ${SLA_BUCKETS.join(', ')}`),
  ...dimensionDocs,
});

const RecomputeBody = Type.Object(
  {
    since: Type.Optional(Type.String({ description: 'only tickets with events at or after this instant (ISO-8601 or a date)' })),
    open_only: Type.Optional(Type.Boolean({ description: 'only tickets not solved or closed' })),
  },
  { additionalProperties: false },
);

export const slaRoutes: FastifyPluginAsync<SlaRouteOptions> = async (app, opts) => {
  const port = opts.sla;
  const now = opts.now ?? Date.now;
  const cache = new ResponseCache<ComplianceReport>({
    ttlMs: (opts.complianceCacheSeconds ?? DEFAULT_COMPLIANCE_CACHE_SECONDS) * 1000,
    maxEntries: opts.complianceCacheMaxEntries ?? DEFAULT_CACHE_ENTRIES,
    maxWeight: opts.complianceCacheMaxRows ?? DEFAULT_CACHE_ROWS,
    weigh: (report) => report.rows.length + 1,
    now,
  });

  app.get(
    '/v1/sla/tickets/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A ticket's SLA clocks, explained",
        description:
          'Computed now from the ticket’s events under the rules in force: per metric the policy, calendar and target, elapsed and paused time, ' +
          'deadline and state, at-risk levels and escalations, the reasons (why), and the timeline of clock segments ' +
          '(running, paused by status, outside business hours, holiday, stopped) with their durations.',
        tags: ['sla'],
        params: IdParams,
        response: { 200: SlaTicketDtoSchema, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const ticket = await port.explainTicket(id);
      if (!ticket) throw new TicketPulseError('not_found', `no events for ticket ${JSON.stringify(id)}`, { field: 'id' });
      return ticket;
    },
  );

  app.get(
    '/v1/sla/at-risk',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Open SLA metrics that have reached an at-risk level, soonest deadline first',
        tags: ['sla'],
        querystring: AtRiskQuery,
        response: { 200: AtRiskListSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.atRisk(parseAtRiskQuery(request.query as Record<string, unknown>, now())),
  );

  app.get(
    '/v1/sla/compliance',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'SLA compliance (met / (met + breached)), breach counts, median and p90 business minutes',
        description:
          'Metrics decided (met or breached) in [from, to), grouped by any of the ticket dimensions, the metric and the policy, ' +
          'and optionally by time bucket. The same SQL backs the dashboards and the compliance rules. ' +
          'Answers are cached for `api.complianceCacheSeconds` (default 10 s) per normalised query and shared by every reader; ' +
          '`X-Cache: hit|miss|bypass`, `Age` and `Cache-Control` say which one you got, `Cache-Control: no-cache` in the request asks for a fresh one, ' +
          'and POST /v1/sla/recompute empties the cache.',
        tags: ['sla'],
        querystring: ComplianceQuery,
        response: { 200: ComplianceReportSchema, 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      // Parsed (and refused with a 400) before the cache is consulted: errors are never cached.
      const req = parseComplianceQuery(query, now());
      const answer = await cache.get(complianceCacheKey(query, req), () => port.compliance(req), { bypass: wantsFresh(request) });
      setCacheHeaders(reply, cache, answer.status, answer.loadedAt, now());
      return answer.value;
    },
  );

  app.post(
    '/v1/sla/recompute',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Replay raw events under the rules in force and write new ticket_sla versions',
        description: 'What `ticketpulse sla recompute` calls when a running TicketPulse holds the data directory. Runs to completion before answering.',
        tags: ['sla'],
        body: Type.Union([RecomputeBody, Type.Null()]),
        response: { 200: RecomputeReportSchema, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request) => {
      if (!port.recompute) throw new TicketPulseError('not_found', 'this process does not run the SLA processor; recompute where it runs');
      const body = parseRecomputeBody(request.body);
      // Before: no answer loaded from here on is kept while rows are being rewritten.
      // After: answers loaded during the recompute (half old, half new) are dropped.
      cache.invalidate();
      try {
        return await port.recompute(body);
      } finally {
        cache.invalidate();
      }
    },
  );
};

function dimensionFilters(query: Record<string, unknown>, names: readonly ComplianceDimension[]): Partial<Record<ComplianceDimension, string[]>> | undefined {
  const out: Partial<Record<ComplianceDimension, string[]>> = {};
  let any = false;
  for (const d of names) {
    const values = listParam(query, d) ?? (d === 'customer_tier' ? listParam(query, 'tier') : undefined);
    if (values) {
      out[d] = values;
      any = true;
    }
  }
  return any ? out : undefined;
}

export function parseAtRiskQuery(query: Record<string, unknown>, nowMs: number): AtRiskRequest {
  checkKnown(query, ['team', 'metric', 'limit', 'include_breached', ...COMPLIANCE_DIMENSIONS.filter((d) => d !== 'team'), 'tier']);
  const out: AtRiskRequest = { now: nowMs, limit: limitParam(query, DEFAULT_LIMIT, MAX_LIMIT) };
  const metrics = oneOf<SlaMetric>('metric', listParam(query, 'metric'), SLA_METRICS);
  if (metrics) out.metrics = metrics;
  const where = dimensionFilters(query, COMPLIANCE_DIMENSIONS);
  if (where) out.where = where;
  const incl = singleParam(query, 'include_breached');
  if (incl !== undefined) {
    if (incl !== 'true' && incl !== 'false') throw badParam('include_breached', `must be true or false, got ${JSON.stringify(incl)}`);
    out.includeBreached = incl === 'true';
  }
  return out;
}

export function parseComplianceQuery(query: Record<string, unknown>, nowMs: number): ComplianceRequest {
  checkKnown(query, ['from', 'to', 'group_by', 'metric', 'bucket', ...COMPLIANCE_DIMENSIONS, 'tier']);
  const toText = singleParam(query, 'to');
  const to = toText === undefined ? nowMs : parseInstant(toText, 'to', nowMs);
  const fromText = singleParam(query, 'from');
  const from = fromText === undefined ? to - DAY_MS : parseInstant(fromText, 'from', nowMs);
  if (from >= to) throw badParam('from', 'must be before to');
  if (to - from > MAX_RANGE_MS) throw badParam('from', `the window may span at most ${MAX_RANGE_MS / DAY_MS} days`);
  const groups = listParam(query, 'group_by')?.map((g) => SLA_GROUP_ALIASES[g] ?? g);
  const groupBy = oneOf<SlaGroupBy>('group_by', groups, SLA_GROUP_BY) ?? [];
  const metrics = oneOf<SlaMetric>('metric', listParam(query, 'metric'), SLA_METRICS) ?? [...SLA_METRICS];
  // Several metrics in one answer are kept apart unless the caller asked otherwise.
  if (metrics.length > 1 && !groupBy.includes('metric')) groupBy.unshift('metric');
  const out: ComplianceRequest = { from, to, metrics, groupBy };
  const bucket = singleParam(query, 'bucket');
  if (bucket !== undefined) {
    if (!(SLA_BUCKETS as readonly string[]).includes(bucket)) throw badParam('bucket', `must be one of ${SLA_BUCKETS.join(', ')}, got ${JSON.stringify(bucket)}`);
    out.bucket = bucket as SlaBucket;
  }
  const where = dimensionFilters(query, COMPLIANCE_DIMENSIONS);
  if (where) out.where = where;
  return out;
}

/**
 * The cache key: what the answer depends on, normalised. Absolute instants become epoch
 * ms (`2026-03-01` = `2026-03-01T00:00:00Z`); relative ones and defaults stay as text,
 * since they move with the clock. Filter values are sorted and de-duplicated (an IN
 * list); metrics and group_by keep their order, which the answer echoes.
 */
export function complianceCacheKey(query: Record<string, unknown>, req: ComplianceRequest): string {
  const instant = (name: 'from' | 'to'): string | number => {
    const text = singleParam(query, name);
    if (text === undefined) return 'default';
    // The same relative forms parseInstant accepts ('30m', '24h', '7d').
    return /^\d{1,6}[mhd]$/.test(text) ? `rel:${text}` : req[name];
  };
  const where = Object.entries(req.where ?? {})
    .map(([d, values]) => [d, [...new Set(values)].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([instant('from'), instant('to'), req.metrics, req.groupBy, req.bucket ?? null, where]);
}

function wantsFresh(request: FastifyRequest): boolean {
  const cc = request.headers['cache-control'];
  return typeof cc === 'string' && /(^|,)\s*(no-cache|no-store|max-age=0)\s*(,|$)/i.test(cc);
}

function setCacheHeaders(reply: FastifyReply, cache: { enabled: boolean; ttlMs: number }, status: string, loadedAt: number, nowMs: number): void {
  reply.header('x-cache', status);
  if (!cache.enabled) {
    reply.header('cache-control', 'no-store');
    return;
  }
  const age = Math.max(0, Math.floor((nowMs - loadedAt) / 1000));
  const left = Math.max(0, Math.floor((loadedAt + cache.ttlMs - nowMs) / 1000));
  reply.header('age', String(age));
  // Other readers may share it too, but only through TicketPulse: it needs a key, so no shared proxy caches it.
  reply.header('cache-control', `private, max-age=${left}`);
}

function parseRecomputeBody(body: unknown): RecomputeRequest {
  if (body === undefined || body === null) return {};
  const b = body as { since?: string; open_only?: boolean };
  const out: RecomputeRequest = {};
  if (b.since !== undefined) out.since = parseInstant(b.since, 'since', Date.now());
  if (b.open_only !== undefined) out.openOnly = b.open_only;
  return out;
}
