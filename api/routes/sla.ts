// SLA: one ticket's clocks explained, tickets at risk now, compliance figures, and
// (admin) a replay of the raw events under the rules in force. The routes see the
// SLA engine only through SlaPort (core/ports), and every parameter is validated
// here against the port's allowlists: the SQL behind them binds values, and group
// columns only ever come from SLA_GROUP_BY.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
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
  type ComplianceDimension,
  type ComplianceRequest,
  type RecomputeRequest,
  type SlaBucket,
  type SlaGroupBy,
  type SlaMetric,
  type SlaPort,
} from '../../core/ports/sla.ts';
import { badParam, checkKnown, limitParam, listParam, oneOf, parseInstant, singleParam } from '../query-params.ts';
import { ErrorResponse } from '../schemas.ts';

export interface SlaRouteOptions {
  sla: SlaPort;
  /** Injectable clock for tests (epoch ms). */
  now?: () => number;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const DAY_MS = 86_400_000;
/** Longest compliance window one request may ask for. */
const MAX_RANGE_MS = 400 * DAY_MS;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256, description: 'ticket id' }) });
const Str = (description: string) => Type.Optional(Type.String({ description }));
const dimensionDocs = Object.fromEntries(COMPLIANCE_DIMENSIONS.map((d) => [d, Str(`only these ${d} values (comma-separated)`)]));

const AtRiskQuery = Type.Object({
  team: Str('only these teams (comma-separated)'),
  metric: Str(`only these metrics: ${SLA_METRICS.join(', ')}`),
  limit: Str(`1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})`),
  include_breached: Str('true: also open metrics already past their deadline'),
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
          'and optionally by time bucket. The same SQL backs the dashboards and the compliance rules.',
        tags: ['sla'],
        querystring: ComplianceQuery,
        response: { 200: ComplianceReportSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.compliance(parseComplianceQuery(request.query as Record<string, unknown>, now())),
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
      return port.recompute(parseRecomputeBody(request.body));
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

function parseRecomputeBody(body: unknown): RecomputeRequest {
  if (body === undefined || body === null) return {};
  const b = body as { since?: string; open_only?: boolean };
  const out: RecomputeRequest = {};
  if (b.since !== undefined) out.since = parseInstant(b.since, 'since', Date.now());
  if (b.open_only !== undefined) out.openOnly = b.open_only;
  return out;
}
