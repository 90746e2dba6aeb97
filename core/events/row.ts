// Turns a validated event into the `ticket_events` row and its JSONEachRow text.
import { CURRENT_SCHEMA_VERSION, type TicketEvent, type TicketEventRow } from './schema.ts';

/** Where a message came from; written to the lineage columns and to dead letters. */
export interface Origin {
  source: 'http' | 'kafka' | 'simulator' | 'file';
  topic?: string;
  partition?: number;
  offset?: number | string;
  /** HTTP request id (dead-letter id for HTTP rejections). */
  requestId?: string;
  /** Position within the request or file. */
  index?: number;
}

/** ClickHouse parses 'YYYY-MM-DD hh:mm:ss.sss' (UTC) fastest, and it sorts as text. */
export function toClickHouseTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/**
 * occurred_at as ClickHouse text. The canonical UTC form producers send
 * ('2026-11-26T10:15:00.000Z') only needs re-slicing, which gives exactly what
 * toClickHouseTime(occurredMs) gives for a validated timestamp, without a Date.
 */
function occurredText(text: string, occurredMs: number): string {
  if (text.length === 24 && text.charCodeAt(10) === 84 && text.charCodeAt(19) === 46 && text.charCodeAt(23) === 90) {
    return `${text.slice(0, 10)} ${text.slice(11, 23)}`;
  }
  return toClickHouseTime(occurredMs);
}

export function toRow(event: TicketEvent, occurredMs: number, origin: Origin, receivedAt: string): TicketEventRow {
  return {
    event_id: event.event_id,
    ticket_id: event.ticket_id,
    type: event.type,
    occurred_at: occurredText(event.occurred_at, occurredMs),
    tenant: event.tenant ?? '',
    channel: event.channel ?? '',
    priority: event.priority ?? '',
    customer_id: event.customer_id ?? '',
    customer_tier: event.customer_tier ?? '',
    team: event.team ?? '',
    agent_id: event.agent_id ?? '',
    category: event.category ?? '',
    product: event.product ?? '',
    region: event.region ?? '',
    status: event.status ?? '',
    subject: event.subject ?? '',
    body: event.body ?? '',
    csat: event.csat ?? null,
    attributes: event.attributes ?? {},
    schema_version: event.schema_version ?? CURRENT_SCHEMA_VERSION,
    received_at: receivedAt,
    source: origin.source,
    kafka_topic: origin.topic ?? '',
    kafka_partition: origin.partition ?? -1,
    kafka_offset: origin.offset === undefined ? -1 : Number(origin.offset),
  };
}

/** Column list for inserts, in table order (explicit, so the table can grow columns). */
export const TICKET_EVENT_COLUMNS: ReadonlyArray<keyof TicketEventRow> = [
  'event_id', 'ticket_id', 'type', 'occurred_at', 'tenant', 'channel', 'priority', 'customer_id',
  'customer_tier', 'team', 'agent_id', 'category', 'product', 'region', 'status', 'subject', 'body',
  'csat', 'attributes', 'schema_version', 'received_at', 'source', 'kafka_topic', 'kafka_partition', 'kafka_offset',
];

/**
 * The same row as a JSONCompactEachRow line: values only, in TICKET_EVENT_COLUMNS
 * order. Half the bytes of the keyed form, and ClickHouse parses it markedly faster
 * (docs/performance.md); the Kafka consumer writes this form.
 */
export function toCompactLine(event: TicketEvent, occurredMs: number, origin: Origin, receivedAt: string): string {
  return JSON.stringify([
    event.event_id,
    event.ticket_id,
    event.type,
    occurredText(event.occurred_at, occurredMs),
    event.tenant ?? '',
    event.channel ?? '',
    event.priority ?? '',
    event.customer_id ?? '',
    event.customer_tier ?? '',
    event.team ?? '',
    event.agent_id ?? '',
    event.category ?? '',
    event.product ?? '',
    event.region ?? '',
    event.status ?? '',
    event.subject ?? '',
    event.body ?? '',
    event.csat ?? null,
    event.attributes ?? {},
    event.schema_version ?? CURRENT_SCHEMA_VERSION,
    receivedAt,
    origin.source,
    origin.topic ?? '',
    origin.partition ?? -1,
    origin.offset === undefined ? -1 : Number(origin.offset),
  ]);
}

/**
 * The columns after the event's own in a compact line, up to the offset (which
 * differs per message): received_at, source, topic, partition — as toCompactLine
 * writes them. The Kafka consumer's fast path builds it once per batch.
 */
export function compactLineTail(origin: Omit<Origin, 'offset'>, receivedAt: string): string {
  return `,${JSON.stringify(receivedAt)},${JSON.stringify(origin.source)},${JSON.stringify(origin.topic ?? '')},${origin.partition ?? -1},`;
}
