// Decoding and validation of one event. Pure: bytes in, a verdict out. Every
// rejection carries a machine-readable reason and the field path it is about,
// which end up in dead_letters and in the HTTP answer.
import { isUtf8 } from 'node:buffer';
import { Compile } from 'typebox/compile';
import { EVENT_LIMITS, EVENT_TYPES, TicketEventSchema, type TicketEvent } from './schema.ts';

export type RejectReason =
  | 'empty'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'not_an_object'
  | 'too_large'
  | 'too_deep'
  | 'missing_field'
  | 'invalid_type'
  | 'invalid_value'
  | 'unknown_event_type'
  | 'invalid_timestamp'
  | 'timestamp_out_of_range'
  | 'body_too_large'
  | 'unknown_field_invalid';

export interface Rejection {
  ok: false;
  reason: RejectReason;
  /** JSON pointer of the offending field ('' for the whole message). */
  path: string;
  message: string;
  /** Identifiers, when they could be read, so a dead letter can be traced to its ticket. */
  eventId?: string;
  ticketId?: string;
}

export interface Accepted {
  ok: true;
  event: TicketEvent;
  /** occurred_at as epoch milliseconds (parsed once here, reused by the row builder). */
  occurredMs: number;
}

export type DecodeResult = Accepted | Rejection;

const check = Compile(TicketEventSchema);
const KNOWN_FIELDS = new Set(Object.keys(TicketEventSchema.properties));
const EVENT_TYPE_SET = new Set<string>(EVENT_TYPES);
// RFC 3339 with a mandatory offset; seconds and fractions optional as ISO-8601 allows.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;
export const MIN_OCCURRED_MS = Date.UTC(1970, 0, 1);

/** Decodes one message (a Kafka value, an NDJSON line) and validates it. */
export function decodeEvent(raw: Buffer | string, nowMs: number = Date.now()): DecodeResult {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size === 0) return reject('empty', '', 'the message is empty');
  if (size > EVENT_LIMITS.maxEventBytes) {
    return reject('too_large', '', `the event is ${size} bytes; the limit is ${EVENT_LIMITS.maxEventBytes}`);
  }
  let text: string;
  if (typeof raw === 'string') text = raw;
  else {
    if (!isUtf8(raw)) return reject('invalid_utf8', '', 'the message is not valid UTF-8');
    text = raw.toString('utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', '', `not valid JSON: ${(err as Error).message}`);
  }
  return validateEvent(value, nowMs);
}

/** Validates an already-parsed value (an element of a JSON array body). */
export function validateEvent(value: unknown, nowMs: number = Date.now()): DecodeResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return reject('not_an_object', '', `an event must be a JSON object, got ${what}`);
  }
  const obj = value as Record<string, unknown>;
  // Identifiers are read only for a rejection: a valid event allocates nothing extra.

  if (!check.Check(obj)) return { ...firstSchemaError(obj), ...identifiers(obj) };

  const occurredMs = parseTimestamp(obj.occurred_at as string);
  if (occurredMs === null) return { ...reject('invalid_timestamp', '/occurred_at', 'occurred_at must be ISO-8601 with a time zone offset, e.g. 2026-11-26T10:15:00Z'), ...identifiers(obj) };
  if (occurredMs < MIN_OCCURRED_MS) return { ...reject('timestamp_out_of_range', '/occurred_at', 'occurred_at is before 1970-01-01'), ...identifiers(obj) };
  if (occurredMs > nowMs + EVENT_LIMITS.maxFutureMs) {
    return { ...reject('timestamp_out_of_range', '/occurred_at', 'occurred_at is more than 1 day in the future'), ...identifiers(obj) };
  }
  if (typeof obj.body === 'string' && obj.body.length * 3 > EVENT_LIMITS.maxBodyBytes) {
    // Only measure bytes when the character count alone cannot rule the limit out.
    const bytes = Buffer.byteLength(obj.body);
    if (bytes > EVENT_LIMITS.maxBodyBytes) {
      return { ...reject('body_too_large', '/body', `body is ${bytes} bytes; the limit is ${EVENT_LIMITS.maxBodyBytes}`), ...identifiers(obj) };
    }
  }

  let event = obj as TicketEvent;
  const extra = unknownFields(obj);
  if (extra) {
    const moved = moveUnknownFields(obj, extra);
    if (!moved.ok) return { ...moved, ...identifiers(obj) };
    event = moved.event;
  }
  return { ok: true, event, occurredMs };
}

function parseTimestamp(text: string): number | null {
  const canonical = parseCanonicalUtc(text);
  if (canonical !== undefined) return canonical;
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  // Indexed reads: destructuring the match array goes through its iterator, which
  // cost more than the rest of this function (profiled).
  const mo = +m[2];
  const d = +m[3];
  const s = m[6];
  // Date.parse rolls 2026-02-30 over into March; the contract wants it refused.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || +m[4] > 23 || +m[5] > 59 || (s !== undefined && +s > 59)) return null;
  const year = +m[1];
  const zone = m[8];
  // UTC ('Z'): Date.UTC on the parsed fields gives what Date.parse gives (fractions
  // truncated to milliseconds) at a fraction of the cost. Two-digit-century years
  // (Date.UTC maps 0–99 to 19xx) and offsets take the general path below.
  if ((zone === 'Z' || zone === 'z') && year >= 100) {
    if (d > daysInMonth(year, mo)) return null;
    const frac = m[7];
    const millis = frac === undefined ? 0 : +(frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, '0'));
    return Date.UTC(year, mo - 1, d, +m[4], +m[5], s === undefined ? 0 : +s, millis);
  }
  const ms = Date.parse(normaliseOffset(text));
  if (Number.isNaN(ms)) return null;
  const day = new Date(Date.UTC(year, mo - 1, d));
  if (day.getUTCDate() !== d) return null;
  return ms;
}

/**
 * The form nearly every producer sends, 'YYYY-MM-DDThh:mm:ss.sssZ', read digit by
 * digit: the same verdict as the regular-expression path, without the regex.
 * undefined when the text has another shape (the general parser decides then).
 */
function parseCanonicalUtc(t: string): number | null | undefined {
  if (
    t.length !== 24 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84 ||
    t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46 || t.charCodeAt(23) !== 90
  ) {
    return undefined;
  }
  const year = digitsAt(t, 0, 4);
  const mo = digitsAt(t, 5, 2);
  const d = digitsAt(t, 8, 2);
  const h = digitsAt(t, 11, 2);
  const mi = digitsAt(t, 14, 2);
  const s = digitsAt(t, 17, 2);
  const ms = digitsAt(t, 20, 3);
  if (year < 100 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || ms < 0) return undefined;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(year, mo) || h > 23 || mi > 59 || s > 59) return null;
  return Date.UTC(year, mo - 1, d, h, mi, s, ms);
}

/** The decimal number in t[at, at+n), or -1 if any of it is not an ASCII digit. */
function digitsAt(t: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function normaliseOffset(text: string): string {
  // Date.parse accepts +hh:mm but not +hhmm.
  return text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

function unknownFields(obj: Record<string, unknown>): string[] | null {
  let extra: string[] | null = null;
  // Object.keys over for…in: the same own keys for a parsed JSON object, and faster.
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    if (!KNOWN_FIELDS.has(keys[i])) (extra ??= []).push(keys[i]);
  }
  return extra;
}

/** Unknown top-level fields are kept in `attributes`, never dropped silently. */
function moveUnknownFields(obj: Record<string, unknown>, extra: string[]): Accepted | Rejection {
  const attributes: Record<string, string> = { ...(obj.attributes as Record<string, string> | undefined) };
  const event: Record<string, unknown> = {};
  for (const key of KNOWN_FIELDS) if (obj[key] !== undefined) event[key] = obj[key];
  for (const key of extra) {
    const value = obj[key];
    if (key.length > EVENT_LIMITS.maxShortField) {
      return reject('unknown_field_invalid', pointer(key), `unknown field name is longer than ${EVENT_LIMITS.maxShortField} characters`);
    }
    if (depth(value, EVENT_LIMITS.maxNestingDepth) > EVENT_LIMITS.maxNestingDepth) {
      return reject('too_deep', pointer(key), `unknown field ${key} is nested deeper than ${EVENT_LIMITS.maxNestingDepth} levels`);
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const name = key in attributes ? `field:${key}` : key;
    attributes[name] = text;
  }
  if (Object.keys(attributes).length > EVENT_LIMITS.maxAttributes) {
    return reject('unknown_field_invalid', '/attributes', `more than ${EVENT_LIMITS.maxAttributes} attributes (unknown fields count as attributes)`);
  }
  event.attributes = attributes;
  return { ok: true, event: event as TicketEvent, occurredMs: 0 };
}

function depth(value: unknown, limit: number): number {
  // Iterative, so a hostile 100,000-level document cannot overflow the stack here.
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const level = d + 1;
    if (level > max) max = level;
    if (max > limit) return max;
    for (const child of Object.values(v as object)) stack.push([child, level]);
  }
  return max;
}

function firstSchemaError(obj: Record<string, unknown>): Rejection {
  // Required fields first: "missing event_id" says more than a type error elsewhere.
  for (const field of ['event_id', 'ticket_id', 'type', 'occurred_at']) {
    if (obj[field] === undefined) return reject('missing_field', pointer(field), `${field} is required`);
  }
  if (typeof obj.type === 'string' && !EVENT_TYPE_SET.has(obj.type)) {
    return reject('unknown_event_type', '/type', `unknown event type ${JSON.stringify(obj.type.slice(0, 64))}; expected one of ${EVENT_TYPES.join(', ')}`);
  }
  for (const e of check.Errors(obj)) {
    const path = e.instancePath;
    if (e.keyword === 'type') return reject('invalid_type', path, `${fieldName(path)} ${e.message}`);
    if (e.keyword === 'format' && path === '/occurred_at') {
      return reject('invalid_timestamp', path, 'occurred_at must be ISO-8601 with a time zone offset, e.g. 2026-11-26T10:15:00Z');
    }
    if (e.keyword === 'anyOf' || e.keyword === 'const' || e.keyword === 'boolean') continue;
    if (path === '/body' && e.keyword === 'maxLength') return reject('body_too_large', path, `body is longer than ${EVENT_LIMITS.maxBodyBytes} characters`);
    return reject('invalid_value', path, `${fieldName(path)} ${e.message}`);
  }
  return reject('invalid_value', '', 'the event does not match the contract');
}

function identifiers(obj: Record<string, unknown>): { eventId?: string; ticketId?: string } {
  const out: { eventId?: string; ticketId?: string } = {};
  if (typeof obj.event_id === 'string') out.eventId = obj.event_id.slice(0, EVENT_LIMITS.maxIdLength);
  if (typeof obj.ticket_id === 'string') out.ticketId = obj.ticket_id.slice(0, EVENT_LIMITS.maxIdLength);
  return out;
}

function fieldName(path: string): string {
  return path === '' ? 'event' : path.slice(1).replace(/\//g, '.');
}

function pointer(key: string): string {
  return `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function reject(reason: RejectReason, path: string, message: string): Rejection {
  return { ok: false, reason, path, message };
}
