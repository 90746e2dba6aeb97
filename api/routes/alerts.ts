// Alerts: list, one alert with its history and deliveries, acknowledge, resolve, and
// the outbox (deliveries by state, counts per channel). The routes see alerts only
// through AlertsPort (core/ports), never the alerts module itself. Reading needs the
// `read` scope; acknowledging and resolving change state, so they need `admin`.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { TicketPulseError } from '../../core/errors.ts';
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
import { ErrorResponse } from '../schemas.ts';

export interface AlertsRouteOptions {
  alerts: AlertsPort;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const KIND = /^[a-z][a-z0-9_]{0,63}$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const RELATIVE = /^(\d{1,6})([mhd])$/;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const AlertEnvelope = Type.Object({ alert: AlertDtoSchema });

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
        response: { 200: AlertListSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.list(parseAlertQuery(request.query as Record<string, unknown>, Date.now())),
  );

  app.get(
    '/v1/alerts/deliveries',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List notifications in the outbox, newest first',
        description: 'Filters: state (pending, delivered, digested, dead), channel. limit 1–500 (default 50); cursor = next_cursor.',
        tags: ['alerts'],
        response: { 200: DeliveryListSchema, 400: ErrorResponse },
      },
    },
    async (request) => port.listDeliveries(parseDeliveryQuery(request.query as Record<string, unknown>)),
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
          description: 'Optional JSON body: { "by": "who", "note": "why" }. 409 when the alert is not in a state this applies to.',
          tags: ['alerts'],
          params: IdParams,
          response: { 200: AlertEnvelope, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
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

const bad = (field: string, message: string) => new TicketPulseError('bad_request', `${field}: ${message}`, { field });

function checkKnown(query: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw bad(key, `unknown query parameter; allowed: ${allowed.join(', ')}`);
  }
}

/** `a,b` and `x=a&x=b` both mean [a, b]. */
function listParam(query: Record<string, unknown>, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw bad(name, 'must not be empty');
  return values;
}

function singleParam(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw bad(name, 'give it once');
  return String(raw);
}

function oneOf<T extends string>(name: string, values: string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (!values) return undefined;
  for (const v of values) if (!(allowed as readonly string[]).includes(v)) throw bad(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return values as T[];
}

function parseLimit(query: Record<string, unknown>): number {
  const text = singleParam(query, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT) throw bad('limit', `must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(text)}`);
  return Number(text);
}

function parseCursor(query: Record<string, unknown>): string | undefined {
  const text = singleParam(query, 'cursor');
  if (text !== undefined && (text.length === 0 || text.length > 1024)) throw bad('cursor', 'pass next_cursor from the previous page unchanged');
  return text;
}

export function parseAlertQuery(query: Record<string, unknown>, nowMs: number): ListAlertsQuery {
  checkKnown(query, ['state', 'kind', 'team', 'since', 'limit', 'cursor']);
  const out: ListAlertsQuery = { limit: parseLimit(query) };
  const state = oneOf<AlertStateName>('state', listParam(query, 'state'), ALERT_STATES);
  if (state) out.state = state;
  const kind = listParam(query, 'kind');
  if (kind) {
    for (const k of kind) if (!KIND.test(k)) throw bad('kind', `expected a lower_snake_case kind such as sla_breached, got ${JSON.stringify(k)}`);
    out.kind = kind;
  }
  const team = listParam(query, 'team');
  if (team) {
    if (team.some((t) => t.length > 256)) throw bad('team', 'at most 256 characters');
    out.team = team;
  }
  const since = singleParam(query, 'since');
  if (since !== undefined) out.since = parseSince(since, nowMs);
  const cursor = parseCursor(query);
  if (cursor) out.cursor = cursor;
  return out;
}

export function parseDeliveryQuery(query: Record<string, unknown>): ListDeliveriesQuery {
  checkKnown(query, ['state', 'channel', 'limit', 'cursor']);
  const out: ListDeliveriesQuery = { limit: parseLimit(query) };
  const state = oneOf<DeliveryStateName>('state', listParam(query, 'state'), DELIVERY_STATES);
  if (state) out.state = state;
  const channel = listParam(query, 'channel');
  if (channel) out.channel = channel;
  const cursor = parseCursor(query);
  if (cursor) out.cursor = cursor;
  return out;
}

function parseSince(text: string, nowMs: number): number {
  const rel = RELATIVE.exec(text);
  if (rel) return nowMs - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  const ms = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw bad('since', `expected ISO-8601 with an offset (2026-03-01T08:00:00Z) or a relative time (30m, 24h, 7d), got ${JSON.stringify(text)}`);
  return ms;
}

function parseActionBody(body: unknown, defaultBy: string): { by: string; note: string } {
  if (body === undefined || body === null || body === '') return { by: defaultBy, note: '' };
  if (typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'expected a JSON object { "by": …, "note": … }');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (key !== 'by' && key !== 'note') throw bad(key, 'unknown field; allowed: by, note');
  if (b.by !== undefined && (typeof b.by !== 'string' || b.by.trim() === '' || b.by.length > 128)) throw bad('by', 'expected a non-empty name of at most 128 characters');
  if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 2_000)) throw bad('note', 'expected text of at most 2000 characters');
  return { by: (b.by as string | undefined)?.trim() ?? defaultBy, note: (b.note as string | undefined) ?? '' };
}
