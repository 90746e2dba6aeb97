// The event contract, version 1 (see DESIGN.md, "The event contract").
// This TypeBox schema is the single source of truth: the TypeScript type, the
// compiled validator used by ingest, and the OpenAPI body schema of
// POST /v1/events all derive from it.
import Type, { type Static } from 'typebox';

export const EVENT_TYPES = [
  'created',
  'assigned',
  'agent_replied',
  'customer_replied',
  'status_changed',
  'priority_changed',
  'transferred',
  'escalated',
  'resolved',
  'reopened',
  'closed',
  'satisfaction_rated',
  'updated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const CHANNELS = ['chat', 'phone', 'email', 'social', 'web'] as const;
export const CURRENT_SCHEMA_VERSION = 1;

/** Limits that the contract enforces beyond the field types. */
export const EVENT_LIMITS = {
  maxEventBytes: 256 * 1024,
  maxBodyBytes: 64 * 1024,
  maxIdLength: 128,
  maxShortField: 256,
  maxSubjectLength: 1024,
  maxAttributes: 256,
  maxAttributeValue: 8 * 1024,
  maxFutureMs: 24 * 60 * 60 * 1000,
  maxNestingDepth: 32,
} as const;

// Identifiers: printable, no control characters, bounded.
const Id = Type.String({ minLength: 1, maxLength: EVENT_LIMITS.maxIdLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
const Short = Type.String({ maxLength: EVENT_LIMITS.maxShortField });

export const TicketEventSchema = Type.Object(
  {
    event_id: Id,
    ticket_id: Id,
    type: Type.Enum(EVENT_TYPES),
    // ISO-8601 with an offset; checked by the validator, which also accepts +hhmm and
    // minute precision (common in ticketing exports) that RFC 3339 `date-time` refuses.
    occurred_at: Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601 instant with a time zone offset' }),
    tenant: Type.Optional(Short),
    channel: Type.Optional(Short),
    priority: Type.Optional(Short),
    customer_id: Type.Optional(Short),
    customer_tier: Type.Optional(Short),
    team: Type.Optional(Short),
    agent_id: Type.Optional(Short),
    category: Type.Optional(Short),
    product: Type.Optional(Short),
    region: Type.Optional(Short),
    status: Type.Optional(Short),
    subject: Type.Optional(Type.String({ maxLength: EVENT_LIMITS.maxSubjectLength })),
    // Byte length (64 KiB) is checked after schema validation; this bounds characters.
    body: Type.Optional(Type.String({ maxLength: EVENT_LIMITS.maxBodyBytes })),
    csat: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    attributes: Type.Optional(
      Type.Record(Type.String({ maxLength: EVENT_LIMITS.maxShortField }), Type.String({ maxLength: EVENT_LIMITS.maxAttributeValue })),
    ),
    schema_version: Type.Optional(Type.Integer({ minimum: 1, maximum: CURRENT_SCHEMA_VERSION })),
  },
  // Unknown top-level fields are allowed here and moved into `attributes` by the normaliser.
  { additionalProperties: true },
);

export type TicketEvent = Static<typeof TicketEventSchema>;

/** The row written to `ticket_events` (column names are the analysts' contract). */
export interface TicketEventRow {
  event_id: string;
  ticket_id: string;
  type: EventType;
  /** 'YYYY-MM-DD hh:mm:ss.sss' in UTC, the text form ClickHouse parses fastest. */
  occurred_at: string;
  tenant: string;
  channel: string;
  priority: string;
  customer_id: string;
  customer_tier: string;
  team: string;
  agent_id: string;
  category: string;
  product: string;
  region: string;
  status: string;
  subject: string;
  body: string;
  csat: number | null;
  attributes: Record<string, string>;
  schema_version: number;
  received_at: string;
  source: string;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: number;
}
