// The `dead_letters` row for a rejected message: raw bytes kept (hex-encoded for the
// text insert), the reason, and enough origin to find the message again.
import type { Origin } from './row.ts';
import type { Rejection } from './validate.ts';

/** Raw bytes kept per dead letter; larger messages are truncated (raw_size keeps the real size). */
export const MAX_DEAD_LETTER_RAW = 1024 * 1024;

export interface DeadLetterRow {
  dl_id: string;
  received_at: string;
  source: string;
  reason: string;
  path: string;
  detail: string;
  event_id: string;
  ticket_id: string;
  raw_hex: string;
  raw_size: number;
  raw_truncated: number;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: number;
}

export const DEAD_LETTER_COLUMNS: ReadonlyArray<keyof DeadLetterRow> = [
  'dl_id', 'received_at', 'source', 'reason', 'path', 'detail', 'event_id', 'ticket_id',
  'raw_hex', 'raw_size', 'raw_truncated', 'kafka_topic', 'kafka_partition', 'kafka_offset',
];

/**
 * A deterministic id from the origin: a Kafka message keeps its coordinates, an HTTP
 * item its request id and index, so replays of the same input collapse.
 */
export function deadLetterId(origin: Origin): string {
  if (origin.source === 'kafka') return `kafka:${origin.topic}:${origin.partition}:${origin.offset}`;
  return `${origin.source}:${origin.requestId ?? 'unknown'}:${origin.index ?? 0}`;
}

export function toDeadLetter(raw: Buffer | string, rejection: Pick<Rejection, 'reason' | 'path' | 'message' | 'eventId' | 'ticketId'>, origin: Origin, receivedAt: string): DeadLetterRow {
  const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
  const truncated = bytes.length > MAX_DEAD_LETTER_RAW;
  return {
    dl_id: deadLetterId(origin),
    received_at: receivedAt,
    source: origin.source,
    reason: rejection.reason,
    path: rejection.path,
    detail: rejection.message,
    event_id: rejection.eventId ?? '',
    ticket_id: rejection.ticketId ?? '',
    raw_hex: (truncated ? bytes.subarray(0, MAX_DEAD_LETTER_RAW) : bytes).toString('hex'),
    raw_size: bytes.length,
    raw_truncated: truncated ? 1 : 0,
    kafka_topic: origin.topic ?? '',
    kafka_partition: origin.partition ?? -1,
    kafka_offset: origin.offset === undefined ? -1 : Number(origin.offset),
  };
}
