// Alerts: list, one alert with its history and deliveries, acknowledge, resolve, and
// the outbox (deliveries by state, counts per channel). The routes see alerts only
// through AlertsPort (core/ports), never the alerts module itself. Reading needs the
// `read` scope; acknowledging and resolving change state, so they need `admin`.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  ALERT_STATES,
  AlertDetailSchema,
  AlertDtoSchema,
  AlertListSchema,
  DELIVERY_STATES,
  DeliveryListSchema,
  DeliveryStatsSchema,
  type AlertStateName,
  type AlertsPort,
  type DeliveryStateName,
  type ListAlertsQuery,
  type ListDeliveriesQuery,
} from '../../core/ports/alerts.ts';
import { badParam, checkKnown, limitParam, listParam, oneOf, parseInstant, singleParam } from '../query-params.ts';
import { ErrorResponse } from '../schemas.ts';

export interface AlertsRouteOptions {
  alerts: AlertsPort;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const KIND = /^[a-z][a-z0-9_]{0,63}$/;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const AlertEnvelope = Type.Object({ alert: AlertDtoSchema });

// The query-string and body schemas document the parameters and type them; the
// parsers below stay the authority on what is accepted and how a refusal reads
// (`bad_request` naming the field). They run in preValidation, before the schema
// check, so the schemas are written no stricter than the parsers: every request the
// parsers accept passes them. Unknown parameters are left in for checkKnown to name.
const List = (description: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 100 })], { description: `${description}; comma-separated or repeated` }));
const Limit = Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: `1–${MAX_LIMIT} (default ${DEFAULT_LIMIT})` }));
const Cursor = Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'next_cursor of the previous page, unchanged' }));

const AlertsQuery = Type.Object({
  state: List(`only these states: ${ALERT_STATES.join(', ')}`),
  kind: List('only these kinds (lower_snake_case, e.g. sla_breached, volume_surge, root_cause_batch)'),
  team: List('only alerts labelled with these teams (at most 256 characters each)'),
  since: Type.Optional(Type.String({ maxLength: 64, description: "alerts fired at or after: ISO-8601 with an offset, a date (UTC), or relative ('30m', '24h', '7d')" })),
  limit: Limit,
  cursor: Cursor,
});

const DeliveriesQuery = Type.Object({
  state: List(`only these states: ${DELIVERY_STATES.join(', ')}`),
  channel: List('only these channels (names from alerts.channels)'),
  limit: Limit,
  cursor: Cursor,
});

const ActionBody = Type.Union(
  [
    Type.Object(
      {
        by: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'who did it (default: the API key that made the request)' })),
        note: Type.Optional(Type.String({ maxLength: 2_000, description: 'why; kept in the alert history' })),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'Optional: { "by": "who", "note": "why" }' },
);

/** What preValidation parsed, for the handler (one parse per request: `since` may be relative to now). */
const parsedQueries = new WeakMap<FastifyRequest, ListAlertsQuery | ListDeliveriesQuery>();

export const alertsRoutes: FastifyPluginAsync<AlertsRouteOptions> = async (app, opts) => {
  const port = opts.alerts;

  app.get(
    '/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List alerts, newest first',
        description:
          'Filters (each optional; lists are comma-separated or repeated): state (firing, acknowledged, resolved), kind, team, ' +
          "since (ISO-8601 with offset, or a relative '30m' / '24h' / '7d'). limit 1–500 (default 50); cursor = next_cursor of the previous page.",
        tags: ['alerts'],
        querystring: AlertsQuery,
        response: { 200: AlertListSchema, 400: ErrorResponse },
      },
      preValidation: async (request) => {
        parsedQueries.set(request, parseAlertQuery(request.query as Record<string, unknown>, Date.now()));
      },
    },
    async (request) => port.list(parsedQueries.get(request) as ListAlertsQuery),
  );

  app.get(
    '/v1/alerts/deliveries',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List notifications in the outbox, newest first',
        description: 'Filters: state (pending, delivered, digested, dead), channel. limit 1–500 (default 50); cursor = next_cursor.',
        tags: ['alerts'],
        querystring: DeliveriesQuery,
        response: { 200: DeliveryListSchema, 400: ErrorResponse },
      },
      preValidation: async (request) => {
        parsedQueries.set(request, parseDeliveryQuery(request.query as Record<string, unknown>));
      },
    },
    async (request) => port.listDeliveries(parsedQueries.get(request) as ListDeliveriesQuery),
  );

  app.get(
    '/v1/alerts/deliveries/stats',
    { config: { scope: 'read' }, schema: { summary: 'Notification counts per channel and state', tags: ['alerts'], response: { 200: DeliveryStatsSchema } } },
    async () => port.deliveryStats(),
  );

  app.get(
    '/v1/alerts/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One alert with its history (every version) and its notifications',
        tags: ['alerts'],
        params: IdParams,
        response: { 200: AlertDetailSchema, 404: ErrorResponse },
      },
    },
    async (request) => port.get((request.params as { id: string }).id),
  );

  for (const action of ['ack', 'resolve'] as const) {
    app.post(
      `/v1/alerts/:id/${action}`,
      {
        config: { scope: 'admin' },
        schema: {
          summary: action === 'ack' ? 'Acknowledge a firing alert (stops reminders and escalation)' : 'Resolve an alert',
          description:
            'Optional JSON body: { "by": "who", "note": "why" } (no other fields; `by` defaults to the API key). 409 when the alert is not in a state this applies to.',
          tags: ['alerts'],
          params: IdParams,
          body: ActionBody,
          response: { 200: AlertEnvelope, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
        },
        // The parser's refusals (naming the field, unknown fields first) before the schema's.
        preValidation: async (request) => {
          parseActionBody(request.body, 'api');
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        // Who did it: the body's `by`, else the API key that made the request.
        const key = request.principal && !request.principal.open ? `key:${request.principal.keyId}` : 'api';
        const { by, note } = parseActionBody(request.body, key);
        const alert = action === 'ack' ? await port.ack(id, by, note) : await port.resolve(id, by, note);
        return { alert };
      },
    );
  }
};

function parseCursor(query: Record<string, unknown>): string | undefined {
  const text = singleParam(query, 'cursor');
  if (text !== undefined && (text.length === 0 || text.length > 1024)) throw badParam('cursor', 'pass next_cursor from the previous page unchanged');
  return text;
}

export function parseAlertQuery(query: Record<string, unknown>, nowMs: number): ListAlertsQuery {
  checkKnown(query, ['state', 'kind', 'team', 'since', 'limit', 'cursor']);
  const out: ListAlertsQuery = { limit: limitParam(query, DEFAULT_LIMIT, MAX_LIMIT) };
  const state = oneOf<AlertStateName>('state', listParam(query, 'state'), ALERT_STATES);
  if (state) out.state = state;
  const kind = listParam(query, 'kind');
  if (kind) {
    for (const k of kind) if (!KIND.test(k)) throw badParam('kind', `expected a lower_snake_case kind such as sla_breached, got ${JSON.stringify(k)}`);
    out.kind = kind;
  }
  const team = listParam(query, 'team');
  if (team) {
    if (team.some((t) => t.length > 256)) throw badParam('team', 'at most 256 characters');
    out.team = team;
  }
  const since = singleParam(query, 'since');
  if (since !== undefined) out.since = parseInstant(since, 'since', nowMs);
  const cursor = parseCursor(query);
  if (cursor) out.cursor = cursor;
  return out;
}

export function parseDeliveryQuery(query: Record<string, unknown>): ListDeliveriesQuery {
  checkKnown(query, ['state', 'channel', 'limit', 'cursor']);
  const out: ListDeliveriesQuery = { limit: limitParam(query, DEFAULT_LIMIT, MAX_LIMIT) };
  const state = oneOf<DeliveryStateName>('state', listParam(query, 'state'), DELIVERY_STATES);
  if (state) out.state = state;
  const channel = listParam(query, 'channel');
  if (channel) out.channel = channel;
  const cursor = parseCursor(query);
  if (cursor) out.cursor = cursor;
  return out;
}

function parseActionBody(body: unknown, defaultBy: string): { by: string; note: string } {
  if (body === undefined || body === null || body === '') return { by: defaultBy, note: '' };
  if (typeof body !== 'object' || Array.isArray(body)) throw badParam('body', 'expected a JSON object { "by": …, "note": … }');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (key !== 'by' && key !== 'note') throw badParam(key, 'unknown field; allowed: by, note');
  if (b.by !== undefined && (typeof b.by !== 'string' || b.by.trim() === '' || b.by.length > 128)) throw badParam('by', 'expected a non-empty name of at most 128 characters');
  if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 2_000)) throw badParam('note', 'expected text of at most 2000 characters');
  return { by: (b.by as string | undefined)?.trim() ?? defaultBy, note: (b.note as string | undefined) ?? '' };
}
