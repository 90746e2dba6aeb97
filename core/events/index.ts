export { TicketEventSchema, EVENT_TYPES, CHANNELS, EVENT_LIMITS, CURRENT_SCHEMA_VERSION } from './schema.ts';
export type { TicketEvent, TicketEventRow, EventType } from './schema.ts';
export { decodeEvent, validateEvent } from './validate.ts';
export type { DecodeResult, Accepted, Rejection, RejectReason } from './validate.ts';
export { toRow, toClickHouseTime, toCompactLine, compactLineTail, TICKET_EVENT_COLUMNS } from './row.ts';
export { CompactRowsBuilder, ROW_FIELDS } from './compact-rows.ts';
export type { Origin } from './row.ts';
export { toDeadLetter, deadLetterId, DEAD_LETTER_COLUMNS, MAX_DEAD_LETTER_RAW } from './dead-letter.ts';
export type { DeadLetterRow } from './dead-letter.ts';
